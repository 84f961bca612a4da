"""Rate limits (flask-limiter): per API key when a valid one is sent, else per client
address. Failed key attempts (an unknown or revoked Bearer key, any other
`Authorization` scheme) also count against their address's own, lower budget; once
it is spent, that address's requests with credentials are refused before any key is
looked up. Over a limit: 429 problem+json with `Retry-After` and `X-RateLimit-*`
(sent on 429 only). In memory by default; point ONRECORD_RATE_LIMIT_STORAGE at Redis
so several instances share their counts."""

import threading
import time
import weakref

import flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage

from service.auth.access import resolved_key, sends_credentials
from service.config import Settings
from service.errors import problem

SWEEP_EVERY = 1.0  # seconds


def client_identity() -> str:
    """The bucket a request counts against: its resolved key, else its address."""
    key = resolved_key()
    if key is not None:
        return f"key:{key.id}"
    return _address()


def _address() -> str:
    return "address:" + (get_remote_address() or "unknown")


def _exempt() -> bool:
    """Liveness, readiness and the docs are never limited."""
    return not flask.request.path.startswith("/v1/")


class FailedAttempts:
    """The per-address budget of requests whose credentials name no live key."""

    def __init__(self, limiter: Limiter, limit: str):
        self._limiter = limiter
        self._limits: list[RateLimitItem] = parse_many(limit)

    def check(self) -> flask.Response | None:
        """Before flask-limiter's own check: 429 when this address has failed too often,
        else resolve the key and count a failure."""
        if _exempt() or flask.request.url_rule is None or not sends_credentials():
            return None
        strategy, address = self._limiter.limiter, _address()
        spent = [item for item in self._limits if not strategy.test(item, "failed", address)]
        if not spent and resolved_key() is None:
            spent = [item for item in self._limits if not strategy.hit(item, "failed", address)]
        if not spent:
            return None
        reset_at = max(strategy.get_window_stats(item, "failed", address).reset_time for item in spent)
        response = problem(429, "Too many failed key attempts from this address; try again later.")
        _limit_headers(response, spent[0].amount, 0, reset_at)
        return response


def _limit_headers(response: flask.Response, amount: int, remaining: int, reset_at: float) -> None:
    response.headers["X-RateLimit-Limit"] = str(amount)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    response.headers["X-RateLimit-Reset"] = str(int(reset_at))
    response.headers["Retry-After"] = str(max(1, int(reset_at - time.time())))


def _headers_on_429(limiter: Limiter):
    def add(response: flask.Response) -> flask.Response:
        current = limiter.current_limit
        if response.status_code == 429 and current is not None and "Retry-After" not in response.headers:
            _limit_headers(response, current.limit.amount, current.remaining, current.reset_at)
        return response

    return add


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
    """Limit every API request to `settings.rate_limit` per key or address, and failed
    key attempts to `settings.auth_failure_limit` per address."""
    limiter = Limiter(
        client_identity,
        default_limits=[settings.rate_limit],
        default_limits_exempt_when=_exempt,
        storage_uri=settings.rate_limit_storage,
        headers_enabled=False,  # ours, on 429 only
        key_prefix="onrecord",
    )
    app.before_request(FailedAttempts(limiter, settings.auth_failure_limit).check)  # runs first
    limiter.init_app(app)
    app.after_request(_headers_on_429(limiter))
    if isinstance(limiter.storage, MemoryStorage):
        limiter.storage.timer = Sweeper(limiter.storage)
        limiter.storage.timer.start()
    return limiter
