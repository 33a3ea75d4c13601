"""The signature check the verification uses: the signature adapter with the trust roots of the settings (the demo
CA's root in the demo, the national root CA's in production)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import Depends, Request

from motcua.auth.deps import get_now
from motcua.docstore.verification import PdfFacts
from motcua.integrations.esign.demo import trust_roots
from motcua.integrations.esign.verify import verify_pdf


def pdf_checker(request: Request, now: datetime = Depends(get_now)) -> Callable[[bytes], PdfFacts]:
    roots = trust_roots(request.app.state.settings)

    def check(data: bytes) -> PdfFacts:
        return verify_pdf(data, trust_roots=roots, now=now)
    return check
