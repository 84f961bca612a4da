"""gunicorn under `onrecord serve` (service/server.py), as a real process."""

from tests.test_cli import Serving, environment


def test_gunicorn_cmd_args_override_its_settings(database_url, engine):
    env = environment(DATABASE_URL=database_url, GUNICORN_CMD_ARGS="--limit-request-line 200")
    server = Serving(env)
    try:
        response = server.get("/v1/quotes", q="x" * 300)  # within the default limit of 8190
    finally:
        server.stop()
    assert response.status_code == 414
