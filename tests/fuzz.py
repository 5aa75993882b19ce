"""A seeded mutation fuzzer for returned workbooks: every mutant must end in a report.

Run from the repository root:

    python tests/fuzz.py --count 2000 --seed 7            # 2000 mutants, 2 jobs
    python tests/fuzz.py --count 300 --seed 1 --keep out/  # keep the mutants and the report

The base files are perfxl's own workbooks (the seed unit as issued, with and without a key). Each mutant
applies one to three mutations, chosen and parameterised by a ``random.Random(seed)``, so a seed and a
count always give the same files:

* bytes: flip bits, overwrite a run with random bytes, truncate, append junk;
* zip members: delete one, duplicate one (same name, twice), swap two members' contents, store a member
  under another name's case;
* XML of one part (a worksheet, ``xl/sharedStrings.xml``, ``xl/styles.xml``, ``xl/workbook.xml``, the
  identity sheet ``_perfxl``, ``docProps/*.xml``): set a count or an attribute to a huge number, point
  a cell at XFD1048576 or a shared string past the end, delete or duplicate an element, cut the part
  short, insert a DTD, replace a text with a long one, change a cell's type.

Every mutant is checked through ``perfxl.check_paths(folder, jobs=2)``, the way an office checks a round.
The run passes when every mutant has its report, none says "内部错误" (a bug caught by the last line of
defence), the run itself raised nothing, and every input is byte-identical afterwards.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import random
import re
import sys
import tempfile
import time
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

__all__ = ["base_workbooks", "mutate", "mutants", "FuzzResult", "run_fuzz", "main"]

ROOT = Path(__file__).resolve().parents[1]
HUGE = ["2147483647", "4294967296", "99999999999999999999", "-1", "1e308", "18446744073709551615"]
_XML_PARTS = ("xl/worksheets/", "xl/sharedStrings.xml", "xl/styles.xml", "xl/workbook.xml", "docProps/",
              "xl/_rels/workbook.xml.rels", "[Content_Types].xml")


def base_workbooks(folder: Path) -> list[Path]:
    """perfxl's own workbooks to mutate: the seed unit issued without and with a key."""
    import perfxl

    unit = perfxl.load_unit(ROOT / "samples" / "units" / "115001.json")
    fw = perfxl.load_framework("hebei-2023")
    return [perfxl.write_workbook(unit, fw, folder / "plain"),
            perfxl.write_workbook(unit, fw, folder / "keyed", key=b"fuzz-key")]


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")  # a duplicated member is the point
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


# ---------------------------------------------------------------- byte mutations


def _flip(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    b = bytearray(data)
    n = rng.randint(1, 16)
    for _ in range(n):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return f"flip {n} bits", bytes(b)


def _overwrite(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    i = rng.randrange(len(data))
    n = rng.randint(1, 64)
    return f"overwrite {n} bytes at {i}", data[:i] + bytes(rng.randrange(256) for _ in range(n)) + data[i + n:]


def _truncate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    n = rng.randrange(len(data))
    return f"truncate to {n}", data[:n]


def _append(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    return "append junk", data + bytes(rng.randrange(256) for _ in range(rng.randint(1, 200)))


# ---------------------------------------------------------------- zip member mutations


def _delete_member(rng: random.Random, members: list) -> tuple[str, list]:
    k = rng.randrange(len(members))
    return f"delete {members[k][0]}", members[:k] + members[k + 1:]


def _duplicate_member(rng: random.Random, members: list) -> tuple[str, list]:
    k = rng.randrange(len(members))
    return f"duplicate {members[k][0]}", members + [members[k]]


def _swap_members(rng: random.Random, members: list) -> tuple[str, list]:
    a, b = rng.sample(range(len(members)), 2)
    out = list(members)
    out[a], out[b] = (members[a][0], members[b][1]), (members[b][0], members[a][1])
    return f"swap {members[a][0]} and {members[b][0]}", out


def _recase_member(rng: random.Random, members: list) -> tuple[str, list]:
    k = rng.randrange(len(members))
    name, data = members[k]
    return f"upper-case {name}", members + [(name.upper(), data)]


# ---------------------------------------------------------------- XML mutations of one part


def _xml_huge_attribute(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    attrs = list(re.finditer(rb'\b(count|uniqueCount|r|s|t|ref|numFmtId|xfId|sheetId|min|max|spans)="[^"]*"', xml))
    if not attrs:
        return "no attribute", xml
    m = rng.choice(attrs)
    value = rng.choice(HUGE + ["XFD1048576", "A1048576", "ZZZZ1", "A0", "", "n"]).encode()
    return f"{m.group(1).decode()}={value.decode()}", xml[:m.start()] + m.group(1) + b'="' + value + b'"' + xml[m.end():]


def _xml_far_cell(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    far = rng.choice([b"XFD1048576", b"A1048576", b"XFD1", b"IV65536", b"KO2"])
    cell = b'<c r="' + far + b'"><v>1</v></c>'
    at = xml.rfind(b"</row>")
    if at < 0:
        return "no row", xml
    return f"far cell {far.decode()}", xml[:at] + cell + xml[at:]


def _xml_bad_shared_index(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    m = list(re.finditer(rb'<c [^>]*t="s"[^>]*><v>\d+</v>', xml))
    if not m:
        return "no shared-string cell", xml
    hit = rng.choice(m)
    fixed = re.sub(rb"<v>\d+</v>", b"<v>" + rng.choice(HUGE[:3]).encode() + b"</v>", hit.group(0))
    return "shared string past the end", xml[:hit.start()] + fixed + xml[hit.end():]


def _xml_delete_element(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    tags = list(re.finditer(rb"<[A-Za-z][^>]*>", xml))
    if not tags:
        return "no element", xml
    m = rng.choice(tags)
    return f"delete tag {m.group(0)[:20]!r}", xml[:m.start()] + xml[m.end():]


def _xml_duplicate_element(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    elems = list(re.finditer(rb"<(c|row|si|sheet|xf|numFmt|Relationship|property)\b[^>]*?(/>|>.*?</\1>)", xml, re.S))
    if not elems:
        return "no element", xml
    m = rng.choice(elems)
    return f"duplicate <{m.group(1).decode()}>", xml[:m.end()] + m.group(0) * rng.randint(1, 50) + xml[m.end():]


def _xml_cut(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    n = rng.randrange(max(1, len(xml)))
    return f"cut part at {n}", xml[:n]


def _xml_dtd(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    dtd = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    at = xml.find(b"?>")
    at = at + 2 if at >= 0 else 0
    return "insert DTD", xml[:at] + dtd + xml[at:]


def _xml_long_text(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    texts = list(re.finditer(rb"<(t|v)(?: [^>]*)?>([^<]*)</\1>", xml))
    if not texts:
        return "no text", xml
    m = rng.choice(texts)
    body = (rng.choice(["x", "中", "=1+1", "\x07"]) * rng.randint(1000, 100_000)).encode()
    return "long text", xml[:m.start(2)] + body + xml[m.end(2):]


def _xml_cell_type(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    cells = list(re.finditer(rb"<c [^>]*>", xml))
    if not cells:
        return "no cell", xml
    m = rng.choice(cells)
    t = rng.choice([b"s", b"str", b"inlineStr", b"b", b"e", b"d", b"n", b"zz"])
    tag = re.sub(rb' t="[^"]*"', b"", m.group(0))
    tag = tag[:-1] + b' t="' + t + b'">' if not tag.endswith(b"/>") else tag
    return f"cell type {t.decode()}", xml[:m.start()] + tag + xml[m.end():]


BYTE_MUTATIONS: list[Callable] = [_flip, _overwrite, _truncate, _append]
MEMBER_MUTATIONS: list[Callable] = [_delete_member, _duplicate_member, _swap_members, _recase_member]
XML_MUTATIONS: list[Callable] = [_xml_huge_attribute, _xml_far_cell, _xml_bad_shared_index, _xml_delete_element,
                                 _xml_duplicate_element, _xml_cut, _xml_dtd, _xml_long_text, _xml_cell_type]


def _identity_part(members: list[tuple[str, bytes]]) -> str | None:
    """The worksheet holding the identity (the sheet with template_id)."""
    for name, data in members:
        if name.startswith("xl/worksheets/") and b"locked_cells" in data:
            return name
    for name, data in members:
        if name == "xl/sharedStrings.xml" and b"locked_cells" in data:
            return name
    return None


def mutate(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    """One mutant of ``data``: one to three mutations of the kinds in the module docstring."""
    steps = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        kind = rng.random()
        if kind < 0.25:
            what, data = rng.choice(BYTE_MUTATIONS)(rng, data)
        else:
            try:
                members = _members(data)
            except Exception:  # noqa: BLE001 - an earlier step broke the zip: mutate its bytes
                what, data = rng.choice(BYTE_MUTATIONS)(rng, data)
                steps.append(what)
                continue
            if kind < 0.4 and len(members) > 1:
                what, members = rng.choice(MEMBER_MUTATIONS)(rng, members)
            else:
                parts = [n for n, _ in members if n.startswith(_XML_PARTS)]
                ident = _identity_part(members)
                if ident and rng.random() < 0.3:
                    target = ident
                elif parts:
                    target = rng.choice(parts)
                else:
                    target = members[0][0]
                i = [n for n, _ in members].index(target)
                what, xml = rng.choice(XML_MUTATIONS)(rng, members[i][1])
                members[i] = (target, xml)
                what = f"{target}: {what}"
            data = _zip(members)
        steps.append(what)
    return "; ".join(steps), data


def mutants(bases: list[bytes], count: int, seed: int):
    """``count`` (name, description, bytes), reproducible from ``seed``."""
    rng = random.Random(seed)
    for k in range(count):
        base = bases[k % len(bases)]
        what, data = mutate(rng, base)
        yield f"{k:05d}.xlsx", what, data


@dataclass
class FuzzResult:
    count: int = 0
    seconds: float = 0.0
    codes: Counter = field(default_factory=Counter)
    sandbox_deaths: int = 0
    problems: list[str] = field(default_factory=list)  # what broke the contract (empty: the run passed)

    def summary(self) -> str:
        top = ", ".join(f"{c} {n}" for c, n in self.codes.most_common(8))
        return (f"{self.count} mutants in {self.seconds:.1f} s ({self.count / max(self.seconds, 1e-9):.0f}/s); "
                f"first codes: {top}; ended by the sandbox: {self.sandbox_deaths}; problems: {len(self.problems)}")


_DEATH_WORDS = ("解析程序异常中止", "读取进程", "读取耗时超过上限", "读取超过", "读取所需内存超过上限", "解析程序崩溃")


def run_fuzz(count: int, seed: int, *, jobs: int = 2, folder: Path | None = None) -> FuzzResult:
    """Write ``count`` mutants into ``folder`` (a temporary one if None), check them as one round, and
    say what broke the contract."""
    from perfxl.check import check_paths

    with tempfile.TemporaryDirectory(prefix="perfxl-fuzz-") as tmp:
        work = Path(folder) if folder else Path(tmp)
        bases = [p.read_bytes() for p in base_workbooks(Path(tmp) / "base")]
        round_dir = work / "mutants"
        round_dir.mkdir(parents=True, exist_ok=True)
        described = {}
        for name, what, data in mutants(bases, count, seed):
            (round_dir / name).write_bytes(data)
            described[name] = what
        before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in round_dir.iterdir()}
        result = FuzzResult(count=count)
        t0 = time.perf_counter()
        try:
            run = check_paths([round_dir], jobs=jobs)
        except Exception as e:  # noqa: BLE001 - the contract: a run always ends in a report
            result.problems.append(f"check_paths raised {type(e).__name__}: {e}")
            return result
        result.seconds = time.perf_counter() - t0
        reported = {Path(c.path).name: c for c in run.files}
        for name, what in described.items():
            c = reported.get(name)
            if c is None:
                result.problems.append(f"{name} ({what}): no report")
                continue
            first = c.report.findings[0].code if c.report.findings else "clean"
            result.codes[first] += 1
            messages = " ".join(f.message for f in c.report.findings)
            if "内部错误" in messages:
                result.problems.append(f"{name} ({what}): {messages[:300]}")
            if any(w in messages for w in _DEATH_WORDS):
                result.sandbox_deaths += 1
        after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in round_dir.iterdir()}
        if after != before:
            result.problems.append("an input changed")
        if folder:
            (work / "mutants.txt").write_text("".join(f"{n}\t{w}\n" for n, w in described.items()), "utf-8")
        return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="keep the mutants (and mutants.txt) in this folder")
    args = ap.parse_args(argv)
    result = run_fuzz(args.count, args.seed, jobs=args.jobs, folder=args.keep)
    print(result.summary())
    for p in result.problems[:50]:
        print("PROBLEM", p)
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
