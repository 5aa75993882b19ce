"""The command line: each command parses its options, calls one library function and turns the
library's expected errors (PerfxlError) into a one-line message and exit status 2."""
from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import PerfxlError
from .frameworks import DEFAULT_FRAMEWORK, list_frameworks
from .integrity import load_key


def _clean_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PerfxlError as e:
            click.echo(f"错误：{e}", err=True)
            sys.exit(2)
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="perfxl")
def main() -> None:
    """perfxl: 预算绩效目标表的生成、读取、审核与汇总。"""


@main.command()
@click.argument("register", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--data", "data_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="单位数据 JSON（unit-goals.schema.json 格式），生成预填的工作簿；可多次给出。")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹。")
@click.option("--framework", default=None, help=f"指标体系 id（{', '.join(list_frameworks())}）或 .json 文件路径；"
                                                 f"默认 {DEFAULT_FRAMEWORK}（--data 时取 JSON 中的 framework）。")
@click.option("--year", type=int, default=None, help="预算年度；默认为明年。")
@click.option("--password", default=None, help="工作表与工作簿结构保护密码；默认不设密码。")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="签名密钥文件（HMAC-SHA256）；不给时读环境变量 PERFXL_KEY，都没有则用 SHA-256。")
@click.option("--prefill", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="上年单位数据 JSON 所在文件夹（perfxl import 的结果）：延续项目（项目编码相同）预填上年目标与指标。")
@click.option("--roll-year", is_flag=True, help="与 --prefill 同用：把沿用文字中的上年年份改为本预算年度。")
@_clean_errors
def template(register, data_files, out_dir, framework, year, password, key_file, prefill, roll_year):
    """按项目清单为每个单位生成锁定的填报工作簿；或用 --data 生成预填数据的工作簿。

    \b
    perfxl template samples/register.xlsx -o out/
    perfxl template --data samples/units/115001.json -o out/
    """
    from .generate import templates_from_data, templates_from_register

    if bool(register) == bool(data_files):
        raise click.UsageError("请给出项目清单 REGISTER，或用 --data 给出单位数据 JSON（二者选一）。")
    key = load_key(key_file)
    if register:
        bar = _Bar("生成", "个单位")
        bar.start(None)
        try:
            result = templates_from_register(register, out_dir, budget_year=year,
                                             framework=framework or DEFAULT_FRAMEWORK, password=password,
                                             key=key, prefill=prefill, roll_year=roll_year, progress=bar.tick)
        finally:
            bar.close()
        for note in result.notes:
            click.echo(note)
    else:
        if year is not None or prefill or roll_year:
            raise click.UsageError("--year、--prefill、--roll-year 只用于项目清单；--data 的内容取自 JSON。")
        result = templates_from_data(data_files, out_dir, framework=framework, password=password, key=key)
    projects = sum(len(u.projects) for u in result.units)
    click.echo(f"已生成 {len(result.paths)} 个单位工作簿（{projects} 个项目，指标体系 {result.framework.id}）"
               f"：{out_dir}")


@main.command()
@click.argument("out_dir", required=False, default="perfxl-demo", type=click.Path(file_okay=False, path_type=Path))
@click.option("--samples", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="示例文件夹（含 register.xlsx 与 units/）；默认为源码中的 samples/。")
@_clean_errors
def demo(out_dir, samples):
    """用自带示例跑一遍：生成模板、模拟单位报送、审核、生成标注退回工作簿。"""
    from .demo import run_demo

    r = run_demo(out_dir, samples)
    t = r.templates
    click.echo(f"示例项目清单：{len(t.units)} 个单位、{sum(len(u.projects) for u in t.units)} 个项目，"
               f"{t.framework.id}，{t.units[0].budget_year} 年度")
    click.echo(f"1. 空白模板 {len(t.paths)} 个：{r.out_dir / '1-templates'}")
    click.echo(f"2. 收到的报送文件 {len(r.returned)} 个（含重复报送、损坏文件和 zip 压缩包）：{r.out_dir / '2-returned'}")
    rep = r.check.report
    bad = sum(not f.valid for f in rep.files)
    click.echo(f"3. 审核：{len(rep.files)} 个文件，{bad} 个不通过，"
               f"错误 {sum(f.errors for f in rep.files)} 处，提示 {sum(f.warnings for f in rep.files)} 处"
               f" → {r.report_json}、{r.findings_xlsx}")
    click.echo(f"4. 标注退回工作簿 {len(r.returns)} 个：{r.out_dir / '4-returns'}")
    o = dict(zip(r.consolidation.overview["项目"], r.consolidation.overview["数值"]))
    click.echo(f"5. 汇总：应报 {o['应报单位']} 个单位，已报送 {o['已报送单位']} 个，未报送 {o['未报送']} 个 → {r.summary}")
    click.echo("用 Excel、WPS 或 LibreOffice 打开查看；黄色为填报区，右侧“自查”列实时检查。")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--register", "register_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="项目清单；给出时另查金额与清单一致（F03）、单位与项目在清单中（S08、X03）。")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table", show_default=True,
              help="输出格式：table 按文件列出问题；json 为审核报告；xlsx 为问题清单工作簿（需 -o）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入文件而不是屏幕。")
@click.option("--annotate", "annotate_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="为每个工作簿生成标注了问题的退回工作簿，写入此文件夹。")
@click.option("--mode", type=click.Choice(["submit", "draft"]), default="submit", show_default=True,
              help="submit 全部规则；draft 只查文件结构与模板标识。")
@click.option("--framework", default=None, help="本次使用的指标体系；工作簿用的不同则提示 S05。")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="签名密钥文件（生成模板时所用）；不给时读 PERFXL_KEY。")
@click.option("--jobs", type=int, default=1, show_default=True, help="并行进程数。")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="表格输出的语言。")
@_clean_errors
def check(paths, register_path, fmt, output, annotate_dir, mode, framework, key_file, jobs, lang):
    """审核报送的工作簿（或单位数据 JSON）：逐条列出问题、所在单元格和修改建议。

    PATHS 可以是文件和文件夹的任意组合。退出状态：0 无错误，1 有错误，2 用法或输入有误。

    \b
    perfxl check returned/ --register samples/register.xlsx
    perfxl check returned/ --format json -o report.json --annotate returns/
    """
    from .check import annotate, check_paths, load_register_index
    from .frameworks import load_framework
    from .report_out import findings_workbook, report_table

    if fmt == "xlsx" and output is None:
        raise click.UsageError("--format xlsx 需要用 -o 指定输出文件。")
    key = load_key(key_file)
    register = load_register_index(register_path)
    fw = load_framework(framework) if framework else None
    bar = _Bar("审核", "个文件")
    bar.start(None)
    try:
        run = check_paths(paths, register=register, framework=fw, key=key, mode=mode, jobs=jobs, progress=bar.tick)
    finally:
        bar.close()
    report = run.report
    if fmt == "json":
        text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
        _emit(text, output)
    elif fmt == "xlsx":
        output.write_bytes(findings_workbook(report))
        click.echo(f"问题清单：{output}")
    else:
        _emit(report_table(report, lang), output)
    if annotate_dir:
        made = [annotate(c, annotate_dir, key=key) for c in run.files]
        click.echo(f"已生成 {sum(m is not None for m in made)} 个标注退回工作簿：{annotate_dir}", err=fmt == "json" and not output)
    sys.exit(0 if report.valid else 1)


def _emit(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写入：{output}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-r", "--register", "register_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="项目清单（应报单位与项目）。")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="汇总工作簿（.xlsx）。")
@click.option("--jobs", type=int, default=None, help="并行进程数；默认为 CPU 核数。")
@click.option("--year", type=int, default=None, help="本轮预算年度；默认取多数工作簿的年度。")
@click.option("--framework", default=None, help="本轮使用的指标体系；工作簿用的不同则提示 S05。")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="签名密钥文件；不给时读 PERFXL_KEY。")
@click.option("--csv", "csv_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="另把各表写成 CSV（UTF-8）到此文件夹。")
@_clean_errors
def consolidate(paths, register_path, output, jobs, year, framework, key_file, csv_dir):
    """汇总一轮报送：文件、文件夹（含子文件夹）和 .zip 压缩包，逐个读取审核，生成汇总工作簿。

    \b
    perfxl consolidate returned/ mail.zip -r samples/register.xlsx -o 汇总.xlsx
    """
    import os

    from .consolidate import STATUS, consolidate as run_consolidation
    from .frameworks import load_framework
    from .summary import write_csv, write_summary

    bar = _Bar("读取审核", "个文件")
    try:
        result = run_consolidation(paths, register_path, budget_year=year,
                                   framework=load_framework(framework) if framework else None,
                                   key=load_key(key_file), jobs=jobs or os.cpu_count() or 1,
                                   progress=bar.tick, on_total=bar.start)
    finally:
        bar.close()
    write_summary(result, output)
    if csv_dir:
        write_csv(result, csv_dir)
    o = dict(zip(result.overview["项目"], result.overview["数值"]))
    click.echo(f"{result.budget_year} 年度：应报 {o['应报单位']} 个单位，已报送 {o['已报送单位']} 个"
               f"（通过 {o['通过（无错误）']}，有错误 {o['有错误']}），未报送 {o['未报送']} 个。")
    click.echo(f"收到 {o['收到文件']} 个文件：" + "，".join(f"{v} {o['文件：' + v]} 个" for v in STATUS.values()))
    click.echo(f"汇总工作簿：{output}" + (f"；CSV：{csv_dir}" if csv_dir else ""))


class _Bar:
    """A tqdm bar on a terminal, nothing when output is piped."""

    def __init__(self, label: str, unit: str):
        self.label, self.unit, self.bar = label, unit, None

    def start(self, total: int) -> None:
        if sys.stderr.isatty():
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=self.label, unit=self.unit, leave=False)

    def tick(self, _item=None) -> None:
        if self.bar:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar:
            self.bar.close()


@main.command(name="import")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="一个单位时为 .json 文件；多个单位（平表）时为文件夹，每单位一个 JSON。")
@click.option("--year", type=int, default=None, help="预算年度（平表没有“预算年度”列时需要）。")
@click.option("--framework", default="hebei-2023", show_default=True, help="写入 JSON 的指标体系。")
@_clean_errors
def import_(source, output, year, framework):
    """导入上年的部门预算绩效文本（.docx 或其文本导出）或预算系统导出的平表（.xlsx/.csv），得到单位数据 JSON。

    \b
    perfxl import 2023年部门预算绩效文本.docx -o 115001.json
    perfxl import 绩效目标导出.xlsx -o last-year/
    """
    from .importer import import_file
    from .model import dump_unit

    result = import_file(source, budget_year=year, framework=framework)
    for p in result.problems:
        click.echo(f"提示：{p}", err=True)
    if len(result.units) == 1 and output.suffix.lower() == ".json":
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(dump_unit(result.units[0]), encoding="utf-8")
        written = [output]
    else:
        output.mkdir(parents=True, exist_ok=True)
        written = []
        for u in result.units:
            path = output / f"{u.unit.code or u.unit.name}.json"
            path.write_text(dump_unit(u), encoding="utf-8")
            written.append(path)
    projects = sum(len(u.projects) for u in result.units)
    indicators = sum(len(p.indicators) for u in result.units for p in u.projects)
    click.echo(f"已导入 {len(result.units)} 个单位、{projects} 个项目、{indicators} 个指标"
               f"（{len(result.problems)} 处提示）：{', '.join(map(str, written))}")


@main.command()
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="输出的 .docx 文件（或文件夹）。")
@click.option("--pdf", is_flag=True, help="另用 LibreOffice 转成 PDF（未安装时会说明）。")
@click.option("--reviewer", default=None, help="封面的审核单位，如“承德市高新区”。")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="签名密钥文件；不给时读 PERFXL_KEY。")
@_clean_errors
def render(source, output, pdf, reviewer, key_file):
    """由填好的工作簿或单位数据 JSON 生成正式的部门预算绩效文本（.docx，可另存 PDF）。

    \b
    perfxl render 115001_….xlsx -o 115001.docx --pdf --reviewer 承德市高新区
    """
    from .render import render_to_file

    unit = _load_any(source, key_file)
    docx_path, pdf_path = render_to_file(unit, output, pdf=pdf, reviewer=reviewer)
    click.echo(f"已生成：{docx_path}")
    if pdf:
        if pdf_path:
            click.echo(f"已生成：{pdf_path}")
        else:
            click.echo("未找到 LibreOffice（含 Writer），未生成 PDF：apt-get install -y libreoffice-writer-nogui", err=True)


def _load_any(source: Path, key_file: Path | None):
    """A unit from its JSON, or read from a filled workbook (which must be readable)."""
    from .errors import PerfxlError
    from .model import load_unit
    from .reader import read_workbook

    if source.suffix.lower() == ".json":
        return load_unit(source)
    read = read_workbook(source, key=load_key(key_file))
    if read.unit is None:
        raise PerfxlError(f"{source}: " + ("；".join(f.message for f in read.findings) or "无法读取"))
    return read.unit


@main.command()
@click.argument("workbook", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入的 JSON 文件；默认输出到屏幕。")
@click.option("--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="签名密钥文件；不给时读 PERFXL_KEY。")
@_clean_errors
def export(workbook, output, key_file):
    """把填好的工作簿导出为单位数据 JSON（unit-goals.schema.json 格式，template --data 的逆操作）。

    \b
    perfxl export 115001_….xlsx -o 115001.json
    """
    from .export import export_unit

    data, problems = export_unit(workbook, key=load_key(key_file))
    for f in problems:
        click.echo(f"提示：{f.message}", err=True)
    _emit(json.dumps(data, ensure_ascii=False, indent=2) + "\n", output)
