"""Long work off the request: checking an upload, building the summary; one job at a time.

A page answers as soon as the files are stored and recorded; the check runs here, in one thread that
takes jobs in order (the machine's cores go to the sandboxed readers ``check_inputs`` starts, not to
jobs competing with each other). Progress is kept in the ``jobs`` table, so a reloaded page and the
API see the same bar. A server stopped in the middle loses nothing: on the next start the files
still waiting are checked by a job made for them, and a summary that was being built is marked as
not finished (the page offers to build it again).
"""
from __future__ import annotations

import logging
import queue
import threading
from typing import Callable

from ..sandbox import default_jobs
from ..errors import PerfxlError
from ..i18n import t
from .db import Database, now

__all__ = ["Worker", "job_dict"]

log = logging.getLogger("perfxl.web")


def job_dict(row) -> dict:
    """A job as the API shows it."""
    return {"id": row["id"], "round_id": row["round_id"], "kind": row["kind"], "state": row["state"],
            "total": row["total"], "done": row["done"], "message": row["message"], "created_at": row["created_at"],
            "finished_at": row["finished_at"]}


class Worker:
    """The one thread that runs jobs, in the order they were submitted."""

    def __init__(self, db: Database, jobs: int | None = None):
        self.db = db
        self.jobs = jobs or default_jobs()
        self.queue: queue.Queue[int | None] = queue.Queue()
        self.thread: threading.Thread | None = None

    def submit(self, round_id: int, kind: str) -> int:
        """A new job, queued; its id."""
        jid = self.db.run("INSERT INTO jobs(round_id, kind, state, created_at) VALUES (?, ?, 'queued', ?)",
                          round_id, kind, now())
        return jid

    def start_job(self, jid: int) -> None:
        self.queue.put(jid)

    def start(self) -> None:
        """Start the thread, first taking up what a previous run left unfinished."""
        self._recover()
        self.thread = threading.Thread(target=self._loop, name="perfxl-jobs", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join(timeout=5)
            self.thread = None

    def _recover(self) -> None:
        self.db.run("UPDATE jobs SET state = 'failed', message = ?, finished_at = ? WHERE kind = 'summary' AND "
                    "state IN ('queued', 'running')", t("服务曾中断，汇总未完成，请重新生成", "the server stopped; build "
                                                      "the summary again"), now())
        self.db.run("UPDATE jobs SET state = 'failed', message = ?, finished_at = ? WHERE kind = 'check' AND "
                    "state IN ('queued', 'running')", t("服务曾中断，未审核的文件已转入新的审核任务",
                                                      "the server stopped; the files left were given to a new job"),
                    now())
        self._reopen_archives()
        for row in self.db.all("SELECT DISTINCT round_id FROM files WHERE state = 'pending'"):
            jid = self.submit(row["round_id"], "check")
            self.db.run("UPDATE files SET job_id = ? WHERE round_id = ? AND state = 'pending'", jid, row["round_id"])
            self.queue.put(jid)

    def _reopen_archives(self) -> None:
        """An archive whose entries were listed but not yet checked is opened again from the start (its
        entries are not kept on disk: the archive is)."""
        with self.db.connect() as con:
            parents = [row["parent_id"] for row in con.execute(
                "SELECT DISTINCT parent_id FROM files WHERE state = 'pending' AND stored IS NULL AND via = 'archive'")]
            for pid in parents:
                con.execute("DELETE FROM findings WHERE file_id IN (SELECT id FROM files WHERE parent_id = ? AND "
                            "via = 'archive')", (pid,))
                con.execute("DELETE FROM files WHERE parent_id = ? AND via = 'archive'", (pid,))
                con.execute("UPDATE files SET state = 'pending', status = 'pending', note = '' WHERE id = ?", (pid,))

    def _loop(self) -> None:
        while True:
            jid = self.queue.get()
            if jid is None:
                return
            self.run(jid)

    def run(self, jid: int) -> None:
        """Run one job to its end: done with its message, or failed with a message for the clerk."""
        row = self.db.one("SELECT * FROM jobs WHERE id = ?", jid)
        if row is None:
            return
        self.db.run("UPDATE jobs SET state = 'running' WHERE id = ?", jid)
        try:
            message = self._work(row["kind"])(jid, row["round_id"])
            state = "done"
        except PerfxlError as e:
            message, state = str(e), "failed"
        except Exception as e:  # noqa: BLE001 - a bug must not stop the thread; the clerk gets one line
            log.exception("job %s failed", jid)
            message = t(f"内部错误（{type(e).__name__}）：未能完成，请把所传文件交给维护人员",
                        f"Internal error ({type(e).__name__}): not finished; please send the files to the maintainers")
            state = "failed"
        self.db.run("UPDATE jobs SET state = ?, message = ?, finished_at = ? WHERE id = ?", state, message, now(), jid)

    def _work(self, kind: str) -> Callable[[int, int], str]:
        from .intake import run_check_job
        from .rounds import get_round
        from .summarize import build_summary

        if kind == "check":
            return lambda jid, rid: run_check_job(self.db, get_round(self.db, rid), jid, jobs=self.jobs)
        return lambda jid, rid: build_summary(self.db, get_round(self.db, rid), jid, jobs=self.jobs)
