"""`onrecord`: serve, migrate, import, export, and Flask's own commands (`openapi write`, `routes`)."""

import os
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from datetime import UTC
from pathlib import Path

import click
import marshmallow as ma
import requests
from flask.cli import FlaskGroup
from sqlalchemy.orm import Session

from service import embedded, migrations
from service.app import create_app
from service.auth import services as auth
from service.auth.models import SCOPES
from service.auth.schemas import KeyInSchema
from service.config import Settings
from service.db import make_engine
from service.errors import Conflict
from service.exports.command import export_quotes
from service.exports.services import FORMATS
from service.extract.command import DatabaseExtractor, ServerExtractor, extract_files
from service.imports.command import DatabaseTarget, ServerTarget, import_file
from service.imports.formats import FormatError
from service.imports.ndjson import import_lines
from service.imports.services import DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE, MODES, ImportOptions
from service.search.command import indexer_process, supervise
from service.search.command import reindex as reindex_from
from service.search.index import IndexUnavailable

DEMO_FILE = Path(__file__).resolve().parent / "examples" / "kim-russia-2019.ndjson"


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def cli():
    """OnRecord: the quote attribution database."""


# Our commands do not run inside the app: `serve` must not build it in the master
# process (its workers do), and the others only need the database (`export` builds it
# for its search: `-q` reads the instance's index as the API does).


@cli.command(with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--demo", is_flag=True, help=f"Load {DEMO_FILE.name} if it is not loaded yet.")
def serve(host: str, port: int, demo: bool):
    """Migrate the database and serve the API under gunicorn, with the search indexer
    (`onrecord indexer`) beside it.

    Without DATABASE_URL, runs its own PostgreSQL in ONRECORD_DATA_DIR and stops
    it on exit.
    """
    from service.server import run_gunicorn

    settings = Settings()
    with ExitStack() as stack:
        url = _database(settings, stack, exclusive=True)
        _prepare(url, demo)
        # Before any worker imports prometheus-client: they count into this directory.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = stack.enter_context(
            tempfile.TemporaryDirectory(prefix="onrecord-metrics-")
        )
        stack.enter_context(indexer_process(url))
        click.echo(f"OnRecord on http://{host}:{port}/  (docs: http://{host}:{port}/docs/)")
        run_gunicorn(lambda: create_app(settings, url), host, port, settings)


@cli.command(with_appcontext=False)
def migrate():
    """Apply pending migrations, and nothing else."""
    with ExitStack() as stack:
        _migrated_database(Settings(), stack)
    click.echo(f"schema at {migrations.head_revision()}")


@cli.command(with_appcontext=False)
@click.option("--stop-with-parent", type=int, hidden=True, help="Stop once this process (its starter) exits.")
def indexer(stop_with_parent: int | None):
    """Keep the search index in ONRECORD_INDEX_DIR in step with the database: build it
    if there is none (or it cannot be trusted), then apply every change as it commits,
    until stopped. `onrecord serve` runs it; a crashed indexer is started again."""
    with ExitStack() as stack:
        settings = Settings()
        url = _database(settings, stack, exclusive=False)
        supervise(url, settings.index_dir_for(url), stop_with_parent)


@cli.command(with_appcontext=False)
def reindex():
    """Build a new search index from the database beside the current one, then switch
    to it atomically (searches go on meanwhile; a running indexer follows the switch)."""
    with ExitStack() as stack:
        settings = Settings()
        url = _migrated_database(settings, stack)
        generation = reindex_from(url, settings.index_dir_for(url))
    click.echo(f"search index rebuilt in {generation}", err=True)


@cli.group(cls=click.Group)
def keys():
    """Create, list and revoke API keys (in DATABASE_URL or the embedded database)."""


@keys.command("create")
@click.argument("name")
@click.option("--scope", type=click.Choice(SCOPES), default="read", show_default=True)
def create_key(name: str, scope: str):
    """Create a key; print its secret (only the secret, and only this once) on stdout."""
    try:
        KeyInSchema().load({"name": name, "scope": scope})
    except ma.ValidationError as error:
        raise click.ClickException(f"Key name {name!r}: {error.messages['name'][0]}") from None
    with _session() as session:
        try:
            _, secret = auth.create_key(session, name, scope)
        except Conflict as error:
            raise click.ClickException(error.detail) from None
    click.echo(secret)


@keys.command("list")
def list_keys():
    """Every key: name, scopes, created, revoked (never a secret)."""
    with _session() as session:
        for key in auth.list_keys(session):
            revoked = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            click.echo(
                f"{key.name}\t{','.join(key.scopes)}\tcreated {key.created_at:%Y-%m-%d %H:%M}\t{revoked}"
            )


@keys.command("revoke")
@click.argument("name")
def revoke_key(name: str):
    """Revoke a key: it stops working at once; it stays listed."""
    with _session() as session:
        key = auth.find_key(session, name)
        if key is None:
            raise click.ClickException(f"No key named {name!r}.")
        auth.revoke_key(session, key)
    click.echo(f"revoked {name}", err=True)


@contextmanager
def _session():
    """A session on the migrated database, committed at the end unless an error escapes."""
    with ExitStack() as stack:
        engine = make_engine(_migrated_database(Settings(), stack), pool_size=1)
        stack.callback(engine.dispose)
        with Session(engine) as session, session.begin():
            yield session


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


def _migrated_database(settings: Settings, stack: ExitStack) -> str:
    """The database a command works on (`_database`, shared), migrated to the latest schema."""
    url = _database(settings, stack, exclusive=False)
    _prepare(url, demo=False)
    return url


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


@cli.command("import", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--server", metavar="URL", help="Post to this running service instead of writing to the database."
)
@click.option("--key", metavar="KEY", help="API key for --server.")
@click.option("--mode", type=click.Choice(MODES), default="batch", show_default=True)
@click.option(
    "--batch-size", type=click.IntRange(1, MAX_BATCH_SIZE), default=DEFAULT_BATCH_SIZE, show_default=True
)
@click.option("--dry-run", is_flag=True, help="Check and report, write nothing.")
def import_(files, server, key, mode, batch_size, dry_run):
    """Import quotes from NDJSON or CSV FILES (`-` for stdin, `.gz` accepted).

    Writes to DATABASE_URL, or the embedded database (also while `onrecord serve` runs
    on it), or with --server to a running service. Failed lines go to
    FILE.failed.ndjson; the exit status is 1 if any line failed.
    """
    options = ImportOptions(mode, batch_size, dry_run)
    with ExitStack() as stack:
        if server:
            target = ServerTarget(server, key)
        else:
            target = DatabaseTarget(_migrated_database(Settings(), stack))
        try:
            all_in = [import_file(name, options, target) for name in files]
        except (FormatError, OSError, requests.RequestException) as error:
            raise click.ClickException(str(error)) from None
    if not all(all_in):
        sys.exit(1)


@cli.command("extract", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--url", help="The article's URL (one FILE only); an HTML page's canonical URL otherwise.")
@click.option("--publisher", help="Who published the articles.")
@click.option("--published-at", type=click.DateTime(), help="When they were published (YYYY-MM-DD…).")
@click.option("--lang", help="Their language (BCP 47), `en` by default.")
@click.option("--import", "store", is_flag=True, help="Store the proposals as unverified quotes.")
@click.option(
    "--server",
    metavar="URL",
    help="Use this running service instead of the database (needs --key to import).",
)
@click.option("--key", metavar="KEY", help="API key for --server.")
def extract(files, url, publisher, published_at, lang, store, server, key):
    """Propose the quotes of articles in FILES (text or HTML, `-` for stdin).

    Prints the proposals as NDJSON (the import's format, each with its `extraction`
    note): review them, then `onrecord import`. With --import they are stored at once,
    as unverified quotes citing the article; running it again stores nothing new.
    The exit status is 1 if any file could not be read or stored.
    """
    if url and len(files) > 1:
        raise click.UsageError("--url names one article: give one FILE with it.")
    when = published_at.replace(tzinfo=published_at.tzinfo or UTC) if published_at else None
    meta = {"url": url, "publisher": publisher, "published_at": when, "lang": lang}
    with ExitStack() as stack:
        if server:
            extractor = ServerExtractor(server, key)
        else:
            extractor = DatabaseExtractor(_migrated_database(Settings(), stack))
        done = extract_files(list(files), meta, store, extractor)
    if not done:
        sys.exit(1)


@cli.command("export", with_appcontext=False)
@click.option("--speaker", help="A speaker id, or any alias.")
@click.option("--source", help="A source id, or its URL.")
@click.option("--lang", help="BCP 47 language tag.")
@click.option("--kind")
@click.option("--status")
@click.option("--topic")
@click.option("--said-from", help="YYYY-MM-DD")
@click.option("--said-to", help="YYYY-MM-DD")
@click.option("-q", "--q", "q", help="Full-text search.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="ndjson", show_default=True)
@click.option(
    "-o", "--output", default="-", type=click.Path(allow_dash=True, dir_okay=False), help="Default: stdout."
)
def export(fmt, output, **filters):
    """Export the quotes matching the filters of GET /v1/quotes, in the import format."""
    with ExitStack() as stack:
        settings = Settings()
        url = _database(settings, stack, exclusive=False)
        if filters["q"]:  # the search reads the instance's index, as the API's does
            stack.enter_context(create_app(settings, url).app_context())
        try:
            count = export_quotes(url, filters, fmt, output)
        except ma.ValidationError as error:
            raise click.ClickException(f"invalid filters: {error.normalized_messages()}") from None
        except IndexUnavailable as error:
            raise click.ClickException(f"{error}: build it with `onrecord reindex`.") from None
    click.echo(f"{count} quotes exported", err=True)
