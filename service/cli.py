"""`onrecord`: serve, migrate, and Flask's own commands (`onrecord openapi write`, `routes`)."""

from contextlib import ExitStack
from pathlib import Path

import click
from flask.cli import FlaskGroup
from sqlalchemy.orm import Session

from service import embedded, migrations
from service.app import create_app
from service.config import Settings
from service.db import make_engine
from service.imports.ndjson import import_lines

DEMO_FILE = Path(__file__).resolve().parents[1] / "examples" / "kim-russia-2019.ndjson"


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli():
    """OnRecord: the quote attribution database."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--demo", is_flag=True, help=f"Load {DEMO_FILE.name} if it is not loaded yet.")
def serve(host: str, port: int, demo: bool):
    """Migrate the database and serve the API under gunicorn.

    Without DATABASE_URL, runs its own PostgreSQL in ONRECORD_DATA_DIR and stops
    it on exit.
    """
    from service.server import run_gunicorn

    settings = Settings()
    with ExitStack() as stack:
        url = _database(settings, stack, exclusive=True)
        _prepare(url, demo)
        click.echo(f"OnRecord on http://{host}:{port}/  (docs: http://{host}:{port}/docs/)")
        run_gunicorn(lambda: create_app(settings, url), host, port, settings)


@cli.command()
def migrate():
    """Apply pending migrations, and nothing else."""
    with ExitStack() as stack:
        _prepare(_database(Settings(), stack, exclusive=False), demo=False)
    click.echo(f"schema at {migrations.head_revision()}")


def _database(settings: Settings, stack: ExitStack, exclusive: bool) -> str:
    """DATABASE_URL, or the embedded server (stopped on exit if this command started it)."""
    if settings.database_url:
        return settings.database_url
    try:
        if exclusive:
            stack.enter_context(embedded.exclusive_data_dir(settings.data_dir))
        server = embedded.start(settings.data_dir)
    except embedded.DataDirBusy as error:
        raise click.ClickException(str(error)) from None
    if exclusive or server.started_here:
        stack.callback(server.stop)
    return server.url


def _prepare(url: str, demo: bool) -> None:
    engine = make_engine(url, pool_size=1)
    try:
        migrations.upgrade(engine)
        if demo:
            _load_demo(engine)
    finally:
        engine.dispose()


def _load_demo(engine) -> None:
    with Session(engine) as session, session.begin(), DEMO_FILE.open(encoding="utf-8") as lines:
        report = import_lines(session, lines)
        if report.failed:
            session.rollback()
            raise click.ClickException(f"{DEMO_FILE} has invalid lines: {report.errors}")
    click.echo(
        f"demo data: {report.created} quotes added, {report.matched} already loaded",
        err=True,
    )
