"""Rate limits (the `limits` library): per API key when a valid one is sent, else per
client address, on each API endpoint and page. Failed key attempts (an unknown or
revoked Bearer key, any other `Authorization` scheme) also count against their
address's own, lower budget; once it is spent, that address's requests with
credentials are refused before any key is looked up. Over a limit: 429 problem+json
with `Retry-After` and `X-RateLimit-*` (sent on 429 only). In memory by default;
point ONRECORD_RATE_LIMIT_STORAGE at Redis so several instances share their counts."""

import threading
import time
import weakref

import flask
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from service.api import API_PREFIX
from service.auth.access import resolved_key, sends_credentials
from service.config import Settings
from service.errors import problem

SWEEP_EVERY = 1.0  # seconds
KEY_PREFIX = "onrecord"  # the counters' keys are flask-limiter's, which counted them before
PAGES = "pages"  # the pages' blueprint, limited like the API


def client_identity() -> str:
    """The bucket a request counts against: its resolved key, else its address."""
    key = resolved_key()
    if key is not None:
        return f"key:{key.id}"
    return _address()


def _address() -> str:
    return "address:" + (flask.request.remote_addr or "127.0.0.1")


def _exempt() -> bool:
    """Liveness, readiness and the docs are never limited."""
    return not flask.request.path.startswith(API_PREFIX)


class RateLimits:
    """The limits' counters (`storage`) and the check run before every request.

    One `limits` check per window instead of flask-limiter's resolution of every limit
    that could apply, for each request: the same fixed windows, counted under the same
    keys (per identity and endpoint), so a shared Redis keeps its counts."""

    def __init__(self, settings: Settings):
        self.storage = storage_from_string(settings.rate_limit_storage)
        self._strategy = FixedWindowRateLimiter(self.storage)
        self._limits: list[RateLimitItem] = sorted(parse_many(settings.rate_limit))
        self._failed: list[RateLimitItem] = parse_many(settings.auth_failure_limit)

    def check(self) -> flask.Response | None:
        """Before each request: 429 when its address has failed too often, or its key or
        address is over the limit on this endpoint, else count it."""
        request = flask.request._get_current_object()  # once: each read through the proxy looks it up
        endpoint = request.endpoint
        if endpoint is None or endpoint.rpartition(".")[2] == "static":
            return None
        if _exempt():
            return self._count(endpoint) if request.blueprint == PAGES else None
        return self._count_failure() or self._count(endpoint)

    def _count(self, endpoint: str) -> flask.Response | None:
        """Count the request against each window (the shortest first), until one is full."""
        identity = client_identity()
        for item in self._limits:
            if not self._strategy.hit(item, KEY_PREFIX, identity, endpoint):
                window = self._strategy.get_window_stats(item, KEY_PREFIX, identity, endpoint)
                response = problem(429, str(item))
                _limit_headers(response, item.amount, window.remaining, int(window.reset_time + 1))
                return response
        return None

    def _count_failure(self) -> flask.Response | None:
        """429 when this address has failed too often, else resolve the key and count a
        failure; nothing for a request without credentials."""
        if not sends_credentials():
            return None
        address = _address()
        spent = [item for item in self._failed if not self._strategy.test(item, "failed", address)]
        if not spent and resolved_key() is None:
            spent = [item for item in self._failed if not self._strategy.hit(item, "failed", address)]
        if not spent:
            return None
        reset_at = max(self._strategy.get_window_stats(item, "failed", address).reset_time for item in spent)
        response = problem(429, "Too many failed key attempts from this address; try again later.")
        _limit_headers(response, spent[0].amount, 0, reset_at)
        return response


def _limit_headers(response: flask.Response, amount: int, remaining: int, reset_at: float) -> None:
    response.headers["X-RateLimit-Limit"] = str(amount)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    response.headers["X-RateLimit-Reset"] = str(int(reset_at))
    response.headers["Retry-After"] = str(max(1, int(reset_at - time.time())))


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


def init_app(app: flask.Flask, settings: Settings) -> RateLimits:
    """Limit every API request, and every page, to `settings.rate_limit` per key or
    address and endpoint, and failed key attempts to `settings.auth_failure_limit` per
    address."""
    limits = RateLimits(settings)
    app.extensions["limiter"] = (limits,)
    app.before_request(limits.check)
    if isinstance(limits.storage, MemoryStorage):
        limits.storage.timer = Sweeper(limits.storage)
        limits.storage.timer.start()
    return limits
