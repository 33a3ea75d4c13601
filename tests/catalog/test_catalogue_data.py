"""The shipped catalogue (src/motcua/catalog/data/procedures.json) and the schema's rules.

Rules checked: every procedure carries a real national code (National Database on Administrative Procedures,
form d.dddddd), at least one legal source, a time limit the calendar can count, and an internal process that
starts with reception at the Public Administrative Service Centre, has an approver and splits the time limit
exactly (Decree 118/2025/NĐ-CP Art. 18, 20(2): the Phiếu kiểm soát names each body and its time budget).
Certification (Decree 23/2015/NĐ-CP Art. 7): copies and signatures are returned the same day (next working day
after 15:00); contracts and transactions within 2 working days.
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from motcua.base.roles import DepartmentKind, Role
from motcua.calendar import StepBudget, TimeLimit
from motcua.catalog.exchange import load_shipped
from motcua.catalog.schemas import HOURS_PER_WORKING_DAY, Catalogue, ProcedureIn

SAME_DAY_CERTIFICATIONS = {"2.000815", "2.000884", "2.000992", "2.001008", "2.000927", "2.000942", "2.000908"}
TRANSACTION_CERTIFICATIONS = {"2.001035", "2.000913", "2.001019", "2.001016", "2.001406"}


def raw_shipped() -> dict[str, Any]:
    text = resources.files("motcua.catalog").joinpath("data/procedures.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def a_procedure(**changes: Any) -> dict[str, Any]:
    """The shipped birth registration (1.001193) as raw data, with changes."""
    data = copy.deepcopy(next(p for p in raw_shipped()["procedures"] if p["code"] == "1.001193"))
    data.update(changes)
    return data


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " | ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.value.errors())


# ------------------------------------------------------------------------------------------ the shipped file


def test_shipped_file_validates() -> None:
    """The shipped JSON is a valid Catalogue (load_shipped validates it)."""
    catalogue = load_shipped()
    assert isinstance(catalogue, Catalogue)
    assert Catalogue.model_validate(raw_shipped()) == catalogue


def test_load_shipped_is_cached() -> None:
    """The shipped catalogue is read and validated once per process."""
    assert load_shipped() is load_shipped()


def test_at_least_thirty_procedures() -> None:
    """The catalogue ships at least 30 real commune-level procedures."""
    assert len(load_shipped().procedures) >= 30


def test_codes_are_national_codes_and_unique() -> None:
    """Codes have the national form d.dddddd and appear once."""
    codes = [p.code for p in load_shipped().procedures]
    assert all(re.fullmatch(r"\d\.\d{6}", code) for code in codes)
    assert len(codes) == len(set(codes))


def test_every_procedure_cites_a_legal_source() -> None:
    """Each procedure names at least one law, decree, circular or decision that sets it."""
    for procedure in load_shipped().procedures:
        assert procedure.legal_sources, procedure.code
        assert all(re.search(r"\d+/\d{4}/|Quyết định số|Luật", source) for source in procedure.legal_sources)


def test_fields_cover_the_main_commune_domains() -> None:
    """Civil status, certification, land, social protection and household business are all present."""
    fields = {p.field for p in load_shipped().procedures}
    assert {"Hộ tịch", "Chứng thực", "Đất đai", "Bảo trợ xã hội",
            "Thành lập và hoạt động của hộ kinh doanh"} <= fields


def test_copy_and_signature_certifications_are_same_day() -> None:
    """Decree 23/2015 Art. 7(1): copies, signatures and translators' signatures are returned the same day."""
    by_code = {p.code: p for p in load_shipped().procedures}
    for code in SAME_DAY_CERTIFICATIONS:
        procedure = by_code[code]
        assert procedure.field == "Chứng thực"
        assert procedure.time_limit() == TimeLimit(1, "same_day"), code
        assert "15 giờ" in procedure.time_limit_note


def test_every_certification_is_same_day_or_two_working_days() -> None:
    """Decree 23/2015 Art. 7(2): contracts and transactions take at most 2 working days; nothing slower."""
    for procedure in load_shipped().procedures:
        if procedure.field != "Chứng thực":
            continue
        limit = procedure.time_limit()
        if procedure.code in TRANSACTION_CERTIFICATIONS:
            assert limit == TimeLimit(2, "working_days"), procedure.code
        else:
            assert limit.unit == "same_day", procedure.code


def test_certification_fees_follow_circular_226() -> None:
    """Circular 226/2016/TT-BTC: copy 2,000 đ/page, signature 10,000 đ, contract 50,000 đ."""
    by_code = {p.code: p for p in load_shipped().procedures}
    assert by_code["2.000815"].fees[0].amount_vnd == 2000
    assert by_code["2.000884"].fees[0].amount_vnd == 10000
    assert by_code["2.001035"].fees[0].amount_vnd == 50000


def test_on_time_birth_registration_is_free() -> None:
    """Law on Civil Status Art. 11: registering a birth on time costs nothing."""
    birth = load_shipped().by_code("1.001193")
    assert birth is not None
    assert birth.fees[0].amount_vnd == 0


def test_step_budgets_sum_to_the_limit() -> None:
    """Working-day/hour limits: steps add up exactly; same day: at most 8 h; calendar days: at most days × 8 h."""
    for procedure in load_shipped().procedures:
        hours = sum(
            (s.budget_amount * (HOURS_PER_WORKING_DAY if s.budget_unit == "working_days" else 1) for s in
             procedure.process),
            Decimal(0),
        )
        unit, amount = procedure.time_limit_unit, procedure.time_limit_amount
        if unit == "working_days":
            assert hours == amount * HOURS_PER_WORKING_DAY, procedure.code
        elif unit == "working_hours":
            assert hours == amount, procedure.code
        elif unit == "same_day":
            assert hours <= HOURS_PER_WORKING_DAY, procedure.code
        else:
            assert hours <= amount * HOURS_PER_WORKING_DAY, procedure.code


def test_process_starts_at_the_centre_and_has_an_approver() -> None:
    """Every process starts with reception at the service centre and has an approver step."""
    for procedure in load_shipped().procedures:
        first = procedure.process[0]
        assert (first.role, first.department) == (Role.RECEPTION, DepartmentKind.SERVICE_CENTRE)
        assert any(step.role == Role.APPROVER for step in procedure.process)


def test_step_budgets_feed_the_clock_ledger() -> None:
    """step_budgets() gives the ledger one StepBudget per step, named by key and body."""
    procedure = load_shipped().by_code("1.001022")
    assert procedure is not None
    budgets = procedure.step_budgets()
    assert all(isinstance(b, StepBudget) for b in budgets)
    assert [b.step for b in budgets] == [s.key for s in procedure.process]
    assert budgets[0].body == "service_centre"


def test_texts_are_vietnamese_with_diacritics() -> None:
    """Names are proper Unicode Vietnamese, not ASCII-folded."""
    names = " ".join(p.name for p in load_shipped().procedures)
    assert "đăng ký" in names and "Chứng thực" in names


def test_effective_from_is_the_reform_date() -> None:
    """The shipped versions are those in force from 1 July 2025 (two-tier local government)."""
    assert {p.effective_from.isoformat() for p in load_shipped().procedures} == {"2025-07-01"}


# ------------------------------------------------------------------------------------------ schema refusals


def test_rejects_a_negative_time_limit() -> None:
    """A time limit below zero is refused with a Vietnamese message."""
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(a_procedure(time_limit_amount=-1))
    assert "time_limit_amount" in messages(exc)


def test_rejects_an_unknown_unit() -> None:
    """Only the calendar's units are accepted (working_days, working_hours, calendar_days, same_day, months)."""
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(a_procedure(time_limit_unit="weeks"))
    assert "time_limit_unit" in messages(exc)


def test_rejects_a_fractional_day_limit() -> None:
    """Whole units take whole amounts (TimeLimit); the calendar's Vietnamese message is shown."""
    data = a_procedure(time_limit_amount="2.5", time_limit_unit="working_days")
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(data)
    assert "số nguyên" in messages(exc)


def test_rejects_a_step_with_role_admin() -> None:
    """A process step is done by reception, a specialist or an approver, never an administrator."""
    data = a_procedure()
    data["process"][1]["role"] = "admin"
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(data)
    assert "process.1.role" in messages(exc)
    assert "Vai trò" in messages(exc)


def test_rejects_duplicate_document_keys() -> None:
    """Document keys are unique within a procedure."""
    data = a_procedure()
    data["documents"][1]["key"] = data["documents"][0]["key"]
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(data)
    assert "bị trùng" in messages(exc)


def test_rejects_budgets_not_summing_to_a_working_day_limit() -> None:
    """With a working-day limit the steps must add up to it exactly."""
    data = copy.deepcopy(next(p for p in raw_shipped()["procedures"] if p["code"] == "1.001022"))
    data["process"][1]["budget_amount"] = 1
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(data)
    assert "phải bằng" in messages(exc)


def test_rejects_same_day_steps_over_eight_hours() -> None:
    """A same-day procedure cannot plan more than one working day of steps."""
    data = a_procedure()
    data["process"][1]["budget_amount"] = 7
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(data)
    assert "8 giờ" in messages(exc)


def test_rejects_extra_fields() -> None:
    """Unknown fields are refused (a typo must not be dropped silently)."""
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(a_procedure(time_limit_days=3))
    assert exc.value.errors()[0]["type"] == "extra_forbidden"


def test_rejects_a_process_not_starting_at_reception() -> None:
    """The first step is reception at the service centre (the clock starts at the receipt, Art. 17(3))."""
    data = a_procedure()
    data["process"] = data["process"][1:]
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(data)
    assert "tiếp nhận" in messages(exc)


def test_rejects_a_process_without_approver() -> None:
    """Someone signs the result: a process without an approver step is refused."""
    data = a_procedure()
    data["process"][2]["role"] = "specialist"
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(data)
    assert "approver" in messages(exc)


def test_rejects_duplicate_channels_and_bad_codes() -> None:
    """Channels are listed once; a code must be the national d.dddddd form."""
    with pytest.raises(ValidationError):
        ProcedureIn.model_validate(a_procedure(channels=["in_person", "in_person", "online"]))
    with pytest.raises(ValidationError):
        ProcedureIn.model_validate(a_procedure(code="1001193"))


def test_rejects_online_channel_without_online_service() -> None:
    """The online channel is offered exactly when the procedure is offered online (full or partial)."""
    with pytest.raises(ValidationError):
        ProcedureIn.model_validate(a_procedure(online_level="none"))


def test_catalogue_rejects_duplicate_codes() -> None:
    """A catalogue lists each procedure code once."""
    with pytest.raises(ValidationError) as exc:
        Catalogue.model_validate({"procedures": [a_procedure(), a_procedure()]})
    assert "1.001193" in messages(exc)


def test_calendar_days_limit_bounds_the_steps() -> None:
    """Calendar-day limits: steps may not exceed days × 8 working hours."""
    data = copy.deepcopy(next(p for p in raw_shipped()["procedures"] if p["code"] == "2.001263"))
    assert ProcedureIn.model_validate(data).time_limit() == TimeLimit(30, "calendar_days")
    data["process"][1]["budget_amount"] = 40
    with pytest.raises(ValidationError) as exc:
        ProcedureIn.model_validate(data)
    assert "vượt quá" in messages(exc)
