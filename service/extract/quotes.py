"""Quotation marks paired into quoted spans, across paragraphs and quote styles.

Real copy mixes straight and curly marks, closes with `’’` or `"` what it opened with
`“`, uses « » and „ “, and carries a quote over paragraphs: a paragraph that ends
inside a quote goes on in the next, which usually re-opens the mark. Straight marks get
their direction from their neighbours. Single marks (‘ ’) are quotes only in a paragraph
with no double marks (inside double quotes they are nested quotes, elsewhere mostly
apostrophes).
"""

import re
from dataclasses import dataclass

OPEN, CLOSE, EITHER = "open", "close", "either"
# Two-character marks first: `’’`, `''` and `,,` stand for one double mark.
_DOUBLE_MARKS = re.compile(r"’’|''|,,(?=\w)|[\"“”„«»‟]")
_SINGLE_MARKS = re.compile(r"(?<![\w’'])[‘'](?=\w)|(?<=[\w.,!?])[’'](?![\w’'])")
_OPENING_BEFORE = set(" \t\n([{—–-:/")
_CLOSING_AFTER = set(" \t\n)]}.,;:!?—–-…")
_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Mark:
    """One quotation mark: where it is, how long, and which way it faces."""

    start: int
    end: int
    role: str


@dataclass(frozen=True)
class Span:
    """The text between an opening and a closing mark (marks excluded)."""

    start: int
    end: int
    open_mark: int  # offset of the opening mark
    close_mark: int  # offset just after the closing mark

    def text(self, article: str) -> str:
        """The quoted words as printed."""
        return article[self.start : self.end]


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line: each line of an article is a paragraph."""
    return [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text) if m.group().strip()]


def quoted_spans(text: str) -> list[Span]:
    """Every quoted span of the article, in order."""
    return _pair([(start, _paragraph_marks(text, start, end)) for start, end in paragraphs(text)])


def _paragraph_marks(text: str, start: int, end: int) -> list[Mark]:
    found = [_double(text, m, start, end) for m in _DOUBLE_MARKS.finditer(text, start, end)]
    if found:
        return found
    return [
        Mark(m.start(), m.end(), OPEN if m.group() == "‘" or _opens(text, m.start(), start) else CLOSE)
        for m in _SINGLE_MARKS.finditer(text, start, end)
    ]


def _double(text: str, match: re.Match, start: int, end: int) -> Mark:
    mark = match.group()
    if mark in ("„", "«", ",,"):
        role = OPEN
    elif mark in ("»", "’’", "”"):
        role = CLOSE
    elif mark == "“":
        role = EITHER  # opens in English, closes after „ in German and Russian copy
    else:
        role = _straight_role(text, match.start(), match.end(), start, end)
    return Mark(match.start(), match.end(), role)


def _straight_role(text: str, at: int, after: int, start: int, end: int) -> str:
    opens, closes = _opens(text, at, start), after >= end or text[after] in _CLOSING_AFTER
    if opens and not closes:
        return OPEN
    if closes and not opens:
        return CLOSE
    return EITHER


def _opens(text: str, at: int, start: int) -> bool:
    return at == start or text[at - 1] in _OPENING_BEFORE or text[at - 1] in "“‘«„\"'"


def _pair(marks_by_paragraph: list[tuple[int, list[Mark]]]) -> list[Span]:
    spans: list[Span] = []
    opened: Mark | None = None
    for index, (start, marks) in enumerate(marks_by_paragraph):
        rest = marks
        if opened is not None:
            rest = _continued(start, marks)
            if rest is None:
                opened, rest = None, marks
        for mark in rest:
            opened = _step(spans, opened, mark)
        if opened is not None and not _carries_on(marks_by_paragraph, index):
            opened = None
    return spans


def _continued(start: int, marks: list[Mark]) -> list[Mark] | None:
    """The marks of a paragraph that goes on with a quote left open: a re-opening mark
    at its start is skipped. None if it does not go on with it."""
    if not marks:
        return None
    if marks[0].start == start and marks[0].role != CLOSE:
        return marks[1:]
    if marks[0].role != OPEN:
        return marks
    return None


def _carries_on(marks_by_paragraph: list[tuple[int, list[Mark]]], index: int) -> bool:
    """Whether a quote open at the end of paragraph `index` may go on in the next:
    only if the next paragraph has a mark (re-opening it, or closing it)."""
    return index + 1 < len(marks_by_paragraph) and bool(marks_by_paragraph[index + 1][1])


def _step(spans: list[Span], opened: Mark | None, mark: Mark) -> Mark | None:
    """Pair `mark` with the open quote, if any: the new open quote, or None."""
    if opened is None:
        return mark if mark.role != CLOSE else None
    if mark.role == OPEN:
        return mark  # the earlier opening mark was never closed
    spans.append(Span(opened.end, mark.start, opened.start, mark.end))
    return None
