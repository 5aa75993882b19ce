"""Text files from Chinese offices: UTF-8 (with or without BOM) or GBK/GB18030, as Excel and WPS save."""
from __future__ import annotations

import csv
import io
from pathlib import Path

__all__ = ["decode_chinese", "csv_rows"]

ENCODINGS = ("utf-8-sig", "gb18030")


def decode_chinese(raw: bytes) -> str | None:
    """The text in the first encoding that fits, or None when none does."""
    for enc in ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def csv_rows(path: Path) -> list[list[str]] | None:
    """Rows of a CSV file, or None when its encoding is neither UTF-8 nor GBK."""
    text = decode_chinese(path.read_bytes())
    return None if text is None else [list(r) for r in csv.reader(io.StringIO(text))]
