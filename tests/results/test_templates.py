"""Template versions (like the catalogue's ProcedureVersion): never edited, a change is a new effective date; the
province's own version in force wins over the national one; only a province administrator (or the operator) adds."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import Role
from motcua.kit.errors import Conflict, Forbidden, ValidationFailed
from motcua.results.actions import load_shipped_templates, save_template, template_in_force
from motcua.results.schemas import TemplateIn
from tests.factories import T0

ADMIN = Principal(kind="officer", id=None, name="qt", province_code="25", commune_code=None,
                  roles=frozenset({Role.ADMIN}))


def _template(**changes: object) -> TemplateIn:
    data: dict[str, object] = {"procedure_code": "1.004873", "effective_from": "2027-01-01", "name": "Giấy XN",
                               "title": "Giấy xác nhận", "doc_type": "GXN", "signer_title": "CHỦ TỊCH",
                               "recipients": ["Lưu: VT"], "fields": [], "body": "<p>{{ nguoi_nop }}</p>"}
    data.update(changes)
    return TemplateIn.model_validate(data)


def test_a_version_is_never_edited_and_the_province_wins(session: Session) -> None:
    load_shipped_templates(session, now=T0)
    assert load_shipped_templates(session, now=T0) == {"created": 0, "unchanged": 6}  # idempotent
    national = template_in_force(session, "1.004873", date(2027, 6, 1), "25")
    assert national is not None and national.scope == "*"
    own = save_template(session, actor=ADMIN, data=_template(), now=T0)
    assert save_template(session, actor=ADMIN, data=_template(), now=T0).id == own.id  # identical: a no-op
    with pytest.raises(Conflict, match="ngày hiệu lực mới"):
        save_template(session, actor=ADMIN, data=_template(body="<p>khác</p>"), now=T0)
    later = save_template(session, actor=ADMIN, data=_template(effective_from="2027-03-01", body="<p>mới</p>"),
                          now=T0)
    assert template_in_force(session, "1.004873", date(2026, 12, 31), "25").id == national.id
    assert template_in_force(session, "1.004873", date(2027, 2, 1), "25").id == own.id
    assert template_in_force(session, "1.004873", date(2027, 6, 1), "25").id == later.id
    assert template_in_force(session, "1.004873", date(2027, 6, 1), "01").id == national.id  # another province


def test_who_adds_versions_and_what_is_checked(session: Session) -> None:
    commune_admin = Principal(kind="officer", id=None, name="x", province_code="25", commune_code="08218",
                              roles=frozenset({Role.ADMIN}))
    with pytest.raises(Forbidden):
        save_template(session, actor=commune_admin, data=_template(), now=T0)
    with pytest.raises(ValidationFailed, match="danh mục"):
        save_template(session, actor=ADMIN, data=_template(procedure_code="9.999999"), now=T0)
    with pytest.raises(ValidationFailed, match="không phải một trường"):
        save_template(session, actor=ADMIN, data=_template(body="{{ secret_key }}"), now=T0)
    assert save_template(session, actor=SYSTEM, data=_template(effective_from="2027-05-01"), now=T0).scope == "*"
