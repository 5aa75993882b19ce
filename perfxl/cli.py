"""The command line: each command parses its options, calls one library function and reports.

What every command shares, decided here once:

- language: Chinese unless ``--lang en`` (anywhere on the line) or ``PERFXL_LANG=en``; click's own
  usage, help and error texts follow (``cli_text``);
- exit status: 0 every file valid (or the command did its job), 1 findings of error severity
  (``check``), 2 a usage or input problem: click's usage errors, ``PerfxlError`` from the library
  (a bad register, nothing to check, a register matching none of the files, an output path that
  cannot be used), an OS error reading or writing a file, and an unexpected exception, shown as one
  line ("内部错误") unless ``PERFXL_DEBUG=1`` asks for the traceback;
- outputs: the ``-o`` convention of ``outputs.py`` (folder or file, suffix checked before the work,
  write then rename, "已替换原有文件" when one was replaced);
- progress: a bar on stderr when it is a terminal and the work takes a while, never otherwise.

Only click and light modules are imported at the top: ``perfxl --help`` must not pay for pandas,
openpyxl or jsonschema, and each command imports what it needs when it runs.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import click

from . import __version__
from .cli_text import active, install, localize, localize_metavar, pair
from .errors import PerfxlError
from .i18n import lang, set_lang, t
from .outputs import (Written, check_outputs, existing_files, file_target, folder_target, os_error_message,
                      replaced_in, write_bytes, write_file, write_text, written_message)

install()

_LANG_ENV = "PERFXL_LANG"
_DEBUG_ENV = "PERFXL_DEBUG"

EXIT_STATUS_ALL = pair(
    "\b\n退出状态：\n  0  完成；check 时每个文件都通过（无错误）\n  1  check：有文件存在错误（必须修改）\n"
    "  2  用法或输入有误：参数不对、文件不存在、没有可审核的文件、\n"
    "     项目清单与文件对不上、输出路径不可用",
    "\b\nExit status:\n  0  done; for check, every file is valid (no errors)\n"
    "  1  check: some file has errors (must change)\n"
    "  2  a usage or input problem: bad options, a missing file, nothing to\n"
    "     check, a register matching none of the files, an unusable output path")
EXIT_STATUS = pair(
    "\b\n退出状态：\n  0  每个文件都通过（无错误）\n  1  有文件存在错误（必须修改）\n"
    "  2  用法或输入有误：参数不对、文件不存在、没有可审核的文件、\n"
    "     项目清单与文件对不上、输出路径不可用",
    "\b\nExit status:\n  0  every file is valid (no errors)\n  1  some file has errors (must change)\n"
    "  2  a usage or input problem: bad options, a missing file, nothing to\n"
    "     check, a register matching none of the files, an unusable output path")


# ---------------------------------------------------------------------------------------------------
# Language-aware click classes


def _help_fillers() -> dict[str, Callable[[], str]]:
    """Values put into help text when it is shown (so importing the CLI never loads frameworks)."""
    def frameworks() -> str:
        from .frameworks import list_frameworks
        return ", ".join(list_frameworks())

    def default_framework() -> str:
        from .frameworks import DEFAULT_FRAMEWORK
        return DEFAULT_FRAMEWORK

    return {"{frameworks}": frameworks, "{default_framework}": default_framework}


def _shown(text: str | None) -> str | None:
    """Help text as shown: in the current language, placeholders filled."""
    text = localize(text)
    if text and "{" in text:
        for placeholder, value in _help_fillers().items():
            if placeholder in text:
                text = text.replace(placeholder, value())
    return text


class _Option(click.Option):
    def make_metavar(self, ctx: click.Context) -> str:
        return localize_metavar(super().make_metavar(ctx))


class _Argument(click.Argument):
    def make_metavar(self, ctx: click.Context) -> str:
        return localize_metavar(super().make_metavar(ctx))


class _Formatter(click.HelpFormatter):
    def write_heading(self, heading: str) -> None:
        """"选项：" in Chinese (click writes an ASCII colon after the heading)."""
        colon = "：" if lang() == "zh" else ":"
        self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")


class _Context(click.Context):
    formatter_class = _Formatter


class _Localized:
    """Help rendered in the current language (help texts are given in Chinese with an English twin)."""

    context_class = _Context

    help: str | None
    short_help: str | None
    epilog: str | None

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return [localize_metavar(p) for p in super().collect_usage_pieces(ctx)]  # type: ignore[misc]

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _swapped(self, "help"):
            super().format_help_text(ctx, formatter)  # type: ignore[misc]

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with _swapped(self, "epilog"):
            super().format_epilog(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        with _swapped(self, "short_help"), _swapped(self, "help"):
            return super().get_short_help_str(limit)  # type: ignore[misc]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        params = [p for p in self.get_params(ctx) if getattr(p, "help", None)]  # type: ignore[attr-defined]
        saved = [(p, p.help) for p in params]
        try:
            for p, text in saved:
                p.help = _shown(text)
            super().format_options(ctx, formatter)  # type: ignore[misc]
        finally:
            for p, text in saved:
                p.help = text


class _swapped:
    """Temporarily replace ``obj.<attr>`` by its text as shown."""

    def __init__(self, obj: Any, attr: str):
        self.obj, self.attr = obj, attr

    def __enter__(self) -> None:
        self.saved = getattr(self.obj, self.attr)
        setattr(self.obj, self.attr, _shown(self.saved))

    def __exit__(self, *exc: object) -> None:
        setattr(self.obj, self.attr, self.saved)


class _Command(_Localized, click.Command):
    pass


class _Group(_Localized, click.Group):
    """The ``perfxl`` group; its ``main`` sets the language and turns every failure into an exit status."""

    command_class = _Command

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,  # type: ignore[override]
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        previous = os.environ.get(_LANG_ENV)
        set_lang(_lang_in(sys.argv[1:] if args is None else list(args)))
        from .sandbox import terminate_on_sigterm

        terminate_on_sigterm()  # SIGTERM unwinds like Ctrl-C: temporary files removed, workers ended (143)
        try:
            with active():
                code = self._run(args, prog_name, complete_var, **extra)
        finally:
            if previous is None:
                os.environ.pop(_LANG_ENV, None)
            else:
                os.environ[_LANG_ENV] = previous
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(self, args: Sequence[str] | None, prog_name: str | None, complete_var: str | None, **extra: Any) -> int:
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as e:  # usage errors, in the user's language
            e.show()
            return 2
        except (click.Abort, KeyboardInterrupt):
            click.echo(t("已中止。", "Aborted."), err=True)
            return 130
        except _terminated():
            click.echo(t("已中止。", "Aborted."), err=True)
            return 143
        except PerfxlError as e:
            click.echo(t("错误：", "Error: ") + str(e), err=True)
            return 2
        except OSError as e:
            click.echo(t("错误：", "Error: ") + os_error_message(e), err=True)
            return 2
        except Exception as e:  # a bug: one line for the clerk, the traceback for a maintainer
            if os.environ.get(_DEBUG_ENV):
                import traceback
                traceback.print_exc()
            click.echo(t(f"内部错误（{type(e).__name__}）：perfxl 未能完成。请把所用命令和文件交给维护人员；"
                         f"设置 {_DEBUG_ENV}=1 可看到详细信息。",
                         f"Internal error ({type(e).__name__}): perfxl could not finish. Please send the command "
                         f"and files to the maintainers; set {_DEBUG_ENV}=1 for details."), err=True)
            return 2
        return rv if isinstance(rv, int) else 0


def _terminated() -> type[BaseException]:
    from .sandbox import Terminated

    return Terminated


def _lang_in(args: Sequence[str]) -> str | None:
    """The value of ``--lang`` anywhere on the command line, so even ``perfxl --help --lang en`` and
    click's errors about earlier options are in the language asked for."""
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif a.startswith("--lang="):
            value = a.split("=", 1)[1]
        else:
            continue
        if value in ("zh", "en"):
            return value
    return None


def _set_lang(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    set_lang(value)


def _lang_option(f: Callable) -> Callable:
    return opt("--lang", type=click.Choice(["zh", "en"]), default=None, is_eager=True, expose_value=False,
               callback=_set_lang, help=("界面语言：zh 中文（默认），en 英文；也可设环境变量 PERFXL_LANG=en。",
                                         "Language of all messages: zh Chinese (default), en English; "
                                         "or set PERFXL_LANG=en."))(f)


def opt(*decls: str, help: tuple[str, str] | None = None, **kw: Any) -> Callable:
    """click.option with a help text in both languages."""
    if help:
        kw["help"] = pair(*help)
    return click.option(*decls, cls=_Option, **kw)


def arg(*decls: str, **kw: Any) -> Callable:
    return click.argument(*decls, cls=_Argument, **kw)


# Output paths are taken as typed: a trailing separator means "into this folder" (outputs.py).
_OUT = click.Path()


def _key_file_option(zh: str, en: str) -> Callable:
    return opt("--key-file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
               help=(zh, en))


# ---------------------------------------------------------------------------------------------------
# Progress


class _Bar:
    """A progress bar on stderr when it is a terminal; nothing when output is piped or redirected.

    The bar appears only once the work has taken ``delay`` seconds, so quick commands print nothing
    extra, and it is removed when done. ``start(None)`` is a bar without a total (a count).
    """

    delay = 0.5

    def __init__(self, label_zh: str, label_en: str, unit_zh: str, unit_en: str):
        self.label, self.unit = t(label_zh, label_en), t(unit_zh, unit_en)
        self.bar: Any = None

    def start(self, total: int | None = None) -> None:
        if self.bar is not None or not _is_terminal(sys.stderr):
            return
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=self.label, unit=self.unit, leave=False, delay=self.delay,
                        file=sys.stderr, dynamic_ncols=True)

    def tick(self, _item: object = None) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> "_Bar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------------------------------------------
# Commands


def _version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(t(f"perfxl 版本 {__version__}", f"perfxl, version {__version__}"))
        ctx.exit()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             help=pair("perfxl：预算绩效目标表的生成、读取、审核与汇总。",
                       "perfxl: generate, read, check and consolidate budget performance goal tables "
                       "(预算绩效目标表)."),
             epilog=EXIT_STATUS_ALL)
@opt("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
     help=("显示版本号并退出。", "Show the version and exit."))
@_lang_option
def main() -> None:
    """The command group; see each command's help."""


_TEMPLATE_HELP = pair(
    """按项目清单为每个单位生成锁定的填报工作簿；或用 --data 生成预填数据的工作簿。

    \b
    perfxl template samples/register.xlsx -o out/
    perfxl template --data samples/units/115001.json -o out/
    """,
    """One locked workbook per unit of the register; or, with --data, prefilled workbooks from unit JSON.

    \b
    perfxl template samples/register.xlsx -o out/
    perfxl template --data samples/units/115001.json -o out/
    """)


@main.command(help=_TEMPLATE_HELP,
              short_help=pair("按项目清单生成各单位的填报工作簿。", "Generate the units' workbooks from the register."))
@arg("register", required=False, type=click.Path(dir_okay=False, exists=True, path_type=Path))
@opt("--data", "data_files", multiple=True, type=click.Path(exists=True, path_type=Path),
     help=("单位数据 JSON（unit-goals.schema.json 格式），生成预填的工作簿；可多次给出。--form selfeval 时也可给"
           "报送的绩效目标表，或一轮报送的文件夹（.zip）：每个单位取其最新的报送。",
           "Unit data JSON (unit-goals.schema.json) for prefilled workbooks; may be repeated. With --form selfeval "
           "also returned goal tables, or a round's folder (.zip) of them: each unit's newest return is taken."))
@opt("-o", "--output", "out_dir", required=True, type=_OUT,
     help=("输出文件夹（不存在时新建）。", "Output folder (created if missing)."))
@opt("--framework", default=None,
     help=("指标体系 id（{frameworks}）或 .json 文件路径；默认 {default_framework}（--data 时取 JSON 中的 framework）。",
           "Framework id ({frameworks}) or a .json file; default {default_framework} (with --data, the JSON's "
           "framework)."))
@opt("--year", type=int, default=None, help=("预算年度；默认为明年。", "Budget year; default next year."))
@opt("--password", default=None, help=("工作表与工作簿结构保护密码；默认不设密码。",
                                       "Password of the sheet and structure protection; default none."))
@_key_file_option("签名密钥文件（HMAC-SHA256）；不给时读环境变量 PERFXL_KEY，都没有则用 SHA-256。",
                  "Signing key file (HMAC-SHA256); default $PERFXL_KEY, else plain SHA-256.")
@opt("--prefill", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
     help=("上年单位数据 JSON 所在文件夹（perfxl import 的结果）：延续项目（项目编码相同）预填上年目标与指标。",
           "Folder of last year's unit JSON (from perfxl import): continuing projects (same 项目编码) start "
           "from last year's goals and indicators."))
@opt("--roll-year", is_flag=True, help=("与 --prefill 同用：把沿用文字中的上年年份改为本预算年度。",
                                        "With --prefill: change last year's year in the carried text to this one."))
@opt("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
     help=("并行生成的进程数；默认为本机可用的 CPU 核数。", "Processes writing workbooks; default the CPU cores usable."))
@opt("--form", type=click.Choice(["goals", "selfeval"]), default="goals", show_default=True,
     help=("goals 绩效目标表；selfeval 年度绩效自评表，由 --data 给出批复的绩效目标（单位数据 JSON、报送的绩效目标表工作簿，"
           "或一轮报送的文件夹）。",
           "goals: the goal table; selfeval: the year-end self-evaluation, from the approved goals given with "
           "--data (unit JSON, returned goal-table workbooks, or a round's folder of them)."))
@_lang_option
def template(register, data_files, out_dir, framework, year, password, key_file, prefill, roll_year, jobs, form):
    """Generate workbooks (see _TEMPLATE_HELP)."""
    if form == "selfeval" and register:
        raise click.UsageError(t("--form selfeval 由批复的绩效目标生成：请用 --data 给出单位数据 JSON 或绩效目标表工作簿。",
                                 "--form selfeval starts from the approved goals: give unit JSON or goal-table "
                                 "workbooks with --data."))
    if form == "goals" and any(Path(d).is_dir() for d in data_files):
        raise click.UsageError(t("--data 给出单位数据 JSON 文件；文件夹只用于 --form selfeval（一轮报送的绩效目标表）。",
                                 "--data takes unit JSON files; a folder goes with --form selfeval (a round's "
                                 "returned goal tables)."))
    if bool(register) == bool(data_files):
        raise click.UsageError(t("请给出项目清单 REGISTER，或用 --data 给出单位数据 JSON（二者选一）。",
                                 "Give a register REGISTER or unit data JSON with --data (one of the two)."))
    if not register and (year is not None or prefill or roll_year):
        raise click.UsageError(t("--year、--prefill、--roll-year 只用于项目清单；--data 的内容取自 JSON。",
                                 "--year, --prefill and --roll-year go with a register; --data takes them from "
                                 "the JSON."))
    out_dir = folder_target(out_dir)
    from .frameworks import DEFAULT_FRAMEWORK
    from .generate import templates_from_data, templates_from_register
    from .integrity import load_key

    key = load_key(key_file)
    before = existing_files(out_dir)
    if register:
        with _Bar("生成", "Writing", "个单位", " units") as bar:
            bar.start(None)
            result = templates_from_register(register, out_dir, budget_year=year,
                                             framework=framework or DEFAULT_FRAMEWORK, password=password,
                                             key=key, prefill=prefill, roll_year=roll_year, progress=bar.tick,
                                             jobs=jobs)
        for note in result.notes:
            click.echo(note)
    else:
        result = templates_from_data(data_files, out_dir, framework=framework, password=password, key=key,
                                     jobs=jobs, form=form)
        for note in result.notes:
            click.echo(note)
    projects = sum(len(u.projects) for u in result.units)
    click.echo(t(f"已生成 {len(result.paths)} 个单位工作簿（{projects} 个项目，指标体系 {result.framework.id}）：{out_dir}",
                 f"Wrote {len(result.paths)} unit workbooks ({projects} projects, framework {result.framework.id}): "
                 f"{out_dir}"))
    _say_replaced(replaced_in(result.paths, before))


def _say_replaced(count: int, err: bool = False) -> None:
    if count:
        click.echo(t(f"已替换原有文件 {count} 个（同名）。", f"Replaced {count} existing files of the same name."),
                   err=err)


@main.command(help=pair("用自带示例跑一遍全年流程：年初绩效目标（生成模板、模拟单位报送、审核、生成标注退回工作簿、汇总），"
                        "再按采用的绩效目标做年终绩效自评（自评模板、含预设错误的自评报送、审核、标注退回、汇总、自评表）。",
                        "The whole year on the shipped samples: the goals round (templates, returns as received, the "
                        "check, annotated returns, the summary), then the year-end self-evaluation of the adopted goals "
                        "(templates, returns with planted mistakes, check, annotated returns, summary, the form as a "
                        "document)."),
              short_help=pair("用自带示例跑一遍全年流程（绩效目标与绩效自评）。",
                              "Run the whole year (goals, self-evaluation) on the shipped samples."))
@arg("out_dir", required=False, default="perfxl-demo", type=_OUT)
@opt("--samples", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
     help=("示例文件夹（含 register.xlsx 与 units/）；默认为随 perfxl 安装的示例。",
           "Samples folder (register.xlsx and units/); default the samples installed with perfxl."))
@_lang_option
def demo(out_dir, samples):
    """Run the demo round."""
    out_dir = folder_target(out_dir, option=t("输出文件夹", "OUT_DIR"))
    from .demo import run_demo

    before = existing_files(out_dir, recursive=True)
    r = run_demo(out_dir, samples)
    tp = r.templates
    rep = r.check.report
    bad = sum(not f.valid for f in rep.files)
    errors, warnings = sum(f.errors for f in rep.files), sum(f.warnings for f in rep.files)
    o = _overview(r.consolidation)
    year = tp.units[0].budget_year if tp.units else ""
    units, projects = len(tp.units), sum(len(u.projects) for u in tp.units)
    click.echo(t(f"示例项目清单：{units} 个单位、{projects} 个项目，{tp.framework.id}，{year} 年度",
                 f"Sample register: {units} units, {projects} projects, {tp.framework.id}, budget year {year}"))
    click.echo(t(f"1. 空白模板 {len(tp.paths)} 个：{r.out_dir / '1-templates'}",
                 f"1. Blank templates, {len(tp.paths)}: {r.out_dir / '1-templates'}"))
    click.echo(t(f"2. 收到的报送文件 {len(r.returned)} 个（含重复报送、损坏文件和 zip 压缩包）：{r.out_dir / '2-returned'}",
                 f"2. Returns received, {len(r.returned)} (a unit that sent twice, a broken file, a zip): "
                 f"{r.out_dir / '2-returned'}"))
    click.echo(t(f"3. 审核：{len(rep.files)} 个文件，{bad} 个不通过，错误 {errors} 处，提示 {warnings} 处"
                 f" → {r.report_json}、{r.findings_xlsx}",
                 f"3. Check: {len(rep.files)} files, {bad} not valid, {errors} errors, {warnings} warnings"
                 f" → {r.report_json}, {r.findings_xlsx}"))
    click.echo(t(f"4. 标注退回工作簿 {len(r.returns)} 个：{r.out_dir / '4-returns'}",
                 f"4. Annotated returns, {len(r.returns)}: {r.out_dir / '4-returns'}"))
    click.echo(t(f"5. 汇总：应报 {o.get('应报单位')} 个单位，已报送 {o.get('已报送单位')} 个，未报送 {o.get('未报送')} 个"
                 f" → {r.summary}",
                 f"5. Summary: {o.get('应报单位')} units expected, {o.get('已报送单位')} sent, {o.get('未报送')} did not"
                 f" → {r.summary}"))
    click.echo(t(f"6. 其他指标体系的示例（工作簿、审核报告、绩效文本）与预算系统平表导入：{r.out_dir / '6-其他指标体系与导入'}",
                 f"6. Other frameworks' samples (workbook, check report, document) and a budget system's flat export "
                 f"imported: {r.out_dir / '6-其他指标体系与导入'}"))
    if r.selfeval is not None:
        _say_selfeval_round(r.selfeval)
    click.echo(t("用 Excel、WPS 或 LibreOffice 打开查看；浅黄色为尚未填写的填报处，右侧“自查”列实时检查。",
                 "Open them in Excel, WPS or LibreOffice; light yellow marks inputs still to fill, the “自查” (self-check) "
                 "column checks live."))
    written = [*tp.paths, *r.returned, r.report_json, r.findings_xlsx, *r.returns, r.summary, *r.others,
               *(r.selfeval.written if r.selfeval is not None else [])]
    _say_replaced(replaced_in(written, before))


def _say_selfeval_round(se: Any) -> None:
    """The demo's second half (step 7), one line a step of its own."""
    rep = se.check.report
    bad = sum(not f.valid for f in rep.files)
    errors, warnings = sum(f.errors for f in rep.files), sum(f.warnings for f in rep.files)
    lines = [
        t(f"7. 年终绩效自评（按本轮采用的绩效目标）：{se.folder}",
          f"7. The year-end self-evaluation (of the goals this round adopted): {se.folder}"),
        t(f"   7.1 自评模板 {len(se.templates)} 个", f"   7.1 Self-evaluation templates, {len(se.templates)}"),
        t(f"   7.2 收到的自评报送 {len(se.returned)} 个（含一份导出的 JSON；错误清单见示例的 units/README.md）",
          f"   7.2 Returns received, {len(se.returned)} (one as its export JSON; the planted mistakes are listed in "
          "the samples' units/README.md)"),
        t(f"   7.3 审核：{len(rep.files)} 个文件，{bad} 个不通过，错误 {errors} 处，提示 {warnings} 处"
          f" → {se.report_json.name}、{se.findings_xlsx.name}",
          f"   7.3 Check: {len(rep.files)} files, {bad} not valid, {errors} errors, {warnings} warnings"
          f" → {se.report_json.name}, {se.findings_xlsx.name}"),
        t(f"   7.4 标注退回工作簿 {len(se.returns)} 个", f"   7.4 Annotated returns, {len(se.returns)}"),
        t(f"   7.5 自评汇总 → {se.summary.name}", f"   7.5 Summary → {se.summary.name}") if se.summary
        else t("   7.5 自评汇总：本版本的汇总尚不支持绩效自评，已跳过",
               "   7.5 Summary: this version cannot consolidate self-evaluations yet; skipped"),
        t(f"   7.6 项目支出绩效自评表（Word）→ {se.document.name}",
          f"   7.6 One unit's self-evaluation form as a Word document → {se.document.name}"),
    ]
    for line in lines:
        click.echo(line)


def _overview(result: Any) -> dict:
    """The summary's 汇总 figures by label (项目 -> 数值)."""
    ov = result.overview
    return dict(zip(ov["项目"], ov["数值"]))


_CHECK_OUTPUTS = {"table": ((".txt",), "审核报告.txt"), "json": ((".json",), "审核报告.json"),
                  "xlsx": ((".xlsx",), "问题清单.xlsx")}

_CHECK_HELP = pair(
    """审核报送的工作簿（或单位数据 JSON）：逐条列出问题、所在单元格和修改建议。

    给出的可以是文件、文件夹（含子文件夹）和 .zip 压缩包的任意组合；不是表格的文件（如报送说明.docx）列为其他文件，不审核。

    \b
    perfxl check returned/ --register samples/register.xlsx
    perfxl check returned/ --format json -o report.json --annotate returns/
    """,
    """Check returned workbooks (or unit data JSON): every finding with its cell and how to fix it.

    PATHS is any mix of files, folders (with subfolders) and .zip archives; files that are not
    spreadsheets (a cover letter such as 报送说明.docx) are listed as other files, not checked.

    \b
    perfxl check returned/ --register samples/register.xlsx
    perfxl check returned/ --format json -o report.json --annotate returns/
    """)


@main.command(help=_CHECK_HELP, epilog=EXIT_STATUS,
              short_help=pair("审核报送的工作簿，逐条列出问题。", "Check returned workbooks, finding by finding."))
@arg("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@opt("--register", "register_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
     help=("项目清单；给出时另查金额与清单一致（F03）、单位与项目在清单中（S08、X03）。",
           "The register; adds the checks against it (F03 amounts, S08 and X03 units and projects)."))
@opt("--format", "fmt", type=click.Choice(["table", "json", "xlsx"]), default="table", show_default=True,
     help=("输出格式：table 按文件列出问题（.txt）；json 为审核报告（.json）；xlsx 为问题清单工作簿（.xlsx，需 -o）。",
           "Output: table, findings per file (.txt); json, the check report (.json); xlsx, a findings "
           "workbook (.xlsx, needs -o)."))
@opt("-o", "--output", type=_OUT, default=None,
     help=("写入文件而不是屏幕；给文件夹（以 / 结尾或已存在）时写入其中的 审核报告.txt / 审核报告.json / 问题清单.xlsx。",
           "Write to a file instead of the screen; a folder (ending in / or existing) gets 审核报告.txt, "
           "审核报告.json or 问题清单.xlsx."))
@opt("--annotate", "annotate_dir", type=_OUT, default=None,
     help=("为每个工作簿生成标注了问题的退回工作簿，写入此文件夹。",
           "Write an annotated return workbook for each workbook into this folder."))
@opt("--mode", type=click.Choice(["submit", "draft"]), default="submit", show_default=True,
     help=("submit 全部规则；draft 只查文件结构与模板标识。", "submit: every rule; draft: structure and identity only."))
@opt("--framework", default=None, help=("本次使用的指标体系；工作簿用的不同则提示 S05。",
                                        "The round's framework; a workbook made with another gets S05."))
@_key_file_option("签名密钥文件（生成模板时所用）；不给时读 PERFXL_KEY。",
                  "Signing key file (the one templates were made with); default $PERFXL_KEY.")
@opt("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
     help=("并行进程数；默认为本机可用的 CPU 核数（最多 8）。",
           "Number of parallel processes; default the CPU cores this process may use (at most 8)."))
@_lang_option
def check(paths, register_path, fmt, output, annotate_dir, mode, framework, key_file, jobs):
    """Check returns (see _CHECK_HELP)."""
    suffixes, default_name = _CHECK_OUTPUTS[fmt]
    target = file_target(output, suffixes, default_name) if output is not None else None
    if fmt == "xlsx" and target is None:
        raise click.UsageError(t("--format xlsx 需要用 -o 指定输出文件（如 -o 问题清单.xlsx）。",
                                 "--format xlsx needs an output file with -o (e.g. -o findings.xlsx)."))
    annotate_to = folder_target(annotate_dir, option="--annotate") if annotate_dir else None
    inputs = [*paths, register_path, key_file, framework if framework and Path(framework).exists() else None]
    check_outputs(inputs, files=[("-o", target.path(default_name))] if target else [],
                  folders=[("--annotate", annotate_to, ())] if annotate_to else [])
    from .check import annotate_all, check_paths, load_register_index
    from .integrity import load_key
    from .sandbox import default_jobs

    key = load_key(key_file)
    register = load_register_index(register_path)
    fw = None
    if framework:
        from .frameworks import load_framework
        fw = load_framework(framework)
    with _Bar("审核", "Checking", "个文件", " files") as bar:
        bar.start(None)
        run = check_paths(paths, register=register, framework=fw, key=key, mode=mode, jobs=jobs or default_jobs(),
                          progress=bar.tick)
    report = run.report
    on_screen = target is None
    if fmt == "xlsx":
        from .report_out import findings_workbook
        w = write_bytes(target.path(default_name), findings_workbook(report))
        click.echo(written_message(w, "问题清单", "Findings workbook"))
    else:
        if fmt == "json":
            text = json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
        else:
            from .report_out import report_table
            text = report_table(report)
        if target is None:
            click.echo(text, nl=False)
        else:
            click.echo(written_message(write_text(target.path(default_name), text)))
    others = list(getattr(report, "other_files", []) or [])
    if others and fmt != "table":  # the table lists them itself
        click.echo(t(f"另有 {len(others)} 个其他文件（不是表格）未审核：{'、'.join(others)}",
                     f"{len(others)} other files (not spreadsheets) not checked: {', '.join(others)}"),
                   err=on_screen)
    if annotate_to is not None:
        made = annotate_all(run, annotate_to, key=key, protected=[p for p in inputs if p is not None])
        click.echo(t(f"已生成 {len(made)} 个标注退回工作簿：{annotate_to}",
                     f"Wrote {len(made)} annotated return workbooks: {annotate_to}"), err=on_screen)
        _say_replaced(sum(w.replaced for w in made), err=on_screen)
    return 0 if report.valid else 1


@main.command(help=pair(
    """汇总一轮报送：文件、文件夹（含子文件夹）和 .zip 压缩包，逐个读取审核，生成汇总工作簿。

    \b
    perfxl consolidate returned/ mail.zip -r samples/register.xlsx -o 汇总.xlsx
    """,
    """Consolidate a round: files, folders (with subfolders) and .zip archives, each read and checked,
    into one summary workbook.

    \b
    perfxl consolidate returned/ mail.zip -r samples/register.xlsx -o 汇总.xlsx
    """), short_help=pair("汇总一轮报送，生成汇总工作簿。", "Consolidate a round into a summary workbook."))
@arg("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@opt("-r", "--register", "register_path", required=True,
     type=click.Path(dir_okay=False, exists=True, path_type=Path),
     help=("项目清单（应报单位与项目）。", "The register (the units and projects expected)."))
@opt("-o", "--output", required=True, type=_OUT,
     help=("汇总工作簿（.xlsx）；给文件夹（以 / 结尾或已存在）时写入其中的 汇总.xlsx。",
           "The summary workbook (.xlsx); a folder (ending in / or existing) gets 汇总.xlsx."))
@opt("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
     help=("并行进程数；默认为 CPU 核数。", "Number of parallel processes; default the number of CPUs."))
@opt("--year", type=int, default=None, help=("本轮预算年度；默认取多数工作簿的年度。",
                                             "The round's budget year; default the year most workbooks carry."))
@opt("--framework", default=None, help=("本轮使用的指标体系；工作簿用的不同则提示 S05。",
                                        "The round's framework; a workbook made with another gets S05."))
@_key_file_option("签名密钥文件；不给时读 PERFXL_KEY。", "Signing key file; default $PERFXL_KEY.")
@opt("--csv", "csv_dir", type=_OUT, default=None,
     help=("另把各表写成 CSV（UTF-8）到此文件夹。", "Also write every table as CSV (UTF-8) into this folder."))
@opt("--parquet", "parquet_dir", type=_OUT, default=None,
     help=("另把各表写成 Parquet 到此文件夹。", "Also write every table as Parquet into this folder."))
@_lang_option
def consolidate(paths, register_path, output, jobs, year, framework, key_file, csv_dir, parquet_dir):
    """Consolidate a round."""
    target = file_target(output, (".xlsx",), "汇总.xlsx")
    csv_to = folder_target(csv_dir, option="--csv") if csv_dir else None
    parquet_to = folder_target(parquet_dir, option="--parquet") if parquet_dir else None
    from .consolidate import STATUS, consolidate as run_consolidation
    from .integrity import load_key
    from .sandbox import default_jobs
    from .summary import ALL_CSV_NAMES, overflowing, write_summary
    from .table_files import TableFiles

    inputs = [*paths, register_path, key_file, framework if framework and Path(framework).exists() else None]
    check_outputs(inputs, files=[("-o", target.path("汇总.xlsx"))],
                  folders=_table_folders(csv_to, parquet_to, ALL_CSV_NAMES))

    fw = None
    if framework:
        from .frameworks import load_framework
        fw = load_framework(framework)
    with _Bar("读取审核", "Reading", "个文件", " files") as bar:
        result = run_consolidation(paths, register_path, budget_year=year, framework=fw, key=load_key(key_file),
                                   jobs=jobs or default_jobs(), progress=bar.tick, on_total=bar.start)
    with result:  # its temporary files go when the outputs are written
        summary_path = target.path("汇总.xlsx")
        over = overflowing(result)
        if over:  # Excel cannot hold every row: every table is also written whole, as CSV and as Parquet
            csv_to = csv_to or summary_path.parent / f"{summary_path.stem}_完整表格"
            parquet_to = parquet_to or csv_to
            check_outputs(inputs, folders=_table_folders(csv_to, parquet_to, ALL_CSV_NAMES))
        full = {"CSV": _shown_beside(csv_to, summary_path), "Parquet": _shown_beside(parquet_to, summary_path)}
        # the tables are written by a forked process while this one writes the summary (table_files)
        with TableFiles(result, csv_to, parquet_to) as tables:
            w = write_file(summary_path, lambda tmp: write_summary(result, tmp, full_tables=full if over else None))
            csv_written, parquet_written = tables.place(protected=inputs)
    o = _overview(result)
    sent, expected = o.get("已报送单位"), o.get("应报单位")
    valid, invalid, missing = o.get("通过（无错误）"), o.get("有错误"), o.get("未报送")
    unreadable = o.get("已报送（无法读取）")
    unread_zh = f"，无法读取 {unreadable}" if unreadable else ""
    unread_en = f", unreadable {unreadable}" if unreadable else ""
    click.echo(t(f"{result.budget_year} 年度：应报 {expected} 个单位，已报送 {sent} 个"
                 f"（通过 {valid}，有错误 {invalid}{unread_zh}），未报送 {missing} 个。",
                 f"Budget year {result.budget_year}: {expected} units expected, {sent} sent "
                 f"({valid} valid, {invalid} with errors{unread_en}), {missing} did not send."))
    states_zh = "，".join(f"{v} {o.get('文件：' + v, 0)} 个" for v in STATUS.values())
    states_en = ", ".join(f"{k.replace('_', ' ')} {o.get('文件：' + v, 0)}" for k, v in STATUS.items())
    click.echo(t(f"收到 {o.get('收到文件')} 个文件：{states_zh}",
                 f"{o.get('收到文件')} files received: {states_en}"))
    click.echo(written_message(w, "汇总工作簿", "Summary workbook"))
    from .summary import EXCEL_MAX_ROWS, full_tables_note, full_tables_where

    for sheet, rows in over.items():
        click.echo(full_tables_note(sheet, rows, EXCEL_MAX_ROWS - 2, full_tables_where(full, sheet)))
    if csv_to is not None:
        click.echo(t(f"CSV：{csv_to}（{len(csv_written)} 个表）", f"CSV: {csv_to} ({len(csv_written)} tables)"))
        _say_replaced(sum(x.replaced for x in csv_written))
    if parquet_to is not None:
        click.echo(t(f"Parquet：{parquet_to}（{len(parquet_written)} 个表）",
                     f"Parquet: {parquet_to} ({len(parquet_written)} tables)"))
        _say_replaced(sum(x.replaced for x in parquet_written))


def _table_folders(csv_to: Path | None, parquet_to: Path | None, names: dict) -> list:
    """check_outputs' folders for --csv and --parquet (the file names each will hold)."""
    out = []
    for option, folder, suffix in (("--csv", csv_to, ".csv"), ("--parquet", parquet_to, ".parquet")):
        if folder is not None:
            out.append((option, folder, [f"{n}{suffix}" for n in names.values()]))
    return out


def _shown_beside(folder: Path | None, summary: Path) -> str | None:
    """A folder as the summary's note names it: relative to the summary's folder when inside it (the
    two travel together), else as given."""
    if folder is None:
        return None
    try:
        return str(Path(os.path.abspath(folder)).relative_to(os.path.abspath(summary.parent)))
    except ValueError:
        return str(folder)



@main.command(name="import", help=pair(
    """导入上年的部门预算绩效文本（.docx 或其文本导出）或预算系统导出的平表（.xlsx/.csv），得到单位数据 JSON。

    \b
    perfxl import 2023年部门预算绩效文本.docx -o 115001.json
    perfxl import 绩效目标导出.xlsx -o last-year/
    """,
    """Import last year's 部门预算绩效文本 (.docx or its text export) or a budget system's flat export
    (.xlsx/.csv) into unit data JSON.

    \b
    perfxl import 2023年部门预算绩效文本.docx -o 115001.json
    perfxl import 绩效目标导出.xlsx -o last-year/
    """), short_help=pair("导入上年的绩效文本或平表，得到单位数据 JSON。",
                          "Import last year's document or a flat export into unit JSON."))
@arg("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@opt("-o", "--output", required=True, type=_OUT,
     help=("一个单位时可为 .json 文件；文件夹（以 / 结尾、已存在或没有扩展名）时每单位一个 <单位编码>.json。",
           "A .json file for one unit; a folder (ending in /, existing, or without a suffix) gets one "
           "<unit code>.json per unit."))
@opt("--year", type=int, default=None, help=("预算年度（平表没有“预算年度”列时需要）。",
                                             "Budget year (needed when a flat export has no 预算年度 column)."))
@opt("--framework", default="hebei-2023", show_default=True,
     help=("写入 JSON 的指标体系。", "The framework written into the JSON."))
@opt("--money-unit", type=click.Choice(["元", "万元"]), default=None,
     help=("JSON 的金额单位；平表的金额按其写明的金额单位换算。默认沿用平表的（千元换算为万元）。",
           "The JSON's money unit; a flat export's amounts are converted from the unit it states. Default: "
           "the export's own (千元 becomes 万元)."))
@_lang_option
def import_(source, output, year, framework, money_unit):
    """Import last year's goals."""
    as_folder = Path(output).is_dir() or not Path(output).suffix or output.endswith(("/", os.sep))
    target = None if as_folder else file_target(output, (".json",), "<单位编码>.json")
    from .importer import import_file
    from .model import dump_unit, indicator_tables

    result = import_file(source, budget_year=year, framework=framework, money_unit=money_unit)
    for p in result.problems:
        click.echo(t("提示：", "Note: ") + p, err=True)
    if target is not None and len(result.units) != 1:
        raise PerfxlError(t(f"-o {output}：导入得到 {len(result.units)} 个单位，请给出文件夹（以 / 结尾），每单位一个 JSON",
                            f"-o {output}: the import gave {len(result.units)} units; give a folder (ending in /) "
                            "for one JSON per unit"))
    if target is not None:
        written = [write_text(target.path(""), dump_unit(result.units[0]))]
    else:
        folder = folder_target(output)
        written = [write_text(folder / f"{u.unit.code or u.unit.name}.json", dump_unit(u)) for u in result.units]
    projects = sum(len(u.projects) for u in result.units)
    indicators = sum(len(rows) for u in result.units for _, _, rows in indicator_tables(u))  # every table (schema v2)
    shown = "、".join(str(w.path) for w in written)
    click.echo(t(f"已导入 {len(result.units)} 个单位、{projects} 个项目、{indicators} 个指标"
                 f"（{len(result.problems)} 处提示）：{shown}",
                 f"Imported {len(result.units)} units, {projects} projects, {indicators} indicators "
                 f"({len(result.problems)} notes): {', '.join(str(w.path) for w in written)}"))
    _say_replaced(sum(w.replaced for w in written))


@main.command(help=pair(
    """由填好的工作簿或单位数据 JSON 生成正式文本（.docx，可另存 PDF）：绩效目标表生成部门预算绩效文本，绩效自评工作簿（或 "form": "selfeval" 的 JSON）生成项目支出绩效自评表（每个项目一张）。

    \b
    perfxl render 115001_….xlsx -o 115001.docx --pdf --reviewer 承德市高新区
    perfxl render 115001_…_绩效自评表.xlsx -o 自评表/ --pdf
    """,
    """The official document (.docx, optionally PDF) from a filled workbook or unit JSON: a goal table gives the
    部门预算绩效文本, a self-evaluation workbook (or JSON with "form": "selfeval") the 项目支出绩效自评表 (one
    per project).

    \b
    perfxl render 115001_….xlsx -o 115001.docx --pdf --reviewer 承德市高新区
    perfxl render 115001_…_绩效自评表.xlsx -o 自评表/ --pdf
    """), short_help=pair("生成正式的部门预算绩效文本或绩效自评表（.docx/PDF）。",
                          "Write the official document or self-evaluation form (.docx/PDF)."))
@arg("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@opt("-o", "--output", required=True, type=_OUT,
     help=("输出的 .docx 文件；给文件夹（以 / 结尾或已存在）时用默认文件名。",
           "The .docx file; a folder (ending in / or existing) gets the default name."))
@opt("--pdf", is_flag=True, help=("另用 LibreOffice 转成 PDF（未安装时会说明）。",
                                  "Also convert to PDF with LibreOffice (says so when it is not installed)."))
@opt("--reviewer", default=None, help=("封面的审核单位，如“承德市高新区”（绩效自评表没有封面）。",
                                       "The reviewing office on the cover (the self-evaluation form has none)."))
@_key_file_option("签名密钥文件；不给时读 PERFXL_KEY。", "Signing key file; default $PERFXL_KEY.")
@_lang_option
def render(source, output, pdf, reviewer, key_file):
    """Render the official document."""
    target = file_target(output, (".docx",), t("<单位编码>_<单位名称>_<年度>年部门预算绩效文本.docx 或 …年度项目支出绩效自评表.docx",
                                               "<unit code>_<unit name>_<year>….docx"))
    check_outputs([source, key_file], files=[] if target.into_folder else [("-o", target.given)],
                  folders=[("-o", target.given, ())] if target.into_folder else [])
    from .render import document_filename, render_to_file

    unit = _load_any(source, key_file)
    from .model import UnitData

    if reviewer and not isinstance(unit, UnitData):
        click.echo(t("提示：绩效自评表没有封面，--reviewer 未使用。",
                     "Note: the self-evaluation form has no cover; --reviewer is not used."), err=True)
    path = target.path(document_filename(unit))
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.is_file()
    pdf_existed = path.with_suffix(".pdf").is_file()
    docx_path, pdf_path = render_to_file(unit, path, pdf=pdf, reviewer=reviewer)
    click.echo(written_message(Written(docx_path, existed), "已生成", "Written"))
    if pdf:
        if pdf_path:
            click.echo(written_message(Written(pdf_path, pdf_existed), "已生成", "Written"))
        else:
            click.echo(t("未找到 LibreOffice（含 Writer），未生成 PDF：apt-get install -y libreoffice-writer-nogui",
                         "LibreOffice (with Writer) not found, no PDF written: "
                         "apt-get install -y libreoffice-writer-nogui"), err=True)


def _load_any(source: Path, key_file: Path | None):
    """A unit's goals or its self-evaluation, from its JSON (``"form": "selfeval"`` says which) or
    read from a filled workbook (its identity says which; the workbook must be readable)."""
    from .export import read_unit
    from .integrity import load_key
    from .model import load_unit

    if source.suffix.lower() == ".json":
        from .selfeval_check import is_selfeval_json, load_selfeval

        return load_selfeval(source) if is_selfeval_json(source) else load_unit(source)
    return read_unit(source, key=load_key(key_file))[0]  # read in a sandbox, identity parsed


@main.command(help=pair(
    """把填好的工作簿导出为单位数据 JSON（unit-goals.schema.json 格式，template --data 的逆操作）。

    \b
    perfxl export 115001_….xlsx -o 115001.json
    """,
    """Export a filled workbook as the unit's JSON (unit-goals.schema.json; the inverse of template --data).

    \b
    perfxl export 115001_….xlsx -o 115001.json
    """), short_help=pair("把填好的工作簿导出为单位数据 JSON。", "Export a filled workbook as unit JSON."))
@arg("workbook", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@opt("-o", "--output", type=_OUT, default=None,
     help=("写入的 JSON 文件；给文件夹（以 / 结尾或已存在）时写入 <单位编码>.json；默认输出到屏幕。",
           "The JSON file; a folder (ending in / or existing) gets <unit code>.json; default the screen."))
@_key_file_option("签名密钥文件；不给时读 PERFXL_KEY。", "Signing key file; default $PERFXL_KEY.")
@_lang_option
def export(workbook, output, key_file):
    """Export a workbook to JSON."""
    target = file_target(output, (".json",), "<单位编码>.json") if output is not None else None
    if target is not None:
        check_outputs([workbook, key_file], files=[] if target.into_folder else [("-o", target.given)],
                      folders=[("-o", target.given, ())] if target.into_folder else [])
    from .export import export_unit
    from .integrity import load_key

    data, problems = export_unit(workbook, key=load_key(key_file))
    for f in problems:
        click.echo(t("提示：", "Note: ") + (f.message_en if lang() == "en" else f.message), err=True)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if target is None:
        click.echo(text, nl=False)
        return
    code = (data.get("unit") or {}).get("code") or Path(workbook).stem
    click.echo(written_message(write_text(target.path(f"{code}.json"), text)))


@main.command(name="rules", help=pair(
    """列出审核规则目录：每个代码的类别、标题、是否在工作簿“自查”列实时检查（live），以及指标体系的设置（读取的阈值和列表；停用时为 off）。

    \b
    perfxl rules
    perfxl rules --format json --framework mof-2021
    """,
    """List the rule catalogue: per code its severity, title, whether it runs live in the workbook's 自查
    column, and the framework's setting (the thresholds and lists it reads; "off" when the framework
    disables it).

    \b
    perfxl rules
    perfxl rules --format json --framework mof-2021
    """), short_help=pair("列出审核规则及其在指标体系中的设置。", "List the rules and the framework's settings."))
@opt("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
     help=("输出格式：table 为表格，json 与库函数 perfxl.live.rules_catalogue 的结果相同。",
           "Output format: a table, or json equal to the library's perfxl.live.rules_catalogue."))
@opt("--framework", default=None,
     help=("指标体系 id（{frameworks}）或 .json 文件路径；默认 {default_framework}。",
           "Framework id ({frameworks}) or a .json file; default {default_framework}."))
@_lang_option
def rules_(fmt, framework):
    """Print the rule catalogue (see the help above)."""
    from .frameworks import DEFAULT_FRAMEWORK, load_framework
    from .live import rules_catalogue

    entries = rules_catalogue(load_framework(framework or DEFAULT_FRAMEWORK))
    if fmt == "json":
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    from .catalogue import SEVERITY_ZH

    live = (t("表内自查", "live"), t("收到后检查", "on receipt"))
    for e in entries:
        severity = SEVERITY_ZH[e["severity"]] if lang() != "en" else e["severity"]
        title = e["title_en"] if lang() == "en" else e["title"]
        setting = t("停用", "off") if e["setting"] == "off" else (
            json.dumps(e["setting"], ensure_ascii=False) if e["setting"] else "")
        click.echo(f"{e['code']}  {severity}  {live[0] if e['live'] else live[1]}  {title}"
                   + (f"  {setting}" if setting else ""))


@main.command(help=pair(
    """在浏览器中办理一整轮：新建一轮、收件（拖入文件、文件夹、压缩包、邮件）、看板、单位审核意见、汇总与规则。

    ROUND_DIR 为本轮文件夹（默认当前文件夹），其中的 perfxl-round.sqlite 记录收到的每个文件与审核结果，重启不丢失。默认只在本机（127.0.0.1）监听；用 --host 监听其他地址时，每个请求都须带启动时显示的访问令牌。

    \b
    perfxl serve 2025年绩效目标/
    perfxl serve 2025年绩效目标/ --port 9000 --no-browser
    """,
    """The whole round in a browser: new round, inbox (drop files, folders, zips, e-mails), board, each unit's
    findings, summary and rules.

    ROUND_DIR is the round folder (default the current one); its perfxl-round.sqlite records every file
    received and every finding, so a restart loses nothing. Listens on this computer only (127.0.0.1)
    unless --host says otherwise; then every request needs the token printed at start.

    \b
    perfxl serve 2025年绩效目标/
    perfxl serve 2025年绩效目标/ --port 9000 --no-browser
    """), short_help=pair("在浏览器中办理一整轮（本机网页）。", "The whole round in a browser (a local web page)."))
@arg("round_dir", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@opt("--host", default="127.0.0.1", show_default=True,
     help=("监听地址；不是本机地址（如 0.0.0.0）时需要访问令牌。",
           "Address to listen on; any other than this computer's needs the token."))
@opt("--port", type=click.IntRange(min=0, max=65535), default=8765, show_default=True, metavar="N",
     help=("端口；0 为任选空闲端口。", "Port; 0 picks a free one."))
@opt("--no-browser", is_flag=True, help=("不自动打开浏览器。", "Do not open the browser."))
@_lang_option
def serve(round_dir, host, port, no_browser):
    """Serve the round folder's web page (see the help above)."""
    from .web import serve as run_server

    run_server(round_dir, host=host, port=port, open_browser=not no_browser,
               announce=lambda line: click.echo(line))
