"""Configuration: environment variables only, read in this one place."""

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None


def normalise_database_url(url: str) -> str:
    """Turn a hosting platform's `postgres://` or `postgresql://` URL into one
    SQLAlchemy opens with psycopg 3."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _env_seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 86400:
        raise SystemExit(f"{name} must be a number of seconds above 0, got {raw!r}")
    return seconds


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SystemExit(f"{name} must be true or false, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    database_url: str | None = field(default_factory=lambda: os.environ.get("DATABASE_URL") or None)
    database_replica_url: str | None = field(
        default_factory=lambda: os.environ.get("DATABASE_REPLICA_URL") or None
    )
    data_dir: Path = field(
        default_factory=lambda: Path(
            os.environ.get("ONRECORD_DATA_DIR") or platformdirs.user_data_dir("onrecord", appauthor=False)
        )
    )
    index_dir: Path | None = field(
        default_factory=lambda: (
            Path(os.environ["ONRECORD_INDEX_DIR"]) if os.environ.get("ONRECORD_INDEX_DIR") else None
        )
    )
    pool_size: int = field(default_factory=lambda: _env_int("ONRECORD_DB_POOL_SIZE", 5))
    max_body_bytes: int = field(default_factory=lambda: _env_int("ONRECORD_MAX_BODY_BYTES", 1024 * 1024))
    workers: int = field(default_factory=lambda: _env_int("ONRECORD_WORKERS", os.cpu_count() or 2))
    threads: int = field(default_factory=lambda: _env_int("ONRECORD_THREADS", 4))
    worker_connections: int = field(default_factory=lambda: _env_int("ONRECORD_WORKER_CONNECTIONS", 1000))
    rate_limit: str = field(
        default_factory=lambda: os.environ.get("ONRECORD_RATE_LIMIT", "3000 per minute; 100 per second")
    )
    rate_limit_storage: str = field(
        default_factory=lambda: os.environ.get("ONRECORD_RATE_LIMIT_STORAGE", "memory://")
    )
    auth_failure_limit: str = field(
        default_factory=lambda: os.environ.get("ONRECORD_AUTH_FAILURE_LIMIT", "30 per minute")
    )
    # Every SQL statement of a request; imports and exports get the longer one.
    statement_timeout: float = field(default_factory=lambda: _env_seconds("ONRECORD_STATEMENT_TIMEOUT", 5))
    import_statement_timeout: float = field(
        default_factory=lambda: _env_seconds("ONRECORD_IMPORT_STATEMENT_TIMEOUT", 60)
    )
    # Absolute URLs (next links) start with this, not with the request's Host header.
    public_url: str | None = field(default_factory=lambda: os.environ.get("ONRECORD_PUBLIC_URL") or None)
    # How many proxies in front are trusted to set X-Forwarded-For/-Proto/-Host (0: none).
    trusted_proxies: int = field(default_factory=lambda: _env_int("ONRECORD_TRUSTED_PROXIES", 0))
    public_reads: bool = field(default_factory=lambda: _env_bool("ONRECORD_PUBLIC_READS", True))
    # Signs the pages' session cookie and CSRF tokens. Unset: a new one for each
    # `onrecord serve` (its gunicorn workers share it); set it when instances share users.
    secret_key: str = field(
        default_factory=lambda: os.environ.get("ONRECORD_SECRET_KEY") or secrets.token_urlsafe(32)
    )
    log_level: str = field(default_factory=lambda: os.environ.get("ONRECORD_LOG_LEVEL", "info"))

    def index_dir_for(self, database_url: str) -> Path:
        """Where the search index of this database lives: ONRECORD_INDEX_DIR, else a
        directory of its own under the data directory, so that two services on two
        databases never share one."""
        return self.index_dir or self.data_dir / "index" / database_key(database_url)


def database_key(url: str) -> str:
    """A directory name for the database at `url`: its name and a hash of where it is
    (never the password)."""
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port}{parts.path}?{parts.query}"
    return f"{parts.path.strip('/') or 'db'}-{hashlib.sha256(where.encode()).hexdigest()[:12]}"
