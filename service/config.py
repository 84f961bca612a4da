"""Configuration: environment variables only, read in this one place."""

import hashlib
import os
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
    rate_limit: str = field(
        default_factory=lambda: os.environ.get("ONRECORD_RATE_LIMIT", "3000 per minute; 100 per second")
    )
    rate_limit_storage: str = field(
        default_factory=lambda: os.environ.get("ONRECORD_RATE_LIMIT_STORAGE", "memory://")
    )
    public_reads: bool = field(default_factory=lambda: _env_bool("ONRECORD_PUBLIC_READS", True))
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
