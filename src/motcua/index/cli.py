"""Commands for published rankings: ``publish`` a month, ``verify`` a snapshot (exit 1 naming what changed).

``publish`` and ``verify`` are plain functions so that the main ``motcua index`` command can register them
(``index_app.command("publish")(index_cli.publish)``); ``app`` holds them too, for mounting as a group of its own.
"""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from motcua.base.principal import SYSTEM
from motcua.config import get_settings
from motcua.db import make_engine, make_session_factory
from motcua.index.actions import publish_snapshot
from motcua.index.periods import parse_period
from motcua.index.snapshots import verify_snapshot
from motcua.kit.clock import SystemClock, to_local
from motcua.kit.errors import MotcuaError

app = typer.Typer(help="Published monthly rankings of the service index (Decision 766/QĐ-TTg)",
                  no_args_is_help=True)


def _factory() -> sessionmaker[Session]:
    return make_session_factory(make_engine(get_settings().database_url))


def publish(
    province: Annotated[str, typer.Option(help="Two-digit province code, e.g. 25 (Phú Thọ)")],
    month: Annotated[str, typer.Option(help="The month to publish, YYYY-MM (it must be over)")],
) -> None:
    """Publish a month's ranking of a province's communes, frozen with the SHA-256 of its content."""
    now = SystemClock().now()
    try:
        period = parse_period(month, to_local(now).date())
        if period.kind != "month":
            raise typer.BadParameter("dùng dạng YYYY-MM, ví dụ 2026-10", param_hint="--month")
        with _factory().begin() as session:
            snapshot = publish_snapshot(session, actor=SYSTEM, province_code=province, month=period.start, now=now)
            snapshot_id, digest = snapshot.id, snapshot.digest
    except MotcuaError as exc:
        typer.echo(f"Không công bố được: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Đã công bố bảng xếp hạng tháng {period.start:%m/%Y} của tỉnh {province}: bản số {snapshot_id}, "
               f"SHA-256 {digest}.")


def verify(
    snapshot_id: Annotated[int, typer.Argument(help="The snapshot's number (shown when it was published)")],
) -> None:
    """Recompute a published snapshot from the dossiers; exit 1 naming what changed since publication."""
    try:
        with _factory()() as session:
            check = verify_snapshot(session, snapshot_id, SystemClock().now())
    except MotcuaError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from None
    if check.ok:
        typer.echo(f"Bản số {snapshot_id} khớp: nội dung nguyên vẹn, {check.dossiers_checked} hồ sơ không thay đổi "
                   "kể từ khi công bố.")
        return
    typer.echo(f"Bản số {snapshot_id} KHÔNG khớp:")
    for reason in check.reasons:
        typer.echo(f"- {reason}" if not reason.startswith("  ") else f"    {reason.strip()}")
    raise typer.Exit(1)


app.command("publish")(publish)
app.command("verify")(verify)
