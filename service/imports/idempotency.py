"""`Idempotency-Key`: a repeated request gets the report of the first, not a second run.

The body is spooled to a temporary file (never held in memory) while its digest is
computed, so the key can be checked before anything is imported.
"""

import hashlib
import tempfile
from contextlib import contextmanager
from typing import BinaryIO

from flask_smorest import abort
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.imports.models import ImportRequest
from service.imports.schemas import IDEMPOTENCY_KEY
from service.imports.services import ImportOptions

_CHUNK = 64 * 1024


@contextmanager
def spooled(stream: BinaryIO, options: ImportOptions, mimetype: str):
    """The body copied to a temporary file, and the digest of the body and its options."""
    digest = hashlib.sha256(f"{mimetype}|{options.mode}|{options.batch_size}|{options.dry_run}|".encode())
    with tempfile.TemporaryFile() as spool:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            spool.write(chunk)
        spool.seek(0)
        yield spool, digest.digest()


def stored_report(session: Session, api_key_id: int, key: str, fingerprint: bytes) -> dict | None:
    """The report of the same API key's earlier request with this Idempotency-Key; 422
    if that request differed."""
    stored = session.get(ImportRequest, (api_key_id, key))
    if stored is None:
        return None
    if stored.fingerprint != fingerprint:
        abort(
            422, errors={IDEMPOTENCY_KEY: ["This key was used for a request with another body or options."]}
        )
    return stored.report


def store_report(session: Session, api_key_id: int, key: str, fingerprint: bytes, report: dict) -> None:
    """Keep the report of a completed import for its API key and Idempotency-Key (the
    first one stored wins)."""
    row = {"api_key_id": api_key_id, "key": key, "fingerprint": fingerprint, "report": report}
    session.execute(insert(ImportRequest).values(row).on_conflict_do_nothing())
