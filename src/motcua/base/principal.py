"""Who is acting: an officer logged in through the web, or an integration holding an API token."""

from __future__ import annotations

from dataclasses import dataclass, field

from motcua.base.roles import Role


@dataclass(frozen=True)
class Principal:
    """``id`` is the id of the principal's own record: an officer's for "officer", the API token's for "token", the
    citizen account's for "citizen". It is never compared with an officer id: ``officer_id`` is the person who acts
    (the officer, or the officer a token acts on behalf of) and is what handler, approver and separation-of-duties
    checks use."""

    kind: str  # "officer" | "token" | "system" | "citizen" | "anonymous"
    id: int | None
    name: str
    province_code: str
    commune_code: str | None  # None: the whole province
    roles: frozenset[Role] = field(default_factory=frozenset)
    full_name: str = ""
    csrf_token: str | None = None
    on_behalf_of: int | None = None  # kind "token": the officer the token acts for (ApiToken.officer_id)

    @property
    def officer_id(self) -> int | None:
        """The officer who acts: the logged-in officer, or the officer a token acts on behalf of; else None."""
        if self.kind == "officer":
            return self.id
        if self.kind == "token":
            return self.on_behalf_of
        return None

    @property
    def is_province_level(self) -> bool:
        return self.commune_code is None

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    def may_see(self, province_code: str, commune_code: str | None) -> bool:
        """The jurisdiction rule: province users see their province, commune users only their commune."""
        if province_code != self.province_code:
            return False
        if self.commune_code is None:
            return True
        return commune_code == self.commune_code

    @property
    def audit_actor(self) -> tuple[str, str | None]:
        """(kind, id) of the audit log. A token's id names the officer it acted for too — ``"<token>:officer:<id>"``
        — so the log answers "which person" without a join to a token that may later be deleted."""
        if self.kind == "token" and self.id is not None:
            return self.kind, f"{self.id}:officer:{self.on_behalf_of}"
        return self.kind, None if self.id is None else str(self.id)


SYSTEM = Principal(kind="system", id=None, name="system", province_code="", commune_code=None)
