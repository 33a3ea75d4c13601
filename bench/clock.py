"""Benchmark of the working-day clock against numpy, measured in the same run.

    .venv/bin/python bench/clock.py

1. Vectorised due dates: 1,000,000 (receipt date, n working days) pairs, fixed seed, over the supported range;
   ``WorkCalendar.add_working_days_array`` vs ``numpy.busday_offset(roll="forward")`` with the Mon–Fri weekmask and
   our national calendar's non-working weekdays as holidays. Outputs must agree except where a make-up Saturday
   (which a weekmask cannot express) lies in the span; they must agree everywhere with numpy given the exact
   calendar (weekmask "1111111" + every non-working day as a holiday). Target: ours/numpy <= 2.0.
2. Scalar due date (working days): median of many calls, in µs (target < 3 µs), with ratios against baselines
   timed in the same run: a bare ``date.toordinal()`` + dict lookup, and a scalar ``numpy.busday_offset``.
"""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Callable
from datetime import date, datetime

import numpy as np

from motcua.calendar import VIETNAM_TZ, TimeLimit, calendar_for, due_instant

N = 1_000_000
SEED = 20260101
REPEATS = 7


def best_of(fn: Callable[[], object], repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def per_call_us(stmt: Callable[[], object], number: int = 20_000, repeat: int = 31) -> float:
    runs = timeit.repeat(stmt, number=number, repeat=repeat)
    return statistics.median(runs) / number * 1e6


def main() -> None:
    cal = calendar_for()
    rng = np.random.default_rng(SEED)
    first = np.datetime64(cal.first, "D")
    span = (np.datetime64(date(2034, 12, 31), "D") - first).astype(np.int64)
    dates = first + rng.integers(0, span, size=N).astype("timedelta64[D]")
    steps = rng.integers(0, 61, size=N)

    weekdays_off = np.array(cal.non_working_weekdays(), dtype="datetime64[D]")
    mon_fri = np.busdaycalendar(weekmask="1111100", holidays=weekdays_off)
    all_days = np.arange(first, np.datetime64(cal.last, "D") + 1)
    exact = np.busdaycalendar(weekmask="1111111", holidays=all_days[~cal.is_workday_array(all_days)])

    ours = cal.add_working_days_array(dates, steps)
    theirs = np.busday_offset(dates, steps, roll="forward", busdaycal=mon_fri)
    t_ours = best_of(lambda: cal.add_working_days_array(dates, steps))
    t_numpy = best_of(lambda: np.busday_offset(dates, steps, roll="forward", busdaycal=mon_fri))

    make_up = np.array(sorted(cal.weekend_workdays()), dtype="datetime64[D]")
    upper = np.maximum(ours, theirs)
    involved = np.searchsorted(make_up, upper, "right") > np.searchsorted(make_up, dates, "left")
    differ = ours != theirs
    unexplained = int(np.count_nonzero(differ & ~involved))
    exact_mismatch = int(np.count_nonzero(ours != np.busday_offset(dates, steps, roll="forward", busdaycal=exact)))

    print(f"vector N={N:,}: ours {t_ours * 1e3:.1f} ms, numpy.busday_offset {t_numpy * 1e3:.1f} ms, "
          f"ratio ours/numpy = {t_ours / t_numpy:.2f} (target <= 2.0)")
    print(f"agreement vs numpy Mon-Fri: {N - int(np.count_nonzero(differ)):,}/{N:,} equal; "
          f"{int(np.count_nonzero(differ)):,} differ, all spanning a make-up Saturday: {unexplained == 0} "
          f"(unexplained {unexplained})")
    print(f"agreement vs numpy exact calendar (weekmask 1111111 + all non-working days): "
          f"{N - exact_mismatch:,}/{N:,} equal")

    day = date(2026, 2, 13)
    d64 = np.datetime64(day, "D")
    lookup = {d.toordinal(): d for d in (date(2026, 2, 13), date(2026, 2, 25))}
    ordinal = day.toordinal()
    add = cal.add_working_days
    t_scalar = per_call_us(lambda: add(day, 3))
    t_dict = per_call_us(lambda: lookup[day.toordinal()])
    t_np = per_call_us(lambda: np.busday_offset(d64, 3, roll="forward", busdaycal=mon_fri))
    assert add(day, 3) == date(2026, 2, 25) and lookup[ordinal] == day
    print(f"scalar due date (add 3 working days across Tết 2026): median {t_scalar:.3f} µs (target < 3 µs)")
    print(f"  vs baseline date.toordinal()+dict lookup {t_dict:.3f} µs: ratio {t_scalar / t_dict:.2f}")
    print(f"  vs baseline numpy.busday_offset scalar {t_np:.3f} µs: ratio {t_scalar / t_np:.2f}")

    receipt = datetime(2026, 2, 13, 10, 0, tzinfo=VIETNAM_TZ)
    limit = TimeLimit(3, "working_days")
    t_instant = per_call_us(lambda: due_instant(receipt, limit, cal), number=5_000)
    print(f"scalar due_instant (aware receipt → aware UTC due, working days): median {t_instant:.3f} µs "
          f"(ratio vs numpy scalar {t_instant / t_np:.2f})")


if __name__ == "__main__":
    main()
