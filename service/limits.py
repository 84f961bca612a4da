"""Rate limits (flask-limiter): per API key when one is sent, else per client address.
Over the limit: 429 problem+json with `Retry-After`. In memory by default; point
ONRECORD_RATE_LIMIT_STORAGE at Redis so several instances share their counts."""

import hashlib
import threading
import time
import weakref

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage

from service.config import Settings

SWEEP_EVERY = 1.0  # seconds


def client_identity() -> str:
    """The bucket a request counts against: its key (hashed), else its address."""
    authorization = flask.request.headers.get("Authorization", "")
    if authorization:
        return "key:" + hashlib.sha256(authorization.encode()).hexdigest()[:32]
    return "address:" + (get_remote_address() or "unknown")


def _exempt() -> bool:
    """Liveness, readiness and the docs are never limited."""
    return not flask.request.path.startswith("/v1/")


class Sweeper(threading.Thread):
    """Drops the expired counters of an in-memory storage every SWEEP_EVERY seconds.

    limits' MemoryStorage starts a new `threading.Timer` whenever its last one has
    run, so every 10 ms under load, and starting a thread waits for the GIL the request
    threads hold: that cost a point read under load over a quarter of its throughput
    (bench/load.py). While the thread in its `timer` is alive it starts none. An
    expired counter is dropped when next used anyway; this drops those of clients
    that do not come back."""

    def __init__(self, storage: MemoryStorage):
        super().__init__(name="onrecord-rate-limit-sweeper", daemon=True)
        self._storage = weakref.ref(storage)

    def run(self) -> None:
        while (storage := self._storage()) is not None:
            for key in list(storage.expirations):
                storage.get(key)  # drops the counter if its window is over
            del storage  # let the app and its storage go while this sleeps
            time.sleep(SWEEP_EVERY)


def init_app(app: flask.Flask, settings: Settings) -> Limiter:
    """Limit every API request to `settings.rate_limit` per key or address."""
    limiter = Limiter(
        client_identity,
        app=app,
        default_limits=[settings.rate_limit],
        default_limits_exempt_when=_exempt,
        storage_uri=settings.rate_limit_storage,
        headers_enabled=True,
        key_prefix="onrecord",
    )
    if isinstance(limiter.storage, MemoryStorage):
        limiter.storage.timer = Sweeper(limiter.storage)
        limiter.storage.timer.start()
    return limiter
