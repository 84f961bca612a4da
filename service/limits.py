"""Rate limits (flask-limiter): per API key when one is sent, else per client address.
Over the limit: 429 problem+json with `Retry-After`. In memory by default; point
ONRECORD_RATE_LIMIT_STORAGE at Redis so several instances share their counts."""

import hashlib

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from service.config import Settings


def client_identity() -> str:
    """The bucket a request counts against: its key (hashed), else its address."""
    authorization = flask.request.headers.get("Authorization", "")
    if authorization:
        return "key:" + hashlib.sha256(authorization.encode()).hexdigest()[:32]
    return "address:" + (get_remote_address() or "unknown")


def _exempt() -> bool:
    """Liveness, readiness and the docs are never limited."""
    return not flask.request.path.startswith("/v1/")


def init_app(app: flask.Flask, settings: Settings) -> Limiter:
    """Limit every API request to `settings.rate_limit` per key or address."""
    return Limiter(
        client_identity,
        app=app,
        default_limits=[settings.rate_limit],
        default_limits_exempt_when=_exempt,
        storage_uri=settings.rate_limit_storage,
        headers_enabled=True,
        key_prefix="onrecord",
    )
