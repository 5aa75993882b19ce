"""The mutation fuzzer in the suite (tests/fuzz.py): at least 300 mutants, read as one round with jobs=2.

Every mutant must end in its own report (no traceback, no "内部错误", the run never aborted) and every
input must be byte-identical afterwards. ``python tests/fuzz.py --count N --seed S`` runs any number.
"""
from __future__ import annotations

import random

import fuzz


def test_the_fuzzer_is_reproducible_from_its_seed(tmp_path):
    bases = [p.read_bytes() for p in fuzz.base_workbooks(tmp_path)]
    first = [(n, w, hash(d)) for n, w, d in fuzz.mutants(bases, 30, seed=5)]
    again = [(n, w, hash(d)) for n, w, d in fuzz.mutants(bases, 30, seed=5)]
    other = [(n, w, hash(d)) for n, w, d in fuzz.mutants(bases, 30, seed=6)]
    assert first == again and first != other


def test_the_fuzzer_covers_every_kind_of_mutation(tmp_path):
    bases = [p.read_bytes() for p in fuzz.base_workbooks(tmp_path)]
    rng = random.Random(3)
    seen = " ".join(fuzz.mutate(rng, bases[0])[0] for _ in range(400))
    for word in ("flip", "truncate", "delete", "duplicate", "xl/sharedStrings.xml", "xl/styles.xml",
                 "xl/workbook.xml", "xl/worksheets/", "insert DTD", "far cell", "shared string past the end"):
        assert word in seen, word
    assert any(w in seen for w in ("count=2147483647", "uniqueCount=", "r=XFD1048576", "=4294967296"))


def test_three_hundred_mutants_each_end_in_a_report_with_inputs_untouched():
    result = fuzz.run_fuzz(300, seed=20240311, jobs=2)
    assert result.problems == [], result.problems[:5]
    assert sum(result.codes.values()) == 300
    assert result.codes["S01"] > 0 and len(result.codes) > 2  # broken and readable mutants alike
