"""Reported speech without quotation marks, proposed as `indirect` quotes.

Two shapes of news copy, in sentences that quote nothing: the speaker first
(`Ushakov said that the meeting will be one on one.`, `Artyom Lukin, a professor at …,
said Kim would want …`) and the speaker last (`The young leader will meet Putin on
Thursday, Kremlin aide Yury Ushakov said.`). Only plain reporting verbs count (said,
told, added…): `accused` or `called` report an act, not a statement.
"""

import re

from service.extract.attribution import Quoted, _subject_before
from service.extract.quotes import Span
from service.extract.speakers import parse_phrase

REPORTING = re.compile(
    r"(?<![\w’'-])(?:said|says|told(?:\s+(?:reporters|journalists|the\s+\w+|[A-Z][\w.]*))?|added|stated|"
    r"announced|warned|claimed|insisted|argued|explained|noted|recalled|reported|acknowledged|"
    r"admitted|confirmed|predicted|stressed|according\s+to)(?![\w’'-])"
)
_QUOTE_MARKS = re.compile(r"[\"“”«»„]")
_THAT = re.compile(r"(?:[^,.;:]{0,40}?\bthat\b)?\s*")  # "reported earlier on Wednesday that"
MIN_WORDS = 4
MAX_TAIL_WORDS = 5  # "…, Ushakov said on Wednesday."


def reported(text: str, bounds: list[tuple[int, int]]) -> list[Quoted]:
    """The indirect quotes of the sentences that have no quotation marks."""
    found = []
    for sentence in bounds:
        words = text[sentence[0] : sentence[1]]
        if _QUOTE_MARKS.search(words) or "\n" in words.strip():
            continue
        item = _speaker_last(text, sentence) or _speaker_first(text, sentence)
        if item is not None:
            found.append(item)
    return found


def _speaker_last(text: str, sentence: tuple[int, int]) -> Quoted | None:
    """`<clause>, <speaker> said.`"""
    start, end = sentence
    verbs = list(REPORTING.finditer(text, start, end))
    if not verbs:
        return None
    verb = verbs[-1]
    if verb.group().startswith("according"):
        comma = text.rfind(",", start, verb.start())
        phrase = text[verb.end() : end].strip().rstrip(".")
        if comma < 0 or text[comma + 1 : verb.start()].strip() or parse_phrase(phrase) is None:
            return None
        return _quoted(text, start, comma, verb, phrase, verb.end(), sentence)
    if len(text[verb.end() : end].split()) > MAX_TAIL_WORDS:
        return None
    phrase, phrase_start = _subject_before(text, verb.start(), start)
    comma = text.rfind(",", start, phrase_start)
    if (
        comma < 0
        or text[comma:phrase_start].strip(" ,")
        or not _names_speaker(text, phrase, phrase_start, verb)
    ):
        return None
    return _quoted(text, start, comma, verb, phrase, phrase_start, sentence)


def _speaker_first(text: str, sentence: tuple[int, int]) -> Quoted | None:
    """`<speaker> said (that) <clause>.` and `According to <speaker>, <clause>.`"""
    start, end = sentence
    verb = REPORTING.search(text, start, end)
    if verb is None:
        return None
    if verb.group().startswith("according") and not text[start : verb.start()].strip(" ,"):
        comma = text.find(",", verb.end(), end)
        phrase = text[verb.end() : comma].strip() if comma > 0 else ""
        if not phrase or parse_phrase(phrase) is None:
            return None
        return _quoted(text, comma + 1, end, verb, phrase, verb.end(), sentence)
    phrase, phrase_start = _subject_before(text, verb.start(), start)
    opening = text[start:phrase_start].strip()
    if not _names_speaker(text, phrase, phrase_start, verb) or (opening and not opening.endswith(",")):
        return None
    clause = _THAT.match(text, verb.end(), end)
    if text[clause.end() : clause.end() + 1] in (",", ""):
        return None
    return _quoted(text, clause.end(), end, verb, phrase, phrase_start, sentence)


def _names_speaker(text: str, phrase: str, phrase_start: int, verb: re.Match) -> bool:
    """Whether `phrase` stands right before the verb (an adverb aside) and names someone."""
    between = text[phrase_start + len(phrase) : verb.start()].split()
    return bool(phrase) and len(between) <= 1 and parse_phrase(phrase) is not None


def _quoted(text, start, end, verb, phrase, phrase_start, sentence) -> Quoted | None:
    clause = text[start:end]
    stripped = clause.strip().rstrip(".")
    if len(stripped.split()) < MIN_WORDS:
        return None
    begin = start + len(clause) - len(clause.lstrip())
    span = Span(begin, begin + len(stripped), begin, begin + len(stripped))
    cue = re.sub(r"\s+", " ", verb.group())
    return Quoted(span, "indirect", cue, verb.start(), phrase.strip(), phrase_start, sentence)
