"""What the search index holds: one tantivy document per quote, loaded from PostgreSQL.

The index stores no copy of the truth beyond what it needs to find, rank and filter:
a page's records are read from PostgreSQL by id.

FORMAT names this file's schema and analysers: change it whenever they change, and an
index built with another format is rebuilt when the service starts.
"""

from collections.abc import Iterable

import tantivy
from sqlalchemy import text
from sqlalchemy.engine import Connection

FORMAT = "1"

# Set-based: one statement for any number of quotes (translations folded in by a
# correlated aggregate, so a quote with none still has its row).
DOCUMENTS_SQL = text(
    """
    SELECT q.id, q.text,
           ARRAY(SELECT t.text FROM translations t WHERE t.quote_id = q.id ORDER BY t.id) AS translations
    FROM quotes q
    WHERE q.id = ANY(:ids)
    """
)


def build_schema() -> tantivy.Schema:
    """The index's fields: the quote id (indexed, fast: the key documents are replaced
    by), the quote's text and its translations (analysed, with positions for phrases)."""
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    builder.add_text_field("text", tokenizer_name="default")
    builder.add_text_field("translations", tokenizer_name="default")
    return builder.build()


def configure(index: tantivy.Index) -> None:
    """Register the analysers the schema names (tantivy keeps them in memory only, so
    every process that opens the index calls this)."""


def to_document(row) -> tantivy.Document:
    """The index document of one row of DOCUMENTS_SQL."""
    document = tantivy.Document(text=row.text, translations=list(row.translations))
    document.add_unsigned("id", row.id)
    return document


def load_documents(connection: Connection, quote_ids: Iterable[int]) -> list[tantivy.Document]:
    """The documents of the quotes with these ids that exist (a missing id is a quote
    deleted or folded into another: it has no document)."""
    rows = connection.execute(DOCUMENTS_SQL, {"ids": list(quote_ids)})
    return [to_document(row) for row in rows]
