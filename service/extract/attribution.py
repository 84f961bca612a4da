"""Each quoted span with its attribution: the cue, the speaker phrase and the kind.

The sentence a quote sits in is found with every quote masked out, so the full stops
inside quotes split nothing. The cue is looked for after the quote first (`"…," he
said`), then before it (`He added: "…"`, `said he would remain "in charge"`). A quote
that stands alone with no cue goes on from the quote just before it (`"…," Ushakov told
reporters.` then a paragraph `"Russia intends…"`). A few quoted words with no speech
verb in their sentence are scare quotes, names or titles, and are left out.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

from service.extract.cues import abbreviation_before, sentence_bounds, verb_phrase, verbs_in
from service.extract.quotes import Span, paragraphs, quoted_spans
from service.extract.speakers import (
    DETERMINERS,
    SPEAKER_WORDS,
    STARTERS,
    TITLES,
    is_capitalised,
    parse_phrase,
)

MASK = "x"
WINDOW = 600  # characters of a sentence read either side of a quote
_NAMING = re.compile(
    r"(?:\b(?:called|dubbed|named|nicknamed|titled|entitled|known\s+as|labell?ed|branded|the\s+name|"
    r"the\s+words?|the\s+term|the\s+phrase|hashtag|slogan|so-called|headlined|signs?\s+reading)"
    r"|[-–—]\s*so-called)\s*$"
    r"|\b(?:signs?|placards?|banners?|posters?|shirts?)\b[^.!?]{0,60}$",
    re.IGNORECASE,
)
_ADVERBS = frozenset(
    "also then later previously again further simply once earlier repeatedly recently today "
    "yesterday reportedly separately publicly privately".split()
)
_CLAUSE_WORDS = frozenset("which that who whom where when while but and as because although if".split())
_SPEAKER_TOKEN = re.compile(r"@\w+|[\w’'.&-]+|,", re.UNICODE)
_PRONOUNS = frozenset("he she they it we".split())
_RELATIVE = frozenset("who which that".split())
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|being)\s+(?:\w+ly\s+)?\Z")
_DOCUMENT = re.compile(
    r"\b[Ii]n\s+((?:a|an|one|the|his|her|their|its)\s+(?:[\w-]+\s+){0,2}"
    r"(?:note|letter|memo|report|statement|email|briefing|message|post))\b"
)
_OPENERS = STARTERS - _PRONOUNS - DETERMINERS  # "However", "Meanwhile": not part of a speaker phrase
_LEAD = re.compile(r"[\s,]*(?:[—–-]+\s*)?")


@dataclass
class Quoted:
    """A quoted span with what its sentence says about it."""

    span: Span
    kind: str  # direct or partial
    cue: str | None
    cue_start: int | None
    phrase: str | None  # the speaker phrase as printed
    phrase_start: int
    sentence: tuple[int, int]
    inherited: bool = False  # no cue of its own: it goes on from the quote before


def mask(text: str, spans: list[Span]) -> str:
    """`text` with the words inside every quote replaced (offsets unchanged); the
    punctuation that ends a quote stays: a full stop ends the sentence too, a comma
    hands over to the attribution."""
    chars = list(text)
    for span in spans:
        inner = text[span.start : span.end].rstrip()
        inner_end = span.start + len(inner) - 1 if inner[-1:] in ",.!?…" else span.end
        for i in range(span.start, inner_end):
            chars[i] = MASK
    return "".join(chars)


def sentences(masked: str) -> list[tuple[int, int]]:
    """Every sentence of the masked article, paragraph by paragraph."""
    return [b for start, end in paragraphs(masked) for b in sentence_bounds(masked, start, end)]


def attributed(text: str) -> tuple[list[Quoted], str, list[tuple[int, int]], list[Span]]:
    """The quoted spans of `text` that are quotes, each with its cue and speaker phrase;
    also the masked text, its sentences, and every quoted span."""
    spans = quoted_spans(text)
    masked = mask(text, spans)
    bounds = sentences(masked)
    found: list[Quoted] = []
    starts = [start for start, _ in bounds]
    for span in spans:
        quoted = _read(text, masked, span, _sentence_of(span, bounds, starts), found[-1] if found else None)
        if quoted is not None:
            found.append(quoted)
    return found, masked, bounds, spans


def _sentence_of(span: Span, bounds: list[tuple[int, int]], starts: list[int]) -> tuple[int, int]:
    """The sentence a quote opens in, at most `WINDOW` characters either side of it (copy
    without full stops must not make every look-up read the whole article)."""
    index = bisect_right(starts, span.open_mark) - 1
    start, end = (
        bounds[index]
        if index >= 0 and span.open_mark < bounds[index][1]
        else (span.open_mark, span.close_mark)
    )
    return max(start, span.open_mark - WINDOW), min(max(end, span.close_mark), span.close_mark + WINDOW)


def _read(
    text: str, masked: str, span: Span, sentence: tuple[int, int], previous: Quoted | None
) -> Quoted | None:
    before = masked[sentence[0] : span.open_mark]
    if _NAMING.search(before):
        return None
    cue = _cue_after(masked, span, sentence) or _cue_before(masked, span, sentence)
    standalone = not before.strip() or before.rstrip().endswith(":")
    kind = _kind(text, masked, span, sentence, standalone)
    if cue is not None:
        verb, verb_start, phrase, phrase_start = cue
        return Quoted(span, kind, verb, verb_start, phrase, phrase_start, sentence)
    if kind == "direct" and standalone and previous is not None and _sentence_like(text, span):
        return Quoted(
            span,
            kind,
            previous.cue,
            previous.cue_start,
            previous.phrase,
            previous.phrase_start,
            sentence,
            True,
        )
    return None


def _sentence_like(text: str, span: Span) -> bool:
    """A quote with no cue of its own goes on from the one before only if it is a
    sentence: a quoted heading ("We write with urgency") has no final punctuation."""
    return span.text(text).rstrip()[-1:] in ".!?,…"


def _kind(text: str, masked: str, span: Span, sentence: tuple[int, int], standalone: bool) -> str:
    """direct: a full sentence quoted; partial: a few words inside the narrator's sentence."""
    words = span.text(text).strip()
    if re.search(r"[.!?…][\"”’)]*\s+[\"“‘]?[A-ZА-Я]", words):
        return "direct"
    if not words or not (words[0].isupper() or words[0] in "[(‘'\"“"):
        return "partial"
    after = masked[span.close_mark : sentence[1]]
    if re.match(r"^\s+[a-z]", after) and words[-1] not in ",.!?…:;-—":
        return "partial"
    before = masked[sentence[0] : span.open_mark].rstrip()
    if standalone or before.endswith((",", ":")):
        return "direct"
    return "partial" if before else "direct"


def _cue_after(masked: str, span: Span, sentence: tuple[int, int]) -> tuple | None:
    """`"…," Ushakov told reporters.` or `"…," said Hua Chunying, a spokeswoman.`"""
    start = span.close_mark + len(_LEAD.match(masked, span.close_mark).group())
    end = min(sentence[1], _next_quote(masked, start, sentence[1]))
    verbs = verbs_in(masked, start, end)
    if not verbs or verbs[0].start() - start > 160 or not _attaches_after(masked, span, start):
        return None
    verb = verbs[0]
    phrase = masked[start : verb.start()]
    words = [w for w in _SPEAKER_TOKEN.findall(phrase) if w.casefold() not in _ADVERBS]
    if len(words) > 1 and words[-1].casefold() in _RELATIVE and len(verbs) > 1:
        # `"…," one resident, who asked not to be named, told AFP`: the verb after the clause
        verb = next((v for v in verbs[1:] if masked[verbs[0].end() : v.start()].rstrip().endswith(",")), verb)
        phrase = masked[start : verb.start()]
    if words and words[0].casefold() in _CLAUSE_WORDS:
        return None  # `“…”, and asked for …`: the sentence goes on, no attribution here
    if words:
        cue, _ = verb_phrase(masked, verb, end)
        return cue, verb.start(), phrase.strip(), start
    # Inverted: `said Zach Smith, a manager at …`: the verb alone is the cue.
    phrase = _trim_clause(masked[verb.end() : end])
    name = re.match(r"(?:[A-ZА-ЯЁ][\w’'.-]*\s+)*[A-ZА-ЯЁ][\w’'.-]*(?=\s+[a-zа-яё])", phrase)
    if name:  # `— сказал Песков журналистам`: the name, not the words after it
        phrase = name.group()
    return verb.group(), verb.start(), phrase, verb.end() + masked[verb.end() : end].find(phrase)


def _attaches_after(masked: str, span: Span, start: int) -> bool:
    """An attribution after a quote follows a comma inside the marks, a comma or dash
    after them, or the end of the quoted sentence."""
    inner = masked[span.start : span.end].rstrip()
    between = masked[span.close_mark : start]
    return inner.endswith((",", "!", "?", ".", "…")) or "," in between or "—" in between or "–" in between


def _next_quote(masked: str, start: int, end: int) -> int:
    found = re.search(r"[\"“«„]", masked[start:end])
    return start + found.start() if found else end


def _trim_clause(text: str) -> str:
    """A speaker phrase after an inverted verb ends at the sentence's end (not at the
    full stop of `Mr.` or an initial)."""
    text = text.strip()
    for stop in re.finditer(r"[.;:!?](?:\s|$)", text):
        if text[stop.start()] != "." or not abbreviation_before(text, stop.start()):
            return text[: stop.start()].strip()
    return text


def _cue_before(masked: str, span: Span, sentence: tuple[int, int]) -> tuple | None:
    """`He added: "…"` and the partial quote's `Pompeo … said that he would remain "in charge"`."""
    verbs = verbs_in(masked, sentence[0], span.open_mark)
    if not verbs:
        verbs = _verbs_after_partial(masked, span, sentence)
        if not verbs:
            return None
    verb, phrase, phrase_start = _nearest_with_subject(masked, verbs, sentence[0])
    cue, _ = verb_phrase(masked, verb, span.open_mark)
    if _participle_after_comma(masked, verb, sentence[0]):
        # `…, Lord Baker added, saying there had been a "degeneration"`: the speaker of the
        # verb before it, else the sentence's subject (`Mrs Thatcher marked …, complaining …`)
        earlier = [v for v in verbs if v.start() < verb.start()]
        found = _subject_before(masked, earlier[-1].start(), sentence[0]) if earlier else ("", 0)
        phrase, phrase_start = found if found[0] else _sentence_subject(masked, sentence[0], verb.start())
    if not phrase and verb.group().casefold() in ("according to", "по словам"):
        phrase, phrase_start = _trim_clause(masked[verb.end() : span.open_mark]).strip(" ,"), verb.end()
    return cue, verb.start(), phrase, phrase_start


def _nearest_with_subject(masked: str, verbs: list[re.Match], start: int) -> tuple[re.Match, str, int]:
    """The verb nearest the quote whose subject names someone (`states` in "in all states"
    has none), with that subject."""
    for verb in reversed(verbs):
        if _PASSIVE.search(masked, start, verb.start()):
            phrase, phrase_start = _agent(masked, verb, start)  # "was advised by the No 10 policy unit"
        else:
            phrase, phrase_start = _subject_before(masked, verb.start(), start)
        if phrase and parse_phrase(phrase) is not None:
            return verb, phrase, phrase_start
    phrase, phrase_start = _subject_before(masked, verbs[-1].start(), start)
    return verbs[-1], phrase, phrase_start


def _agent(masked: str, verb: re.Match, start: int) -> tuple[str, int]:
    """Who speaks in a passive: the agent after `by`, else the document the sentence
    names (`In one briefing note she was warned that …`); the subject is the listener."""
    agent = re.match(
        r"\s+by\s+((?:the|a|an)\s+)?([^,.;:]+?)(?=\s+(?:to|that|about|on|in|for)\b|[,.;:]|$)",
        masked[verb.end() :],
    )
    if agent:
        return agent.group(0).split("by", 1)[1].strip(), verb.end() + agent.start(2)
    document = _DOCUMENT.search(masked, start, verb.start())
    return (document.group(1), document.start(1)) if document else ("", start)


def _participle_after_comma(masked: str, verb: re.Match, start: int) -> bool:
    return verb.group().endswith("ing") and masked[start : verb.start()].rstrip().endswith(",")


def _verbs_after_partial(masked: str, span: Span, sentence: tuple[int, int]) -> list:
    """A partial quote attributed later in its sentence (`“…” teachers, the minister said`)."""
    return verbs_in(masked, span.close_mark, sentence[1])[:1]


def _subject_before(masked: str, verb_start: int, sentence_start: int) -> tuple[str, int]:
    """The speaker phrase just before a verb: names, titles, an article and a role noun,
    skipping adverbs; else the sentence's subject when the verb is coordinated
    (`Pompeo disregarded … and said`)."""
    tokens = list(_SPEAKER_TOKEN.finditer(masked, sentence_start, verb_start))
    while tokens and _adverb(tokens[-1].group()):
        tokens.pop()
    if tokens and tokens[-1].group() == ",":
        found = _before_apposition(masked, tokens)
        if found[0]:
            return found
    kept = []
    for token in reversed(tokens):
        word = token.group()
        if not _speaker_word(word, kept):
            break
        kept.insert(0, token)
    while kept and (kept[0].group() == "," or kept[0].group().casefold() in _OPENERS):
        kept.pop(0)  # "However she eventually concluded"
    if kept:
        return masked[kept[0].start() : kept[-1].end()], kept[0].start()
    return _sentence_subject(masked, sentence_start, verb_start)


def _before_apposition(masked: str, tokens: list[re.Match]) -> tuple[str, int]:
    """`Omar Lamrani, a senior analyst at Stratfor, the … organization, told` and `The
    company, Acme Corp., said`: the head before the first comma, or the apposition after
    it when only that is a name."""
    commas = [i for i, t in enumerate(tokens[:-1]) if t.group() == ","]
    if not commas or len(tokens) - commas[0] > 40:
        return "", 0
    head = _kept(tokens[: commas[0]])
    apposition = tokens[commas[0] + 1 : commas[1] if len(commas) > 1 else -1]
    for part in (head, apposition):
        if (
            part
            and (phrase := parse_phrase(masked[part[0].start() : part[-1].end()]))
            and phrase.form == "name"
        ):
            return masked[part[0].start() : tokens[-1].start()].rstrip(" ,"), part[0].start()
    if head:
        return masked[head[0].start() : head[-1].end()], head[0].start()
    return "", 0


def _kept(tokens: list[re.Match]) -> list[re.Match]:
    kept: list[re.Match] = []
    for token in reversed(tokens):
        if not _speaker_word(token.group(), kept):
            break
        kept.insert(0, token)
    return kept


def _adverb(word: str) -> bool:
    return word.casefold() in _ADVERBS or (word.islower() and word.endswith("ly") and len(word) > 4)


def _speaker_word(word: str, kept: list) -> bool:
    lowered = word.casefold()
    if lowered == "and":  # "the Russian and Syrian defense ministries"
        return bool(kept) and is_capitalised(kept[0].group())
    if lowered in _CLAUSE_WORDS or word == ",":
        return False
    if is_capitalised(word) or lowered in SPEAKER_WORDS:
        return True
    if lowered in ("he", "she", "they", "it", "we", "i"):
        return not kept or True
    return bool(kept) and (lowered.endswith(("-based", "’s", "'s")) or lowered in ("of", "for", "senior"))


def _sentence_subject(masked: str, start: int, end: int) -> tuple[str, int]:
    """The capitalised run (or pronoun) that opens the sentence, after any opener
    ("However, Mrs Thatcher …")."""
    tokens = list(_SPEAKER_TOKEN.finditer(masked, start, end))
    while tokens and (tokens[0].group() == "," or tokens[0].group().casefold() in STARTERS - _PRONOUNS):
        tokens.pop(0)
    kept = []
    for token in tokens:
        word = token.group()
        possessed = kept and kept[-1].group().endswith(("'s", "’s")) and word.islower()
        if word == "," or not (is_capitalised(word) or word.casefold() in TITLES or possessed):
            break
        kept.append(token)  # "Nisan Ahmado's source" is the source, not Nisan Ahmado
    if kept:
        return masked[kept[0].start() : kept[-1].end()], kept[0].start()
    return "", start
