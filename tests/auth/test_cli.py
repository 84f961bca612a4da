"""`onrecord keys` as an operator runs it."""

import subprocess

import requests

from tests.test_cli import ONRECORD, Serving, environment


def keys(*args: str, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [ONRECORD, "keys", *args],
        env=environment(DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_create_prints_only_the_secret_list_never_shows_it_revoke_stops_it(fresh_database):
    created = keys("create", "newsroom-bot", "--scope", "write", url=fresh_database)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert created.stdout == secret + "\n" and secret.startswith("onr_") and len(secret) > 40

    listed = keys("list", url=fresh_database).stdout
    assert "newsroom-bot\tread,write" in listed and secret not in listed and "active" in listed

    server = Serving(environment(DATABASE_URL=fresh_database))
    try:
        headers = {"Authorization": f"Bearer {secret}"}
        assert (
            requests.post(f"{server.base}/v1/speakers", json={"name": "Bot"}, headers=headers).status_code
            == 201
        )
        assert keys("revoke", "newsroom-bot", url=fresh_database).returncode == 0
        assert (
            requests.post(f"{server.base}/v1/speakers", json={"name": "Bot 2"}, headers=headers).status_code
            == 401
        )
    finally:
        server.stop()
    assert "revoked" in keys("list", url=fresh_database).stdout


def test_a_second_key_with_the_same_name_is_refused(fresh_database):
    assert keys("create", "twice", url=fresh_database).returncode == 0
    again = keys("create", "twice", url=fresh_database)
    assert again.returncode != 0 and "exists already" in again.stderr and again.stdout == ""


def test_revoking_an_unknown_key_fails(fresh_database):
    assert keys("revoke", "nobody", url=fresh_database).returncode != 0
