"""``/xac-minh``: the public verification of a result (no login). Upload a PDF, or open the address the QR printed on
a result points to (``/xac-minh/{code}``) and upload the file to compare it with the registered one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, File, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, client_ip, get_now, require_csrf
from motcua.docstore.deps import pdf_checker
from motcua.docstore.verification import PdfFacts, Verdict, verify_code, verify_upload
from motcua.kit.errors import MotcuaError
from motcua.web.templating import render

router = APIRouter(include_in_schema=False)

CODE = Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")


def _page(request: Request, *, verdict: Verdict | None = None, code: str | None = None, error: str | None = None,
          status_code: int = 200) -> Response:
    return render(request, "docstore/verify.html", {"v": verdict, "code": code, "error": error},
                  status_code=status_code)


@router.get("/xac-minh", response_class=HTMLResponse)
def verify_page(request: Request) -> Response:
    return _page(request)


@router.post("/xac-minh", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def verify_submit(
    request: Request,
    file: UploadFile = File(description="the PDF to verify"),
    session: Session = DB_SESSION,
    check: Callable[[bytes], PdfFacts] = Depends(pdf_checker),
    now: datetime = Depends(get_now),
) -> Response:
    return _verified(request, session, file, check, now)


@router.get("/xac-minh/{code}", response_class=HTMLResponse)
def verify_code_page(
    request: Request,
    code: str = CODE,
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    verdict = verify_code(session, code=code, ip=client_ip(request), now=now)
    if verdict is None:  # the try is counted (the commit keeps it): say so on the page, 404
        return _page(request, code=None, error="Không tìm thấy kết quả với mã xác minh này.", status_code=404)
    return _page(request, verdict=verdict, code=code)


@router.post("/xac-minh/{code}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def verify_code_submit(
    request: Request,
    code: str = CODE,
    file: UploadFile = File(description="the PDF to compare with the registered result"),
    session: Session = DB_SESSION,
    check: Callable[[bytes], PdfFacts] = Depends(pdf_checker),
    now: datetime = Depends(get_now),
) -> Response:
    return _verified(request, session, file, check, now, code=code)


def _verified(request: Request, session: Session, file: UploadFile, check: Callable[[bytes], PdfFacts],
              now: datetime, code: str | None = None) -> Response:
    """The answer to an uploaded PDF, alone or compared with the result registered under ``code``. A refused file
    is shown on the page with its message (with the registered result again when there is one); a spent budget
    (429) is the error page."""
    try:
        verdict = verify_upload(session, filename=file.filename or "", data=file.file.read(), check=check,
                                ip=client_ip(request), now=now,
                                max_bytes=request.app.state.settings.max_upload_bytes, code=code)
    except MotcuaError as exc:
        if exc.status_code == 429:
            raise
        again = (verify_code(session, code=code, ip=client_ip(request), now=now)
                 if code is not None and exc.status_code != 404 else None)
        return _page(request, verdict=again, code=code if again else None, error=exc.message,
                     status_code=exc.status_code)
    return _page(request, verdict=verdict, code=code)
