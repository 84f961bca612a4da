"""Creating, listing, revoking and checking API keys. Functions take a session and never commit."""

import hashlib
import secrets

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.models import SCOPES, ApiKey
from service.errors import Conflict

SECRET_PREFIX = "onr_"
# Each scope includes the ones before it: a write key can read, an admin key can write.
GRANTS = {scope: set(SCOPES[: n + 1]) for n, scope in enumerate(SCOPES)}


def secret_hash(secret: str) -> str:
    """What is stored instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, name: str, scope: str) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown this once and never stored."""
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise Conflict(f"A key named {name!r} exists already.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, scopes=sorted(GRANTS[scope]), secret_hash=secret_hash(secret))
    session.add(key)
    session.flush()
    return key, secret


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, revoked ones included (no secrets: none are stored)."""
    return session.scalars(select(ApiKey).order_by(ApiKey.id)).all()


def revoke_key(session: Session, name: str) -> ApiKey | None:
    """Revoke a key by name; None if there is no such key."""
    key = session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is not None and key.revoked_at is None:
        key.revoked_at = func.now()
        session.flush()
    return key


def key_for_secret(session: Session, secret: str) -> ApiKey | None:
    """The live key with this secret, or None."""
    return session.scalar(
        select(ApiKey).where(ApiKey.secret_hash == secret_hash(secret), ApiKey.revoked_at.is_(None))
    )
