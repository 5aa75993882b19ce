"""What the benchmarks share: the machine report above their figures, and project-code tails."""
from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version

import perfxl


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def machine_lines(libraries: tuple[str, ...] = ("pandas", "openpyxl", "python-calamine", "xlsxwriter")) -> list[str]:
    return [
        f"platform:   {platform.platform()}",
        f"processor:  {platform.processor() or platform.machine()}",
        f"cpu count:  {os.cpu_count()}",
        f"python:     {platform.python_implementation()} {platform.python_version()}",
        f"libraries:  perfxl {perfxl.__version__}, " + ", ".join(f"{lib} {_version(lib)}" for lib in libraries),
    ]


CODE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def code12(n: int) -> str:
    """n written in base 36 on exactly 12 characters: the project-specific tail of a project code."""
    out = []
    for _ in range(12):
        n, r = divmod(n, 36)
        out.append(CODE_CHARS[r])
    return "".join(reversed(out))


# ---------------------------------------------------------------- repeated runs, load, memory (added for issue 12)


def load_text() -> str:
    """The load averages (1, 5, 15 min), as `uptime` shows them: on a shared machine every figure is read
    beside the load it was measured under."""
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def min_median(values: list[float]) -> tuple[float, float]:
    """(min, median) of a few runs' figures: the minimum is the least disturbed run, the median the typical."""
    ordered = sorted(values)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    return ordered[0], median


def maxrss_mb(who: int | None = None) -> float:
    """Peak resident set size in MB of this process (or ``resource.RUSAGE_CHILDREN``); ru_maxrss is KB on
    Linux, bytes on macOS."""
    import resource
    import sys

    rss = resource.getrusage(resource.RUSAGE_SELF if who is None else who).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def rss_mb() -> float:
    """Current resident set size in MB (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0
