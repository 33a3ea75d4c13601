"""The words sent to applicants (pure): Vietnamese, Vietnam time, the lookup link, the legal meaning of each event."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from motcua.notify.models import DOSSIER_NOTICES, Channel, NoticeKind
from motcua.notify.templates import SMS_MAX_CHARS, NoticeContext, lookup_url, render, strip_diacritics, vn_datetime

CODE = "000.00.14.H56-261123-0118"
LINK = f"https://motcua.phutho.gov.vn/tra-cuu?ma={CODE}"


def ctx(**overrides: object) -> NoticeContext:
    values: dict[str, object] = dict(
        code=CODE, procedure_name="Đăng ký thành lập hộ kinh doanh", applicant_name="Đặng Văn Đức",
        centre_name="Trung tâm Phục vụ hành chính công xã Chí Tiên", short_name="UBND xã Chí Tiên", lookup_url=LINK,
        at=datetime(2026, 11, 23, 3, 0, tzinfo=UTC),  # Mon 23/11/2026 10:00 in Hà Nội
        due_at=datetime(2026, 11, 27, 10, 0, tzinfo=UTC),  # Fri 27/11/2026 17:00 in Hà Nội
    )
    values.update(overrides)
    return NoticeContext(**values)  # type: ignore[arg-type]


def test_times_are_shown_in_vietnam_time_and_cross_midnight() -> None:
    """Stored UTC, shown Asia/Ho_Chi_Minh (house rule 5): 20:30 UTC on the 23rd is 03:30 on the 24th in Hà Nội."""
    assert vn_datetime(datetime(2026, 11, 27, 10, 0, tzinfo=UTC)) == "27/11/2026 17:00"
    assert vn_datetime(datetime(2026, 11, 23, 20, 30, tzinfo=UTC)) == "24/11/2026 03:30"
    assert vn_datetime(datetime(2026, 12, 31, 17, 5)) == "01/01/2027 00:05"  # naive from SQLite = UTC


def test_the_lookup_link_is_the_public_page_of_the_code() -> None:
    assert lookup_url("https://motcua.phutho.gov.vn/", CODE) == LINK
    assert lookup_url("http://127.0.0.1:8000", "TAM.08218-261123-0001") == \
        "http://127.0.0.1:8000/tra-cuu?ma=TAM.08218-261123-0001"


def test_received_email_is_a_vietnamese_letter_with_code_procedure_date_and_link() -> None:
    """Art. 17: the clock runs from the receipt; the appointment is the one printed on the receipt."""
    out = render(NoticeKind.RECEIVED, Channel.EMAIL, ctx())
    assert out.subject == f"Đã tiếp nhận hồ sơ {CODE}"
    assert out.body.startswith("Kính gửi Ông/Bà Đặng Văn Đức,")
    for text in (CODE, "Đăng ký thành lập hộ kinh doanh", "Ngày hẹn trả kết quả: 27/11/2026 17:00",
                 "lúc 23/11/2026 10:00", LINK, "Điều 17 Nghị định 118/2025/NĐ-CP", "Giấy tiếp nhận hồ sơ và hẹn trả"):
        assert text in out.body, text


def test_supplement_after_appraisal_states_the_15_days_and_the_restart() -> None:
    """Art. 19(5): 15 days to supplement, then the dossier is closed; the time limit restarts from zero."""
    out = render(NoticeKind.SUPPLEMENT_REQUESTED, Channel.EMAIL,
                 ctx(note="Bản sao hợp đồng thuê địa điểm kinh doanh",
                     supplement_due_at=datetime(2026, 12, 8, 10, 0, tzinfo=UTC)))
    assert out.subject == f"Hồ sơ {CODE} cần bổ sung, hoàn thiện"
    for text in ("Nội dung cần bổ sung: Bản sao hợp đồng thuê địa điểm kinh doanh", "Hạn nộp bổ sung: 08/12/2026 17:00",
                 "Điều 19 khoản 5", "15 ngày", "kết thúc hồ sơ", "tính lại từ đầu", LINK):
        assert text in out.body, text


def test_supplement_at_the_counter_does_not_promise_15_days() -> None:
    """Art. 17(1), 16(3): an incomplete dossier was not received: no clock, no 15 days; the guidance is given once."""
    out = render(NoticeKind.SUPPLEMENT_REQUESTED, Channel.EMAIL, ctx(note="Thiếu giấy đề nghị", due_at=None))
    assert "chưa được tiếp nhận" in out.body and "Điều 16 khoản 3" in out.body
    assert "15 ngày" not in out.body


def test_extension_is_an_apology_with_the_new_date_which_moves_once() -> None:
    """Art. 19(6): the apology letter with the new date; the date may be moved only once."""
    out = render(NoticeKind.EXTENDED, Channel.EMAIL,
                 ctx(due_at=datetime(2026, 12, 4, 10, 0, tzinfo=UTC), previous_due_at=datetime(2026, 11, 27, 10, 0,
                                                                                               tzinfo=UTC),
                     note="Cần xác minh địa điểm kinh doanh"))
    assert "xin lỗi" in out.subject.lower()
    for text in ("Ngày hẹn cũ: 27/11/2026 17:00", "Ngày hẹn trả kết quả mới: 04/12/2026 17:00", "Lý do: Cần xác minh",
                 "Văn bản xin lỗi và đề nghị gia hạn", "Điều 19 khoản 6", "một lần"):
        assert text in out.body, text


def test_result_ready_and_returned_explain_collection_and_correction() -> None:
    """Art. 22: collect with the receipt, e-result in the citizen's data store; Art. 23(1): a wrong result is
    corrected within 3 working days at no cost."""
    ready = render(NoticeKind.RESULT_READY, Channel.EMAIL, ctx())
    assert "đã có kết quả" in ready.subject and "Điều 22" in ready.body and "Cổng Dịch vụ công quốc gia" in ready.body
    returned = render(NoticeKind.RETURNED, Channel.EMAIL, ctx(at=datetime(2026, 11, 26, 8, 15, tzinfo=UTC)))
    assert "lúc 26/11/2026 15:15" in returned.body
    assert "3 ngày làm việc" in returned.body and "Điều 23 khoản 1" in returned.body


@pytest.mark.parametrize("kind", DOSSIER_NOTICES)
def test_sms_is_short_plain_ascii_with_code_and_link(kind: NoticeKind) -> None:
    """GSM-7, at most three segments, and the link intact even when the officer's note is long."""
    out = render(kind, Channel.SMS, ctx(note="Bổ sung " + "giấy tờ chứng minh " * 40,
                                        supplement_due_at=datetime(2026, 12, 8, 10, 0, tzinfo=UTC)))
    assert out.body.isascii() and len(out.body) <= SMS_MAX_CHARS
    assert out.body.startswith("UBND xa Chi Tien: ")
    assert CODE in out.body and out.body.endswith(f"Tra cuu: {LINK}")


@pytest.mark.parametrize("kind", DOSSIER_NOTICES)
def test_zalo_keeps_the_diacritics_and_the_legal_meaning(kind: NoticeKind) -> None:
    out = render(kind, Channel.ZALO, ctx(note="Thiếu giấy tờ"))
    assert "Mã hồ sơ: " + CODE in out.body and LINK in out.body
    assert "Nghị định 118/2025/NĐ-CP" in out.body
    assert not out.body.startswith("Kính gửi")


def test_strip_diacritics_keeps_case_and_handles_d_stroke() -> None:
    assert strip_diacritics("Đặng Văn Đức – Phú Thọ") == "Dang Van Duc - Phu Tho"
