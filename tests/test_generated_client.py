"""A client generated from the committed `openapi.yaml` by openapi-python-client, as a
newsroom would generate it, runs a newsroom's script against a live `onrecord serve`:
no hand-written HTTP. The generator's one setting (tests/openapi-python-client.yaml) is
explained in the README's Developing section."""

import importlib
import io
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ROOT, temporary_data_dir
from tests.imports.conftest import empty_database, fresh_database
from tests.test_cli import ONRECORD, Serving, environment

__all__ = ["empty_database", "fresh_database"]

GENERATOR = str(Path(sys.executable).parent / "openapi-python-client")
CONFIG = Path(__file__).with_name("openapi-python-client.yaml")
IMPORTED = (
    '{"text": "Generated clients read the spec, not the docs.", "lang": "en", "kind": "direct", '
    '"speaker": {"name": "Ada Client"}, "source": {"url": "https://example.org/generated"}}\n'
)


@pytest.fixture(scope="module")
def oc():
    """The generated package `onrecord_client`, as a namespace of its modules."""
    with temporary_data_dir() as path:
        done = subprocess.run(
            [GENERATOR, "generate", "--path", str(ROOT / "openapi.yaml"), "--output-path", str(path / "out")]
            + ["--meta", "none", "--config", str(CONFIG)],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        (path / "pkg").mkdir()
        (path / "out").rename(path / "pkg" / "onrecord_client")
        sys.path.insert(0, str(path / "pkg"))
        try:
            yield Generated()
        finally:
            sys.path.remove(str(path / "pkg"))
            for name in [name for name in sys.modules if name.startswith("onrecord_client")]:
                del sys.modules[name]


class Generated:
    """`oc.quotes.list_quotes`, `oc.models.QuoteIn`, ...: the generated modules by tag and name."""

    def __init__(self):
        self.models = importlib.import_module("onrecord_client.models")
        self.types = importlib.import_module("onrecord_client.types")
        self.client = importlib.import_module("onrecord_client.client")

    def __getattr__(self, tag: str):
        package = importlib.import_module(f"onrecord_client.api.{tag}")
        return Operations(package.__name__)


class Operations:
    def __init__(self, package: str):
        self.package = package

    def __getattr__(self, operation: str):
        return importlib.import_module(f"{self.package}.{operation}")


@pytest.fixture
def live(fresh_database):
    """A live `onrecord serve` on a database of its own with the demo data, and a client
    generated from the spec holding a write key for it."""
    env = environment(DATABASE_URL=fresh_database)
    key = subprocess.run(
        [ONRECORD, "keys", "create", "newsroom", "--scope", "write"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    server = Serving(env, "--demo")
    try:
        yield server, key
    finally:
        server.stop()


def cursor_of(next_url: str) -> str:
    """The cursor a `next` link carries: the generated client takes it as a parameter."""
    return parse_qs(urlsplit(next_url).query)["cursor"][0]


def test_newsroom_script_through_the_generated_client(oc, live):
    server, key = live
    newsroom_script(oc, oc.client.AuthenticatedClient(base_url=server.base, token=key))


def newsroom_script(oc, client) -> None:
    m = oc.models
    # Search, and follow `next` to the second page.
    first = oc.quotes.list_quotes.sync(client=client, q="nuclear", limit=2)
    assert isinstance(first, m.QuotePage) and len(first.items) == 2 and first.next_
    second = oc.quotes.list_quotes.sync(client=client, q="nuclear", limit=2, cursor=cursor_of(first.next_))
    assert second.items and {q.id for q in second.items}.isdisjoint({q.id for q in first.items})

    # Look a speaker up by an alias in another script.
    (ushakov, *_) = oc.speakers.list_speakers.sync(client=client, q="Юрий Ушаков").items
    assert ushakov.name == "Yuri Ushakov"

    # Record a quote, then change it with the ETag the 201 carried: no second read.
    created = oc.quotes.create_quote.sync_detailed(
        client=client,
        body=m.QuoteIn(
            text="The talks were constructive and will continue.",
            lang="en",
            kind=m.QuoteInKind.DIRECT,
            speaker_id=ushakov.id,
            source=m.SourceIn(url="https://example.org/talks", publisher="Example News"),
        ),
    )
    assert created.status_code == 201 and created.headers["Location"].endswith(f"/{created.parsed.id}")
    changed = oc.quotes.update_quote.sync_detailed(
        created.parsed.id,
        client=client,
        body=m.QuotePatch(context="told reporters"),
        if_match=created.headers["ETag"],
    )
    assert changed.status_code == 200 and changed.parsed.context == "told reporters"

    # Verify a claim, as JSON and as text.
    verdict = oc.verify.verify_claim.sync(
        client=client, text="The talks were constructive", speaker="Ushakov"
    )
    assert verdict.verdict == m.VerdictVerdict.VERIFIED
    answer = oc.verify.verify_posted_claim_as_text.sync(
        client=client, body=m.Claim(text="The talks were constructive")
    )
    assert isinstance(answer, str) and "verified" in answer.lower()

    # Read the quote's history: created, then changed.
    history = oc.quotes.get_quote_history.sync(created.parsed.id, client=client)
    assert [entry.action for entry in history.items] == ["create", "update"]

    # Import NDJSON with an Idempotency-Key; the same request again replays the report.
    def import_file():
        return oc.imports.import_quotes.sync_detailed(
            client=client,
            body=oc.types.File(payload=io.BytesIO(IMPORTED.encode()), mime_type="application/x-ndjson"),
            idempotency_key="newsroom-nightly-1",
        )

    imported, again = import_file(), import_file()
    assert (imported.parsed.created, imported.parsed.failed) == (1, 0)
    assert (
        again.parsed.to_dict() == imported.parsed.to_dict() and again.headers["Idempotent-Replayed"] == "true"
    )


def test_patching_aliases_keeps_an_organisations_kind(oc, live):
    """Generated clients send every default the spec declares: a PATCH schema with
    `kind: default: person` turned organisations into people."""
    server, key = live
    client, m = oc.client.AuthenticatedClient(base_url=server.base, token=key), oc.models
    created = oc.speakers.create_speaker.sync_detailed(
        client=client, body=m.SpeakerIn(name="Kremlin pool", kind=m.SpeakerInKind.ORGANISATION)
    )
    patched = oc.speakers.update_speaker.sync(
        created.parsed.id,
        client=client,
        body=m.SpeakerPatch(aliases=["@Kremlinpool_RIA"]),
        if_match=created.headers["ETag"],
    )
    assert patched.aliases == ["@Kremlinpool_RIA"]
    assert patched.kind == "organisation"
