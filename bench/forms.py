"""Benchmark of the official forms (PDF) printed at the counter while the citizen waits.

    .venv/bin/python bench/forms.py

Each form of ``tests/dossier/test_forms.py``'s table is rendered for the same example dossier, best of 5 once warm,
against a baseline measured in the same run: WeasyPrint rendering a one-line A4 page (the fixed cost of any PDF).
Target: every form under 1 s. (This replaces a timing assertion that sat in the tests: timings are measured here,
never asserted in ``make test``.)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from weasyprint import HTML

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.dossier.test_forms import FORMS, make_dossier

TARGET_S = 1.0
REPEATS = 5


def best(fn: Callable[[], object]) -> float:
    fn()  # warm: fonts, templates
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    baseline = best(lambda: HTML(string="<p>Một cửa</p>").write_pdf())
    dossier = make_dossier()
    print(f"forms: best of {REPEATS}, baseline (a one-line PDF page) {baseline * 1000:.0f} ms")
    print(f"  {'form':<28} {'ms':>8} {'× baseline':>11}  target < {TARGET_S * 1000:.0f} ms")
    missed = []
    for key, (build, _, _) in FORMS.items():
        seconds = best(lambda build=build: build(dossier))
        verdict = "met" if seconds < TARGET_S else "NOT met"
        print(f"  {key:<28} {seconds * 1000:>8.0f} {seconds / baseline:>11.1f}  {verdict}")
        if seconds >= TARGET_S:
            missed.append(key)
    print(f"  target: {'met by every form' if not missed else 'NOT met by ' + ', '.join(missed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
