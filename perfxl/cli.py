"""The command line: each command parses its options, calls one library function and turns the
library's expected errors (PerfxlError) into a one-line message and exit status 2."""
from __future__ import annotations

import functools
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
@_clean_errors
def template(register, data_files, out_dir, framework, year, password, key_file):
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
        with _progress("生成") as tick:
            result = templates_from_register(register, out_dir, budget_year=year,
                                             framework=framework or DEFAULT_FRAMEWORK,
                                             password=password, key=key, progress=tick)
    else:
        if year is not None:
            raise click.UsageError("--year 只用于项目清单；--data 的预算年度取自 JSON。")
        result = templates_from_data(data_files, out_dir, framework=framework, password=password, key=key)
    projects = sum(len(u.projects) for u in result.units)
    click.echo(f"已生成 {len(result.paths)} 个单位工作簿（{projects} 个项目，指标体系 {result.framework.id}）"
               f"：{out_dir}")


class _progress:
    """A tqdm bar on a terminal, nothing when output is piped (CI, scripts)."""

    def __init__(self, label: str):
        self.label, self.bar = label, None

    def __enter__(self):
        if sys.stderr.isatty():
            from tqdm import tqdm
            self.bar = tqdm(desc=self.label, unit="个单位", leave=False)
        return lambda _unit: self.bar.update(1) if self.bar else None

    def __exit__(self, *exc):
        if self.bar:
            self.bar.close()


@main.command()
@click.argument("out_dir", required=False, default="perfxl-demo", type=click.Path(file_okay=False, path_type=Path))
@click.option("--samples", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="示例文件夹（含 register.xlsx 与 units/）；默认为源码中的 samples/。")
@_clean_errors
def demo(out_dir, samples):
    """用自带示例跑一遍：为每个示例单位生成模板，并生成示例单位的预填工作簿。"""
    from .demo import run_demo

    r = run_demo(out_dir, samples)
    t, p = r.templates, r.prefilled
    click.echo(f"示例项目清单：{len(t.units)} 个单位、{sum(len(u.projects) for u in t.units)} 个项目，"
               f"{t.framework.id}，{t.units[0].budget_year} 年度")
    click.echo(f"空白模板：{len(t.paths)} 个 → {out_dir / 'templates'}")
    for path in p.paths:
        click.echo(f"预填工作簿：{path}")
    click.echo("用 Excel、WPS 或 LibreOffice 打开查看；黄色为填报区，右侧“自查”列实时检查。")
