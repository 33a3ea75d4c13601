"""Validated inputs and outputs of the organisation package."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PredecessorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str
    code: str | None
    district: str | None
    province: str | None


class CommuneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    kind: str
    province_code: str
    agency_id: str | None


class CommuneDetailOut(CommuneOut):
    predecessors: list[PredecessorOut]


class OfficerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    full_name: str
    province_code: str
    commune_code: str | None
    roles: list[str]
    active: bool


class MeOut(BaseModel):
    kind: str
    name: str
    province_code: str
    commune_code: str | None
    roles: list[str]
