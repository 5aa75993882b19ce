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
   document, and a budget system's flat export imported into unit JSON;
7. the second half of the year, the self-evaluation (绩效自评) of the goals the round adopted, in
   ``7-绩效自评/`` with steps of its own: (1) a self-evaluation template per unit from its adopted goal
   return, (2) the returns as filled, careful ones and ones with the mistakes of :data:`PLANTED`
   (listed in ``samples/units/README.md``), one unit sending its export JSON instead of the workbook,
   (3) their check, (4) the annotated returns, (5) the round's self-evaluation summary, (6) one
   unit's 项目支出绩效自评表 as a Word document.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Planted:
    """One mistake planted in a sample self-evaluation: in unit ``unit``, the field at ``pointer`` (a
    JSON pointer into the selfeval interchange form, data/selfeval.schema.json) set to ``value``;
    ``code`` is the rule that must find it."""

    unit: str
    pointer: str
    value: Any
    code: str


# The self-evaluation's planted mistakes, one per rule E01–E08 (E09, the computed 总分 and 等级, is
# information on every project that can be scored). samples/units/README.md lists them for people;
# tests/test_cli.py holds the two lists together. 108001 and 112001 stay clean.
PLANTED = (
    Planted("101002", "/projects/0/indicators/1/actual", None, "E01"),          # 车辆年度巡查里程 left blank
    Planted("101003", "/projects/0/indicators/0/actual", "全部完成", "E02"),     # 物业服务面积: words, not a number
    Planted("108002", "/projects/0/total_score", 95, "E03"),                    # 总分 typed as 95 (parts: 99.6)
    Planted("101003", "/projects/1/funds/points", 15, "E04"),                   # 预算执行率 分值 raised to 15
    Planted("101002", "/projects/2/indicators/3/actual", 80, "E05"),            # 机械化清扫率 80 < 85, no reason
    Planted("101003", "/projects/2/funds/total/executed", 26, "E06"),           # spent 26 of a 24.6 budget
    Planted("108002", "/projects/1/indicators/8/actual", 980, "E07"),           # 师生满意度 980 (%), a typo for 98
    Planted("101002", "/projects/1/achievement",                                 # 实际完成情况 = 预期目标 1
            "全年拆除违法建设面积不少于8000平方米，清运拆除后建筑垃圾4000吨", "E08"),
)
SELFEVAL_AS_JSON = "108002"  # sends its self-evaluation as the export JSON, not the workbook
SELFEVAL_RENDERED = "108001"  # the unit whose 项目支出绩效自评表 the demo writes as a document
SELFEVAL_DIR = "7-绩效自评"


@dataclass
class SelfEvalRound:
    """The demo's second half (step 7): what each of its own steps wrote."""

    folder: Path
    templates: list[Path]
    returned: list[Path]
    check: CheckRun
    report_json: Path
    findings_xlsx: Path
    returns: list[Path]
    summary: Path | None      # None when consolidation does not take self-evaluations
    document: Path

    @property
    def written(self) -> list[Path]:
        return [*self.templates, *self.returned, self.report_json, self.findings_xlsx, *self.returns,
                *([self.summary] if self.summary else []), self.document]


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
    selfeval: SelfEvalRound | None = None              # step 7: the year-end self-evaluation


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
    second = selfeval_round(out / SELFEVAL_DIR, out / "2-returned", consolidation, reg)
    return DemoResult(out, templates, returned, run, report_json, findings_xlsx, returns, consolidation, summary,
                      others, second)


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


# ---------------------------------------------------------------- step 7: the year-end self-evaluation

def selfeval_round(folder: Path, goal_returns: Path, consolidation: Consolidation,
                   register: dict | None) -> SelfEvalRound | None:
    """The second half of the year on the goals the round adopted (``consolidation.taken``): templates,
    returns (careful ones, and those with the :data:`PLANTED` mistakes), check, annotated returns,
    the summary where consolidation takes self-evaluations, and one unit's 自评表 as a document."""
    from .archives import collect_inputs
    from .generate import selfeval_units
    from .render import render_to_file
    from .selfeval_writer import write_selfeval_workbook

    adopted = {r.path for r in consolidation.taken if r.readable}
    with collect_inputs([goal_returns]) as inputs:  # the zip's entries too, extracted while the block lasts
        sources = [i.path for i in inputs if i.display in adopted and i.path is not None]
        made = selfeval_units(sources)
    if not made:  # samples of one's own (--samples) whose round adopted nothing readable
        return None
    made.sort(key=lambda pair: pair[0].unit.code)
    templates = [write_selfeval_workbook(se, fw, folder / "1-自评模板") for se, fw in made]
    returned_dir = folder / "2-自评报送"
    returned = [_selfeval_return(se, fw, returned_dir) for se, fw in made]
    run = check_paths([returned_dir], register=register)
    report_json = folder / "3-自评审核报告.json"
    report_json.write_text(json.dumps(run.report.to_dict(), ensure_ascii=False, indent=2) + "\n", "utf-8")
    findings_xlsx = folder / "3-自评问题清单.xlsx"
    findings_xlsx.write_bytes(findings_workbook(run.report))
    returns = [p for p in (annotate(c, folder / "4-自评退回") for c in run.files) if p is not None]
    summary = _selfeval_summary(returned_dir, register, folder / "5-自评汇总.xlsx")
    # the 自评表 of a unit as it returned it (read back from its workbook), else of the first readable one
    readable = sorted((c for c in run.files if c.unit is not None), key=lambda c: c.unit.unit.code != SELFEVAL_RENDERED)
    (folder / "6-自评表").mkdir(parents=True, exist_ok=True)
    document = render_to_file(readable[0].unit, folder / "6-自评表", framework=readable[0].framework)[0]
    return SelfEvalRound(folder, templates, returned, run, report_json, findings_xlsx, returns, summary, document)


def _selfeval_summary(returned: Path, register: dict | None, target: Path) -> Path | None:
    """The round's self-evaluation summary, when consolidation takes self-evaluations (its ``form``)."""
    import inspect

    if register is None or "form" not in inspect.signature(consolidate).parameters:
        return None
    with consolidate([returned], register, budget_year=DEMO_YEAR, form="selfeval") as c:
        return write_summary(c, target)


def careful_selfeval(se: Any, fw: Any) -> Any:
    """``se`` filled as a careful unit fills it: the budget as approved, 96 % of it spent; each target
    met (a ceiling bettered by a tenth; a rate above 100 % or a cost above what was spent held to what
    is possible, with the reason written); 实际完成情况 in its own words. 得分, 执行率, 总分 and 等级 are
    left to the workbook's formulas."""
    from .selfeval_rules import score_project
    from .selfeval_scoring import kind_of, scoring_of

    scoring = scoring_of(fw)
    for p in se.projects:
        for line in ("total", "fiscal", "carryover", "other"):
            fl = p.funds.line(line)
            if isinstance(fl.initial, (int, float)):
                fl.budget, fl.executed = fl.initial, round(fl.initial * 0.96, 2)
        spent = p.funds.total.executed
        p.achievement = (f"全年按计划实施{p.name}，支出{spent:g}{se.money_unit}，"
                         "年度绩效目标全部完成，资金使用规范。")
        for row in p.indicators:
            row.actual = _met(row.target, kind_of(row.target), spent, se.money_unit, fw)
        for row, score in zip(p.indicators, score_project(scoring, p).scores):
            if score is not None and isinstance(row.points, (int, float)) and score < row.points:
                row.reason = "年度目标值设定偏高，按实际可完成量填报；下年度据实设定目标值。"
    return se


def _met(target: Any, kind: str | None, spent: Any, money_unit: str, fw: Any) -> Any:
    """An actual that meets ``target`` as far as it can be met."""
    if kind == "qualitative":
        return "达成"
    value = target.value if isinstance(target.value, (int, float)) else None
    if value is None:
        return None
    actual = round(value * 0.9, 2) if kind == "negative" and value > 0 else value
    if (target.unit == "%" or target.name.endswith("率")) and actual > 100:
        actual = 100
    cost = target.level1 == "成本指标" or target.level2 in fw.cost_level2
    if cost and target.unit == money_unit and isinstance(spent, (int, float)) and actual > spent:
        actual = spent
    return int(actual) if float(actual).is_integer() else actual


def _selfeval_return(se: Any, fw: Any, folder: Path) -> Path:
    """One unit's filled self-evaluation: careful, then its :data:`PLANTED` mistakes; the workbook, or
    for :data:`SELFEVAL_AS_JSON` the export JSON (with the scores the workbook showed, one typed over)."""
    from .selfeval_model import selfeval_from_dict, selfeval_to_dict
    from .selfeval_rules import score_project
    from .selfeval_scoring import scoring_of
    from .selfeval_writer import selfeval_filename, write_selfeval_workbook

    careful_selfeval(se, fw)
    as_json = se.unit.code == SELFEVAL_AS_JSON
    if as_json:  # an export carries what the workbook computed
        scoring = scoring_of(fw)
        for p in se.projects:
            s = score_project(scoring, p)
            p.funds.rate, p.funds.score, p.total_score, p.grade = s.rate, s.funds_score, s.total, s.grade
            for row, score in zip(p.indicators, s.scores):
                row.score = score
    data = selfeval_to_dict(se)
    for m in PLANTED:
        if m.unit == se.unit.code:
            _set(data, m.pointer, m.value)
    folder.mkdir(parents=True, exist_ok=True)
    if as_json:
        path = folder / selfeval_filename(se).replace(".xlsx", ".json")
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return path
    return write_selfeval_workbook(selfeval_from_dict(data), fw, folder)


def _set(data: Any, pointer: str, value: Any) -> None:
    """Set the value at a JSON pointer (RFC 6901, no escapes needed here) of ``data``."""
    *parents, last = [int(k) if k.isdigit() else k for k in pointer.strip("/").split("/")]
    for key in parents:
        data = data[key]
    data[last] = value
