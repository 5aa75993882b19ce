"""``perfxl demo``: the main job on the shipped samples, so a new operator sees a whole round."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import perfxl

from .errors import PerfxlError
from .generate import GenerateResult, templates_from_data, templates_from_register

__all__ = ["find_samples", "run_demo", "DemoResult", "DEMO_YEAR"]

DEMO_YEAR = 2023  # the seed document's budget year, so the sample unit's data matches its register figures


def find_samples(samples: str | Path | None = None) -> Path:
    """The samples folder: as given, beside the package (a source checkout), or ./samples."""
    candidates = [Path(samples)] if samples else [Path(perfxl.__file__).resolve().parent.parent / "samples",
                                                  Path.cwd() / "samples"]
    for c in candidates:
        if (c / "register.xlsx").is_file():
            return c
    raise PerfxlError(f"找不到示例文件夹（需要含 register.xlsx）：{', '.join(map(str, candidates))}；"
                      "请在 perfxl 源码目录下运行，或用 --samples 指定")


@dataclass
class DemoResult:
    out_dir: Path
    templates: GenerateResult
    prefilled: GenerateResult


def run_demo(out_dir: str | Path = "perfxl-demo", samples: str | Path | None = None) -> DemoResult:
    """Templates for every sample unit, and the seed unit's workbook prefilled with its data."""
    src = find_samples(samples)
    out = Path(out_dir)
    templates = templates_from_register(src / "register.xlsx", out / "templates", budget_year=DEMO_YEAR)
    prefilled = templates_from_data(sorted((src / "units").glob("*.json")), out / "prefilled")
    return DemoResult(out, templates, prefilled)
