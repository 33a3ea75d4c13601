"""``/api/v1/verifications``: the public verification as JSON (no login), for a receiving agency's software."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Depends, File, Path, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from motcua.auth.deps import DB_SESSION, client_ip, get_now
from motcua.docstore.deps import pdf_checker
from motcua.docstore.schemas import VerificationOut
from motcua.docstore.verification import PdfFacts, verify_code, verify_upload
from motcua.kit.schemas import error_responses

router = APIRouter(tags=["verifications"])

NOT_FOUND = "Không tìm thấy kết quả với mã xác minh này."


@router.post("/verifications", response_model=VerificationOut, summary="Verify a signed PDF (public)",
             responses=error_responses(413, 429), openapi_extra={"security": []},
             description="Each signature (valid, who, when), whether the document changed since signing (a byte "
                         "changed, or an incremental update appended after a signature), whether it is a result "
                         "this system issued (its SHA-256 is registered) and whether that result was revoked "
                         "(Decree 118/2025 Art. 23). A file that is not a readable PDF is a 422.")
def verify_file(
    request: Request,
    file: UploadFile = File(description="the PDF to verify"),
    session: Session = DB_SESSION,
    check: Callable[[bytes], PdfFacts] = Depends(pdf_checker),
    now: datetime = Depends(get_now),
) -> VerificationOut:
    return VerificationOut.of(verify_upload(
        session, filename=file.filename or "", data=file.file.read(), check=check, ip=client_ip(request), now=now,
        max_bytes=request.app.state.settings.max_upload_bytes))


@router.get("/verifications/{code}", response_model=VerificationOut,
            summary="The registered result a verification code names (public)", responses=error_responses(404, 429),
            openapi_extra={"security": []})
def verification_by_code(
    request: Request,
    code: str = Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$",
                     description="the code printed (as a QR) on the result"),
    session: Session = DB_SESSION,
    now: datetime = Depends(get_now),
) -> Response:
    verdict = verify_code(session, code=code, ip=client_ip(request), now=now)
    if verdict is None:  # answered, not raised, so that the failed try is committed and counted
        return JSONResponse({"error": {"code": "not_found", "message": NOT_FOUND}}, status_code=404)
    return JSONResponse(VerificationOut.of(verdict).model_dump(mode="json"))
