"""Running the app under gunicorn from `onrecord serve`.

The workers are gevent's: each connection is a greenlet, so a client that sends its
request slowly (or never finishes it) holds a few kilobytes, not one of a handful of
threads. Database waits yield to the other greenlets too (psycopg 3 is gevent-aware).
"""

import importlib
from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from service import errors
from service.config import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, factory: Callable, options: dict):
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)
        # GUNICORN_CMD_ARGS (e.g. "--worker-class gthread --threads 4") overrides the above,
        # as it does for the `gunicorn` command: how settings are compared (bench/servers.py).
        overrides = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for key, value in vars(overrides).items():
            if value is not None and key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        return self._factory()


def gunicorn_options(host: str, port: int, settings: Settings) -> dict:
    """The gunicorn settings `onrecord serve` runs with."""
    return {
        "bind": f"{host}:{port}",
        "workers": settings.workers,
        "worker_class": "gevent",
        "worker_connections": settings.worker_connections,
        "threads": settings.threads,  # for --worker-class gthread
        "timeout": 30,
        "graceful_timeout": 10,
        "control_socket_disable": True,  # several instances may run on one machine
        "loglevel": settings.log_level,
        "limit_request_line": 8190,  # its largest bounded value (0, unbounded, reads in quadratic time)
        "on_starting": errors.problems_from_gunicorn,
        "post_worker_init": cooperative_database_waits,
    }


def cooperative_database_waits(worker) -> None:
    """gunicorn `post_worker_init` hook. psycopg picks how to wait for the server when
    it is imported: cooperatively when gevent has patched `select`. `onrecord serve`
    imported it before forking (to migrate), and a gevent worker patches only once
    forked, so let psycopg choose again; it finds the patched `select` there."""
    import psycopg.waiting

    importlib.reload(psycopg.waiting)


def run_gunicorn(factory: Callable, host: str, port: int, settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; each worker builds its own app (and pool)."""
    _Gunicorn(factory, gunicorn_options(host, port, settings)).run()
