"""Links the service sends (next pages, Link, Location) never come from the client's
Host header: they are relative, or under ONRECORD_PUBLIC_URL; X-Forwarded-* counts
only from the trusted proxies of ONRECORD_TRUSTED_PROXIES."""

import pytest

from service.app import create_app
from service.config import Settings

EVIL = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}


def first_page(app) -> tuple[str, str]:
    response = app.test_client().get("/v1/quotes?limit=1", headers=EVIL)
    assert response.status_code == 200
    return response.get_json()["next"], response.headers["Link"]


@pytest.fixture
def make_app(database_url, engine):
    made = []

    def make(**settings):
        made.append(create_app(Settings(**settings), database_url=database_url))
        return made[-1]

    yield make
    for app in made:
        app.extensions["db"].engine.dispose()


def test_next_links_are_relative_whatever_the_host_header(make_app):
    next_url, link = first_page(make_app())
    assert next_url.startswith("/v1/quotes?") and "evil" not in next_url
    assert link == f'<{next_url}>; rel="next"'


def test_next_links_start_with_the_public_url(make_app):
    next_url, link = first_page(make_app(public_url="https://quotes.example.org/"))
    assert next_url.startswith("https://quotes.example.org/v1/quotes?")
    assert "evil" not in link


def statuses_from(app, forwarded_for: list[str]) -> list[int]:
    """Anonymous reads through one proxy (10.0.0.1), each claiming a client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    return [
        client.get("/v1/quotes?limit=1", headers={"X-Forwarded-For": address}).status_code
        for address in forwarded_for
    ]


def test_forwarded_for_counts_only_from_trusted_proxies(make_app):
    claimed = ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
    assert statuses_from(make_app(rate_limit="2 per minute"), claimed) == [200, 200, 429]
    trusted = make_app(rate_limit="2 per minute", trusted_proxies=1)
    assert statuses_from(trusted, claimed) == [200, 200, 200]
    assert statuses_from(trusted, ["192.0.2.1"] * 2) == [200, 429]


def test_redirects_do_not_follow_the_host_header(make_app):
    response = make_app().test_client().get("/docs", headers=EVIL)
    assert response.status_code == 308 and response.headers["Location"] == "/docs/"
    public = make_app(public_url="https://quotes.example.org").test_client().get("/docs", headers=EVIL)
    assert public.headers["Location"] == "https://quotes.example.org/docs/"
