"""Every benchmark script still runs: nothing else runs them, and four had stopped
starting unnoticed. Each runs for a moment on a corpus of 2,000 quotes (figures at this
size mean nothing); a script that fails to start, crashes, or reports failed requests
fails here. Needs wrk and valgrind (apt-get install wrk valgrind) and the bench extra
(datasette and sqlite-utils, the search peer): `.ci/run` installs them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli import ONRECORD, environment

BENCH = Path(__file__).resolve().parents[2] / "bench"
QUOTES = 2_000
# Each script with the arguments of a short run on the small corpus.
QUICK_RUNS = {
    "search.py": ["--requests", "20"],
    "verify.py": ["--phrases", "20", "--duration", "2", "--connections", "4"],
    "datasette_peer.py": ["--duration", "2", "--clients", "4", "--rounds", "2"],
    "load.py": ["--duration", "2", "--clients", "4"],
    "servers.py": ["--duration", "2", "--clients", "4", "--slow", "10"],
    "export.py": [],
    "index_lag.py": ["--probes", "5"],
    "instructions.py": ["--reads", "20"],
    "pages.py": ["--requests", "10"],
}
# The extraction benchmark's development set lives beside the repository, not in it.
SHARED = BENCH.parents[1] / "shared"


@pytest.fixture(scope="module")
def tools():
    """wrk and the bench extra, or a skip (a failure under CI, which installs them)."""
    missing = [name for name in ("wrk", "valgrind") if not shutil.which(name)]
    missing += [name for name in ("datasette", "sqlite_utils") if not _importable(name)]
    if missing:
        advice = "apt-get install wrk valgrind; pip install -e '.[bench]'"
        message = f"not installed: {', '.join(missing)} ({advice})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _importable(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def corpus(live_database, tmp_path_factory) -> dict:
    """The environment of a benchmark run: a database holding gen_data.py's first
    QUOTES quotes, and its search index."""
    env = environment(
        DATABASE_URL=live_database,
        ONRECORD_INDEX_DIR=str(tmp_path_factory.mktemp("index")),
        TMPDIR=str(tmp_path_factory.mktemp("tmp")),
    )
    for command in (
        [ONRECORD, "migrate"],
        [sys.executable, str(BENCH / "gen_data.py"), "--quotes", str(QUOTES), "--load", live_database],
        [ONRECORD, "reindex"],
    ):
        subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    return env


@pytest.mark.parametrize("script", sorted(QUICK_RUNS))
def test_the_benchmark_runs(script, corpus, tools, tmp_path):
    arguments = ["--database", corpus["DATABASE_URL"], *QUICK_RUNS[script]]
    if script == "datasette_peer.py":
        arguments += ["--sqlite", str(tmp_path / "quotes.db")]
    run = _run(script, arguments, corpus)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "FAILED" not in run.stdout


@pytest.mark.skipif(not (SHARED / "extraction").is_dir(), reason=f"no development set in {SHARED}")
def test_the_extraction_benchmark_runs():
    run = _run("extract.py", ["--shared", str(SHARED), "--seconds", "0.2"], environment())
    assert run.returncode == 0, run.stdout[-3000:]
    assert "seed articles:" in run.stdout


def test_the_import_benchmark_runs(tools, tmp_path):
    run = _run("import.py", ["--quotes", "500"], environment(TMPDIR=str(tmp_path)))
    assert run.returncode == 0, run.stdout[-3000:]


def _run(script: str, arguments: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCH / script), *arguments],
        cwd=BENCH,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
