"""schemathesis over every operation of the committed `openapi.yaml`, against a live
`onrecord serve` (gunicorn) on a database of its own, with the example data loaded and an
admin key: no server error, and no status, content type, header or body the spec does not
allow.

The run is bounded by time: TEST_FUZZ_SECONDS, 150 by default. A long run for the record:
`TEST_FUZZ_SECONDS=1800 .venv/bin/pytest tests/test_fuzz.py -s`.
"""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.fuzz_hooks import KEY_NAME
from tests.imports.conftest import empty_database, fresh_database
from tests.test_cli import ONRECORD, Serving, environment

__all__ = ["empty_database", "fresh_database"]

SCHEMATHESIS = str(Path(sys.executable).parent / "st")
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)
SECONDS = int(os.environ.get("TEST_FUZZ_SECONDS", "150"))


def test_fuzz_every_operation(fresh_database):
    # The fuzzer is one client sending thousands of requests: no rate limit for it.
    env = environment(DATABASE_URL=fresh_database, ONRECORD_RATE_LIMIT="1000000 per second")
    key = subprocess.run(
        [ONRECORD, "keys", "create", KEY_NAME, "--scope", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    server = Serving(env, "--demo")
    try:
        # Its report goes to this test's output, shown when the test fails (or with -s).
        run = subprocess.run(
            [
                SCHEMATHESIS,
                "run",
                str(ROOT / "openapi.yaml"),
                f"--url={server.base}",
                f"--header=Authorization: Bearer {key}",
                f"--checks={','.join(CHECKS)}",
                f"--max-time={SECONDS}",
                # One worker: hypothesis parses source with `ast` as it goes, which CPython 3.11
                # can fail with a SystemError from two threads at once (gh-106905; seen here).
                "--workers=1",
                "--no-color",
            ],
            cwd=ROOT,
            env=os.environ | {"SCHEMATHESIS_HOOKS": str(ROOT / "tests" / "fuzz_hooks.py")},
            timeout=SECONDS + 300,
        )
    finally:
        log = server.stop()
    # What the server wrote besides its one line per request: startup, and any traceback.
    errors = "\n".join(line for line in log.splitlines() if not line.startswith('{"request_id"'))
    assert run.returncode == 0, f"schemathesis failed (its report is above); the server said:\n{errors}"
    assert "Traceback" not in errors, errors
