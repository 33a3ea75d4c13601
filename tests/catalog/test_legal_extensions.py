"""The catalogue's legal extensions (gia hạn theo luật chuyên ngành, docs/legal.md §4): the extra working days a
procedure's own law allows, with their ground — validated where catalogue data is validated (JSON, Excel, the
import), filled in for the shipped procedures whose law names a number of days, shown on the procedure page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua.base.principal import SYSTEM
from motcua.catalog.actions import PublishedVersionChanged, import_catalogue
from motcua.catalog.exchange import CatalogueImportError, from_json, from_xlsx, load_shipped, to_xlsx
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.schemas import Catalogue
from tests.factories import login, make_officer

LATER = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _shipped(code: str) -> dict[str, Any]:
    return next(p.model_dump(mode="json") for p in load_shipped().procedures if p.code == code)


def test_the_shipped_catalogue_carries_the_civil_status_and_land_extensions() -> None:
    """Civil Status Law 2014: marriage +5 (Art. 18(2)), recognising a parent or child +5 (Art. 25(2)), correcting
    civil-status details +3 (Art. 28(2)), death +3 (Art. 34(2)); land in disadvantaged communes +10."""
    expected = {"1.000894": (5, "Điều 18"), "1.001022": (5, "Điều 25"), "1.000689": (5, "Điều 25"),
                "1.004859": (3, "Điều 28"), "1.000656": (3, "Điều 34"), "1.013978": (10, "101/2024"),
                "1.013949": (10, "2304/QĐ-BNNMT")}
    for code, (days, article) in expected.items():
        (extension,) = _shipped(code)["legal_extensions"]
        assert extension["working_days"] == days and article in extension["ground"], code
        assert extension["condition"], code
    birth = _shipped("1.001193")  # birth registration: its law gives no extra days
    assert birth["legal_extensions"] == []


@pytest.mark.parametrize(("change", "message"), [
    ({"working_days": 0}, "lớn hơn hoặc bằng 1"),
    ({"ground": ""}, "legal_extensions.0.ground"),
    ({"key": "Xác minh"}, "legal_extensions.0.key"),
])
def test_a_bad_extension_is_refused_by_its_path(change: dict[str, Any], message: str) -> None:
    """Every catalogue field is validated with a Vietnamese error naming where it is (the JSON path)."""
    raw = _shipped("1.000894")
    raw["legal_extensions"] = [{**raw["legal_extensions"][0], **change}]
    with pytest.raises(CatalogueImportError) as info:
        from_json(json.dumps({"version": 1, "procedures": [raw]}, ensure_ascii=False).encode())
    assert message in info.value.message


def test_the_same_key_twice_is_refused() -> None:
    raw = _shipped("1.000894")
    raw["legal_extensions"] = raw["legal_extensions"] * 2
    with pytest.raises(CatalogueImportError, match="Khóa căn cứ gia hạn theo luật bị trùng"):
        from_json(json.dumps({"version": 1, "procedures": [raw]}, ensure_ascii=False).encode())


def test_excel_round_trip_and_a_workbook_made_before_the_sheet() -> None:
    """The Excel exchange has a sheet «Gia hạn theo luật»; a workbook exported before it existed still imports
    (its procedures then have none), so an administrator's older file is not refused."""
    catalogue = load_shipped()
    assert from_xlsx(to_xlsx(catalogue)) == catalogue
    book = load_workbook(BytesIO(to_xlsx(catalogue)))
    del book["Gia hạn theo luật"]
    out = BytesIO()
    book.save(out)
    older = from_xlsx(out.getvalue())
    assert all(p.legal_extensions == [] for p in older.procedures)
    assert len(older.procedures) == len(catalogue.procedures)


def test_a_published_version_gains_its_extensions_on_reimport_and_nothing_else(session: Session) -> None:
    """A version published before legal extensions were recorded (its stored data has no such key) reads as having
    none; re-importing the shipped catalogue records them on it ("amended") and leaves the others unchanged; any
    other difference under the same effective date is still refused (a published version is immutable)."""
    marriage = session.scalars(select(ProcedureVersion).join(Procedure)
                               .where(Procedure.code == "1.000894")).one()
    marriage.data = {k: v for k, v in marriage.data.items() if k != "legal_extensions"}
    birth = session.scalars(select(ProcedureVersion).join(Procedure).where(Procedure.code == "1.001193")).one()
    birth.data = {k: v for k, v in birth.data.items() if k != "legal_extensions"}
    session.flush()
    result = import_catalogue(session, actor=SYSTEM, catalogue=load_shipped(), now=LATER, source="shipped")
    assert result.amended == 1 and result.created == 0 and result.versioned == 0
    session.refresh(marriage)
    assert marriage.data["legal_extensions"][0]["working_days"] == 5
    raw = _shipped("1.000894")
    raw["legal_extensions"] = []
    raw["time_limit_note"] = "Sửa ghi chú"
    with pytest.raises(PublishedVersionChanged):
        import_catalogue(session, actor=SYSTEM, catalogue=Catalogue.model_validate({"procedures": [raw]}),
                         now=LATER, source="sua")


def test_the_procedure_page_shows_the_extensions(client, session: Session) -> None:
    """The catalogue page of a procedure lists its legal extensions: when, how many working days, the ground."""
    officer = make_officer(session, username="xem.danhmuc")
    session.commit()
    login(client, officer.username)
    page = client.get("/procedures/1.000656")
    assert page.status_code == 200
    assert 'data-legal-extension="xac_minh_khai_tu"' in page.text
    assert "+3" in page.text and "Khoản 2 Điều 34 Luật Hộ tịch" in page.text
