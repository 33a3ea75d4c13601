"""The generic workflow machine (``kit.statemachine``): names are checked when a table is built, guards are
never skipped by accident, and what ``allowed`` lists is exactly what ``plan`` lets through."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from motcua.kit.errors import Forbidden, MotcuaError, NotFound
from motcua.kit.statemachine import Machine, Row, UndefinedName


class Light(StrEnum):
    NEW = "new"
    OFF = "off"
    ON = "on"
    BROKEN = "broken"


class Press(StrEnum):
    INSTALL = "install"
    SWITCH_ON = "switch_on"
    SWITCH_OFF = "switch_off"
    BREAK = "break"


@dataclass(frozen=True)
class Ctx:
    powered: bool


class Refused(MotcuaError):
    status_code = 409


def powered(c: Ctx) -> MotcuaError | None:
    return None if c.powered else Forbidden("Mất điện.")


ROWS = (
    Row(action=Press.INSTALL, sources=frozenset({Light.NEW}), target=Light.OFF, roles=frozenset({"fitter"}),
        label="Lắp", guards=("powered",), effect="count"),
    Row(action=Press.SWITCH_ON, sources=frozenset({Light.OFF}), target=Light.ON, roles=frozenset({"user"}),
        label="Bật", guards=("powered",), effect="count"),
    Row(action=Press.SWITCH_OFF, sources=frozenset({Light.ON}), target=Light.OFF, roles=frozenset({"user"}),
        label="Tắt"),
    Row(action=Press.BREAK, sources=frozenset({Light.ON, Light.OFF}), target=Light.BROKEN,
        roles=frozenset({"user", "fitter"}), label="Làm hỏng"),
)


def machine() -> Machine[Light, Press, str, Row[Light, Press, str], Ctx]:
    return Machine(ROWS, states=Light, actions=Press, guards={"powered": powered}, initial=Light.NEW,
                   creating={Press.INSTALL}, refuse=lambda row, state, roles: Refused(f"{row.label} @ {state}"),
                   unknown=lambda action: NotFound(action))


def test_a_table_naming_an_undefined_guard_or_effect_is_refused_when_built() -> None:
    """A typo in a guard's or an effect's name is a programming error found at import, not a silent pass later."""
    with pytest.raises(UndefinedName, match="powerd"):
        Machine((Row(action=Press.SWITCH_OFF, sources=frozenset({Light.ON}), target=Light.OFF,
                     roles=frozenset({"user"}), label="Tắt", guards=("powerd",)),),
                states=Light, actions=Press, guards={}, refuse=lambda *a: Refused(), unknown=NotFound)
    with pytest.raises(UndefinedName, match="count"):
        machine().effects({"none": lambda c: None})


def test_guards_need_their_context_except_before_the_object_exists() -> None:
    """Leaving out the context of a guarded row raises instead of letting it through; from the initial state (no
    stored object yet) the creating action checks its own preconditions."""
    m = machine()
    with pytest.raises(TypeError):
        m.plan(Press.SWITCH_ON, Light.OFF, {"user"})
    assert m.plan(Press.INSTALL, Light.NEW, {"fitter"}).target is Light.OFF
    with pytest.raises(Forbidden):
        m.plan(Press.SWITCH_ON, Light.OFF, {"user"}, Ctx(powered=False))
    with pytest.raises(Refused, match="Bật @ on"):
        m.plan(Press.SWITCH_ON, Light.ON, {"user"}, Ctx(powered=True))
    with pytest.raises(NotFound):
        m.plan("explode", Light.ON, {"user"})
    assert [r.action for r in m.allowed(Light.OFF, {"user"})] == [Press.BREAK]  # no context: no guarded row offered


def test_effects_are_applied_by_name() -> None:
    """The machine knows only the effect's name; the domain's handler does the work."""
    counted: list[str] = []
    effects = machine().effects({"count": lambda c: counted.append("x"), "none": lambda c: None})
    effects.apply(machine().row(Press.SWITCH_ON), Ctx(True))
    effects.apply(machine().row(Press.SWITCH_OFF), Ctx(True))
    assert counted == ["x"]


@given(st.sampled_from(list(Light)), st.sets(st.sampled_from(["user", "fitter", "guest"])), st.booleans())
def test_allowed_is_exactly_what_plan_lets_through(state: Light, roles: set[str], power: bool) -> None:
    """The buttons (``allowed``) and the action (``plan``) cannot disagree, whatever the state, roles and context;
    creating rows are never buttons."""
    m, ctx = machine(), Ctx(power)
    passed = set()
    for action in Press:
        try:
            m.plan(action, state, roles, ctx)
            passed.add(action)
        except MotcuaError:
            pass
    assert {r.action for r in m.allowed(state, roles, ctx)} == passed - m.creating
