"""Results in the demo commune Chí Tiên: signing credentials from the demo CA and drafts at every step, so the
handler, the leader and the citizen each have something to see after ``make run`` (docs/results.md).

Credentials (``demo_credentials``): ``chitien.lanhdao`` signs with a key on the demo SoftHSM2 token (PIN 123456),
``chitien.lanhdao2`` with a PKCS#12 file, ``chitien.lanhdao3`` on the phone (the remote signing simulator); the
committee's seal is a PKCS#12 file on the server; ``chitien.giamdoc`` has none and shows the wet-signature fallback.

Among Chí Tiên's dossiers waiting for their leader whose procedure has a result template: one is drafted, two are
sent for signing (the leader's "Kết quả chờ ký"), and the rest of the first few are issued — signed with the
credentials the demo gives the leaders where the server can sign, else on paper (the wet-signature fallback). Goes
through ``results.actions`` as officers do; idempotent (nothing is done when Chí Tiên already has a result draft);
a handful of renders, so the demo's build time hardly moves.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from motcua.base.principal import SYSTEM, Principal
from motcua.base.roles import Role
from motcua.config import Settings
from motcua.demo.org import SHOWCASE_COMMUNE
from motcua.dossier.files import FileStore
from motcua.dossier.models import Dossier
from motcua.dossier.workflow import Status
from motcua.integrations.esign.demo import (
    DEMO_TOKEN_PIN,
    EsignServices,
    demo_pkcs11_signer,
    demo_pki,
    demo_pki_dir,
    demo_remote_signer,
    demo_seal_signer,
)
from motcua.org.models import Commune, Officer, OfficerRole
from motcua.results.actions import (
    add_credential,
    issue_on_paper,
    load_shipped_templates,
    render_draft,
    save_draft,
    sign_draft,
    start_draft,
)
from motcua.results.models import ResultDraft, ResultTemplate, SigningCredential
from motcua.results.signing import signing_context

#: The variable parts of each shipped template, as a handler would type them.
VALUES: dict[str, dict[str, Any]] = {
    "1.004873": {"ngay_sinh": "12/03/1995", "noi_cu_tru": "Khu 5, xã Chí Tiên, tỉnh Phú Thọ",
                 "tinh_trang": "Chưa đăng ký kết hôn với ai.", "muc_dich": "Đăng ký kết hôn"},
    "2.000635": {"loai_viec": "Khai sinh", "so_dang_ky": "Số 125, quyển 01/2019, ngày 14/05/2019",
                 "noi_dung": ["Họ, chữ đệm, tên: Nguyễn Minh Khang", "Ngày sinh: 02/05/2019",
                              "Nơi sinh: Trạm Y tế xã Chí Tiên"], "so_ban": "02"},
    "1.001612": {"ma_so_hkd": "25H8001234", "ten_ho": "Tạp hóa Minh Anh", "dia_diem": "Khu 3, xã Chí Tiên",
                 "nganh_nghe": ["Bán lẻ hàng tạp hóa", "Bán lẻ đồ uống"], "von": "50.000.000"},
    "1.001776": {"doi_tuong": "Hà Văn Tư", "nhom": "Người cao tuổi từ đủ 80 tuổi trở lên không có lương hưu",
                 "muc": "500.000", "tu_thang": "01/2027"},
    "1.013949": {"thua_dat": "thửa số 112, tờ bản đồ số 08", "dien_tich": "150", "tu_muc_dich": "đất trồng cây lâu năm",
                 "sang_muc_dich": "đất ở tại nông thôn", "thoi_han": "ổn định lâu dài",
                 "nghia_vu": "Người sử dụng đất nộp tiền sử dụng đất theo thông báo của cơ quan thuế."},
    "1.013978": {"thua_dat": "thửa số 45, tờ bản đồ số 12", "dien_tich": "320",
                 "ket_qua_kiem_tra": "Đất sử dụng ổn định từ năm 1998, không tranh chấp, phù hợp quy hoạch.",
                 "noi_niem_yet": "trụ sở Ủy ban nhân dân xã và nhà văn hóa khu 7"},
}


@dataclass(frozen=True)
class DemoResults:
    drafted: int
    submitted: int
    issued: int
    skipped: bool = False


def principal_of(session: Session, officer: Officer) -> Principal:
    roles = frozenset(Role(r) for r in session.scalars(select(OfficerRole.role)
                                                       .where(OfficerRole.officer_id == officer.id)))
    return Principal(kind="officer", id=officer.id, name=officer.username, full_name=officer.full_name,
                     province_code=officer.province_code, commune_code=officer.commune_code, roles=roles)


def leader_of(session: Session, commune_code: str = SHOWCASE_COMMUNE) -> Officer | None:
    return session.scalar(select(Officer).where(Officer.commune_code == commune_code,
                                                Officer.username.like("%.lanhdao")).order_by(Officer.id).limit(1))


def load_demo_results(session: Session, *, now: datetime, store: FileStore, issue: Any = None,
                      commune_code: str = SHOWCASE_COMMUNE) -> DemoResults:
    """Drafts in every state for Chí Tiên (see the module docstring). ``issue(session, leader, draft, now)`` signs a
    draft digitally when the demo has credentials; without it the issued ones are signed on paper."""
    if session.scalar(select(ResultDraft.id).where(ResultDraft.commune_code == commune_code).limit(1)) is not None:
        return DemoResults(0, 0, 0, skipped=True)
    load_shipped_templates(session, now=now)
    leader = leader_of(session, commune_code)
    if leader is None:
        return DemoResults(0, 0, 0, skipped=True)
    approver = principal_of(session, leader)
    with_template = select(ResultTemplate.procedure_code)
    dossiers = session.scalars(select(Dossier).where(
        Dossier.deciding_commune_code == commune_code, Dossier.status == Status.AWAITING_APPROVAL.value,
        Dossier.handler_id.is_not(None), Dossier.procedure_code.in_(with_template))
        .order_by(Dossier.received_at.desc()).limit(6)).all()
    drafted = submitted = issued = 0
    for n, dossier in enumerate(dossiers):
        handler = session.get_one(Officer, dossier.handler_id)
        author = principal_of(session, handler)
        at = now - timedelta(hours=len(dossiers) - n)
        draft = start_draft(session, actor=author, dossier_id=dossier.id, now=at)
        values = VALUES.get(dossier.procedure_code, {})
        if n == 0:
            save_draft(session, actor=author, draft_id=draft.id, seen=draft.version, values=values, now=at)
            drafted += 1
            continue
        draft = save_draft(session, actor=author, draft_id=draft.id, seen=draft.version, values=values, now=at,
                           submit=True)
        if n in (1, 2):
            submitted += 1
            continue
        if issue is not None:
            issue(session, approver, draft, at)
        else:
            scan = render_draft(session, draft, dossier, at, signer_name=leader.full_name).pdf
            issue_on_paper(session, actor=approver, draft_id=draft.id, seen=draft.version, scan=scan,
                           filename="ban-ky-tay.pdf", now=at, store=store)
        issued += 1
    return DemoResults(drafted, submitted, issued)


#: Which of Chí Tiên's leaders signs how (the others, ``chitien.giamdoc``, sign on paper).
DEMO_SIGNERS = {"chitien.lanhdao": "pkcs11", "chitien.lanhdao2": "pkcs12", "chitien.lanhdao3": "remote"}


def _pass_file(p12: Path, passphrase: str) -> None:
    """The passphrase beside the demo's PKCS#12 file (``results.signing`` reads it there; never the database)."""
    secret = Path(f"{p12}.pass")
    secret.write_text(passphrase, encoding="utf-8")
    secret.chmod(0o600)


def demo_credentials(session: Session, settings: Settings, *, now: datetime,
                     commune_code: str = SHOWCASE_COMMUNE) -> int:
    """Credentials from the demo CA (the module's docstring) for the commune's leaders and its seal; idempotent.
    Needs the demo CA (``esign.demo.EsignServices`` started). Returns how many were recorded."""
    if session.scalar(select(SigningCredential.id).where(SigningCredential.commune_code == commune_code)
                      .limit(1)) is not None:
        return 0
    commune = session.get_one(Commune, commune_code)
    committee = f"Ủy ban nhân dân {commune.kind} {commune.name}"
    pki = demo_pki(settings)
    added = 0
    for username, kind in DEMO_SIGNERS.items():
        officer = session.scalar(select(Officer).where(Officer.username == username))
        if officer is None or officer.commune_code != commune_code:
            continue
        title = "Chủ tịch" if kind == "pkcs11" else "Phó Chủ tịch"
        if kind == "pkcs11":
            token = demo_pkcs11_signer(settings, key_label=username, person=officer.full_name, title=title,
                                       committee=committee)
            issued = pki.load_issued(f"token-{username}")
            reference = json.dumps({"token": token.token_label, "key": token.key_label, "module": token.module_path,
                                    "conf": os.environ.get("SOFTHSM2_CONF", "")})
        elif kind == "pkcs12":
            issued = pki.ensure_certificate(f"leader-{username}", common_name=officer.full_name,
                                            organisation=committee, title=title)
            _pass_file(issued.p12_path, issued.passphrase)
            reference = str(issued.p12_path)
        else:
            demo_remote_signer(settings, user=username, person=officer.full_name, title=title, committee=committee)
            issued = pki.remote_credential(username)
            reference = username
        if issued is None:
            continue
        cert = issued.certificate
        add_credential(session, actor=SYSTEM, commune_code=commune_code, officer_id=officer.id, kind=kind,
                       reference=reference, subject=f"{officer.full_name} — {title}, {committee}",
                       serial=format(cert.serial_number, "x"), not_after=cert.not_valid_after_utc, now=now)
        added += 1
    seal = demo_seal_signer(settings, committee=committee)
    _pass_file(Path(seal.path), seal.passphrase)
    sealed = pki.load_issued(f"seal-{committee}")
    if sealed is not None:
        add_credential(session, actor=SYSTEM, commune_code=commune_code, officer_id=None, kind="pkcs12",
                       reference=str(seal.path), subject=committee,
                       serial=format(sealed.certificate.serial_number, "x"),
                       not_after=sealed.certificate.not_valid_after_utc, now=now)
        added += 1
    return added


def load_demo_signed_results(factory: sessionmaker[Session], settings: Settings, *, now: datetime,
                             store: FileStore) -> DemoResults:
    """``make run``'s step: the demo CA's trust services started for the while (the timestamp authority and OCSP
    every signature needs; ``motcua serve`` starts its own later, on the same revocation address), the credentials,
    and the drafts — the issued ones signed by ``chitien.lanhdao`` on the token and sealed. Without SoftHSM2 or the
    simulators (a machine without ``make sysdeps``) the issued ones are signed on paper instead."""
    try:
        services = EsignServices(demo_pki_dir(settings)).start()
    except OSError:
        with factory.begin() as session:
            return load_demo_results(session, now=now, store=store)
    try:
        services.configure(settings)
        context = signing_context(settings)

        def issue(session: Session, leader: Principal, draft: ResultDraft, at: datetime) -> None:
            sign_draft(session, actor=leader, draft_id=draft.id, seen=draft.version, now=at, store=store,
                       context=context, base_url=settings.public_base_url, pin=DEMO_TOKEN_PIN,
                       max_upload_bytes=settings.max_upload_bytes)

        with factory.begin() as session:
            demo_credentials(session, settings, now=now)
            return load_demo_results(session, now=now, store=store, issue=issue)
    finally:
        services.stop()
