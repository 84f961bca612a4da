"""`onrecord export` as a real process."""

import json

from service.cli import DEMO_FILE
from tests.imports.test_cli import onrecord


def test_export_writes_the_filtered_quotes_to_a_file(fresh_database, tmp_path):
    onrecord("import", str(DEMO_FILE), url=fresh_database)
    out = tmp_path / "ushakov.ndjson"
    result = onrecord("export", "--speaker", "Ushakov", "-o", str(out), url=fresh_database)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 4 and {line["speaker"]["name"] for line in lines} == {"Yuri Ushakov"}
    assert f"{len(lines)} quotes exported" in result.stderr


def test_export_csv_to_stdout_and_invalid_filters(fresh_database):
    onrecord("import", str(DEMO_FILE), url=fresh_database)
    result = onrecord("export", "--lang", "ru", "--format", "csv", url=fresh_database)
    assert result.stdout.startswith('\ufeff"text","lang","kind",') and "Владивосток" in result.stdout
    invalid = onrecord("export", "--lang", "not a tag", url=fresh_database)
    assert invalid.returncode != 0 and "BCP 47" in invalid.stderr
