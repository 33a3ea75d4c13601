"""Every form's errors are in Vietnamese (a person at the counter or on a phone never reads "String should have at
least 5 characters" or "value is not a valid email address"): each form is sent values that break each kind of
rule its schema has (too short, wrong format, bad e-mail, a number where a word is wanted, a date that is not one),
and the error texts the page renders are checked for English."""

from __future__ import annotations

import html as htmlmod
import re

import pytest
from pydantic import BaseModel, EmailStr, Field, ValidationError

from motcua.base.roles import Role
from motcua.kit.errors import field_errors
from motcua.kit.messages import GENERIC, vietnamese_message
from tests.factories import CHI_TIEN, HKD, csrf_token, login, make_officer

#: Words of pydantic's and its libraries' English messages; none is a Vietnamese word.
ENGLISH = re.compile(r"\b(should|must|value|valid|invalid|field|required|string|characters?|input|least|"
                     r"email address|missing|error|expected|number|greater|less|type|not)\b", re.I)
_ERROR_TEXT = re.compile(r'<(p|li|span|div)[^>]*(?:class="[^"]*error[^"]*"|role="alert")[^>]*>(.*?)</\1>', re.S)


def error_texts(page: str) -> list[str]:
    texts = [htmlmod.unescape(re.sub(r"<[^>]+>", " ", m.group(2))).strip() for m in _ERROR_TEXT.finditer(page)]
    return [t for t in texts if t]


def assert_vietnamese(page: str) -> None:
    texts = error_texts(page)
    assert texts, "the page shows no error at all"
    english = [t for t in texts if ENGLISH.search(t)]
    assert not english, f"errors in English: {english}"


class _Sample(BaseModel):
    name: str = Field(min_length=5, max_length=10)
    code: str = Field(pattern=r"^\d{4}$")
    email: EmailStr
    count: int = Field(ge=1, le=9)
    day: str = Field(min_length=1)


@pytest.mark.parametrize("data", [
    {"name": "ab", "code": "x", "email": "not-an-email", "count": "many", "day": ""},
    {"name": "a" * 11, "code": "12345", "email": "a@", "count": 0},
    {"count": 10},
])
def test_pydantic_messages_are_translated(data: dict[str, object]) -> None:
    """Each message of the schema kinds forms use comes out Vietnamese, and a minimum of 5 characters says 5."""
    with pytest.raises(ValidationError) as caught:
        _Sample.model_validate(data)
    for message in field_errors(caught.value).values():
        assert not ENGLISH.search(message), message
    messages = field_errors(caught.value)
    if data.get("name") == "ab":
        assert messages["name"] == "Cần ít nhất 5 ký tự." and messages["email"] == "Địa chỉ email không hợp lệ."


def test_an_english_message_from_a_library_is_never_passed_through() -> None:
    assert vietnamese_message({"type": "value_error", "msg": "Value error, something broke"}) == GENERIC
    assert vietnamese_message({"type": "value_error", "msg": "Value error, Số CCCD phải có 12 chữ số."}) == \
        "Số CCCD phải có 12 chữ số."
    assert vietnamese_message({"type": "some_new_pydantic_type", "msg": "Input should be fine"}) == GENERIC


@pytest.fixture
def officer(client, session):
    make_officer(session, username="tatca", roles=(Role.RECEPTION, Role.ADMIN), full_name="Lê Văn Tất")
    login(client, "tatca")
    return client


def test_the_counter_intake_form(officer) -> None:
    token = csrf_token(officer, f"/dossiers/new?procedure={HKD}")
    page = officer.post("/dossiers", data={
        "csrf_token": token, "procedure_code": HKD, "outcome": "received", "applicant_kind": "person",
        "applicant_name": "A", "id_number": "12", "phone": "abc", "email": "not-an-email", "address": "x",
        "channel": "1", "deciding_commune_code": CHI_TIEN, "documents_present": "giay_de_nghi"})
    assert page.status_code == 422
    assert_vietnamese(page.text)


def test_the_officer_account_form(officer) -> None:
    token = csrf_token(officer, "/admin/officers/new")
    page = officer.post("/admin/officers", data={
        "csrf_token": token, "username": "a", "full_name": "", "email": "x@", "phone": "12", "password": "short",
        "commune_code": CHI_TIEN, "roles": ["nobody"]})
    assert page.status_code == 422
    assert_vietnamese(page.text)


def test_the_calendar_announcement_form(client, session) -> None:
    make_officer(session, username="tinh.qt", commune_code=None, roles=(Role.ADMIN,), full_name="Trần Thị Tỉnh")
    login(client, "tinh.qt")  # the province's administrator keeps its calendar
    token = csrf_token(client, "/calendar")
    page = client.post("/admin/calendar/announcements", data={
        "csrf_token": token, "day": "31/02/2026", "kind": "holiday?", "scope": "x" * 9, "document": "", "note": ""})
    assert page.status_code == 422
    assert_vietnamese(page.text)


def test_the_citizen_feedback_form(client) -> None:
    token = csrf_token(client, "/phan-anh")
    page = client.post("/phan-anh", data={
        "csrf_token": token, "commune_code": "abc", "kind": "complaint?", "subject": "", "content": "x",
        "sender_name": "", "phone": "12", "email": "not-an-email", "dossier_code": "?"})
    assert page.status_code == 422
    assert_vietnamese(page.text)


def test_the_password_form(officer) -> None:
    token = csrf_token(officer, "/account/password")
    page = officer.post("/account/password", data={"csrf_token": token, "current": "", "new": "a", "confirm": "b"})
    assert page.status_code == 422
    assert_vietnamese(page.text)


def test_the_api_speaks_vietnamese_too(officer) -> None:
    """The JSON API's field errors are the same translated messages."""
    token = csrf_token(officer, "/admin/officers/new")
    response = officer.post("/api/v1/dossiers", json={"procedure_code": HKD, "applicant_name": "A",
                                                       "email": "nope", "channel": "x"},
                            headers={"X-CSRF-Token": token})
    assert response.status_code == 422
    fields = response.json().get("fields") or response.json().get("error", {}).get("fields", {})
    assert fields and not [m for m in fields.values() if ENGLISH.search(m)], fields
