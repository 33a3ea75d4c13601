"""JSON routes of the auth package."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from motcua.auth.deps import current_principal
from motcua.base.principal import Principal
from motcua.org.schemas import MeOut

router = APIRouter(tags=["auth"])


@router.get("/me", response_model=MeOut, summary="Who the token or session belongs to, and its jurisdiction")
def me(principal: Principal = Depends(current_principal)) -> MeOut:
    return MeOut(
        kind=principal.kind,
        name=principal.name,
        province_code=principal.province_code,
        commune_code=principal.commune_code,
        roles=sorted(r.value for r in principal.roles),
    )
