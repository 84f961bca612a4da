"""The package as users install it: `pip install .` (what the Dockerfile runs) into a fresh
virtualenv without the test extra gives an `onrecord` that serves the demo data on the
embedded PostgreSQL."""

import subprocess
import sys

import pytest

from tests.conftest import ROOT, temporary_data_dir
from tests.test_cli import Serving, environment


def run(*command: str, cwd=None) -> None:
    """Run a command; fail the test with its output if it fails."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


@pytest.fixture(scope="module")
def installed():
    """`onrecord` from the wheel built from this tree, in a virtualenv of its own."""
    with temporary_data_dir() as path:
        run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(path / "dist"), str(ROOT))
        (wheel,) = (path / "dist").glob("onrecord-*.whl")
        run(sys.executable, "-m", "venv", str(path / "venv"))
        run(str(path / "venv" / "bin" / "pip"), "install", "--quiet", str(wheel), cwd=path)
        yield path / "venv" / "bin" / "onrecord"


def test_installed_wheel_serves_the_demo_on_embedded_postgres(installed, data_dir):
    env = environment(ONRECORD_DATA_DIR=str(data_dir))
    server = Serving(env, "--demo", onrecord=str(installed), cwd=data_dir)
    try:
        assert server.get("/ready").json()["status"] == "ready"
        found = server.get("/v1/quotes", q="nuclear")
        assert found.status_code == 200 and found.json()["items"]
    finally:
        server.stop()
