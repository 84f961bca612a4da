"""Streamed responses (the import's per-line report, the export) that use the request's
database session while they are sent."""

from collections.abc import Iterator

import flask

from service import db


def streamed(chunks: Iterator[str], mimetype: str) -> flask.Response:
    """A response sending `chunks` as they are made, with the request's database session.
    The body owns that session from here: the request's teardown and its commit run before
    the body is sent (Flask pushes the request's context again only to send it), and
    would end the transaction an export's server-side cursor or an atomic import lives
    in. It is closed here once the chunks are done."""
    session = db.session()
    flask.g.pop("db_session")
    # The first chunk is made now, so that the database away or a statement past its
    # deadline gets the request its 503 like any other: once the body has begun, a
    # failure can only cut it short (and gunicorn answers a bare 500 for one before it).
    session.connection()
    first = next(chunks, "")

    def body() -> Iterator[str]:
        try:
            yield first
            yield from chunks
        finally:
            session.close()

    return flask.Response(flask.stream_with_context(body()), mimetype=mimetype)
