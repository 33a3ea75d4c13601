"""Roles of docs/legal.md §2 and the kinds of commune body of §1, as data."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What an officer may do. An officer may hold several (kiêm nhiệm)."""

    RECEPTION = "reception"  # cán bộ tiếp nhận (Bộ phận Một cửa)
    SPECIALIST = "specialist"  # chuyên viên xử lý
    APPROVER = "approver"  # lãnh đạo phòng / lãnh đạo UBND phê duyệt
    CENTRE_DIRECTOR = "centre_director"  # Giám đốc Trung tâm Phục vụ HCC (Decree 118 Art. 10(3))
    VOLUNTEER = "volunteer"  # Tổ công nghệ số cộng đồng
    COUNCIL = "council"  # Thường trực HĐND xã
    PROVINCE_MONITOR = "province_monitor"  # Sở Nội vụ, VP UBND tỉnh
    ADMIN = "admin"  # quản trị hệ thống
    APPLICANT = "applicant"  # người nộp hồ sơ: a citizen acting on their own online dossier — never an officer's role


ROLE_LABELS: dict[Role, str] = {
    Role.RECEPTION: "Cán bộ tiếp nhận",
    Role.SPECIALIST: "Chuyên viên xử lý",
    Role.APPROVER: "Lãnh đạo phê duyệt",
    Role.CENTRE_DIRECTOR: "Giám đốc Trung tâm Phục vụ hành chính công",
    Role.VOLUNTEER: "Tình nguyện viên số",
    Role.COUNCIL: "Thường trực HĐND xã",
    Role.PROVINCE_MONITOR: "Theo dõi cấp tỉnh",
    Role.ADMIN: "Quản trị hệ thống",
    Role.APPLICANT: "Người nộp hồ sơ",
}

#: Roles an officer may hold (every role but the applicant's, which only a citizen's own account acts with).
OFFICER_ROLES = tuple(r for r in Role if r is not Role.APPLICANT)

#: Roles an integration's API token may act with: the workflow roles, never administration.
TOKEN_ROLES = (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER)

#: Receive, appraise, approve: the steps Decree 118 Art. 17-19 gives to different posts. A token carries at most
#: one of them (``auth.actions.check_token_roles``); a person may hold several (kiêm nhiệm), checked per dossier.
SEPARATED_ROLES = frozenset({Role.RECEPTION, Role.SPECIALIST, Role.APPROVER})

#: Who receives a dossier at the counter (Decree 118 Art. 17: the centre's reception officer).
INTAKE_ROLES = (Role.RECEPTION,)

#: Who files online for a citizen, with the citizen's consent (assisted filing, docs/legal.md §9): the community
#: digital team's volunteers and the centre's reception officers.
ASSISTED_FILING_ROLES = (Role.VOLUNTEER, Role.RECEPTION)

#: Who administers officers, API tokens and the commune's identifiers.
ADMIN_ROLES = (Role.ADMIN,)

#: Who reconciles the index with the national portal's published statistics (a province-level officer of these
#: roles): the province's monitor and its administrator, who also publish its rankings.
RECONCILE_ROLES = (Role.PROVINCE_MONITOR, Role.ADMIN)

#: Roles that only make sense for a whole province (the officer has no commune).
PROVINCE_ROLES = frozenset({Role.PROVINCE_MONITOR})


class DepartmentKind(StrEnum):
    """The four specialised bodies of a commune People's Committee and the comprehensive service centre."""

    OFFICE = "office"
    ECONOMIC = "economic"
    CULTURE_SOCIETY = "culture_society"
    SERVICE_CENTRE = "service_centre"
    COMPREHENSIVE_CENTRE = "comprehensive_centre"


DEPARTMENT_NAMES: dict[DepartmentKind, str] = {
    DepartmentKind.OFFICE: "Văn phòng HĐND và UBND",
    DepartmentKind.ECONOMIC: "Phòng Kinh tế",
    DepartmentKind.CULTURE_SOCIETY: "Phòng Văn hóa - Xã hội",
    DepartmentKind.SERVICE_CENTRE: "Trung tâm Phục vụ hành chính công",
    DepartmentKind.COMPREHENSIVE_CENTRE: "Trung tâm Dịch vụ tổng hợp",
}

#: Wards name their economic division differently (docs/legal.md §1).
WARD_ECONOMIC_NAME = "Phòng Kinh tế, Hạ tầng và Đô thị"
