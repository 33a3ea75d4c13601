"""The ``motcua`` command: serve, migrate, demo-data, create-officer, audit verify."""

from __future__ import annotations

import contextlib
import getpass
import subprocess
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from motcua.admin.actions import create_officer
from motcua.admin.schemas import OfficerCreate
from motcua.audit.actions import record_anchor
from motcua.audit.queries import count_events, verify_chain
from motcua.auth.actions import purge_expired
from motcua.base.principal import SYSTEM
from motcua.base.roles import Role
from motcua.calendar.actions import record_announcement
from motcua.calendar.queries import announcements_for
from motcua.calendar.schemas import AnnouncementIn
from motcua.catalog import exchange
from motcua.catalog.actions import import_catalogue
from motcua.catalog.exchange import from_json, from_xlsx, load_shipped
from motcua.catalog.queries import catalogue_now
from motcua.config import InsecureConfiguration, check_secrets, get_settings
from motcua.db import make_engine, make_session_factory
from motcua.demo import background as demo_background
from motcua.demo.activity import load_demo_activity
from motcua.demo.dossiers import load_demo_dossiers
from motcua.demo.org import DEMO_PASSWORD, demo_logins, load_demo_org
from motcua.demo.results import load_demo_signed_results
from motcua.dossier.files import FileStore
from motcua.index import cli as index_cli
from motcua.index.rebuild import rebuild_index, validate_after_rebuild
from motcua.kit.clock import SystemClock
from motcua.kit.errors import MotcuaError, NotFound
from motcua.kit.logs import configure_logging
from motcua.kit.messages import vietnamese_message
from motcua.migrate import upgrade
from motcua.org.actions import load_units_file, set_single_officer_approval, sync_units
from motcua.org.models import Commune, Officer
from motcua.results.actions import add_credential, load_shipped_templates
from motcua.results.signing import certificate_facts
from motcua.web.server import run
from motcua.wiring import connect
from motcua.worker import Worker, senders_for
from motcua.worker.files import sweep_orphan_files

app = typer.Typer(help="motcua — Trung tâm Phục vụ hành chính công cấp xã", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
calendar_app = typer.Typer(help="The working-day calendar: announcements of days off and make-up days",
                           no_args_is_help=True)
app.add_typer(calendar_app, name="calendar")
index_app = typer.Typer(help="The service index (Decision 766/QĐ-TTg)", no_args_is_help=True)
app.add_typer(index_app, name="index")
catalog_app = typer.Typer(help="The procedure catalogue", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
results_app = typer.Typer(help="Electronic results: signing credentials of leaders and seals", no_args_is_help=True)
app.add_typer(results_app, name="results")
console = Console()


@app.callback()
def _configure() -> None:
    # Every command, serve and worker among them, logs through the one configuration (docs/operations.md, Logs).
    settings = get_settings()
    configure_logging(settings.effective_log_format, settings.log_level)


def _session_factory() -> sessionmaker[Session]:
    connect()  # every command that opens the database runs with the hooks between layers (motcua.wiring)
    return make_session_factory(make_engine(get_settings().database_url))


@app.command()
def migrate() -> None:
    """Apply database migrations and load the 34 provinces and 3,321 communes of 1 July 2025."""
    settings = get_settings()
    upgrade(settings.database_url)
    data = load_units_file()
    total = sum(len(p["communes"]) for p in data["provinces"])
    factory = _session_factory()
    with Progress(console=console, transient=True) as progress, factory.begin() as session:
        task = progress.add_task("Đơn vị hành chính", total=total)
        result = sync_units(session, data=data, progress=lambda n: progress.advance(task, n))
    console.print(f"Cơ sở dữ liệu đã cập nhật: {result.provinces} tỉnh/thành, {result.communes} xã/phường/đặc khu "
                  f"({result.added} mới).")
    with factory.begin() as session:
        imported = import_catalogue(session, actor=SYSTEM, catalogue=load_shipped(), now=SystemClock().now(),
                                    source="shipped")
    console.print(f"Danh mục thủ tục: {imported.created} thủ tục mới, {imported.versioned} phiên bản mới, "
                  f"{imported.unchanged} không đổi, {imported.amended} ghi bổ sung gia hạn theo luật.")
    with factory.begin() as session:  # the shipped result templates, national versions, like the catalogue
        templates = load_shipped_templates(session, now=SystemClock().now())
    console.print(f"Mẫu kết quả: {templates['created']} phiên bản mới, {templates['unchanged']} không đổi.")


@app.command("demo-data")
def demo_data(
    province: Annotated[str, typer.Option(help="Province code (default: 25, Phú Thọ)")] = "25",
    months: Annotated[int, typer.Option(min=1, max=24, help="Months of dossiers up to today")] = 12,
    scale: Annotated[float, typer.Option(
        min=0.01, max=1.0, help="Share of each commune's real daily volume (1: as in the province)")] = 1.0,
    background: Annotated[bool, typer.Option(
        help="Load the last complete month and this one now, and the earlier months in a background process "
             "while the service runs (what `make run` does; progress on every page)")] = False,
) -> None:
    """Load officers in every commune of a province and a year of dossiers (idempotent); print the demo logins."""
    if not get_settings().demo:
        # The demo officers share a published password, which the password policy accepts only in demo mode.
        console.print("[red]Dữ liệu mẫu dùng mật khẩu chung nên chỉ nạp ở chế độ trình diễn (MOTCUA_DEMO=true, "
                      "như `make run`). Không chạy trên hệ thống thật.[/red]")
        raise typer.Exit(2)
    factory = _session_factory()
    now = SystemClock().now()
    with factory.begin() as session:
        total = session.execute(select(func.count()).select_from(Commune)
                                .where(Commune.province_code == province)).scalar_one()
    if total == 0:
        console.print(f"[red]Không có xã nào của tỉnh mã {province}. Chạy `motcua migrate` trước.[/red]")
        raise typer.Exit(1)
    with Progress(console=console, transient=True) as progress, factory.begin() as session:
        task = progress.add_task("Cán bộ các xã", total=total)
        summary = load_demo_org(session, now=now, province_code=province, demo=True,
                                progress=lambda n: progress.advance(task, n))
    console.print(f"Dữ liệu mẫu: {summary.communes} xã, {summary.officers} cán bộ mới.")
    if background:
        _demo_recent_then_background(factory, province, now, months, scale)
    else:
        _demo_all(factory, province, now, months, total, scale)
    # Chí Tiên's leaders' signing credentials and results at every step, signed with them (docs/results.md)
    results = load_demo_signed_results(factory, get_settings(), now=now, store=FileStore(get_settings().files_dir))
    if not results.skipped:
        console.print(f"Kết quả mẫu ở xã Chí Tiên: {results.drafted} đang soạn, {results.submitted} chờ ký, "
                      f"{results.issued} đã ban hành.")
    with factory() as session:
        logins = demo_logins(session, province)
    table = Table(title=f"Tài khoản dùng thử — mật khẩu chung: {DEMO_PASSWORD}")
    table.add_column("Tên đăng nhập")
    table.add_column("Họ tên")
    table.add_column("Vai trò")
    for username, full_name, label in logins:
        table.add_row(username, full_name, label)
    console.print(table)


def _demo_all(factory: sessionmaker[Session], province: str, now: datetime, months: int, communes: int,
              scale: float) -> None:
    with Progress(console=console, transient=True) as progress, factory.begin() as session:
        task = progress.add_task(f"Hồ sơ {months} tháng", total=communes)
        loaded = load_demo_dossiers(session, province_code=province, now=now, months=months, scale=scale,
                                    progress=lambda n: progress.advance(task, n))
        activity = load_demo_activity(session, province_code=province, now=now,
                                      store=FileStore(get_settings().files_dir))
    if not loaded.skipped and loaded.dossiers:
        console.print(f"Hồ sơ mẫu: {loaded.dossiers:,} hồ sơ, {loaded.events:,} bước xử lý "
                      f"({loaded.first_day:%d/%m/%Y}–{loaded.last_day:%d/%m/%Y}).")
        _rebuild_index(factory, now)
        console.print(f"Tệp hồ sơ và kết quả điện tử: {activity.documents:,}; đánh giá: {activity.ratings:,}; "
                      f"phản ánh, kiến nghị: {activity.cases:,}.")
        console.print("Chỉ số phục vụ (Quyết định 766) đã tính cho mọi hồ sơ.")


def _demo_recent_then_background(factory: sessionmaker[Session], province: str, now: datetime, months: int,
                                 scale: float) -> None:
    """The recent months now (indexed), the earlier ones in a detached ``motcua demo-data-rest``; a background load
    left unfinished by an earlier run is started again, and resumes (docs/operations.md, "The demo")."""
    status = get_settings().demo_load_status
    with console.status("Hồ sơ tháng trước và tháng này"), factory.begin() as session:
        loaded, plan = demo_background.load_recent(session, province_code=province, now=now, months=months,
                                                   store=FileStore(get_settings().files_dir), scale=scale)
    if not loaded.skipped:
        console.print(f"Hồ sơ mẫu tháng trước và tháng này: {loaded.dossiers:,} hồ sơ, {loaded.events:,} bước xử lý.")
        with console.status("Chỉ số phục vụ (Quyết định 766)"):
            _rebuild_index(factory, now)
        if plan is not None:
            demo_background.start_status(status, plan)
    else:
        plan = demo_background.pending_plan(status)
    if plan is None:
        return
    log = status.with_suffix(".log")
    with log.open("ab") as out:
        subprocess.Popen([sys.executable, "-m", "motcua.cli", "demo-data-rest"],
                         stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True)
    console.print(f"Các tháng trước ({plan.since} – {plan.until}) đang được nạp ở chế độ nền; tiến độ hiện trên "
                  f"mọi trang, nhật ký ở {log}.")


@app.command("demo-data-rest", hidden=True)
def demo_data_rest() -> None:
    """The background half of ``demo-data --background``: the earlier months (resumes; docs/operations.md)."""
    settings = get_settings()
    status = settings.demo_load_status
    plan = demo_background.pending_plan(status)
    if plan is None:
        console.print("Không có dữ liệu mẫu nào đang chờ nạp.")
        return
    written = demo_background.load_earlier(_session_factory(), plan, store=FileStore(settings.files_dir),
                                           status=status, clock=SystemClock().now)
    console.print(f"Đã nạp xong các tháng trước: {written:,} hồ sơ.")


@app.command("create-officer")
def create_officer_cmd(
    username: Annotated[str, typer.Option(help="Login name, lower-case ASCII")],
    full_name: Annotated[str, typer.Option(help="Họ và tên")],
    province: Annotated[str, typer.Option(help="2-digit province code")],
    role: Annotated[list[Role], typer.Option(help="Role; repeat for several (kiêm nhiệm)")],
    commune: Annotated[str | None, typer.Option(help="5-digit commune code; empty for a province officer")] = None,
    password: Annotated[str | None, typer.Option(help="Asked for when not given")] = None,
) -> None:
    """Create an officer (the first administrator of a province, say)."""
    if password is None:
        password = getpass.getpass("Mật khẩu (ít nhất 15 ký tự): ") if sys.stdin.isatty() else sys.stdin.readline()
    try:
        data = OfficerCreate(username=username, full_name=full_name, password=(password or "").strip(),
                             province_code=province, commune_code=commune, roles=role)
    except ValidationError as exc:
        for error in exc.errors():
            console.print(f"[red]{'.'.join(map(str, error['loc']))}: {vietnamese_message(error)}[/red]")
        raise typer.Exit(2) from exc
    factory = _session_factory()
    try:
        with factory.begin() as session:
            officer = create_officer(session, actor=SYSTEM, data=data, now=SystemClock().now(),
                                     demo=get_settings().demo)
            officer_id = officer.id
    except MotcuaError as exc:
        console.print(f"[red]{exc.message}[/red] {exc.fields or ''}")
        raise typer.Exit(2) from exc
    console.print(f"Đã tạo cán bộ {username} (id {officer_id}).")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute every chain (one per commune, per province, the system's, the legacy one) and the daily anchors;
    exit 1 naming, for each broken chain, its first row that was edited, removed or inserted."""
    factory = _session_factory()
    with factory() as session:
        total = count_events(session)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Kiểm tra nhật ký", total=total)
            result = verify_chain(session, progress=lambda n: progress.advance(task, n))
    for chain in result.chains:
        if chain.keyed_from > 1:
            console.print(f"Chuỗi {chain.chain}: sự kiện 1–{chain.keyed_from - 1} được ghi trước khi chuỗi có khóa "
                          "(HMAC) và được kiểm tra theo quy tắc cũ (SHA-256 không khóa); đối chiếu mốc này với mốc "
                          "đã ghi lại khi nâng cấp.")
    anchors = result.anchors
    if anchors.latest is not None:
        console.print(f"Mốc nhật ký: {anchors.count} ngày, mới nhất ngày {anchors.latest:%d/%m/%Y}, mã "
                      f"{anchors.latest_hash} (đối chiếu với bản đã lưu ngoài máy chủ).", soft_wrap=True)
    else:
        console.print("Chưa có mốc nhật ký nào (motcua housekeeping và worker ghi mốc mỗi ngày).")
    if result.ok:
        console.print(f"Nhật ký toàn vẹn: {result.checked} sự kiện trong {len(result.chains)} chuỗi, chuỗi băm khớp.")
        return
    if not anchors.ok:
        console.print(f"[red]Mốc nhật ký bị can thiệp: {anchors.problem} (anchor {anchors.bad_day}).[/red]",
                      soft_wrap=True)
    for chain in result.broken:
        console.print(f"[red]Chuỗi {chain.chain} bị can thiệp: {chain.problem} (chain {chain.chain}, row "
                      f"{chain.bad_seq}).[/red]", soft_wrap=True)
    console.print(f"[red]{len(result.broken)} trên {len(result.chains)} chuỗi bị can thiệp.[/red]")
    raise typer.Exit(1)


@calendar_app.command("announce")
def calendar_announce(
    day: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    kind: Annotated[str, typer.Option(help="day_off | make_up_workday")],
    document: Annotated[str, typer.Option(help="The announcing document (số, ký hiệu)")],
    scope: Annotated[str, typer.Option(help='"national" or a two-digit province code')] = "national",
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Record a day off or make-up working day; open dossiers' due dates are recomputed in the same transaction."""
    try:
        data = AnnouncementIn.model_validate({"day": day, "kind": kind, "scope": scope, "document": document,
                                              "note": note})
        with _session_factory().begin() as session:
            change = record_announcement(session, actor=SYSTEM, data=data, now=SystemClock().now())
    except ValidationError as exc:
        for error in exc.errors():
            console.print(f"[red]{'.'.join(map(str, error['loc']))}: {vietnamese_message(error)}[/red]")
        raise typer.Exit(2) from exc
    except MotcuaError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"Đã ghi nhận ngày {data.day:%d/%m/%Y}; {change.recomputed} hồ sơ được tính lại ngày hẹn.")


@app.command("single-officer-approval")
def single_officer_approval(
    province: Annotated[str, typer.Argument(help="Two-digit province code")],
    allow: Annotated[bool, typer.Option("--allow/--forbid", help="Let one officer appraise and approve a dossier")],
) -> None:
    """The province's exception to separation of duties, for communes where one person holds both posts."""
    try:
        with _session_factory().begin() as session:
            set_single_officer_approval(session, actor=SYSTEM, province_code=province, allowed=allow,
                                        now=SystemClock().now())
    except MotcuaError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"Tỉnh {province}: {'cho phép' if allow else 'không cho phép'} một người thẩm định và phê duyệt.")


@calendar_app.command("list")
def calendar_list(
    province: Annotated[str, typer.Option(help="Province code")] = "25",
) -> None:
    """Announcements recorded in the database that apply to a province."""
    table = Table("Ngày", "Loại", "Phạm vi", "Văn bản")
    with _session_factory()() as session:
        for a in announcements_for(session, province):
            table.add_row(f"{a.day:%d/%m/%Y}", a.kind, a.scope, a.document)
    console.print(table)


@catalog_app.command("import")
def catalog_import(path: Annotated[str, typer.Argument(help="A .json or .xlsx catalogue file")]) -> None:
    """Import procedures: new codes and new versions (by effective date); identical versions are left alone."""
    raw = Path(path).read_bytes()
    try:
        catalogue = from_xlsx(raw) if path.lower().endswith(".xlsx") else from_json(raw)
        with _session_factory().begin() as session:
            result = import_catalogue(session, actor=SYSTEM, catalogue=catalogue, now=SystemClock().now(),
                                      source=Path(path).name)
    except MotcuaError as exc:
        console.print(f"[red]{exc.message}[/red]")
        for field, message in exc.fields.items():
            console.print(f"  {field}: {message}")
        raise typer.Exit(2) from exc
    console.print(f"{result.created} thủ tục mới, {result.versioned} phiên bản mới, {result.unchanged} không đổi, "
                  f"{result.amended} ghi bổ sung gia hạn theo luật.")


@catalog_app.command("export")
def catalog_export(path: Annotated[str, typer.Argument(help="Write to this .json or .xlsx file")]) -> None:
    """Export the versions in force today."""
    with _session_factory()() as session:
        catalogue = catalogue_now(session, SystemClock().now())
    data = exchange.to_xlsx(catalogue) if path.lower().endswith(".xlsx") else exchange.to_json(catalogue)
    Path(path).write_bytes(data)
    console.print(f"Đã ghi {len(catalogue.procedures)} thủ tục vào {path}.")


@results_app.command("credential")
def results_credential(
    commune: Annotated[str, typer.Option(help="The commune's code (5 digits)")],
    kind: Annotated[str, typer.Option(help="pkcs12 | pkcs11 | remote")],
    reference: Annotated[str, typer.Option(help="pkcs12: the .p12 path (its passphrase in <path>.pass); pkcs11: JSON "
                                                "{\"token\", \"key\", \"module\"}; remote: the user id")],
    officer: Annotated[str, typer.Option(help="The leader's username; omit for the commune's seal")] = "",
    certificate: Annotated[str, typer.Option(help="The certificate (PEM/DER); read from the file for pkcs12")] = "",
) -> None:
    """Record how a leader (or the commune's seal) signs; the secrets stay outside the database (docs/results.md)."""
    try:
        facts = certificate_facts(kind, reference, Path(certificate).read_bytes() if certificate else None)
        with _session_factory().begin() as session:
            officer_id = None
            if officer:
                found = session.scalar(select(Officer).where(Officer.username == officer))
                if found is None or found.commune_code != commune:
                    raise NotFound(f"Không có cán bộ {officer} của xã {commune}.")
                officer_id = found.id
            add_credential(session, actor=SYSTEM, commune_code=commune, officer_id=officer_id, kind=kind,
                           reference=reference, subject=facts.subject, serial=facts.serial,
                           not_after=facts.not_after, now=SystemClock().now())
    except (MotcuaError, OSError) as exc:
        console.print(f"[red]{getattr(exc, 'message', exc)}[/red]")
        raise typer.Exit(2) from exc
    console.print(f"Đã ghi chứng thư số {kind} ({facts.subject}, hết hạn {facts.not_after:%d/%m/%Y}) cho "
                  f"{officer or 'con dấu của xã'} {commune}.")


@app.command()
def housekeeping(
    keep_attempts_days: Annotated[int, typer.Option(min=1, help="Keep login attempts this many days")] = 30,
) -> None:
    """Remove expired login sessions, old login attempts and scans no dossier references, and record the audit log's
    anchor of the day if the worker has not (run daily from cron)."""
    now = SystemClock().now()
    with _session_factory().begin() as session:
        sessions, attempts = purge_expired(session, now=now, keep_attempts_days=keep_attempts_days)
        removed = sweep_orphan_files(session, FileStore(get_settings().files_dir), now=now)
    with _session_factory().begin() as session:
        anchor = record_anchor(session, now=now)
        anchored = None if anchor is None else (anchor.day, anchor.hash)
    console.print(f"Đã xóa {sessions} phiên hết hạn, {attempts} lượt đăng nhập cũ và {len(removed)} tệp không "
                  "thuộc hồ sơ nào.")
    if anchored is not None:
        console.print(f"Đã ghi mốc nhật ký ngày {anchored[0]:%d/%m/%Y}: {anchored[1]}", soft_wrap=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None,
    port: Annotated[int | None, typer.Option()] = None,
    workers: Annotated[int, typer.Option(min=1)] = 1,
    worker: Annotated[bool, typer.Option(help="Run the worker (index fold, sweeps) in a thread beside the server; "
                                              "turn off when `motcua worker` runs on its own")] = True,
) -> None:
    """Serve the web application and the API."""
    settings = get_settings()
    try:
        check_secrets(settings)
    except InsecureConfiguration as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc
    address = f"http://{host or settings.host}:{port or settings.port}"
    console.print(f"[bold]motcua đang chạy tại {address}[/bold]  (Ctrl+C để dừng)")
    if worker:
        senders, simulators = senders_for(settings)
        for line in simulators:
            console.print(f"  {line}")
        Worker(_session_factory(), senders, no_show_grace=timedelta(minutes=settings.queue_no_show_grace_minutes)
               ).start_in_thread(SystemClock().now)
    run(host or settings.host, port or settings.port, workers=workers, log_level="info")


@app.command("worker")
def worker_cmd(
    once: Annotated[bool, typer.Option(help="One round, then exit")] = False,
    interval: Annotated[float, typer.Option(min=0.5, help="Seconds between rounds")] = 5.0,
) -> None:
    """The worker: keeps the service index current and sends the notifications queued in the outbox."""
    settings = get_settings()
    try:
        check_secrets(settings)  # the worker signs what it sends (one-time codes) with the same key as the server
    except InsecureConfiguration as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc
    senders, simulators = senders_for(settings)
    for line in simulators:
        console.print(f"  {line}")
    worker = Worker(_session_factory(), senders,
                    no_show_grace=timedelta(minutes=settings.queue_no_show_grace_minutes))
    if once:
        report = worker.run_round(SystemClock().now())
        console.print(f"Đã quét {report.swept} hồ sơ đến hạn, tính lại chỉ số cho {report.folded} hồ sơ, "
                      f"gửi {report.sent} thông báo.")
        return
    console.print(f"[bold]Worker đang chạy[/bold] (mỗi {interval:g} giây; Ctrl+C để dừng)")
    with contextlib.suppress(KeyboardInterrupt):
        worker.run_forever(SystemClock().now, interval, threading.Event())


index_app.command("publish")(index_cli.publish)
index_app.command("verify")(index_cli.verify)


@index_app.command("rebuild")
def index_rebuild(
    python: Annotated[bool, typer.Option(
        "--python", help="Judge every dossier in Python, as the fold does (slower): after a withdrawn calendar "
                         "announcement or a change of the shipped national calendar")] = False,
) -> None:
    """Recompute every dossier's contribution to the service index (after a change of rules, or an import)."""
    judged = _rebuild_index(_session_factory(), SystemClock().now(), python_only=python)
    console.print(f"Đã tính lại chỉ số cho {judged:,} hồ sơ.")


def _rebuild_index(factory: sessionmaker[Session], now: datetime, *, python_only: bool = False) -> int:
    """The set-based rebuild in one transaction (``index.rebuild``), then a fold of the dossiers changed meanwhile."""
    with Progress(console=console, transient=True) as progress, factory.begin() as session:
        task = progress.add_task("Chỉ số phục vụ (Quyết định 766)", total=None)
        report = rebuild_index(session, now, python_only=python_only,
                               progress=lambda n: progress.advance(task, n))
    with factory.begin() as session:
        validate_after_rebuild(session)  # the foreign key the swap added unchecked, checked without blocking writes
    Worker(factory).run_round(now)  # as before: the sweep, and a fold of what was queued meanwhile
    return report.dossiers_sql + report.dossiers_python




if __name__ == "__main__":  # `python -m motcua.cli`: how `demo-data --background` starts its second half
    app()
