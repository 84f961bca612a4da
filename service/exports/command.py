"""`onrecord export`: the quotes matching the list filters, to a file or stdout, with progress."""

import sys
from contextlib import ExitStack, closing

from sqlalchemy.orm import Session

from service.db import make_engine
from service.exports.schemas import ExportArgsSchema
from service.exports.services import count_quotes, exported
from service.imports.command import Progress


def export_quotes(url: str, filters: dict, fmt: str, output: str) -> int:
    """Write the export; returns how many quotes it holds. Raises `ma.ValidationError`
    for invalid filters."""
    args = ExportArgsSchema().load({name: value for name, value in filters.items() if value is not None})
    engine = make_engine(url, pool_size=1)
    with ExitStack() as stack, Session(engine) as session:
        total = count_quotes(session, args)  # before the file is opened: a search may fail
        out = (
            sys.stdout
            if output == "-"
            else stack.enter_context(open(output, "w", encoding="utf-8", newline=""))
        )
        progress = Progress(output if output != "-" else "export", total, unit="quote")
        with closing(exported(session, args, fmt)) as chunks:  # its reader stops before the session closes
            for text, count in chunks:
                out.write(text)
                progress.update(count)
        progress.close()
        out.flush()
    engine.dispose()
    return progress.done
