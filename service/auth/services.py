"""Creating, listing, revoking and checking API keys. Functions take a session and never commit."""

import hashlib
import secrets

from flask_smorest import abort
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.models import SCOPES, ApiKey
from service.errors import Conflict
from service.history.services import record_change
from service.pagination import Listing

SECRET_PREFIX = "onr_"
# Each scope includes the ones before it: a write key can read, an admin key can write.
GRANTS = {scope: set(SCOPES[: n + 1]) for n, scope in enumerate(SCOPES)}


def secret_hash(secret: str) -> str:
    """What is stored instead of the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, name: str, scope: str) -> tuple[ApiKey, str]:
    """A new key and its secret, which is shown this once and never stored."""
    if find_key(session, name) is not None:
        raise Conflict(f"A key named {name!r} exists already.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, scopes=sorted(GRANTS[scope]), secret_hash=secret_hash(secret))
    session.add(key)
    session.flush()
    record_change(session, "api_key", key.id, "create", {"name": name, "scopes": key.scopes})
    return key, secret


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, revoked ones included (no secrets: none are stored)."""
    return session.scalars(key_listing().stmt.order_by(ApiKey.id)).all()


def key_listing() -> Listing:
    """Every key, oldest first."""
    return Listing(select(ApiKey), (ApiKey.id,))


def find_key(session: Session, name: str) -> ApiKey | None:
    """The key with this name, revoked or not, or None."""
    if "\x00" in name:  # no stored name holds NUL (PostgreSQL text cannot)
        return None
    return session.scalar(select(ApiKey).where(ApiKey.name == name))


def get_key(session: Session, name: str) -> ApiKey:
    """The key with this name, or 404."""
    key = find_key(session, name)
    if key is None:
        abort(404, message=f"No key named {name!r}.")
    return key


def revoke_key(session: Session, key: ApiKey) -> ApiKey:
    """Revoke a key: it stops working at once and stays listed. Revoking twice is harmless."""
    if key.revoked_at is None:
        key.revoked_at = func.now()
        session.flush()
        record_change(session, "api_key", key.id, "revoke", {"revoked": {"before": False, "after": True}})
    return key


def key_for_secret(session: Session, secret: str) -> ApiKey | None:
    """The live key with this secret, or None."""
    return session.scalar(
        select(ApiKey).where(ApiKey.secret_hash == secret_hash(secret), ApiKey.revoked_at.is_(None))
    )
