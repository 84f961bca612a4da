"""`onrecord import` as a real process: into a database, through a server, and killed mid-way."""

import gzip
import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest
import requests

from service.cli import DEMO_FILE
from tests.conftest import new_key
from tests.imports.conftest import count
from tests.test_cli import ONRECORD, Serving, environment

BATCH = 200


def write_quotes(path, count: int, bad_lines: tuple[int, ...] = ()) -> None:
    """`count` distinct statements by 40 speakers from 300 sources; `bad_lines` are invalid."""
    with path.open("w", encoding="utf-8") as file:
        for n in range(1, count + 1):
            body = {
                "text": f"Statement {n}: the harvest was {'good' if n % 2 else 'poor'} this year.",
                "lang": "xx-invalid-" if n in bad_lines else "en",
                "kind": "direct",
                "speaker": {"name": f"Speaker {n % 40}", "aliases": [f"S. {n % 40}"]},
                "source": {"url": f"https://example.org/story/{n % 300}", "publisher": "Example"},
            }
            file.write(json.dumps(body) + "\n")


def onrecord(*args: str, url: str, stdin=None, cwd=None, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ONRECORD, *args],
        env=environment(DATABASE_URL=url, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_import_reports_and_is_idempotent(fresh_database):
    first = onrecord("import", str(DEMO_FILE), url=fresh_database)
    again = onrecord("import", str(DEMO_FILE), url=fresh_database)
    assert first.returncode == 0, first.stderr
    assert "46 created, 0 matched, 0 failed" in first.stdout
    assert "0 created, 46 matched, 0 failed" in again.stdout
    assert "lines" in first.stderr  # plain progress lines when not on a terminal
    assert count(fresh_database, "quotes") == 46


def test_failed_lines_go_to_a_file_next_to_the_input_and_the_exit_status_is_1(fresh_database, tmp_path):
    path = tmp_path / "quotes.ndjson"
    write_quotes(path, 30, bad_lines=(7, 19))
    result = onrecord("import", str(path), url=fresh_database)
    assert result.returncode == 1
    assert "28 created, 0 matched, 2 failed" in result.stdout
    failures = [
        json.loads(line) for line in (tmp_path / "quotes.ndjson.failed.ndjson").read_text().splitlines()
    ]
    assert [f["line"] for f in failures] == [7, 19]
    assert "lang" in failures[0]["errors"] and json.loads(failures[0]["input"])["text"].startswith(
        "Statement 7:"
    )


def test_gzipped_csv_and_stdin(fresh_database, tmp_path):
    path = tmp_path / "quotes.csv.gz"
    rows = "text,lang,kind,speaker,source_url\nПривет,ru,direct,Иван Петров,https://example.ru/1\n"
    path.write_bytes(gzip.compress(rows.encode()))
    assert "1 created" in onrecord("import", str(path), url=fresh_database).stdout
    piped = onrecord("import", "-", "--dry-run", url=fresh_database, stdin=DEMO_FILE.read_text())
    assert "46 created" in piped.stdout and count(fresh_database, "quotes") == 1


def test_import_through_a_running_server(fresh_database, tmp_path):
    path = tmp_path / "quotes.ndjson"
    write_quotes(path, 50, bad_lines=(3,))
    path.write_text(path.read_text().removesuffix("\n"))  # the last line without a line end
    server = Serving(environment(DATABASE_URL=fresh_database))
    try:
        result = onrecord(
            "import",
            str(path),
            "--server",
            server.base,
            "--key",
            new_key(fresh_database),
            url="postgresql://unused",
        )
    finally:
        server.stop()
    assert result.returncode == 1
    assert "49 created, 0 matched, 1 failed" in result.stdout
    assert f"{path}: 50/50 lines" in result.stderr
    assert json.loads((tmp_path / "quotes.ndjson.failed.ndjson").read_text())["line"] == 3


def wait_for_quotes(url: str, at_least: int, process) -> None:
    deadline = time.monotonic() + 120
    while count(url, "quotes") < at_least:
        assert process.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline, "the import did not get going"
        time.sleep(0.05)


def assert_whole_batches(url: str) -> int:
    """Every committed batch is whole: quotes come in multiples of the batch size,
    each with its citation and history entry."""
    quotes = count(url, "quotes")
    assert quotes % BATCH == 0, quotes
    assert count(url, "citations") == quotes
    return quotes


def test_an_import_killed_mid_way_leaves_whole_batches_and_completes_on_a_rerun(fresh_database, tmp_path):
    path = tmp_path / "quotes.ndjson"
    write_quotes(path, 6000)
    process = subprocess.Popen(
        [ONRECORD, "import", str(path), "--batch-size", str(BATCH)],
        env=environment(DATABASE_URL=fresh_database),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_quotes(fresh_database, 2 * BATCH, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    written = assert_whole_batches(fresh_database)
    assert written < 6000
    rerun = onrecord("import", str(path), url=fresh_database)
    assert f"{6000 - written} created, {written} matched, 0 failed" in rerun.stdout
    assert count(fresh_database, "quotes") == 6000


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(child) for child in found]


def test_a_server_killed_mid_import_leaves_whole_batches(fresh_database, tmp_path):
    path = tmp_path / "quotes.ndjson"
    write_quotes(path, 6000)
    server = Serving(environment(DATABASE_URL=fresh_database))
    params = {"batch_size": BATCH}
    headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Bearer {new_key(fresh_database)}"}

    def post():
        with pytest.raises(requests.RequestException), path.open("rb") as body:
            requests.post(server.base + "/v1/imports", data=body, params=params, headers=headers, timeout=120)

    client = threading.Thread(target=post)
    client.start()
    wait_for_quotes(fresh_database, 2 * BATCH, server.process)
    for pid in [*children(server.process.pid), server.process.pid]:
        os.kill(pid, signal.SIGKILL)
    server.process.wait()
    client.join(timeout=60)
    written = assert_whole_batches(fresh_database)
    again = Serving(environment(DATABASE_URL=fresh_database))
    try:
        report = requests.post(
            again.base + "/v1/imports", data=path.read_bytes(), headers=headers, timeout=300
        ).json()
    finally:
        again.stop()
    assert (report["created"], report["matched"], report["failed"]) == (6000 - written, written, 0)
    assert count(fresh_database, "quotes") == 6000


def test_lines_python_cannot_take_fail_alone_without_a_traceback(fresh_database, tmp_path):
    from tests.imports.test_views import LINES_PYTHON_CANNOT_TAKE

    path = tmp_path / "quotes.ndjson"
    write_quotes(path, 10)
    good = path.read_text().splitlines()
    bad = [line for line, _, _ in LINES_PYTHON_CANNOT_TAKE.values()]
    path.write_text("\n".join(good[:5] + bad + good[5:]) + "\n")
    result = onrecord("import", str(path), "--batch-size", "3", url=fresh_database)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "10 created, 0 matched, 4 failed" in result.stdout
    failures = (tmp_path / "quotes.ndjson.failed.ndjson").read_text().splitlines()
    assert [json.loads(line)["line"] for line in failures] == [6, 7, 8, 9]
    assert count(fresh_database, "quotes") == 10


def write_truncated_gzip(tmp_path, lines: int):
    """A gzipped NDJSON file of `lines` quotes, cut in the middle; its path."""
    plain = tmp_path / "quotes.ndjson"
    write_quotes(plain, lines)
    path = tmp_path / "quotes.ndjson.gz"
    compressed = gzip.compress(plain.read_bytes())
    path.write_bytes(compressed[: len(compressed) // 2])
    return path


def stopped_at(result: subprocess.CompletedProcess) -> int:
    """The line an import says it stopped at, having said why: the file was cut."""
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stdout + result.stderr
    said = re.search(
        r"stopped at line (\d+); lines from there on were not written\. Not valid gzip", result.stdout
    )
    assert said, result.stdout + result.stderr
    return int(said[1])


def test_a_truncated_gzip_file_imports_what_it_holds_and_says_where_it_stopped(fresh_database, tmp_path):
    path = write_truncated_gzip(tmp_path, 3000)
    result = onrecord("import", str(path), "--batch-size", str(BATCH), url=fresh_database)
    stopped = stopped_at(result)
    assert 0 < count(fresh_database, "quotes") == stopped - 1 < 3000


def test_a_gzipped_csv_cut_before_its_header_ends_says_so(fresh_database, tmp_path):
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(b"text,lang,kind\nA quote,en,direct\n")[:15])
    assert stopped_at(onrecord("import", str(path), url=fresh_database)) == 1


def test_a_truncated_gzip_file_through_a_server_is_reported_as_directly(fresh_database, tmp_path):
    path = write_truncated_gzip(tmp_path, 3000)
    direct = stopped_at(onrecord("import", str(path), "--dry-run", url=fresh_database))
    server = Serving(environment(DATABASE_URL=fresh_database))
    through_server = ("--server", server.base, "--key", new_key(fresh_database), "--batch-size", str(BATCH))
    try:
        atomic = onrecord("import", str(path), *through_server, "--mode", "atomic", url="postgresql://unused")
        after_atomic = count(fresh_database, "quotes")
        batch = onrecord("import", str(path), *through_server, url="postgresql://unused")
    finally:
        server.stop()
    assert stopped_at(atomic) == direct and after_atomic == 0  # all or nothing: nothing
    assert stopped_at(batch) == direct and f"{direct - 1} created, 0 matched, 0 failed" in batch.stdout
    assert count(fresh_database, "quotes") == direct - 1


def csv_with_a_cell_over_two_lines_and_a_blank_line() -> bytes:
    rows = (
        "text,lang,kind,speaker,source_url\n"
        "Hello,en,direct,Ivan Petrov,https://example.org/1\n"
        '"Two\nlines",en,direct,Ivan Petrov,https://example.org/2\n'
        "\n"
        "Bye,en,direct,Ivan Petrov,https://example.org/3\n"
    )
    return gzip.compress(rows.encode())


@pytest.mark.parametrize(
    "name,content,lines",
    [
        ("last_line_unended.ndjson", lambda quotes: "\n".join(quotes[:4]).encode(), 4),
        ("rows_and_lines.csv.gz", lambda _: csv_with_a_cell_over_two_lines_and_a_blank_line(), 6),
        ("blank_lines.ndjson", lambda quotes: "\n".join(quotes[:5] + ["", ""] + quotes[5:11]).encode(), 13),
    ],
)
def test_progress_ends_at_the_files_line_count(fresh_database, tmp_path, name, content, lines):
    write_quotes(tmp_path / "quotes.ndjson", 11)
    path = tmp_path / name
    path.write_bytes(content((tmp_path / "quotes.ndjson").read_text().splitlines()))
    result = onrecord("import", str(path), url=fresh_database)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{path}: {lines}/{lines} lines" in result.stderr
