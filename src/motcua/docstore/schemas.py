"""The JSON of ``/api/v1/verifications`` (public: no login)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from motcua.docstore.verification import Verdict
from motcua.kit.schemas import UtcInstant


class SignatureOut(BaseModel):
    signer: str = Field(description="the certificate's holder: the person, or the committee for its seal")
    title: str | None = None
    organisation: str | None = None
    signed_at: UtcInstant | None = Field(description="the RFC 3161 timestamp when valid, else the time the signer's "
                                                     "software claimed")
    timestamped: bool
    valid: bool = Field(description="intact, trusted, not revoked, the document unchanged since (later signatures "
                                    "apart)")
    problems: list[str] = Field(description="why not valid, in Vietnamese")


class IssuedOut(BaseModel):
    """A registered result, as the public may see it: the applicant masked (need to know)."""

    code: str
    dossier_code: str
    number: str
    issuing_body: str
    procedure_name: str
    issued_at: UtcInstant
    signature: Literal["digital", "paper"]
    signers: list[str]
    applicant: str = Field(description="masked")
    sha256: str
    revoked_at: UtcInstant | None = None
    revoked_reason: str | None = None


class VerificationOut(BaseModel):
    valid: bool = Field(description="the file is a registered result, in force, signed validly and unchanged")
    tone: Literal["ok", "warn", "bad"]
    headline: str = Field(description="the answer in one Vietnamese sentence")
    sha256: str | None = Field(description="of the file uploaded (None: no file)")
    change: Literal["unchanged", "changed", "modified_after_signing", "unsigned"] | None = Field(
        description="changed: a byte changed since signing; modified_after_signing: an incremental update appended "
                    "after a signature")
    signatures: list[SignatureOut]
    issued: IssuedOut | None = Field(description="the registered result the file is, or is compared with")
    matches_issued: bool | None = Field(description="the file is byte for byte the registered result")
    revoked: bool

    @classmethod
    def of(cls, v: Verdict) -> VerificationOut:
        e = v.entry
        issued = None if e is None else IssuedOut(
            code=e.code, dossier_code=e.dossier_code, number=e.number, issuing_body=e.issuing_body,
            procedure_name=e.procedure_name, issued_at=e.issued_at, signature=e.signature,  # type: ignore[arg-type]
            signers=list(e.signers), applicant=e.applicant, sha256=e.sha256, revoked_at=e.revoked_at,
            revoked_reason=e.revoked_reason)
        return cls(valid=v.valid, tone=v.tone, headline=v.headline, sha256=v.sha256, change=v.change,
                   signatures=[SignatureOut(signer=s.signer, title=s.title, organisation=s.organisation,
                                            signed_at=s.signed_at, timestamped=s.timestamped, valid=s.valid,
                                            problems=list(s.problems)) for s in v.signatures],
                   issued=issued, matches_issued=v.matches, revoked=v.revoked)
