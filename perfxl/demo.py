"""``perfxl demo``: a whole collection round on the shipped samples, so a new operator sees it all.

1. templates for every unit of the sample register;
2. the returns as an office receives them: the sample units' filled workbooks (mistakes included),
   one unit that sent twice (the later copy corrected), one broken file, two returns inside a zip
   made on Chinese Windows, and units that never sent anything;
3. the check of every return, with its report and findings workbook;
4. the annotated return of each readable workbook;
5. the consolidated summary workbook for the finance office;
6. beyond the round: each shipped framework's sample (``samples/frameworks/``: an older MoF-style table
   with 满意度 under 效益指标 and weights, the MoF 2021 table) as a workbook, its check and its
   document, and a budget system's flat export imported into unit JSON.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import perfxl

from .archives import write_gbk_zip
from .check import CheckRun, annotate, check_paths, load_register_index
from .consolidate import Consolidation, consolidate
from .errors import PerfxlError
from .frameworks import load_framework
from .generate import GenerateResult, templates_from_register
from .i18n import t
from .model import load_unit
from .report_out import findings_workbook
from .summary import write_summary
from .writer import workbook_filename, write_workbook

__all__ = ["find_samples", "shipped_samples", "run_demo", "DemoResult", "DEMO_YEAR"]

DEMO_YEAR = 2023  # the seed document's budget year, so the sample units' data match their register figures
_RESENT = "101002"   # sends a first version with a mistake, then a corrected one
_BROKEN = "112002"   # its file arrives truncated
_ZIPPED = ("108001", "108002")  # arrive together in one zip from a Windows PC


SAMPLES_PACKAGE = "perfxl.samples"  # = samples/ in the repository (setup.cfg package_dir)


def shipped_samples() -> Path | None:
    """The samples installed with perfxl (package data), or None when they are not on disk.

    They ship inside the package so ``perfxl demo`` works from any folder after ``pip install .``,
    not only in a source checkout.
    """
    from importlib import resources

    try:
        root = resources.files(SAMPLES_PACKAGE)
    except ModuleNotFoundError:
        return None
    return root if isinstance(root, Path) else None


def find_samples(samples: str | Path | None = None) -> Path:
    """The samples folder: as given, else the one installed with perfxl."""
    if samples:
        candidates = [Path(samples)]
    else:
        candidates = [p for p in (shipped_samples(),) if p is not None]
    for c in candidates:
        if (c / "register.xlsx").is_file():
            return c
    where = "、".join(map(str, candidates)) or SAMPLES_PACKAGE
    raise PerfxlError(t(f"找不到示例文件夹（需要含 register.xlsx）：{where}；请用 --samples 指定示例文件夹，"
                        "或重新安装 perfxl",
                        f"sample folder not found (it must hold register.xlsx): {where}; give one with --samples "
                        "or reinstall perfxl"))


@dataclass
class DemoResult:
    out_dir: Path
    templates: GenerateResult
    returned: list[Path]
    check: CheckRun
    report_json: Path
    findings_xlsx: Path
    returns: list[Path]
    consolidation: Consolidation
    summary: Path
    others: list[Path] = field(default_factory=list)  # step 6: other frameworks and the flat import


def _returns(src: Path, folder: Path, staging: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    staging.mkdir(parents=True, exist_ok=True)
    out: list[Path] = []
    zipped: list[Path] = []
    for data in sorted((src / "units").glob("*.json")):
        unit = load_unit(data)
        fw = load_framework(unit.framework or "hebei-2023")
        target = staging if unit.unit.code in _ZIPPED else folder
        path = write_workbook(unit, fw, target)
        (zipped if unit.unit.code in _ZIPPED else out).append(path)
        if unit.unit.code == _RESENT:
            first = unit.projects[0]
            first.goals = ["请输入绩效目标"]
            early = folder / workbook_filename(unit).replace(".xlsx", "（第一次报送）.xlsx")
            early.write_bytes(perfxl.render_workbook(unit, fw))
            os.utime(early, (path.stat().st_mtime - 86400,) * 2)  # sent a day before the corrected copy
            out.append(early)
    broken = next(u for u in perfxl.read_register(src / "register.xlsx", DEMO_YEAR) if u.unit.code == _BROKEN)
    data = perfxl.render_workbook(broken, load_framework())
    path = folder / workbook_filename(broken)
    path.write_bytes(data[: len(data) // 3])  # an attachment cut short in transit
    out.append(path)
    archive = folder / "邮件附件.zip"
    write_gbk_zip(archive, {f"报送/{f.name}": f.read_bytes() for f in zipped})
    shutil.rmtree(staging)
    out.append(archive)
    return out


def run_demo(out_dir: str | Path = "perfxl-demo", samples: str | Path | None = None) -> DemoResult:
    src = find_samples(samples)
    out = Path(out_dir)
    register = src / "register.xlsx"
    templates = templates_from_register(register, out / "1-templates", budget_year=DEMO_YEAR)
    returned = _returns(src, out / "2-returned", out / ".staging")
    reg = load_register_index(register)
    run = check_paths([out / "2-returned"], register=reg)
    report_json = out / "3-审核报告.json"
    report_json.write_text(json.dumps(run.report.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
    findings_xlsx = out / "3-问题清单.xlsx"
    findings_xlsx.write_bytes(findings_workbook(run.report))
    returns = [p for p in (annotate(c, out / "4-returns") for c in run.files) if p is not None]
    consolidation = consolidate([out / "2-returned"], reg, budget_year=DEMO_YEAR)
    summary = write_summary(consolidation, out / "5-汇总.xlsx")
    others = _other_formats(src, out / "6-其他指标体系与导入")
    return DemoResult(out, templates, returned, run, report_json, findings_xlsx, returns, consolidation, summary,
                      others)


def _other_formats(src: Path, folder: Path) -> list[Path]:
    """Each framework sample as a workbook, its check report and its document; a flat export and its import."""
    from .importer import import_file
    from .model import dump_unit
    from .render import render_to_file
    from .samples.make_flat_export import write_flat_export

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for data in sorted((src / "frameworks").glob("*.json")):
        unit = load_unit(data)
        fw = load_framework(unit.framework or "hebei-2023")
        book = write_workbook(unit, fw, folder)
        checked = check_paths([book])
        report = folder / f"{data.stem}-审核报告.json"
        report.write_text(json.dumps(checked.report.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
        written += [book, report, render_to_file(unit, folder)[0]]
    export = write_flat_export(folder / "预算系统导出.xlsx")
    result = import_file(export, money_unit="万元")
    imported = folder / "导入结果"
    imported.mkdir(exist_ok=True)
    for unit in result.units:
        path = imported / f"{unit.unit.code}.json"
        path.write_text(dump_unit(unit), "utf-8")
        written.append(path)
    notes = imported / "导入提示.txt"
    notes.write_text("\n".join(result.problems) + "\n", "utf-8")
    return [*written, export, notes]
