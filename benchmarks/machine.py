"""The machine and library versions every benchmark prints above its figures."""
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
