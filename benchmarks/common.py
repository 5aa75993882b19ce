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
