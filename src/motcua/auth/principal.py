"""Who is acting: an officer logged in through the web, or an integration holding an API token."""

from __future__ import annotations

from dataclasses import dataclass, field

from motcua.org.roles import Role


@dataclass(frozen=True)
class Principal:
    kind: str  # "officer" | "token" | "system"
    id: int | None
    name: str
    province_code: str
    commune_code: str | None  # None: the whole province
    roles: frozenset[Role] = field(default_factory=frozenset)
    full_name: str = ""
    csrf_token: str | None = None

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
        return self.kind, None if self.id is None else str(self.id)


SYSTEM = Principal(kind="system", id=None, name="system", province_code="", commune_code=None)
