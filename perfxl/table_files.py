"""The round's tables as CSV and Parquet files beside the summary workbook, written by a forked
process while this one writes the workbook (``perfxl consolidate --csv/--parquet``).

Both writers only read the consolidation (its small tables, and the rows the workers spilled to
disk), so each can have a core of its own: at 10,000 returns the tables took 6.8 s and the summary
11.3 s one after the other, and the tables now cost no time beside the summary on a 2-core PC.

The forked process writes into staging folders and reports the files it wrote; this process moves
them into place (``outputs.write_folder_files``: every file of a set or none) only once the summary is
written, so an interrupted or failed run leaves the previous files, as before. Its error is raised here
as it would have been raised writing in this process (an OSError with its errno: the CLI's message
for a full disk or a read-only folder is the same). Where processes cannot be forked (Windows, macOS)
the tables are written here, after the summary, as before; Parquet too when pyarrow is already
imported here (a fork does not copy the threads pyarrow has started, and its pools could deadlock).
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from .i18n import t
from .outputs import OutputError, Written, write_folder_files

__all__ = ["TableFiles"]


@dataclass
class _Job:
    kind: str  # "CSV" or "Parquet"
    folder: Path
    staging: Path
    made: list[Path] | None = None  # once written (in the staging folder)


def _writers() -> dict[str, Callable[[Any, Path], list[Path]]]:
    from .summary import write_csv, write_parquet

    return {"CSV": write_csv, "Parquet": write_parquet}


def _can_fork() -> bool:
    return sys.platform.startswith("linux")


def _peak_kb() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(c: Any, jobs: list[_Job], conn: Any) -> None:
    """The forked process: every job written into its staging folder; what was made, or the error."""
    try:
        if c.store is not None:
            c.store.forked()
        writers = _writers()
        made = [[str(p) for p in writers[j.kind](c, j.staging)] for j in jobs]
        conn.send(("ok", (made, _peak_kb())))
    except OSError as e:
        conn.send(("oserror", (e.errno, e.strerror, e.filename)))
    except BaseException as e:  # noqa: BLE001 - told to the parent, which raises it
        conn.send(("error", (type(e).__name__, str(e)[:500])))
    finally:
        conn.close()


class TableFiles:
    """The tables of ``c`` as CSV into ``csv_to`` and as Parquet into ``parquet_to`` (either may be None;
    both may be one folder). Use as a context manager around writing the summary, then :meth:`place`::

        with TableFiles(result, csv_to, parquet_to) as tables:
            write_summary(result, path)
            csv_written, parquet_written = tables.place(protected=inputs)

    Leaving the block early (an error, Ctrl+C) ends the forked process and removes the staging folders.
    ``fork=False`` writes everything in this process, in :meth:`place`.
    """

    def __init__(self, c: Any, csv_to: Path | None, parquet_to: Path | None, *, fork: bool | None = None):
        self.c = c
        self.jobs = [_Job(kind, Path(folder), Path(folder).parent / f".{Path(folder).name}.{os.getpid()}.{kind}.part")
                     for kind, folder in (("CSV", csv_to), ("Parquet", parquet_to)) if folder is not None]
        self.fork = _can_fork() if fork is None else fork
        self._proc: Any = None
        self._conn: Any = None
        # the forked process's peak RSS in KB, as it told (on Linux it starts from this process's peak)
        self.child_peak_kb: int | None = None

    def __enter__(self) -> "TableFiles":
        aside = [j for j in self.jobs if j.kind == "CSV" or "pyarrow" not in sys.modules]
        if self.fork and aside:
            ctx = multiprocessing.get_context("fork")
            self._conn, child_conn = ctx.Pipe(duplex=False)
            self._proc = ctx.Process(target=_child, args=(self.c, aside, child_conn), daemon=True)
            self._aside = aside
            self._proc.start()
            child_conn.close()
        return self

    def __exit__(self, *exc: object) -> None:
        self._end()
        for j in self.jobs:
            shutil.rmtree(j.staging, ignore_errors=True)

    def _end(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.is_alive():
            proc.terminate()
        proc.join()
        if self._conn is not None:
            self._conn.close()

    def _collect(self) -> None:
        """Wait for the forked process; its files, or its error raised here."""
        proc = self._proc
        if proc is None:
            return
        try:
            kind, payload = self._conn.recv()
        except EOFError:  # it died without a word (killed, out of memory)
            proc.join()
            code = proc.exitcode
            self._proc = None
            raise OutputError(t(f"写 CSV/Parquet 表格的进程意外结束（退出码 {code}），表格未写出",
                                f"the process writing the CSV/Parquet tables ended unexpectedly (exit code {code}); "
                                "the tables were not written")) from None
        proc.join()
        self._proc = None
        if kind == "oserror":
            raise OSError(*payload[:2], payload[2]) if payload[2] else OSError(*payload[:2])
        if kind == "error":
            raise RuntimeError(f"{payload[0]} while writing the tables: {payload[1]}")
        made, self.child_peak_kb = payload
        for job, paths in zip(self._aside, made):
            job.made = [Path(p) for p in paths]

    def place(self, *, protected: Iterable[str | os.PathLike | None] = ()) -> tuple[list[Written], list[Written]]:
        """The tables in their folders (written here first if the forked process did not): (the CSV
        files, the Parquet files) as written."""
        self._collect()
        writers = _writers()
        for j in self.jobs:
            if j.made is None:
                j.made = list(writers[j.kind](self.c, j.staging))
        out: dict[str, list[Written]] = {"CSV": [], "Parquet": []}
        for j in self.jobs:
            out[j.kind] = write_folder_files(j.folder, lambda _staging, j=j: j.made, protected=protected,
                                             staging=j.staging)
        return out["CSV"], out["Parquet"]
