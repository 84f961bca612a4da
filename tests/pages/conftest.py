"""Browser fixtures: a live `onrecord serve` on a database of its own (the demo data
loaded), and Debian's chromium driven by Playwright. Browser tests are skipped only when
chromium is not installed here (`.ci/run` installs it)."""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import new_key
from tests.test_cli import Serving, environment

CHROMIUM = os.environ.get("TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live_server(live_database):
    """`onrecord serve --demo` on its own database (migrated, the example data loaded)."""
    env = environment(DATABASE_URL=live_database, ONRECORD_RATE_LIMIT="1000000 per second")
    server = Serving(env, "--demo")
    server.database_url = live_database
    yield server
    server.stop()


@pytest.fixture(scope="module")
def write_key(live_server) -> str:
    return new_key(live_server.database_url, "write")


@pytest.fixture(scope="module")
def browser():
    """Headless chromium (Debian's), started once per module."""
    if not shutil.which(CHROMIUM):
        missing = f"chromium is not installed at {CHROMIUM} (apt-get install chromium; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(missing)  # CI must run the browser tests
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab at desktop size, its base URL the live server. Any script
    dialog (an alert an injected script would open) fails the test."""
    context = browser.new_context(base_url=live_server.base, viewport=DESKTOP)
    tab = context.new_page()
    dialogs = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    context.close()
    assert dialogs == [], f"a script ran: {dialogs}"


@pytest.fixture
def checked_page(browser, live_server):
    """A tab that may inject axe-core (it bypasses the pages' CSP for that alone)."""
    assert AXE.exists(), "axe-core is missing: run `npm ci` in tests/pages (.ci/run does)"
    context = browser.new_context(base_url=live_server.base, viewport=DESKTOP, bypass_csp=True)
    yield context.new_page()
    context.close()
