"""Settings, read from the environment with the ``MOTCUA_`` prefix (or a ``.env`` file)."""

from __future__ import annotations

import contextlib
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]

#: The key the settings fall back to when none is given. Anyone who has read this file can sign with it (feedback
#: links, rating links), so it is never accepted outside demo mode, where it is replaced by a generated key.
DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105 (the published default, refused in production)
#: 32 characters at least: a secret key of 256 bits written as hex or base64 is longer (OWASP ASVS 4.0 6.2.5, 6.4.1).
MIN_SECRET_LENGTH = 32
SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name)


class InsecureConfiguration(RuntimeError):
    """The configuration would run production with a known or weak secret; the message says how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'motcua.db'}",
        description="SQLAlchemy URL. SQLite (WAL) is the embedded default; PostgreSQL in production.",
    )
    secret_key: str = Field(default=DEFAULT_SECRET_KEY, min_length=8,
                            description="Signs sessions' links, feedback and rating links; 32+ random characters. "
                                        "In demo mode, when not given, generated once and kept in var/secret_key")
    audit_key: str = Field(default="", description="Keys the audit chain's HMAC (audit/). Empty: derived from "
                                                   "secret_key with a domain label; set it to rotate the secret "
                                                   "key without re-keying the audit chain")
    session_hours: int = Field(default=10, ge=1, le=24 * 14, description="Login session lifetime")
    cookie_secure: bool = Field(default=True, description="Send cookies only over HTTPS (and localhost)")
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60,
                                      description="An officer's session ends after this long without a request "
                                                  "(OWASP ASVS V3.3.2), whatever is left of session_hours")
    # Login throttling without lockout (docs/operations.md, "Đăng nhập"): after login_max_failures failures each
    # further try of the same account from an unknown device, or from the same address, waits twice as long as the
    # one before, up to the caps; a known device (signed cookie) passes the account's and the address's waits.
    login_max_failures: int = Field(default=5, ge=1,
                                    description="Failed logins of one account from unknown devices before each "
                                                "further try waits (an address may fail 4x as often)")
    login_window_minutes: int = Field(default=24 * 60, ge=1,
                                      description="How far back failed logins are counted (a day: an attacker who "
                                                  "waits out the cap must not find the count reset)")
    login_account_max_wait_seconds: int = Field(default=300, ge=1, le=3600,
                                                description="Longest wait one account imposes on unknown devices")
    login_address_max_wait_seconds: int = Field(default=900, ge=1, le=24 * 3600,
                                                description="Longest wait imposed on an address that keeps failing")
    max_body_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, description="Largest request body")
    max_upload_body_bytes: int = Field(default=40 * 1024 * 1024, ge=1024,
                                       description="Largest body on routes that take scans (dossier intake)")
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, description="Largest single attached file")
    files_dir: Path = Field(default=ROOT / "var" / "files", description="Where attached scans are stored")
    public_base_url: str = Field(default="http://127.0.0.1:8000",
                                 description="Address printed in the QR codes of the forms (public lookup)")
    default_language: str = Field(default="vi", pattern="^(vi|en)$")

    # Notifications to applicants (notify/): a channel with an empty host or URL is off, its messages wait queued.
    smtp_host: str = Field(default="", description="SMTP server for email notices; empty: email off")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: str = Field(default="motcua@localhost", description="From address of email notices")
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout: float = Field(default=10.0, gt=0, le=120)
    sms_base_url: str = Field(default="", description="SMS gateway (HTTP JSON); empty: SMS off")
    sms_api_key: str = ""
    sms_brandname: str = "UBND XA"
    zalo_base_url: str = Field(default="", description="Zalo ZNS API; empty: Zalo off")
    zalo_access_token: str = ""
    zalo_template_id: str = ""
    notify_http_timeout: float = Field(default=5.0, gt=0, le=60)
    sms_inbound_secret: str = Field(default="", description="Secret shared with the SMS gateway that forwards the "
                                                            "citizens' texts (tickets by SMS, HMAC-SHA256 of the "
                                                            "body); empty: tickets by SMS off")
    queue_no_show_grace_minutes: int = Field(default=15, ge=0, le=120,
                                             description="Minutes after an appointment's start before the worker "
                                                         "releases it as a no-show")
    simulators: bool = Field(default=False, description="Start the local simulators of the SMS and Zalo providers, "
                                                        "the population database and the payment gateway with "
                                                        "`motcua serve` and use them (demo and development)")

    # External national systems (integrations/): an empty URL turns the integration off.
    identity_url: str = Field(default="", description="National population database identity check (CSDLQG về dân "
                                                      "cư / VNeID), HTTP JSON; empty: identity checks off")
    identity_api_key: str = Field(default="", description="API key the population database issued to this agency")
    payment_url: str = Field(default="", description="Online fee payment gateway; empty: online payment off (fees "
                                                     "paid at the counter)")
    payment_merchant: str = Field(default="", description="Merchant id of the commune's account at the gateway")
    payment_secret: str = Field(default="", description="Secret shared with the payment gateway: signs our requests "
                                                        "and verifies its redirects back (HMAC-SHA256)")
    # Digital signatures of electronic results (integrations/esign, docs/esign.md).
    esign_dir: Path | None = Field(default=None, description="Where the demo certificate authority, the SoftHSM2 "
                                                             "tokens of the demo and their files are kept; empty: "
                                                             "<files_dir>/esign")
    esign_tsa_url: str = Field(default="", description="RFC 3161 timestamp authority every signature is timestamped "
                                                       "by; empty: digital signing off")
    esign_remote_url: str = Field(default="", description="Remote signing service (officials approve on their "
                                                          "phone); empty: remote signing off")
    esign_trust_roots: str = Field(default="", description="Comma-separated PEM or DER files of the root CAs "
                                                           "signatures are verified against; empty: the demo CA's "
                                                           "root (demo only)")
    integration_http_timeout: float = Field(default=10.0, gt=0, le=60,
                                            description="Seconds to wait for the population database or the payment "
                                                        "gateway before giving up (retryable)")
    demo: bool = Field(default=False, description="Demo mode (make run): a generated secret key kept in var/, the "
                                                  "demo officers' shared password accepted. Never in production")
    trusted_proxies: str = Field(default="", description="Comma-separated addresses or networks (CIDR) of the "
                                                         "reverse proxies whose X-Forwarded-For and "
                                                         "X-Forwarded-Proto are believed; empty: none, the peer's "
                                                         "own address is the client's")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_format: Literal["json", "text"] | None = Field(
        default=None, description="Log lines as JSON objects (for a log collector) or as readable text; empty: text "
                                  "in demo mode, JSON otherwise (docs/operations.md, Logs)")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO",
                                                                    description="Least severe level logged")

    @property
    def effective_log_format(self) -> Literal["json", "text"]:
        if self.log_format is not None:
            return self.log_format
        return "text" if self.demo else "json"

    @property
    def var_dir(self) -> Path:
        """Where the demo's generated keys are kept: beside the SQLite database file, else beside the scans."""
        url = self.database_url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            return Path(url.removeprefix("sqlite:///").split("?", 1)[0]).parent
        return self.files_dir.parent

    @property
    def esign_directory(self) -> Path:
        """``esign_dir``, or ``esign`` under the files directory."""
        return self.esign_dir if self.esign_dir is not None else self.files_dir / "esign"

    @property
    def demo_load_status(self) -> Path:
        """The background demo load's status file (``demo.background``), which every page reads in demo mode."""
        return self.var_dir / "demo-load.json"

    @model_validator(mode="after")
    def _demo_secret(self) -> Settings:
        # A demo started with `make run` must not sign links with the key published in this file: the first start
        # generates one and every later process (demo-data, serve and each of its workers) reads the same file.
        if self.demo and self.secret_key == DEFAULT_SECRET_KEY:
            self.secret_key = load_or_create_key(self.var_dir / SECRET_KEY_FILE)
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _normalise_pg(cls, value: str) -> str:
        # One driver for PostgreSQL: psycopg 3.
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.removeprefix("postgres://")
        return value


def load_or_create_key(path: Path) -> str:
    """The key kept in ``path``, created on first use: 32 random bytes as hex, mode 0600, written to a temporary file
    and linked into place, so two processes starting at once end up with the same key (the loser reads the
    winner's file)."""
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process linked its key first: read that one
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise InsecureConfiguration(f"Tệp khóa {path} không hợp lệ (ngắn hơn {MIN_SECRET_LENGTH} ký tự); xóa tệp để "
                                    "tạo khóa mới.")
    return key


def check_secrets(settings: Settings) -> None:
    """Refuse a production configuration whose secret is the published default or too short to resist guessing
    (OWASP ASVS 4.0 2.10.4 "secrets are not included in source code", 6.4.1). Demo mode has its generated key."""
    if settings.demo:
        return
    howto = ("Đặt biến môi trường MOTCUA_SECRET_KEY bằng một chuỗi ngẫu nhiên từ 32 ký tự trở lên, ví dụ: "
             "export MOTCUA_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'). "
             "Chỉ bản trình diễn (MOTCUA_DEMO=true) mới tự sinh khóa.")
    if settings.secret_key == DEFAULT_SECRET_KEY:
        raise InsecureConfiguration("Khóa bí mật đang là giá trị mặc định công khai; hệ thống không khởi động. "
                                    + howto)
    if len(settings.secret_key) < MIN_SECRET_LENGTH:
        raise InsecureConfiguration(f"Khóa bí mật ngắn hơn {MIN_SECRET_LENGTH} ký tự; hệ thống không khởi động. "
                                    + howto)
    if settings.audit_key and len(settings.audit_key) < MIN_SECRET_LENGTH:
        raise InsecureConfiguration(f"Khóa nhật ký MOTCUA_AUDIT_KEY ngắn hơn {MIN_SECRET_LENGTH} ký tự; hệ thống "
                                    "không khởi động.")


@lru_cache
def get_settings() -> Settings:
    return Settings()
