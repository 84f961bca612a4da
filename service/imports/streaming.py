"""Streamed responses (the import's per-line report, the export) that use the request's
database session while they are sent."""

from collections.abc import Generator, Iterator

import flask

from service import db


def streamed(chunks: Generator[str, None, None], mimetype: str) -> flask.Response:
    """A response sending `chunks` as they are made, with the request's database session.
    Once the first chunk is made, the response owns that session and closes it when it is
    closed (sent, cut short, or never sent, as for HEAD): the request's teardown and
    commit run before the body is sent (Flask pushes the request's context again only to
    send it), and would end the transaction an export's server-side cursor or an atomic
    import lives in. `chunks` is closed first, so that what it runs on that session (an
    export's reader) has stopped before the session closes."""
    session = db.session()
    # The first chunk is made now, so that the database away or a statement past its
    # deadline gets the request its 503 like any other (the teardown closes the session
    # then): once the body has begun, a failure can only cut it short.
    session.connection()
    first = next(chunks, "")
    flask.g.pop("db_session")

    def body() -> Iterator[str]:
        yield first
        yield from chunks

    def close() -> None:
        # `chunks` explicitly: a HEAD never starts `body`, so closing the response would
        # not reach it. The session even if closing `chunks` raises.
        try:
            chunks.close()
        finally:
            db.close(session)

    response = flask.Response(flask.stream_with_context(body()), mimetype=mimetype)
    response.call_on_close(close)
    return response
