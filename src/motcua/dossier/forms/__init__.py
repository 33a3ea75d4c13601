"""Official forms of Decree 118/2025/NĐ-CP (Circular 03/2025/TT-VPCP) rendered as PDF.

Pure functions: frozen dataclasses in, PDF ``bytes`` out; no database. See :mod:`.render`.
"""

from motcua.dossier.forms.data import ControlStep, DocumentLine, FeeLine, FormDossier, Issuer
from motcua.dossier.forms.render import (
    FORM_TITLES,
    apology_extension_pdf,
    control_slip_pdf,
    receipt_pdf,
    refusal_pdf,
    stop_notice_pdf,
    supplement_request_pdf,
)

__all__ = [
    "FORM_TITLES",
    "ControlStep",
    "DocumentLine",
    "FeeLine",
    "FormDossier",
    "Issuer",
    "apology_extension_pdf",
    "control_slip_pdf",
    "receipt_pdf",
    "refusal_pdf",
    "stop_notice_pdf",
    "supplement_request_pdf",
]
