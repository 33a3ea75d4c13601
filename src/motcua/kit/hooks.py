"""Hooks: how a lower layer causes an effect in a higher one without importing it (house rule 12).

The lower domain declares a ``Hook`` and calls it where the effect belongs (the calendar changed; a dossier's facts
changed). The higher domain's function is connected to it in one place, ``motcua.wiring.connect``, which every entry
point (the app, the CLI, the worker, the tests) runs before doing any work. A hook declared ``required`` refuses to
be called with nothing connected: a forgotten wiring fails loudly instead of silently skipping the recomputation of
due dates or the service index's fold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class HookNotConnected(RuntimeError):
    """A required hook was called before ``motcua.wiring.connect()`` ran."""


class Hook(Generic[P, R]):
    """A named extension point; receivers run in the caller's transaction, in the order they were connected."""

    def __init__(self, name: str, *, required: bool = True) -> None:
        self.name = name
        self.required = required
        self._receivers: list[Callable[P, R]] = []

    def connect(self, receiver: Callable[P, R]) -> Callable[P, R]:
        """Connect ``receiver`` (once: connecting it again changes nothing, so wiring is idempotent)."""
        if receiver not in self._receivers:
            self._receivers.append(receiver)
        return receiver

    def disconnect(self, receiver: Callable[P, R]) -> None:
        self._receivers.remove(receiver)

    @property
    def receivers(self) -> tuple[Callable[P, R], ...]:
        return tuple(self._receivers)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[R]:
        if self.required and not self._receivers:
            raise HookNotConnected(f"Hook {self.name!r} has no receiver: call motcua.wiring.connect() first.")
        return [receiver(*args, **kwargs) for receiver in self._receivers]

    def __repr__(self) -> str:
        return f"Hook({self.name!r}, receivers={len(self._receivers)})"
