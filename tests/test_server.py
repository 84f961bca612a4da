"""gunicorn under `onrecord serve` (service/server.py), as a real process."""

import json
import socket
import threading
import time

import requests

from tests.conftest import new_key
from tests.test_cli import Serving, environment


def test_gunicorn_cmd_args_override_its_settings(database_url, engine):
    env = environment(DATABASE_URL=database_url, GUNICORN_CMD_ARGS="--limit-request-line 200")
    server = Serving(env)
    try:
        response = server.get("/v1/quotes", q="x" * 300)  # within the default limit of 8190
    finally:
        server.stop()
    assert response.status_code == 414


SLOW_CLIENTS = 200
SLOW_FOR = 60.0  # seconds
HEADER_EVERY = 8.0  # seconds


def slow_clients(port: int, stop: threading.Event) -> None:
    """SLOW_CLIENTS sockets that send a request line, then one header every HEADER_EVERY
    seconds, and never finish their request."""
    sockets = []
    for _ in range(SLOW_CLIENTS):
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(b"GET /v1/quotes HTTP/1.1\r\nHost: onrecord\r\n")
        sockets.append(sock)
    n = 0
    while not stop.wait(HEADER_EVERY):
        n += 1
        for sock in sockets:
            try:
                sock.sendall(f"X-Slow-{n}: {n}\r\n".encode())
            except OSError:
                pass  # the server may close a client this slow: that is allowed
    for sock in sockets:
        sock.close()


def test_slow_clients_hold_no_request_thread(database_url, engine):
    server = Serving(environment(DATABASE_URL=database_url, ONRECORD_WORKERS="2"))
    stop = threading.Event()
    slow = threading.Thread(target=slow_clients, args=(server.port, stop))
    slow.start()
    slowest = {"/health": 0.0, "/v1/quotes/1": 0.0}
    try:
        ends = time.monotonic() + SLOW_FOR
        while time.monotonic() < ends:
            for path in slowest:
                started = time.monotonic()
                response = requests.get(server.base + path, timeout=5)
                assert response.status_code == 200
                slowest[path] = max(slowest[path], time.monotonic() - started)
            time.sleep(1)
    finally:
        stop.set()
        slow.join()
        server.stop()
    assert max(slowest.values()) < 1.0, slowest


def test_slow_bodies_of_keyed_requests_hold_no_database_connection(database_url, engine):
    """Checking a key reads the database before the body is read: that connection goes
    back to the pool at once, or a few keyed clients sending their bodies slowly would
    take every connection and turn the next requests away with 503s."""
    secret = new_key(database_url, "read")
    server = Serving(environment(DATABASE_URL=database_url, ONRECORD_DB_POOL_SIZE="1"))  # 2 connections
    sockets = []
    try:
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(
                b"POST /v1/verify HTTP/1.1\r\nHost: onrecord\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {secret}\r\nContent-Length: 1000\r\n\r\n".encode()
                + b'{"text": "'
            )
            sockets.append(sock)
        time.sleep(1)  # the keys are looked up; the bodies stay unfinished
        started = time.monotonic()
        response = requests.get(server.base + "/v1/quotes", params={"limit": 1}, timeout=10)
        waited = time.monotonic() - started
    finally:
        for sock in sockets:
            sock.close()
        server.stop()
    assert response.status_code == 200, response.text
    assert waited < 1.0


def test_a_body_cut_short_is_not_logged_as_a_bug(database_url, engine):
    """An upload abandoned half-way (`onrecord import --server --mode atomic` does so on
    purpose when its file breaks off) is the client's doing: no traceback in the log."""
    secret = new_key(database_url)
    server = Serving(environment(DATABASE_URL=database_url))
    line = b'{"text": "Cut short.", "lang": "en", "kind": "direct", "speaker_description": "a man"}\n'
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(
                b"POST /v1/imports?mode=atomic HTTP/1.1\r\nHost: onrecord\r\nTransfer-Encoding: chunked\r\n"
                + f"Authorization: Bearer {secret}\r\nContent-Type: application/x-ndjson\r\n\r\n".encode()
                + f"{2 * len(line):x}\r\n".encode()  # a chunk it never finishes
                + line
            )
            time.sleep(0.5)
        time.sleep(1)  # the server finds the body ended
        logged = server.read_output()
    finally:
        server.stop()
    answers = [json.loads(line) for line in logged.splitlines() if line.startswith('{"request_id"')]
    assert {"path": "/v1/imports", "status": 400}.items() <= answers[-1].items(), logged
    assert "Traceback" not in logged, logged
