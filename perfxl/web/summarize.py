"""汇总: the round's summary workbook and CSV tables, by the library's own consolidation.

``consolidate`` reads every received file again (what ``perfxl consolidate`` does, in sandboxed
workers), so the summary is exactly the CLI's for the same files. It is given the stored files
(archives as archives; the attachments of e-mails, not the e-mails), whose paths are the round's
content-hash names: before anything is written, every such path in the tables is replaced by the name
the file was sent with, so 文件清单 and 问题清单 show "邮件附件.zip!报送/108001_….xlsx", never a hash.

Every table is also kept as Parquet (``summary.write_parquet``), typed, for analysis tools.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

from ..consolidate import Consolidation, consolidate
from ..errors import PerfxlError
from ..i18n import t
from ..summary import csv_names, write_csv, write_parquet, write_summary
from .db import Database, now
from .rounds import Round

__all__ = ["build_summary", "summary_row", "SUMMARY_NAME", "csv_path", "parquet_path"]

SUMMARY_NAME = "汇总.xlsx"


def _inputs(db: Database, r: Round, folder: Path) -> tuple[list[Path], dict[str, str]]:
    """The files to consolidate, linked into ``folder`` under names perfxl makes (the unit code found
    at intake, then the file's number: ``112002_00006.xlsx``, so an unreadable file is still put to its
    unit, as consolidation does by name); and every such path and name -> the name the file was sent with."""
    from ..text import filename_part
    from .intake import _stored_suffix

    rows = db.all("SELECT id, stored, display, unit_code FROM files WHERE round_id = ? AND stored IS NOT NULL "
                  "AND status != 'mail' AND state NOT IN ('duplicate', 'refused') ORDER BY id", r.id)
    folder.mkdir(parents=True)
    paths, names = [], {}
    for row in rows:
        source = db.folder / row["stored"]
        code = filename_part(row["unit_code"], 40) if row["unit_code"] else ""
        link = folder / f"{code + '_' if code else ''}{row['id']:05d}{_stored_suffix(source.name)}"
        try:
            os.link(source, link)
        except OSError:
            shutil.copyfile(source, link)
        paths.append(link)
        names[str(link)] = row["display"]
        names[link.name] = row["display"].rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    return paths, names


def _renamed(c: Consolidation, names: dict[str, str]) -> None:
    """Every stored path or name in the tables replaced by the name the file was sent with."""
    if not names:
        return
    pattern = re.compile("|".join(re.escape(k) for k in sorted(names, key=len, reverse=True)))

    def fix(v):
        return pattern.sub(lambda m: names[m.group()], v) if isinstance(v, str) else v

    import pandas as pd

    for df in c.tables.values():
        for col in df.columns:
            values = list(df[col])
            fixed = [fix(v) for v in values]
            if any(a is not b for a, b in zip(values, fixed)):  # only then, and keeping the column's type
                df[col] = pd.Series(fixed, index=df.index, dtype=df[col].dtype)


def _records(df) -> list[dict]:
    return json.loads(df.to_json(orient="records", force_ascii=False))


def build_summary(db: Database, r: Round, job_id: int, *, jobs: int = 1) -> str:
    """Consolidate the round's files into ``summary/汇总.xlsx`` and ``summary/csv/``; keep the figures
    the page draws. Raises PerfxlError when files are still being checked or nothing can be summed up."""
    waiting = db.one("SELECT COUNT(*) AS n FROM files WHERE round_id = ? AND state = 'pending'", r.id)["n"]
    if waiting:
        raise PerfxlError(t(f"还有 {waiting} 个文件正在审核，请审核完成后再生成汇总",
                            f"{waiting} files are still being checked; build the summary when they are done"))
    last = db.one("SELECT MAX(id) AS id FROM files WHERE round_id = ?", r.id)["id"] or 0
    out = r.folder / "summary"
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".inputs-{os.getpid()}-{job_id}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        paths, names = _inputs(db, r, staging)
        if not paths:
            raise PerfxlError(t("本轮还没有收到任何文件，无法汇总", "no file has been received in this round yet"))

        def total(n: int) -> None:
            db.run("UPDATE jobs SET total = ? WHERE id = ?", n, job_id)

        def step(_c) -> None:
            db.run("UPDATE jobs SET done = done + 1 WHERE id = ?", job_id)

        c = consolidate(paths, r.register, budget_year=r.budget_year, framework=r.framework, key=r.key, jobs=jobs,
                        progress=step, on_total=total, form=r.form)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _renamed(c, names)
    workbook = write_summary(c, out / SUMMARY_NAME)
    fresh = out / ".csv-new"
    shutil.rmtree(fresh, ignore_errors=True)
    write_csv(c, fresh)
    shutil.rmtree(out / "csv", ignore_errors=True)
    fresh.replace(out / "csv")
    fresh = out / ".parquet-new"
    shutil.rmtree(fresh, ignore_errors=True)
    write_parquet(c, fresh)
    shutil.rmtree(out / "parquet", ignore_errors=True)
    fresh.replace(out / "parquet")
    charts = {key: _records(c.tables[key]) for key in c.small_keys}  # a self-evaluation round's has 等级分布 too
    with db.connect() as con:
        con.execute("INSERT OR REPLACE INTO summaries(round_id, made_at, files, last_file, workbook, csv_folder, "
                    "charts_json) VALUES (?,?,?,?,?,?,?)", (r.id, now(), len(paths), last,
                                                            str(workbook.relative_to(db.folder)),
                                             str((out / "csv").relative_to(db.folder)),
                                             json.dumps(charts, ensure_ascii=False)))
    o = dict(zip(c.overview["项目"], c.overview["数值"]))
    return t(f"汇总完成：应报 {o.get('应报单位')} 个单位，已报送 {o.get('已报送单位')} 个，未报送 {o.get('未报送')} 个",
             f"Summary built: {o.get('应报单位')} units expected, {o.get('已报送单位')} sent, {o.get('未报送')} not sent")


def summary_row(db: Database, r: Round):
    return db.one("SELECT * FROM summaries WHERE round_id = ?", r.id)


def csv_path(db: Database, row, key: str, form: str = "goals") -> Path | None:
    """The CSV of one table of a round of ``form`` (``key`` one of summary.csv_names(form)), or None for
    any other key."""
    names = csv_names(form)
    if key not in names:
        return None
    return db.folder / row["csv_folder"] / f"{names[key]}.csv"


def parquet_path(db: Database, row, key: str, form: str = "goals") -> Path | None:
    """The Parquet file of one table, beside its CSV folder; None for a key that is not a table."""
    names = csv_names(form)
    if key not in names:
        return None
    return (db.folder / row["csv_folder"]).parent / "parquet" / f"{names[key]}.parquet"
