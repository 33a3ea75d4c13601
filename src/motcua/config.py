"""Settings, read from the environment with the ``MOTCUA_`` prefix (or a ``.env`` file)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'var' / 'motcua.db'}",
        description="SQLAlchemy URL. SQLite (WAL) is the embedded default; PostgreSQL in production.",
    )
    secret_key: str = Field(default="dev-only-change-me", min_length=8)
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
    integration_http_timeout: float = Field(default=10.0, gt=0, le=60,
                                            description="Seconds to wait for the population database or the payment "
                                                        "gateway before giving up (retryable)")
    demo: bool = Field(default=False, description="Demo mode (make run): a generated secret key kept in var/, the "
                                                  "demo officers' shared password accepted. Never in production")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    @field_validator("database_url")
    @classmethod
    def _normalise_pg(cls, value: str) -> str:
        # One driver for PostgreSQL: psycopg 3.
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.removeprefix("postgres://")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
