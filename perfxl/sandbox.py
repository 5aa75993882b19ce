"""Read untrusted files in worker processes that a hostile file can crash without stopping the run.

Why a process, and not more checks before the parser
----------------------------------------------------
Cell values are read by python-calamine (Rust). Calamine sizes allocations from numbers found in the
file (a sharedStrings part saying ``uniqueCount="2147483647"`` asks for 51 GB; two cells at A1 and
XFD1048576 ask for 512 GiB), and a failed allocation in Rust *aborts the process*: no ``try`` can
catch it. A pre-scan that mirrors the parser can only foresee the allocations someone thought of.
So every returned file is opened and read in a worker process whose resource limits are set before
the parser runs, and whatever kills that worker — an abort (SIGABRT), a limit (address space, CPU
time), the parent's wall-clock watchdog, a crash — becomes one S01 for that file with the reason in
Chinese and English. The run goes on with a fresh worker; the office always gets its report.

How it stays fast
-----------------
:class:`Pool` keeps ``jobs`` long-lived workers, each reading file after file (one task in flight per
worker, results sent back as soon as they are ready); a dead worker is replaced, the others carry on
(``concurrent.futures.ProcessPoolExecutor`` would break as a whole on one death). On Linux workers are
forked, so they start in milliseconds with perfxl already imported; limits are set once per worker:

* ``RLIMIT_AS``: what the worker has when it starts plus :attr:`SandboxLimits.memory_mb` (default
  1536 MB). Allocations beyond fail: in Python a MemoryError, in Rust an abort. Both end as S01.
* ``RLIMIT_CPU``: re-armed before each file to the CPU time used so far plus
  :attr:`SandboxLimits.cpu_seconds`; past it the kernel sends SIGXCPU, which ends the worker.
* wall clock: the parent kills a worker whose file takes longer than :attr:`SandboxLimits.wall_seconds`
  (a worker that sleeps or blocks uses no CPU).

A worker ignores SIGINT (Ctrl-C reaches the whole process group: the parent decides), sends its
stderr to the null device (Rust prints a backtrace when it aborts; ``PERFXL_DEBUG=1`` keeps it), and on
Linux asks the kernel to kill it when the parent dies (``PR_SET_PDEATHSIG``). The parent kills and
reaps every worker when it leaves the pool, normally or by an exception (KeyboardInterrupt, SIGTERM
turned into an exception by the CLI), so nothing is left running and nothing blocks on a pipe.

Windows and macOS: workers are started with ``spawn`` (a fresh interpreter, about 0.3 s once per
worker). Windows has no ``resource`` module: there the worker is a plain process with the parent's
wall-clock timeout only, and an abort still ends only the worker. macOS does not enforce
``RLIMIT_AS``; the CPU limit and the watchdog still apply.

Mutation testing (tools/mutation.py) sets ``PERFXL_SANDBOX_IN_PROCESS=1``: tasks then run in the
calling process, one after the other, without isolation or limits. mutmut records which tests reach
a function, and switches mutants, in its own process; code run in a worker would be invisible to it,
so a test that checks a file end to end would never be counted against the reader, the rules or the
signature check. Nothing else sets it, and the tests that are about isolation are left out under it.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence


__all__ = ["SandboxLimits", "DEFAULT_SANDBOX", "Crashed", "Pool", "run_isolated", "Terminated",
           "terminate_on_sigterm", "default_jobs", "MAX_DEFAULT_JOBS"]

_MiB = 1024 * 1024
_DEBUG_ENV = "PERFXL_DEBUG"
IN_PROCESS_ENV = "PERFXL_SANDBOX_IN_PROCESS"


@dataclass(frozen=True)
class SandboxLimits:
    """What one worker may use. ``memory_mb`` is added to what the worker has when it starts (a forked
    worker starts as big as its parent); ``cpu_seconds`` and ``wall_seconds`` are per file."""

    memory_mb: int = 1536
    cpu_seconds: int = 60
    wall_seconds: float = 120.0

    @classmethod
    def from_env(cls) -> "SandboxLimits":
        """Defaults, overridden by ``PERFXL_READ_MEMORY_MB``, ``PERFXL_READ_CPU_SECONDS``,
        ``PERFXL_READ_SECONDS`` (for a server with less memory, or a slower machine)."""
        d = cls()

        def num(name: str, default: float, kind: type) -> Any:
            raw = os.environ.get(name, "").strip()
            try:
                value = kind(raw) if raw else default
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(num("PERFXL_READ_MEMORY_MB", d.memory_mb, int), num("PERFXL_READ_CPU_SECONDS", d.cpu_seconds, int),
                   num("PERFXL_READ_SECONDS", d.wall_seconds, float))


DEFAULT_SANDBOX = SandboxLimits()

# Past 8 workers the parent, which takes every answer and runs the checks across files, is the
# bottleneck, and each worker may grow to ``memory_mb``: more must be asked for with --jobs.
MAX_DEFAULT_JOBS = 8


def default_jobs() -> int:
    """How many workers to use when the office does not say: the cores this process may run on (its
    CPU affinity, so a container's or ``taskset``'s limit counts, not the machine's), at most
    :data:`MAX_DEFAULT_JOBS`."""
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        usable = os.cpu_count() or 1
    return max(1, min(usable, MAX_DEFAULT_JOBS))


@dataclass
class Crashed:
    """A file whose worker died or hit a limit: why, in both languages (for an S01)."""

    reason_zh: str
    reason_en: str


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that every ``finally`` runs (temporary folders removed,
    workers killed, partial outputs deleted) before the process exits with status 143."""


def terminate_on_sigterm() -> None:
    """Turn SIGTERM into :class:`Terminated` (main thread only; a no-op elsewhere)."""
    def handler(signum: int, frame: Any) -> None:
        raise Terminated()

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError, AttributeError):
        pass


# --------------------------------------------------------------------------------------------------
# the worker


def _vm_size() -> int:
    """The process's address space in bytes (Linux), else 0."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0


def _set_memory_limit(limits: SandboxLimits) -> None:
    try:
        import resource
    except ImportError:  # Windows
        return
    _lower_soft_limit(resource, resource.RLIMIT_AS, _vm_size() + limits.memory_mb * _MiB)


def _arm_cpu_limit(limits: SandboxLimits) -> None:
    """CPU time is counted over the worker's life: allow ``cpu_seconds`` more from now."""
    try:
        import resource
    except ImportError:
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    _lower_soft_limit(resource, resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime) + 1 + limits.cpu_seconds)


def _lower_soft_limit(resource, which: int, soft: int) -> None:
    """Set a soft limit, never above the hard one (which an unprivileged worker cannot raise)."""
    try:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))
    except (ValueError, OSError):
        pass


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _quiet_stderr() -> None:
    """Rust's abort message and backtrace, and faulthandler's dump (pytest enables it), are noise to the
    clerk: the parent reports the death as S01. ``PERFXL_DEBUG=1`` keeps them."""
    if os.environ.get(_DEBUG_ENV):
        return
    try:
        import faulthandler

        faulthandler.disable()
    except (ImportError, RuntimeError):
        pass
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    except OSError:
        pass


def _worker_main(conn: Any, task: Callable[[Any, Any], Any], shared: Any, limits: SandboxLimits) -> None:
    """Read tasks until told to stop (None) or the parent goes away; answer each with (index, result,
    whether this worker now ends: after a MemoryError its heap is not trusted with another file)."""
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError):
        pass
    _die_with_parent()
    _quiet_stderr()
    _set_memory_limit(limits)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        index, item = msg
        _arm_cpu_limit(limits)
        recycle = False
        try:
            result = task(item, shared)
        except MemoryError:
            result, recycle = _memory_crash(limits), True
        except BaseException as e:  # noqa: BLE001 - the task is meant to catch its own; this is a bug
            result = Crashed(f"读取时出现内部错误（{type(e).__name__}），请将此文件提交给 perfxl 维护人员",
                             f"internal error while reading ({type(e).__name__}: {str(e)[:200]})")
        try:
            conn.send((index, result, recycle))
        except MemoryError:
            recycle = True
            conn.send((index, _memory_crash(limits), recycle))
        except (BrokenPipeError, EOFError, OSError):
            return
        except Exception as e:  # noqa: BLE001 - an unpicklable result
            conn.send((index, Crashed(f"读取结果无法传回（{type(e).__name__}），请将此文件提交给 perfxl 维护人员",
                                      f"the result could not be sent back ({type(e).__name__})"), recycle))
        if recycle:
            return  # a heap that ran out of memory is not trusted for the next file


def _memory_crash(limits: SandboxLimits) -> Crashed:
    return Crashed(f"读取所需内存超过上限 {limits.memory_mb} MB，文件可能已损坏或被恶意构造",
                   f"reading needs more memory than the limit of {limits.memory_mb} MB; the file may be corrupt "
                   "or crafted")


# --------------------------------------------------------------------------------------------------
# the parent


def _context() -> Any:
    import multiprocessing

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


_SIGNAL_REASONS = {
    "SIGABRT": ("解析程序异常中止（多半是文件要求的内存超过上限 {mb} MB），文件可能已损坏或被恶意构造",
                "the parser aborted (most likely the file asks for more memory than the limit of {mb} MB); "
                "the file may be corrupt or crafted"),
    "SIGXCPU": ("读取耗时超过上限（CPU 时间 {cpu} 秒），文件可能已损坏或被恶意构造",
                "reading took more than the CPU time limit of {cpu} s; the file may be corrupt or crafted"),
    "SIGKILL": ("读取进程被系统终止（多半是内存不足），文件可能已损坏或被恶意构造",
                "the reading process was killed (most likely out of memory); the file may be corrupt or crafted"),
    "SIGSEGV": ("解析程序崩溃（SIGSEGV），文件可能已损坏或被恶意构造",
                "the parser crashed (SIGSEGV); the file may be corrupt or crafted"),
    "SIGBUS": ("解析程序崩溃（SIGBUS），文件可能已损坏或被恶意构造",
               "the parser crashed (SIGBUS); the file may be corrupt or crafted"),
}


def _death_reason(exitcode: int | None, limits: SandboxLimits) -> Crashed:
    """Why a worker ended without answering, from its exit status."""
    values = {"mb": limits.memory_mb, "cpu": limits.cpu_seconds}
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        zh, en = _SIGNAL_REASONS.get(name, (f"读取进程被信号 {name} 终止，文件可能已损坏或被恶意构造",
                                            f"the reading process was ended by {name}; the file may be corrupt "
                                            "or crafted"))
        return Crashed(zh.format(**values), en.format(**values))
    return Crashed(f"读取进程意外退出（状态 {exitcode}），文件可能已损坏或被恶意构造",
                   f"the reading process exited unexpectedly (status {exitcode}); the file may be corrupt or crafted")


def _timeout_reason(limits: SandboxLimits) -> Crashed:
    return Crashed(f"读取超过 {limits.wall_seconds:g} 秒仍未完成，已终止；文件可能已损坏或被恶意构造",
                   f"reading did not finish within {limits.wall_seconds:g} s and was stopped; the file may be "
                   "corrupt or crafted")


class _Worker:
    """One worker process, its end of the pipe, and the items sent to it and not yet answered, oldest
    first (the worker reads them in that order): the oldest is the one it is on, since ``started``."""

    def __init__(self, ctx: Any, task: Callable, shared: Any, limits: SandboxLimits):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, task, shared, limits), daemon=True)
        self.proc.start()
        child.close()
        self.sent: deque[tuple[int, Any]] = deque()
        self.started = 0.0

    @property
    def index(self) -> int | None:
        """The item the worker is on, or None when it is idle."""
        return self.sent[0][0] if self.sent else None

    def give(self, index: int, item: Any) -> bool:
        try:
            self.conn.send((index, item))
        except (BrokenPipeError, OSError):
            return False
        if not self.sent:
            self.started = time.monotonic()
        self.sent.append((index, item))
        return True

    def answered(self) -> None:
        """The oldest item is answered: the worker goes on with the next one it holds, from now."""
        self.sent.popleft()
        self.started = time.monotonic()

    def unstarted(self) -> list[tuple[int, Any]]:
        """The items after the one the worker is on: never begun, so another worker can take them."""
        return list(self.sent)[1:]

    def kill(self) -> None:
        if self.proc.is_alive():
            try:
                self.proc.kill()
            except (OSError, AttributeError):
                pass
        self.proc.join(2)
        self.conn.close()

    def stop(self) -> None:
        """Ask an idle worker to finish; kill it if it does not within a moment."""
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.proc.join(1)
        self.kill()


class Pool:
    """``jobs`` long-lived sandboxed workers running ``task(item, shared)`` over many items.

    ``shared`` (the register, the framework, the key...) is given once, when a worker starts.
    :meth:`run` yields ``(index, result)`` as results arrive; a result is a :class:`Crashed` when the
    item's worker died, hit a limit or timed out. Use as a context manager: leaving it kills every
    worker, whatever happened.

    Each worker holds up to ``depth`` items (default 2): the next one is already in its pipe when it
    answers the last, so it never waits for the parent to wake up, take the answer and send more (on
    a machine with as many cores as workers the parent competes with them for a core). The watchdog
    times the item a worker is on; when a worker dies, the item it was on gets the S01 and the ones it
    held behind it go to another worker.
    """

    def __init__(self, task: Callable[[Any, Any], Any], shared: Any = None, *, jobs: int = 1,
                 limits: SandboxLimits | None = None, depth: int = 2):
        self.task, self.shared = task, shared
        self.jobs = max(1, int(jobs))
        self.depth = max(1, int(depth))
        self.limits = limits or SandboxLimits.from_env()
        self._ctx = _context()
        self._workers: list[_Worker] = []

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(graceful=exc[0] is None)

    def close(self, graceful: bool = True) -> None:
        """End every worker: politely after a normal run, at once after an exception."""
        workers, self._workers = self._workers, []
        for w in workers:
            if graceful and not w.sent and w.proc.is_alive():
                w.stop()
            else:
                w.kill()

    def _spawn(self) -> _Worker:
        w = _Worker(self._ctx, self.task, self.shared, self.limits)
        self._workers.append(w)
        return w

    def _retire(self, w: _Worker, pending: deque | None = None) -> None:
        """End a worker; the items it held but had not begun go back to the front of ``pending``."""
        if pending is not None:
            pending.extendleft(reversed(w.unstarted()))
        w.sent.clear()
        w.kill()
        self._workers.remove(w)

    def _fill(self, w: _Worker, pending: deque) -> bool:
        """Send ``w`` items until it holds ``depth``; False when it cannot take any (it died)."""
        while pending and len(w.sent) < self.depth:
            index, item = pending.popleft()
            if not w.give(index, item):
                pending.appendleft((index, item))
                return False
        return True

    def run(self, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        if os.environ.get(IN_PROCESS_ENV) == "1":
            yield from self._run_here(items)
            return
        from multiprocessing.connection import wait

        pending = deque(enumerate(items))
        wanted = min(self.jobs, len(pending))
        while pending or any(w.sent for w in self._workers):
            for w in list(self._workers):
                if pending and len(w.sent) < self.depth and not self._fill(w, pending) and not w.sent:
                    self._retire(w)  # died while idle (it should not): its items go to a fresh one
            while pending and len(self._workers) < wanted:
                w = self._spawn()
                if not self._fill(w, pending) and not w.sent:  # could not even start: that item fails
                    index, _ = pending.popleft()
                    self._retire(w)
                    yield index, _death_reason(None, self.limits)
            busy = [w for w in self._workers if w.sent]
            if not busy:
                continue
            now = time.monotonic()
            deadline = min(w.started for w in busy) + self.limits.wall_seconds
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                             timeout=max(0.0, deadline - now)))
            now = time.monotonic()
            for w in busy:
                if w.conn in ready:
                    index = w.index
                    try:
                        got_index, result, ending = w.conn.recv()
                    except Exception:  # noqa: BLE001 - EOF, or a message cut short when the worker died
                        w.proc.join(1)
                        result, got_index = _death_reason(w.proc.exitcode, self.limits), index
                        self._retire(w, pending)
                    else:
                        w.answered()
                        if ending:  # it ends (after a MemoryError): what it still held goes elsewhere
                            pending.extendleft(reversed(w.sent))
                            w.sent.clear()
                            self._retire(w)
                    yield got_index, result
                elif w.proc.sentinel in ready:
                    w.proc.join(1)
                    index, result = w.index, _death_reason(w.proc.exitcode, self.limits)
                    self._retire(w, pending)
                    yield index, result
                elif now - w.started >= self.limits.wall_seconds:
                    index = w.index
                    self._retire(w, pending)
                    yield index, _timeout_reason(self.limits)
            for w in list(self._workers):
                if not w.sent and not w.proc.is_alive():
                    self._retire(w)  # it ended while idle (it should not): replaced on demand


    def _run_here(self, items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Every task in this process (mutation testing only, module docstring): the same results a
        worker would send back, a task's own exception becoming the same :class:`Crashed`."""
        for index, item in enumerate(items):
            try:
                result = self.task(item, self.shared)
            except MemoryError:
                result = _memory_crash(self.limits)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as e:  # noqa: BLE001 - as _worker_main
                result = Crashed(f"读取时出现内部错误（{type(e).__name__}），请将此文件提交给 perfxl 维护人员",
                                 f"internal error while reading ({type(e).__name__}: {str(e)[:200]})")
            yield index, result


def run_isolated(task: Callable[[Any, Any], Any], item: Any, shared: Any = None, *,
                 limits: SandboxLimits | None = None) -> Any:
    """``task(item, shared)`` in one sandboxed worker: its result, or a :class:`Crashed`."""
    with Pool(task, shared, jobs=1, limits=limits) as pool:
        for _, result in pool.run([item]):
            return result
    return _death_reason(None, limits or DEFAULT_SANDBOX)  # pragma: no cover - run always yields once
