"""What the search index holds: one tantivy document per quote, loaded from PostgreSQL.

The index stores no copy of the truth beyond what it needs to find, rank and filter:
a page's records are read from PostgreSQL by id.

Text is analysed in its own language: English stemmed, Russian stemmed, any other
language unstemmed; every analyser lower-cases and folds accents (`Café` = `cafe`),
and English British spellings are folded to American before they reach the index
(`search_text`). The quote's text and each translation go to the field of their own
language, so a query (analysed for every field) finds a quote in any language it was
recorded or translated in. Stop words are kept: "in charge" is a phrase that matters.

Each text is also indexed as its pairs of adjacent words, in a field of its own (as
Elasticsearch's `index_phrases` does): a phrase is then found from the postings of
its pairs, instead of by reading the positions of both words in every quote that holds
them. A phrase of two words in most quotes took 60 ms that way; as one pair, well under one.
A word too long to index is skipped by the pairs, as it is by a phrase typed with it.

FORMAT names this file's schema and analysers: change it whenever they change, and an
index built with another format is rebuilt when the service starts.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from itertools import pairwise

import tantivy
from sqlalchemy import text
from sqlalchemy.engine import Connection
from tantivy import Filter, TextAnalyzerBuilder, Tokenizer

FORMAT = "3"

# Bytes of UTF-8: a word this long or longer is not indexed (a hash, a run of CJK text
# the word splitter cannot break). 80 keeps Russian words of up to 39 letters, two bytes each.
MAX_TOKEN_LENGTH = 80
# Field name -> Snowball stemmer (None: unstemmed). The field's analyser has its name.
TEXT_FIELDS = {"english": "english", "russian": "russian", "plain": None}
FIELD_OF_LANGUAGE = {"en": "english", "ru": "russian"}
PAIRS = "pairs"  # the analyser of the pairs fields: the pairs as `word_pairs` joins them
PAIR_JOIN = "_"  # never in a token: the analysers split words on anything not a letter or digit
KEYWORD_FIELDS = ("lang", "kind", "status", "topics")
EPOCH = date(2000, 1, 1)
NO_DATE = 10**7  # further from EPOCH, in days, than any real date
ID_BITS = 32  # a sort key is the day said, then the quote id in the low bits

# Set-based: one statement for any number of quotes (translations and citations folded
# in by correlated aggregates, so a quote with none still has its row).
DOCUMENTS_SQL = text(
    """
    SELECT q.id, coalesce(q.search_text, q.text) AS text, q.lang, q.kind, q.status, q.topics,
           q.speaker_id, q.said_on,
           ARRAY(SELECT t.lang FROM translations t WHERE t.quote_id = q.id ORDER BY t.id) AS t_langs,
           ARRAY(SELECT coalesce(t.search_text, t.text) FROM translations t
                 WHERE t.quote_id = q.id ORDER BY t.id) AS t_texts,
           ARRAY(SELECT c.source_id FROM citations c WHERE c.quote_id = q.id) AS source_ids
    FROM quotes q
    WHERE q.id = ANY(:ids)
    """
)


def analyzer(stemmer: str | None) -> tantivy.TextAnalyzer:
    """Words split on anything not a letter or digit, lower-cased, accents folded,
    overlong tokens dropped, then stemmed when a stemmer is named."""
    builder = (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(MAX_TOKEN_LENGTH))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
    )
    return (builder.filter(Filter.stemmer(stemmer)) if stemmer else builder).build()


ANALYZERS = {field: analyzer(stemmer) for field, stemmer in TEXT_FIELDS.items()}
PAIRS_ANALYZER = TextAnalyzerBuilder(Tokenizer.whitespace()).build()


def text_field(lang: str) -> str:
    """The text field a text in this language is indexed in."""
    return FIELD_OF_LANGUAGE.get(lang.split("-")[0].lower(), "plain")


def pairs_field(field: str) -> str:
    """The field holding the pairs of adjacent words of the texts in `field`."""
    return f"{field}_pairs"


def word_pairs(tokens: Sequence[str]) -> list[str]:
    """Each two adjacent tokens as one term (a phrase of two words is one pair)."""
    return [f"{first}{PAIR_JOIN}{second}" for first, second in pairwise(tokens)]


def build_schema() -> tantivy.Schema:
    """The index's fields: the quote id (indexed, fast: the key documents are replaced
    by), the texts by language and their pairs of words (with positions, for phrases),
    the filters, and the sort keys by date said (fast)."""
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    for field in TEXT_FIELDS:
        builder.add_text_field(field, tokenizer_name=field)
        builder.add_text_field(pairs_field(field), tokenizer_name=PAIRS)
    for field in KEYWORD_FIELDS:
        builder.add_text_field(field, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("speaker_id", indexed=True)
    builder.add_unsigned_field("source_ids", indexed=True)
    builder.add_integer_field("said_day", indexed=True, fast=True)
    builder.add_integer_field("said_asc", indexed=True, fast=True)
    builder.add_integer_field("said_desc", indexed=True, fast=True)
    return builder.build()


def configure(index: tantivy.Index) -> None:
    """Register the analysers the schema names (tantivy keeps them in memory only, so
    every process that opens the index calls this)."""
    for field, analyzer_ in ANALYZERS.items():
        index.register_tokenizer(field, analyzer_)
    index.register_tokenizer(PAIRS, PAIRS_ANALYZER)


def said_day(said_on: date | None) -> int | None:
    """The date said as a day number from EPOCH."""
    return None if said_on is None else (said_on - EPOCH).days


def sort_key(day: int | None, quote_id: int, nulls_as: int) -> int:
    """One integer ordering quotes by (day said, id), an unknown day as `nulls_as`."""
    return ((nulls_as if day is None else day) << ID_BITS) | quote_id


def to_document(row) -> tantivy.Document:
    """The index document of one row of DOCUMENTS_SQL."""
    document = tantivy.Document()
    document.add_unsigned("id", row.id)
    for lang, content in [(row.lang, row.text), *zip(row.t_langs, row.t_texts, strict=True)]:
        field = text_field(lang)
        document.add_text(field, content)
        document.add_text(pairs_field(field), " ".join(word_pairs(ANALYZERS[field].analyze(content))))
    for name in ("lang", "kind", "status"):
        document.add_text(name, getattr(row, name))
    for topic in row.topics:
        document.add_text("topics", topic)
    for source_id in row.source_ids:
        document.add_unsigned("source_ids", source_id)
    if row.speaker_id is not None:
        document.add_unsigned("speaker_id", row.speaker_id)
    day = said_day(row.said_on)
    if day is not None:
        document.add_integer("said_day", day)
    document.add_integer("said_asc", sort_key(day, row.id, NO_DATE))
    document.add_integer("said_desc", sort_key(day, row.id, -NO_DATE))
    return document


def load_documents(connection: Connection, quote_ids: Iterable[int]) -> list[tantivy.Document]:
    """The documents of the quotes with these ids that exist (a missing id is a quote
    deleted or folded into another: it has no document)."""
    rows = connection.execute(DOCUMENTS_SQL, {"ids": list(quote_ids)})
    return [to_document(row) for row in rows]
