"""Tables of the organisation: the 2025 units and the people who work in them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua.db import Base, UtcDateTime


class Province(Base):
    """Tỉnh / thành phố trực thuộc trung ương (Resolution 202/2025/QH15)."""

    __tablename__ = "province"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # tỉnh | thành phố
    #: The province lets one officer both appraise and approve the same dossier (a commune with one person for
    #: both posts). Off by default: appraisal (thẩm định, Decree 118 Art. 19) and approval are separate duties;
    #: when allowed, each such approval is marked on the timeline. Set by ``org.actions.set_single_officer_approval``.
    allow_single_officer_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    communes: Mapped[list[Commune]] = relationship(back_populates="province", lazy="raise")


class Commune(Base):
    """Đơn vị hành chính cấp xã (xã, phường, đặc khu) with its official code (Decision 19/2025/QĐ-TTg)."""

    __tablename__ = "commune"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # xã | phường | đặc khu
    name_folded: Mapped[str] = mapped_column(String(100), index=True)
    #: Electronic identifier of the commune committee (Decision 20/2020/QĐ-TTg), the first part of dossier codes.
    agency_id: Mapped[str | None] = mapped_column(String(20), unique=True)

    province: Mapped[Province] = relationship(back_populates="communes", lazy="raise")
    predecessors: Mapped[list[PredecessorUnit]] = relationship(
        back_populates="commune", lazy="raise", order_by="PredecessorUnit.id"
    )


class PredecessorUnit(Base):
    """An old commune-level unit merged into a new one on 1 July 2025."""

    __tablename__ = "predecessor_unit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str | None] = mapped_column(String(10))
    district: Mapped[str | None] = mapped_column(String(120))
    province: Mapped[str | None] = mapped_column(String(120))

    commune: Mapped[Commune] = relationship(back_populates="predecessors", lazy="raise")


class Department(Base):
    """A body of the commune: the four of the People's Committee, and the comprehensive service centre."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("commune_code", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(150))

    posts: Mapped[list[Post]] = relationship(back_populates="department", lazy="raise", order_by="Post.id")


class Post(Base):
    """Vị trí việc làm: a position in a department, held by one or more officers."""

    __tablename__ = "post"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    norm: Mapped[int] = mapped_column(Integer, default=1)  # how many people the staffing norm allows

    department: Mapped[Department] = relationship(back_populates="posts", lazy="raise")


class Officer(Base):
    """Cán bộ, công chức. ``commune_code`` is empty for province-level officers, who see every commune."""

    __tablename__ = "officer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    full_name_folded: Mapped[str] = mapped_column(String(120), index=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    commune_code: Mapped[str | None] = mapped_column(ForeignKey("commune.code"), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    roles: Mapped[list[OfficerRole]] = relationship(
        back_populates="officer", lazy="raise", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="officer", lazy="raise", cascade="all, delete-orphan"
    )


class OfficerRole(Base):
    __tablename__ = "officer_role"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)

    officer: Mapped[Officer] = relationship(back_populates="roles", lazy="raise")


class Assignment(Base):
    """An officer holding a post; ``concurrent`` marks kiêm nhiệm (a second post held alongside the main one)."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("officer_id", "post_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), index=True)
    concurrent: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[date] = mapped_column(Date)

    officer: Mapped[Officer] = relationship(back_populates="assignments", lazy="raise")
    post: Mapped[Post] = relationship(lazy="raise")
