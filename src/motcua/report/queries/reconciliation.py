"""The reconciliation pages' reads (``index.reconcile``): the province's imports of the national portal's published
statistics, and one import compared with motcua's scorecards. A province-level monitor's or administrator's pages
(``base.roles.RECONCILE_ROLES``); an import of another province is not found."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from motcua.base.principal import Principal
from motcua.index.portal_models import PortalImport
from motcua.index.reconcile import Reconciliation, may_reconcile, portal_imports, reconciliation
from motcua.kit.clock import to_local
from motcua.kit.errors import Forbidden, NotFound


def _gate(principal: Principal) -> None:
    if not may_reconcile(principal):
        raise Forbidden("Trang đối soát với Cổng Dịch vụ công quốc gia dành cho cán bộ theo dõi hoặc quản trị "
                        "cấp tỉnh.")


def imports_overview(session: Session, principal: Principal) -> list[PortalImport]:
    _gate(principal)
    return portal_imports(session, principal.province_code)


def reconciliation_of(session: Session, principal: Principal, import_id: int, now: datetime,
                      dossier_limit: int = 100) -> Reconciliation:
    imp = session.get(PortalImport, import_id)
    if imp is None or imp.province_code != principal.province_code:  # another province's: not found, for anyone
        raise NotFound("Không tìm thấy lần nhập số liệu của Cổng.")
    _gate(principal)
    return reconciliation(session, imp, to_local(now).date(), dossier_limit)
