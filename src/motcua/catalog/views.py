"""Pages of the procedure catalogue: list, one procedure with its versions, import and export (admins)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, current_officer, get_now, require_csrf, require_roles
from motcua.base.principal import Principal
from motcua.base.roles import DEPARTMENT_NAMES, Role
from motcua.catalog import exchange
from motcua.catalog.actions import import_catalogue, import_scope
from motcua.catalog.queries import catalogue_now, get_procedure, search_procedures
from motcua.kit.disposition import disposition_headers
from motcua.kit.errors import MotcuaError
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _may_import(principal: Principal) -> bool:
    """Whether to offer the import form: ``import_catalogue`` decides; this only avoids offering a refusal."""
    try:
        import_scope(principal)
    except MotcuaError:
        return False
    return True


@router.get("/procedures", response_class=HTMLResponse)
def procedures_page(
    request: Request,
    q: str | None = Query(default=None, max_length=100),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
) -> Response:
    return render(request, "procedures.html", {"procedures": search_procedures(session, q), "q": q or "",
                                               "is_admin": _may_import(principal)})


@router.get("/procedures/{code}", response_class=HTMLResponse)
def procedure_page(
    request: Request,
    code: str = Path(pattern=r"^[0-9.]{3,20}$"),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
) -> Response:
    procedure, versions = get_procedure(session, code, principal.province_code)
    return render(request, "procedure.html", {"procedure": procedure, "versions": versions,
                                              "current": versions[-1].data if versions else {},
                                              "department_names": {d.value: n for d, n in DEPARTMENT_NAMES.items()}})


@router.get("/admin/catalogue.{fmt}")
def catalogue_export(
    fmt: str = Path(pattern=r"^(json|xlsx)$"),
    principal: Principal = Depends(current_officer),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    catalogue = catalogue_now(session, now, principal.province_code)
    if fmt == "json":
        return Response(exchange.to_json(catalogue), media_type="application/json",
                        headers=disposition_headers("danh-muc-thu-tuc.json"))
    return Response(exchange.to_xlsx(catalogue), media_type=XLSX,
                    headers=disposition_headers("danh-muc-thu-tuc.xlsx"))


@router.post("/admin/catalogue", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def catalogue_import(
    request: Request,
    file: UploadFile = File(),
    principal: Principal = Depends(require_roles(Role.ADMIN)),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    data = file.file.read()
    name = file.filename or ""
    try:
        catalogue = exchange.from_xlsx(data) if name.lower().endswith(".xlsx") else exchange.from_json(data)
        result = import_catalogue(session, actor=principal, catalogue=catalogue, now=now, source=name[:100])
    except MotcuaError as exc:
        session.rollback()
        return render(request, "procedures.html", {
            "procedures": search_procedures(session), "q": "", "is_admin": True,
            "import_error": exc.message, "import_fields": exc.fields}, status_code=exc.status_code)
    return render(request, "procedures.html", {
        "procedures": search_procedures(session), "q": "", "is_admin": True,
        "message": f"Đã nhập: {result.created} thủ tục mới, {result.versioned} phiên bản mới, "
                   f"{result.unchanged} không đổi"
                   + (f", {result.amended} phiên bản được ghi bổ sung căn cứ gia hạn theo luật." if result.amended
                      else ".")})
