"""Running the app under gunicorn from `onrecord serve`."""

from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from service.config import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, factory: Callable, options: dict):
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._factory()


def run_gunicorn(factory: Callable, host: str, port: int, settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM; each worker builds its own app (and pool)."""
    _Gunicorn(
        factory,
        {
            "bind": f"{host}:{port}",
            "workers": settings.workers,
            "worker_class": "gthread",
            "threads": settings.threads,
            "timeout": 30,
            "graceful_timeout": 10,
            "control_socket_disable": True,  # several instances may run on one machine
            "loglevel": settings.log_level,
        },
    ).run()
