"""Injectable time (house rule 5): domain code never calls ``datetime.now()`` itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests and replays: it only moves when told to."""

    instant: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 2, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.instant

    def advance(self, delta: timedelta) -> None:
        self.instant = self.instant + delta


def to_local(instant: datetime) -> datetime:
    """Show an instant in Vietnamese local time (UTC+7); storage stays UTC."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(VN_TZ)


def as_utc(instant: datetime) -> datetime:
    """An instant in UTC. Instants read from the database already are (``db.UtcDateTime``, on both backends); a naive
    value from elsewhere (an older JSON record) is taken as UTC, which is what motcua writes."""
    if instant.tzinfo is None:
        return instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)
