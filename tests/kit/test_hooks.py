"""Hooks carry an effect from a lower layer to a higher one (house rule 12, docs/architecture.md "Layers")."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from motcua.calendar.hooks import calendar_changed
from motcua.dossier.actions import recompute_due_dates
from motcua.dossier.hooks import dossiers_changed
from motcua.index.actions import queue_fold
from motcua.kit.hooks import Hook, HookNotConnected


def test_a_required_hook_refuses_to_run_unconnected() -> None:
    """A forgotten wiring must fail loudly: due dates not recomputed after a day off would be silently wrong."""
    hook: Hook[[int], int] = Hook("test.required")
    with pytest.raises(HookNotConnected, match=r"test\.required"):
        hook(1)


def test_an_optional_hook_runs_with_nothing_connected() -> None:
    assert Hook[[int], int]("test.optional", required=False)(1) == []


def test_receivers_run_in_order_once_each_and_return_their_results() -> None:
    hook: Hook[[int], int] = Hook("test.order")
    calls: list[str] = []

    def double(x: int) -> int:
        calls.append("double")
        return 2 * x

    def square(x: int) -> int:
        calls.append("square")
        return x * x

    hook.connect(double)
    hook.connect(square)
    hook.connect(double)  # wiring runs at every entry point: connecting again must not run a receiver twice
    assert hook(3) == [6, 9]
    assert calls == ["double", "square"]
    hook.disconnect(double)
    assert hook(3) == [9]


def test_the_product_wiring_connects_the_calendar_to_due_dates_and_dossiers_to_the_index() -> None:
    """The test session connects the wiring as every entry point does; these two effects are the product's."""
    assert recompute_due_dates in calendar_changed.receivers
    assert queue_fold in dossiers_changed.receivers


def test_a_calendar_change_with_no_open_dossier_recomputes_nothing(session: Session) -> None:
    assert sum(calendar_changed(session, "99", datetime(2026, 12, 7, tzinfo=UTC))) == 0
