"""An export through a live `onrecord serve`, longer than one partition: the test
client's sessions share one rolled-back connection, so only a real server shows whether
the stream's server-side cursor lives through the whole body."""

import csv
import io
import json
import time

import requests
from sqlalchemy import text

from service.db import make_engine
from service.exports.services import PARTITION
from tests.imports.test_cli import onrecord, write_quotes
from tests.test_cli import Serving, environment

QUOTES = 2 * PARTITION + 500


def test_an_export_of_several_partitions_streams_every_quote(fresh_database, tmp_path):
    path = tmp_path / "quotes.ndjson"
    write_quotes(path, QUOTES)
    assert onrecord("import", str(path), url=fresh_database).returncode == 0
    server = Serving(environment(DATABASE_URL=fresh_database))
    try:
        ndjson = requests.get(server.base + "/v1/export", timeout=60)
        lines = ndjson.text.splitlines()
        assert ndjson.status_code == 200 and len(lines) == QUOTES
        assert len({json.loads(line)["text"] for line in lines}) == QUOTES

        as_csv = requests.get(server.base + "/v1/export", params={"format": "csv"}, timeout=60)
        rows = list(csv.DictReader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
        assert as_csv.status_code == 200 and len({row["text"] for row in rows}) == QUOTES

        # A HEAD runs the export's first partition but sends no body: its transaction ends too.
        for _ in range(3):
            assert requests.head(server.base + "/v1/export", timeout=60).status_code == 200
        assert eventually_none_idle_in_transaction(fresh_database)
    finally:
        server.stop()


def eventually_none_idle_in_transaction(url: str) -> bool:
    engine = make_engine(url)
    idle = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = 'onrecord' AND state = 'idle in transaction'"
    )
    try:
        for _ in range(50):
            with engine.connect() as connection:
                if connection.execute(idle).scalar() == 0:
                    return True
            time.sleep(0.1)
        return False
    finally:
        engine.dispose()
