"""The need-to-know table as data (``motcua.base.access``): how roles combine, tokens, citizens, the mask."""

from __future__ import annotations

from motcua.base.access import NEED_TO_KNOW, Detail, Reach, Shown, filing_officer_id, mask, need_to_know
from motcua.base.principal import Principal
from motcua.base.roles import Role


def _principal(kind: str = "officer", *roles: Role, commune: str | None = "08218") -> Principal:
    return Principal(kind=kind, id=7, name="x", province_code="25", commune_code=commune, roles=frozenset(roles))


def test_every_role_has_a_row():
    assert set(NEED_TO_KNOW) == set(Role)


def test_holding_several_roles_sees_what_each_allows():
    """Kiêm nhiệm: an administrator who also works the counter sees what the counter sees."""
    both = need_to_know(_principal("officer", Role.ADMIN, Role.RECEPTION))
    assert both == NEED_TO_KNOW[Role.RECEPTION]
    assert need_to_know(_principal("officer", Role.VOLUNTEER, Role.COUNCIL)).dossiers is Reach.FILED


def test_a_token_sees_what_its_roles_see_and_without_a_role_nothing():
    assert need_to_know(_principal("token", Role.SPECIALIST)) == NEED_TO_KNOW[Role.SPECIALIST]
    nothing = need_to_know(_principal("token"))
    assert nothing.dossiers is Reach.NONE and not nothing.feedback_cases and nothing.identity is Detail.NONE


def test_an_officer_never_gets_the_applicants_own_reach():
    assert need_to_know(_principal("officer", Role.APPLICANT)).dossiers is Reach.NONE
    assert need_to_know(_principal("citizen", commune=None)).dossiers is Reach.OWN


def test_only_an_officer_has_assisted_filings():
    """A token's id numbers tokens: it must never open the filings of the officer with the same number."""
    assert filing_officer_id(_principal("officer", Role.VOLUNTEER)) == 7
    assert filing_officer_id(_principal("token", Role.RECEPTION)) is None


def test_the_mask_never_shows_the_last_four_digits():
    """The last 4 digits of the phone or ID number are the public lookup's secret (Decree 118 Art. 28 lookup)."""
    for value in ("025090001234", "0977123456", "1234"):
        masked = mask(value)
        assert masked is not None and value[-4:] not in masked and masked.startswith(value[:3])
    assert mask(None) is None and mask("") == ""


def test_a_masked_address_stays_short_enough_to_wrap_on_a_phone():
    """An address is masked to a bounded run of dots: an unbreakable 40-dot run overflowed a 360 px screen."""
    masked = mask("Tổ dân phố số 3, phường Tân Hòa, tỉnh Phú Thọ")
    assert masked == "Tổ " + "•" * 12


def test_a_shown_row_is_read_only_and_reads_through():
    class Row:
        phone = "0977123456"
        code = "X-1"

    row = Row()
    view = Shown(row, {"phone": mask(row.phone)})
    assert view.code == "X-1" and view.phone == "097•••••••"
    try:
        view.phone = "1"
    except AttributeError:
        pass
    else:
        raise AssertionError("a shown row accepted a write")
    assert row.phone == "0977123456"
