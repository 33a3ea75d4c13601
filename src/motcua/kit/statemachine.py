"""A workflow as data: a table of rows, each naming who may do what from which states, its guards and its effect.

A row says: ``action`` moves the object from one of ``sources`` to ``target`` (``None``: the status stays), done
by someone holding one of ``roles``, when every named guard passes, with the named effect. The machine is pure and
knows only names: the domain gives it the guards (a predicate on a context it builds — the object, the actor, the
time — returning the error to raise or ``None``) and, separately, the handlers of the effects (which may write),
so the same table answers three questions alike:

* ``plan`` — may this action be done now? (the row, or the domain's typed refusal);
* ``allowed`` — which actions may be done now? (the buttons a page shows and the API lists);
* ``Effects.apply`` — do the row's effect.

A page that asks ``allowed`` and an action that asks ``plan`` with the same context cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from motcua.kit.errors import MotcuaError

S = TypeVar("S", bound=StrEnum)  # the states
A = TypeVar("A", bound=StrEnum)  # the actions
R = TypeVar("R", bound=Hashable)  # who acts (roles)
C = TypeVar("C")  # what guards read
E = TypeVar("E")  # what effect handlers work on
X = TypeVar("X")  # what effect handlers return


@dataclass(frozen=True, kw_only=True)
class Row(Generic[S, A, R]):
    action: A
    sources: frozenset[S]
    target: S | None  # None: the status does not change
    roles: frozenset[R]
    label: str  # what the action is called on a button and in refusals
    guards: tuple[str, ...] = ()  # checked in this order; the first that fails is the refusal
    effect: str = "none"


RowT = TypeVar("RowT", bound=Row[Any, Any, Any])

Guard = Callable[[C], MotcuaError | None]
"""A named condition on the context: ``None`` when it holds, else the error that refuses the action."""


class UndefinedName(LookupError):
    """A table names a guard or an effect nobody defined: a programming error, raised when the table is built."""


class Machine(Generic[S, A, R, RowT, C]):
    """The table of one workflow with its guards.

    ``refuse(row, state, roles)`` builds the domain's error (its words, its HTTP status) when the state is not a
    source of the row or the roles none of the row's; ``unknown(action)`` the error for an action not in the table.
    ``initial`` is the state of an object not stored yet (the counter with the papers): there is nothing for a guard
    to read, so guards are not evaluated from it (the creating action checks its own preconditions). ``creating``
    rows are never offered as buttons.
    """

    def __init__(self, rows: Sequence[RowT], *, states: type[S], actions: type[A],
                 guards: Mapping[str, Guard[C]], refuse: Callable[[RowT, S, frozenset[R]], MotcuaError],
                 unknown: Callable[[str], MotcuaError], initial: S | None = None,
                 creating: Iterable[A] = ()) -> None:
        self.rows: tuple[RowT, ...] = tuple(rows)
        self.states, self.actions = states, actions
        self._by_action: dict[A, RowT] = {}
        for row in self.rows:
            if row.action in self._by_action:
                raise ValueError(f"two rows for the action {row.action!r}")
            self._by_action[row.action] = row
            missing = [g for g in row.guards if g not in guards]
            if missing:
                raise UndefinedName(f"row {row.action!r} names undefined guards {missing}")
        self.guards = dict(guards)
        self.initial, self.creating = initial, frozenset(creating)
        self._refuse, self._unknown = refuse, unknown

    def row(self, action: A | str) -> RowT:
        try:
            return self._by_action[self.actions(action)]
        except (ValueError, KeyError) as exc:
            raise self._unknown(str(action)) from exc

    def fits(self, row: RowT, state: S, roles: frozenset[R]) -> bool:
        """The table alone (no guard): the state is a source and some role is one of the row's."""
        return state in row.sources and bool(row.roles & roles)

    def refusal(self, row: RowT, context: C) -> MotcuaError | None:
        """The first of the row's guards that fails on ``context``, as its error; ``None`` when all hold."""
        for name in row.guards:
            error = self.guards[name](context)
            if error is not None:
                return error
        return None

    def plan(self, action: A | str, state: S | str, roles: Iterable[R], context: C | None = None) -> RowT:
        """The row for ``action`` from ``state`` by someone holding ``roles``, or the domain's refusal.

        A row with guards needs the ``context`` they read (except from ``initial``): leaving it out is a programming
        error, not a pass.
        """
        row = self.row(action)
        current, held = self.states(state), frozenset(roles)
        if not self.fits(row, current, held):
            raise self._refuse(row, current, held)
        if row.guards and current != self.initial:
            if context is None:
                raise TypeError(f"{row.action!r} has guards {row.guards} and needs their context")
            error = self.refusal(row, context)
            if error is not None:
                raise error
        return row

    def allowed(self, state: S | str, roles: Iterable[R], context: C | None = None) -> list[RowT]:
        """The rows ``plan`` lets through from ``state`` for ``roles`` (and ``context``), in table order, leaving out
        the creating rows. Without a context, the rows that have guards are left out: never offer what may fail."""
        current, held = self.states(state), frozenset(roles)
        return [row for row in self.rows
                if row.action not in self.creating and self.fits(row, current, held)
                and (not row.guards or (context is not None and self.refusal(row, context) is None))]

    def effects(self, handlers: Mapping[str, Callable[[E], X]]) -> Effects[RowT, E, X]:
        """The machine's effects carried out by the domain's ``handlers``; every effect the table names must have
        one (checked here, once, when the domain binds them)."""
        missing = sorted({row.effect for row in self.rows} - set(handlers))
        if missing:
            raise UndefinedName(f"no handler for the effects {missing}")
        return Effects(dict(handlers))


class Effects(Generic[RowT, E, X]):
    """The effect handlers of one machine, by name."""

    def __init__(self, handlers: dict[str, Callable[[E], X]]) -> None:
        self.handlers = handlers

    def apply(self, row: RowT, context: E) -> X:
        return self.handlers[row.effect](context)
