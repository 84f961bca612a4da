"""What an import did: one outcome per line, and the report that sums them up."""

from dataclasses import dataclass, field

CREATED, MATCHED, FAILED = "created", "matched", "failed"
MAX_REPORTED_ERRORS = 1000  # `failed` counts them all; `Accept: application/x-ndjson` lists them all


@dataclass(frozen=True)
class Outcome:
    """What happened to one line: created, matched (already on record), or failed."""

    line: int
    status: str
    id: int | None = None
    errors: dict | None = None

    def as_dict(self) -> dict:
        """The outcome as one line of the streamed report."""
        extra = {"id": self.id} if self.id is not None else {"errors": self.errors}
        return {"line": self.line, "status": self.status} | extra


class ImportStopped(Exception):
    """The import stopped before the end of the body; lines from `line` on were not written."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


@dataclass
class ImportReport:
    """The counts, the first `MAX_REPORTED_ERRORS` failed lines with their field errors,
    and the line the import stopped at, and why, if it did not finish."""

    created: int = 0
    matched: int = 0
    failed: int = 0
    errors: list[dict] = field(default_factory=list)
    stopped_at: int | None = None
    stop_reason: str | None = None

    def add(self, outcome: Outcome) -> None:
        if outcome.status == FAILED:
            self.failed += 1
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.append({"line": outcome.line, "errors": outcome.errors})
        elif outcome.status == CREATED:
            self.created += 1
        else:
            self.matched += 1

    def stop(self, stopped: ImportStopped, rolled_back: bool) -> None:
        """Note where and why the import stopped; after a rollback nothing was created or matched."""
        self.stopped_at, self.stop_reason = stopped.line, stopped.reason
        if rolled_back:
            self.created = self.matched = 0

    def as_dict(self) -> dict:
        body = {
            "created": self.created,
            "matched": self.matched,
            "failed": self.failed,
            "errors": self.errors,
        }
        if self.stopped_at is None:
            return body
        return body | {"stopped_at": self.stopped_at, "stop_reason": self.stop_reason}
