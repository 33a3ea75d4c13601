"""What a citizen rates about the handling of a dossier (đánh giá việc giải quyết thủ tục hành chính) — pure data.

Legal source. Decree 118/2025/NĐ-CP Art. 31–33 has the applicant rate the handling of their dossier; docs/legal.md §3
counts **9 items**. The text of those articles was not at hand when this was written, so the nine criteria below
are the ones the one-stop systems of the provinces have used since Decree 61/2018/NĐ-CP Art. 31(1) as amended by
Decree 107/2021/NĐ-CP (each criterion scored out of 2 points, 18 in all — e.g. Thanh Hóa's evaluation sheet
"Đánh giá việc giải quyết thủ tục hành chính": total time; time of each body; number of contacts; number of
bodies contacted; the one-stop reception; publicity of the procedure; staff attitude; handling of feedback;
online service). The 2018 wording also named the conformity of the documents asked for and of the fees charged;
the 2021 list is assumed to be the one Decree 118 carried over. **Assumed, to check against the decree's text:**
the wording, the order and the three-level scale. Change this list (it is data), not the code.

Scale. Each criterion is answered on a three-level scale, the one those systems and their summary reports use:
"Rất hài lòng" (2 points), "Hài lòng" (1), "Không hài lòng" (0). Criteria that do not concern every dossier
(feedback handling when the citizen sent none; the online service for a dossier filed at the counter) may be left
unanswered ("Không áp dụng").

Overall satisfaction (the rule behind ``satisfied``, used by indicator 5.4 of Decision 766 as the dissatisfied
rate): a rating is **satisfied unless at least one answered criterion is "Không hài lòng"**. One dissatisfied item
is a grievance the commune must answer, so it opens a feedback case (phản ánh) and counts against 5.4; an average
would let a very rude counter hide behind fast processing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

LEGAL_SOURCE = ("Nghị định 118/2025/NĐ-CP, Điều 31–33 (9 tiêu chí; nội dung theo Nghị định 61/2018/NĐ-CP Điều 31 "
                "khoản 1, sửa đổi bởi Nghị định 107/2021/NĐ-CP)")


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str  # Vietnamese, as the form shows it
    optional: bool = False  # may be answered "Không áp dụng"


CRITERIA: tuple[Criterion, ...] = (
    Criterion("total_time", "Tổng thời gian giải quyết thủ tục hành chính so với quy định của pháp luật"),
    Criterion("body_time", "Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết (kể cả đơn vị phối hợp)"),
    Criterion("contacts", "Số lần phải liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ (kể cả liên hệ trực tuyến)"),
    Criterion("bodies",
              "Số lượng cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ (kể cả liên hệ trực tuyến)"),
    Criterion("one_stop", "Việc tiếp nhận hồ sơ, giải quyết, trả kết quả tại Bộ phận Một cửa"),
    Criterion("publicity", "Việc công khai thủ tục hành chính"),
    Criterion("attitude", "Thái độ của cán bộ, công chức khi hướng dẫn lập hồ sơ, tiếp nhận hồ sơ và giải quyết"),
    Criterion("feedback", "Việc tiếp thu, giải trình đối với ý kiến phản ánh, kiến nghị của tổ chức, cá nhân",
              optional=True),
    Criterion("online", "Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến", optional=True),
)
BY_KEY: dict[str, Criterion] = {c.key: c for c in CRITERIA}

VERY_SATISFIED, SATISFIED, DISSATISFIED = 2, 1, 0
SCALE: tuple[tuple[int, str], ...] = ((VERY_SATISFIED, "Rất hài lòng"), (SATISFIED, "Hài lòng"),
                                      (DISSATISFIED, "Không hài lòng"))
SCALE_LABELS: dict[int, str] = dict(SCALE)
NOT_APPLICABLE = "Không áp dụng"


def score_problems(scores: Mapping[str, object]) -> dict[str, str]:
    """What is wrong with a set of answers, per criterion key (empty: valid). Pure, so forms and API agree."""
    problems: dict[str, str] = {}
    for key in scores:
        if key not in BY_KEY:
            problems[key] = "Tiêu chí không tồn tại."
    for number, criterion in enumerate(CRITERIA, start=1):
        value = scores.get(criterion.key)
        if value is None:
            if not criterion.optional:
                problems[criterion.key] = f"Câu {number} chưa được trả lời: vui lòng chọn mức độ hài lòng."
        elif type(value) is not int or value not in SCALE_LABELS:
            problems[criterion.key] = "Mức đánh giá không hợp lệ."
    return problems


def unanswered_summary(problems: Mapping[str, str]) -> str:
    """The form's message naming the questions left unanswered ("Chưa trả lời câu 2, câu 5.")."""
    numbers = [f"câu {n}" for n, c in enumerate(CRITERIA, start=1) if c.key in problems]
    if not numbers:
        return "Mức đánh giá không hợp lệ."
    return f"Chưa trả lời {', '.join(numbers)}: vui lòng chọn mức độ hài lòng cho từng câu."


def is_satisfied(scores: Mapping[str, int]) -> bool:
    """The module's rule: satisfied unless some answered criterion is "Không hài lòng"."""
    return all(value != DISSATISFIED for value in scores.values())


def dissatisfied_labels(scores: Mapping[str, int]) -> list[str]:
    return [c.label for c in CRITERIA if scores.get(c.key) == DISSATISFIED]
