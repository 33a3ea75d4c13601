"""The calendar's tables: announcements recorded by administrators and each province's working hours.

Why a table: the government announces day swaps every year (docs/legal.md §4); an administrator records them here
without a release, and the open dossiers' due dates are recomputed from them (``calendar.actions``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from motcua.db import Base, UtcDateTime


class CalendarAnnouncement(Base):
    """Thông báo nghỉ / làm bù: one day off or make-up working day, for the whole country or one province."""

    __tablename__ = "calendar_announcement"
    __table_args__ = (UniqueConstraint("day", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # day_off | make_up_workday
    scope: Mapped[str] = mapped_column(String(10))  # "national" or a two-digit province code
    document: Mapped[str] = mapped_column(String(200))  # số, ký hiệu văn bản căn cứ
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))


class ProvinceWorkingHours(Base):
    """Giờ làm việc of a province (default 07:30–11:30, 13:00–17:00), used to count working-hour limits."""

    __tablename__ = "province_working_hours"

    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), primary_key=True)
    intervals: Mapped[str] = mapped_column(String(100))  # "07:30-11:30,13:00-17:00"
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
