"""Settings: one typed object, built once from the environment and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of Frontdesk; each field is documented in the README's reference."""

    model_config = SettingsConfigDict(env_prefix="FRONTDESK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"), description="Where the SQLite file and files live."
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means the SQLite file frontdesk.db in the data dir.",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    portal_id: int = Field(default=1, description="The workspace's numeric portalId.")
    public_url: str = Field(
        default="",
        description="Base URL bridges reach Frontdesk at (links in webhooks); empty means "
        "http://HOST:PORT.",
    )
    secret_key: str = Field(
        default="",
        description="Signs sessions and file URLs; empty means a random key kept in the data dir.",
    )
    max_upload_bytes: int = 25 * 1024 * 1024
    max_body_bytes: int = Field(
        default=1024 * 1024, description="Largest JSON request body accepted, in bytes."
    )
    max_message_attachments: int = Field(
        default=20, description="Most attachments on one published or sent message."
    )
    message_truncate_chars: int = Field(
        default=65536,
        description="Message text longer than this is returned truncated (full text via "
        "original-content).",
    )
    webhook_allow_private: bool = False
    delivery_timeout_s: float = 10.0
    delivery_max_attempts: int = 10
    delivery_retry_base_s: float = 30.0
    delivery_retry_cap_s: float = Field(
        default=6 * 3600.0, description="Largest delay between two attempts of a delivery."
    )
    delivery_breaker_pause_s: float = Field(
        default=30.0,
        description="First pause of an endpoint after repeated failures (doubles on each trip, "
        "up to 20 times this).",
    )
    sse_heartbeat_s: float = Field(default=15.0, description="Seconds between SSE heartbeats.")
    sse_max_backlog: int = Field(
        default=10000,
        description="A client further behind than this many events gets a resync event.",
    )
    event_poll_s: float = Field(
        default=1.0, description="How often the event tailer polls when no wake-up arrives."
    )
    presence_grace_s: float = Field(
        default=45.0,
        gt=0,
        description="A user is online while their event stream renewed presence this recently "
        "(renewed every third of it; keep it over twice SSE_HEARTBEAT_S).",
    )
    run_worker: bool = Field(
        default=True, description="Run the job worker inside `serve` (`--no-worker` sets false)."
    )
    worker_concurrency: int = Field(default=32, description="Jobs one worker runs at once.")
    endpoint_concurrency: int = Field(
        default=8, description="Deliveries in flight to one endpoint at once, per worker."
    )
    delivery_order_wait_s: float = Field(
        default=900.0,
        description="How long a reply waits for an earlier one of its thread still retrying.",
    )
    smtp_host: str = Field(
        default="", description="Outgoing mail server; empty means email is not sent."
    )
    smtp_port: int = Field(
        default=0, description="Its port; 0 means the usual one for SMTP_TLS (25, 587, 465)."
    )
    smtp_tls: Literal["none", "starttls", "tls"] = Field(
        default="starttls",
        description="none: plain SMTP; starttls: upgrade with STARTTLS (required); tls: "
        "implicit TLS from the first byte.",
    )
    smtp_username: str = Field(default="", description="SMTP AUTH user; empty means no AUTH.")
    smtp_password: SecretStr = Field(default=SecretStr(""), description="SMTP AUTH password.")
    smtp_from: str = Field(
        default="frontdesk@localhost", description="Sender address of outgoing mail."
    )
    smtp_timeout_s: float = Field(
        default=30.0, gt=0, description="Timeout of one SMTP connection or command, seconds."
    )
    db_pool_size: int = Field(default=10, description="PostgreSQL connections per process.")
    session_ttl_s: int = Field(
        default=14 * 24 * 3600, description="How long a web sign-in lasts, in seconds."
    )
    login_max_failures: int = Field(
        default=5, description="Failed sign-ins per e-mail or client address before a pause."
    )
    login_failure_window_s: float = Field(
        default=900.0, description="The window those failures are counted in, in seconds."
    )
    demo_publish_every_s: float = Field(
        default=8.0,
        gt=0,
        description="Seconds between two customer messages of `frontdesk demo`'s simulated bridge.",
    )

    def resolved_database_url(self) -> str:
        """The database URL in force: the setting, or the SQLite file in the data dir."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'frontdesk.db').resolve()}"

    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"


def normalise_database_url(url: str) -> str:
    """Accept plain postgres:// URLs and pick the async driver we use for them."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    return url
