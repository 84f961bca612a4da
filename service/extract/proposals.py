"""From an article's text to proposed quotes: spans, speakers, dates, languages.

The article is read once, sentence by sentence in order, so that a surname or a pronoun
refers back to the person named before it: people are registered as the text
introduces them (with a role before the name, an apposition after it, an honorific, or
as a name on record), the subject of each sentence becomes the salient person, and each
quote's speaker phrase is resolved against them and against the speakers on record.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from service.extract.attribution import Quoted, attributed
from service.extract.dates import said_on
from service.extract.indirect import reported
from service.extract.quotes import Span
from service.extract.speakers import (
    NAME_WORDS,
    ORG_WORDS,
    ROLE_WORDS,
    STARTERS,
    TITLES,
    Entity,
    Phrase,
    Registry,
    gender_of,
    is_capitalised,
    is_organisation,
    join_name,
    parse_phrase,
    split_name,
)
from service.extract.tweets import Tweet, language, tweets
from service.fields import MAX_NAME, MAX_NOTE, MAX_TEXT
from service.text import name_key

Lookup = Callable[[list[str]], dict[str, dict]]  # names -> {name_key: speaker on record}
_CAPITAL = r"(?:@\w+|[A-ZА-ЯЁ][\w’'-]*\.?|[A-Z]\.)"
_RUN = re.compile(_CAPITAL + r"(?:\s+(?:(?:of|for|de|del|van|von|bin|al|da|du|la|le)\s+)?" + _CAPITAL + ")*")
CONFIDENCE = {"direct": 0.9, "partial": 0.75, "indirect": 0.5}
REFERRED = {"pronoun": 0.85, "inherited": 0.8, "definite": 0.8, "document": 0.7}


@dataclass(frozen=True)
class Article:
    """An article to read, with what is known of its source."""

    text: str
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    agency: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    lang: str = "en"

    def source(self) -> dict:
        """The source every proposal cites, as the import takes it."""
        source = {
            "url": self.url,
            "title": fit(self.title or _first_line(self.text), 1000),
            "publisher": fit(self.publisher, MAX_NAME),
            "agency": fit(self.agency, MAX_NAME),
            "authors": [fit(author, MAX_NAME) for author in self.authors[:50]],
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "lang": self.lang,
            "kind": "article",
        }
        return {key: value for key, value in source.items() if value not in (None, [])}


@dataclass
class Proposal:
    """A proposed quote: the import's record plus what a reviewer needs."""

    text: str
    lang: str
    kind: str
    start: int
    end: int
    confidence: float
    resolution: str  # alias, surname, pronoun, new, description, organisation, handle
    cue: str | None = None
    speaker: dict | None = None
    speaker_description: str | None = None
    speaker_role: str | None = None
    said_on: date | None = None
    said_on_precision: str | None = None
    printed_text: str | None = None
    attribution: str | None = None
    speaker_as_printed: str | None = None
    translations: list[dict] = field(default_factory=list)

    def record(self, source: dict) -> dict:
        """The `POST /v1/imports` line for this proposal, with an `extraction` note."""
        record = {"text": self.text, "lang": self.lang, "kind": self.kind, "status": "unverified"}
        if self.speaker:
            record["speaker"] = self.speaker | {"name": fit(self.speaker["name"], MAX_NAME)}
        else:
            record["speaker_description"] = fit(self.speaker_description, MAX_NAME)
        optional = {
            "speaker_role": fit(self.speaker_role, MAX_NAME),
            "said_on": self.said_on.isoformat() if self.said_on else None,
            "said_on_precision": self.said_on_precision if self.said_on else None,
            "context": fit(self.cue, MAX_NOTE),
            "translations": self.translations,
        }
        record |= {key: value for key, value in optional.items() if value}
        citation = {
            "source": source,
            "printed_text": fit(self.printed_text, MAX_TEXT),
            "attribution": fit(self.attribution, MAX_NOTE),
        }
        record["citations"] = [{key: value for key, value in citation.items() if value}]
        record["extraction"] = {
            "start": self.start,
            "end": self.end,
            "cue": self.cue,
            "confidence": self.confidence,
            "speaker_resolution": self.resolution,
            "speaker_as_printed": self.speaker_as_printed,
        }
        return record


def propose(article: Article, lookup: Lookup) -> list[Proposal]:
    """Every quote of `article`, attributed, in the order of the text."""
    text = article.text
    embedded = tweets(text)
    quoted, masked, bounds, spans = attributed(text)
    quoted = [q for q in quoted if not _inside_tweet(q, embedded, text)]
    registry = Registry(lookup(_candidate_names(masked, quoted, embedded)))
    reader = _Reader(article, registry, masked)
    translations = {tweet: _translation(text, tweet, spans) for tweet in embedded}
    proposals = [reader.tweet(tweet, translation) for tweet, translation in translations.items()]
    translated = {span.open_mark for span in translations.values() if span is not None}
    quoted = [q for q in quoted if q.span.open_mark not in translated]
    quoted += [q for q in reported(text, bounds) if not _inside_tweet(q, embedded, text)]
    pending = sorted(quoted, key=lambda q: q.span.open_mark)
    for sentence in bounds:
        reader.sentence(sentence)
        while pending and pending[0].span.open_mark < sentence[1]:
            if proposal := reader.quote(pending.pop(0)):
                proposals.append(proposal)
    return sorted((p for p in proposals if len(p.text) <= MAX_TEXT), key=lambda p: p.start)


def fit(value: str | None, limit: int) -> str | None:
    """`value` cut to `limit` characters at a word, marked with "…" (the import's limits)."""
    if value is None or len(value) <= limit:
        return value
    return value[: limit - 1].rsplit(" ", 1)[0] + "…"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]


def _inside_tweet(item: Quoted, embedded: list[Tweet], text: str) -> bool:
    return any(t.start <= item.span.open_mark < t.signature_end for t in embedded)


def _translation(text: str, tweet: Tweet, spans: list[Span]) -> Span | None:
    """The quoted paragraph right after a tweet's signature: its translation."""
    following = text[tweet.signature_end :]
    gap = len(following) - len(following.lstrip())
    return next((span for span in spans if span.open_mark == tweet.signature_end + gap), None)


def _candidate_names(masked: str, quoted: list[Quoted], embedded: list[Tweet]) -> list[str]:
    names = {m.group() for m in _RUN.finditer(masked) if " " in m.group()}
    names |= {
        phrase.text for q in quoted if (phrase := parse_phrase(q.phrase or "")) and phrase.form != "pronoun"
    }
    names |= {word for q in quoted for word in (q.phrase or "").split() if is_capitalised(word)}
    names |= {t.author for t in embedded} | {t.handle for t in embedded}
    return sorted(names)


class _Reader:
    """Walks the article in order, keeping who has been named and who is salient."""

    def __init__(self, article: Article, registry: Registry, masked: str):
        self.article, self.registry, self.masked = article, registry, masked
        self.published = article.published_at.date() if article.published_at else None
        self.salient: Entity | None = None
        self.last: Entity | None = None  # the last quote's speaker
        self.history: list[Entity] = []  # people in the order they became salient
        self.last_organisation: Entity | None = None  # the organisation named last
        self.previous: tuple[Entity, str] | None = None

    def sentence(self, bounds: tuple[int, int]) -> None:
        """Register the people this sentence introduces; its subject becomes salient."""
        subject = None
        for match in _RUN.finditer(self.masked, *bounds):
            entity = self._introduced(match, bounds)
            if entity is not None and entity.kind == "organisation":
                self.last_organisation = entity
            if entity is not None and (entity.confirmed or self._opens(match, bounds)):
                subject = subject or entity
        if subject is not None and subject.kind == "person" and not _opens_with_pronoun(self.masked, bounds):
            self._make_salient(subject)

    def _make_salient(self, entity: Entity) -> None:
        self.salient = entity
        self.history.append(entity)

    def _pronoun(self, pronoun: str) -> Entity | None:
        """The most recently salient person the pronoun can stand for: `she` skips a
        Mr or a Sir."""
        wanted = "f" if pronoun in ("she", "она") else "m"
        return next((e for e in reversed(self.history) if e.gender in (None, wanted)), None)

    def _opens(self, match: re.Match, bounds: tuple[int, int]) -> bool:
        """Whether a name is the sentence's subject: it opens the sentence and a verb
        (a lower-case word) follows ("Margaret Thatcher attempted to …")."""
        opening = self.masked[bounds[0] : match.start()].split()
        return all(w.casefold().strip(",") in STARTERS for w in opening) and bool(
            re.match(r"\s+[a-z]", self.masked[match.end() : match.end() + 2])
        )

    def _introduced(self, match: re.Match, bounds: tuple[int, int]) -> Entity | None:
        """The entity a capitalised run names, registering a new name of two words or more
        (confirmed as a person only with evidence: a role, an honorific, an apposition)."""
        role, words = split_name(re.sub(r"['’]s$", "", match.group()).split())
        if not words:
            return None
        name = join_name(words)
        known = self.registry.known(name)
        if known is not None:
            known.gender = known.gender or gender_of(role)
            return known
        if len(words) < 2:
            return None
        kind = "organisation" if is_organisation(words) else "person"
        confirmed = kind == "person" and (bool(role) or self._looks_like_person(match, name, bounds))
        role_text = " ".join(role) or _role_before(self.masked, match.start(), bounds[0])
        entity, _ = self.registry.named(name, kind, role_text if kind == "person" else None, confirmed)
        entity.gender = entity.gender or gender_of(role)
        return entity

    def _looks_like_person(self, match: re.Match, name: str, bounds: tuple[int, int]) -> bool:
        before = self.masked[max(bounds[0], match.start() - 40) : match.start()].split()
        after = self.masked[match.end() : match.end() + 12]
        first = match.group().split()[0].casefold().rstrip(".")
        return (
            self.registry.on_record(name) == "person"
            or first in NAME_WORDS
            or first in TITLES
            or (bool(before) and before[-1].casefold().rstrip(".,") in ROLE_WORDS)
            or bool(re.match(r"^,\s+(?:a|an|the|who|chief|head)\b", after))
        )

    def tweet(self, tweet: Tweet, translation: Span | None) -> "Proposal":
        """An embedded tweet: a direct quote by its author, dated by the tweet."""
        entity, how = self.registry.named(tweet.author, "person")
        if not entity.record and (handled := self.registry.on_record_entity(tweet.handle)):
            entity, how = handled, "handle"
        entity.handle = tweet.handle
        words = self.article.text[tweet.start : tweet.end]
        translations = []
        if translation is not None:
            inner = translation.text(self.article.text).strip()
            translations = [{"lang": language(inner, self.article.lang), "text": inner}]
        proposal = Proposal(
            words, language(words, self.article.lang), "direct", tweet.start, tweet.end, 0.9, how, "tweet",
            said_on=tweet.said_on, said_on_precision="day" if tweet.said_on else None,
            attribution=f"{tweet.author} ({tweet.handle})", speaker_as_printed=tweet.author,
            translations=translations,
        )  # fmt: skip
        return self._speak(proposal, entity)

    def quote(self, item: Quoted) -> Proposal | None:
        """The proposal for one quoted span, or None when nobody can be named as its speaker."""
        resolved = self._resolve(item)
        if resolved is None:
            return None
        entity, how = resolved
        entity.confirmed = True
        self.last = entity
        if entity.kind in ("person", "unnamed"):
            self._make_salient(entity)
        text = self.article.text
        words = item.span.text(text)
        confidence = min(CONFIDENCE[item.kind], REFERRED.get(how, 1.0))
        sentence = text[item.sentence[0] : item.sentence[1]]
        day, precision = said_on(_around_cue(text, item), self.published)
        proposal = Proposal(
            words, language(words, self.article.lang), item.kind, item.span.start, item.span.end,
            confidence, how, item.cue, said_on=day, said_on_precision=precision,
            printed_text=sentence.strip(), attribution=_attribution(item), speaker_as_printed=item.phrase,
        )  # fmt: skip
        return self._speak(proposal, entity)

    def _resolve(self, item: Quoted) -> tuple[Entity, str] | None:
        if item.inherited:
            return (self.last, "inherited") if self.last else None
        phrase = parse_phrase(item.phrase or "")
        if phrase is None:
            return None
        resolved = self._resolve_phrase(phrase)
        if resolved is not None:
            self.previous = resolved
        return resolved

    def _resolve_phrase(self, phrase: Phrase) -> tuple[Entity, str] | None:
        if phrase.form == "name":
            return self.registry.named(phrase.text, "person", phrase.role)
        if phrase.form == "organisation":
            entity, how = self.registry.named(phrase.text, "organisation")
            return entity, "alias" if entity.record else "organisation"
        if phrase.form == "description":
            return self.registry.described(phrase.text), "description"
        if phrase.form == "pronoun":
            target = self._pronoun(phrase.text) if phrase.text in ("he", "she", "он", "она") else self.last
            return (target, "pronoun") if target else None
        if phrase.form == "document":
            return self._document(phrase)
        found = self.registry.referred(phrase.text) or self._definite(phrase.text)
        if found is None:
            return self.registry.described(phrase.text), "description"
        self.registry.refers(phrase.text, found)  # the same phrase later means the same speaker
        return found, "definite"

    def _definite(self, phrase: str) -> Entity | None:
        """Who "the official", "the physicians", "the assistant to the Russian leader" is."""
        found = self.registry.definite(phrase)
        if found is None and _collective(phrase):
            found = self.last_organisation  # "the physicians" after "Doctors for Camp Closure"
        if found is None:
            found = next((e for e in (self.last, self.salient) if e is not None and e.kind == "person"), None)
        return found

    def _document(self, phrase: Phrase) -> tuple[Entity, str] | None:
        owner = re.match(r"^(.*?)['’]s\s", phrase.text)
        if owner and is_capitalised(owner.group(1)):
            entity, how = self.registry.named(owner.group(1), "person")
            return entity, how
        target = self.last or self.salient
        return (target, "document") if target else None

    def _speak(self, proposal: Proposal, entity: Entity) -> Proposal:
        if entity.kind == "unnamed":
            proposal.speaker_description = entity.name
            return proposal
        proposal.speaker_role = entity.role
        if entity.record:
            record = entity.record
            aliases = [n for n in (entity.name, entity.handle) if n and name_key(n) not in record["keys"]]
            proposal.speaker = {"name": record["name"], "kind": record["kind"]} | (
                {"aliases": aliases} if aliases else {}
            )
        else:
            aliases = [entity.handle] if entity.handle else []
            proposal.speaker = {"name": entity.name, "kind": entity.kind} | (
                {"aliases": aliases} if aliases else {}
            )
        return proposal


def _collective(phrase: str) -> bool:
    """A definite phrase for a body rather than a person: "the agency", "the doctors"."""
    noun = phrase.split()[-1].casefold()
    return noun in ORG_WORDS or (noun.endswith("s") and noun.rstrip("s") + "s" == noun and len(noun) > 4)


def _opens_with_pronoun(masked: str, bounds: tuple[int, int]) -> bool:
    """Whether the sentence's subject is a pronoun ("However she eventually concluded")."""
    words = re.findall(r"[\w’']+", masked[bounds[0] : bounds[1]])[:4]
    for word in words:
        if word.casefold() in ("he", "she", "his", "her"):
            return True
        if word.casefold() not in STARTERS:
            return False
    return False


def _role_before(masked: str, start: int, sentence_start: int) -> str | None:
    words = masked[sentence_start:start].split()
    kept: list[str] = []
    for word in reversed(words):
        if len(kept) >= 6 or not (is_capitalised(word) or word.casefold() in ROLE_WORDS):
            break
        kept.insert(0, word)
    while kept and kept[0].casefold() in STARTERS:
        kept.pop(0)
    return " ".join(kept) or None


def _around_cue(text: str, item: Quoted) -> str:
    """The words around the attribution, where "on Wednesday" says when it was said."""
    if item.cue_start is None:
        return ""
    start = max(item.sentence[0], min(item.phrase_start, item.cue_start) - 30)
    end = min(item.sentence[1], item.cue_start + len(item.cue or "") + 40)
    if start < item.span.open_mark < end:
        start, end = (
            (start, item.span.open_mark)
            if item.cue_start < item.span.open_mark
            else (item.span.close_mark, end)
        )
    return text[start:end]


def _attribution(item: Quoted) -> str | None:
    if not item.cue:
        return None
    if not item.phrase:
        return item.cue
    if item.phrase_start < (item.cue_start or 0):
        return f"{item.phrase} {item.cue}"
    return f"{item.cue} {item.phrase}"
