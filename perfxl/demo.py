"""``perfxl demo``: the main job on the shipped samples, so a new operator sees a whole round.

Templates for every unit of the sample register; the sample units' filled workbooks (their data,
mistakes included, as units would send them back); the check of those returns with its report and
findings workbook; and the annotated return of each.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import perfxl

from .check import CheckRun, annotate, check_paths, load_register_index
from .errors import PerfxlError
from .generate import GenerateResult, templates_from_data, templates_from_register
from .report_out import findings_workbook

__all__ = ["find_samples", "run_demo", "DemoResult", "DEMO_YEAR"]

DEMO_YEAR = 2023  # the seed document's budget year, so the sample units' data match their register figures


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
    returned: GenerateResult
    check: CheckRun
    report_json: Path
    findings_xlsx: Path
    returns: list[Path]


def run_demo(out_dir: str | Path = "perfxl-demo", samples: str | Path | None = None) -> DemoResult:
    src = find_samples(samples)
    out = Path(out_dir)
    register = src / "register.xlsx"
    templates = templates_from_register(register, out / "1-templates", budget_year=DEMO_YEAR)
    returned = templates_from_data(sorted((src / "units").glob("*.json")), out / "2-returned")
    run = check_paths([out / "2-returned"], register=load_register_index(register))
    report_json = out / "3-审核报告.json"
    report_json.write_text(json.dumps(run.report.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
    findings_xlsx = out / "3-问题清单.xlsx"
    findings_xlsx.write_bytes(findings_workbook(run.report))
    returns = [p for p in (annotate(c, out / "4-returns") for c in run.files) if p is not None]
    return DemoResult(out, templates, returned, run, report_json, findings_xlsx, returns)
