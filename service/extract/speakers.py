"""Who a speaker phrase names: a person, an organisation, an unnamed source, or a
pronoun or short form that refers back to someone named earlier.

Rules of news copy: a person is introduced once in full, usually with a role before the
name (`Kremlin aide Yury Ushakov`) or after it (`Artyom Lukin, a professor at …`), then
called by surname (`Ushakov`), by a title and surname (`Mrs Thatcher`) or by a pronoun.
A phrase with an article and a common noun (`a U.S. State Department official`) is an
unnamed source; `the official` later refers back to it. The database's speakers and their
aliases are the gazetteer: a name (or a handle) found there is that speaker.
"""

import re
from dataclasses import dataclass, field
from functools import cached_property

from service.text import name_key

PRONOUNS = {"he": "person", "she": "person", "him": "person", "her": "person", "они": "group"}
PERSON_PRONOUNS = frozenset({"he", "she", "он", "она"})
GROUP_PRONOUNS = frozenset({"they", "it", "we"})
DETERMINERS = frozenset(
    (
        "a an the one two three some several many another other its his her their our this that these those"
    ).split()
)
HONORIFICS = frozenset("mr mr. mrs mrs. ms ms. dr dr. miss mx".split())
KEPT_HONORIFICS = frozenset("sir dame lord lady".split())
TITLES = frozenset(
    (
        "president vice prime minister secretary chairman chairwoman chair senator sen. rep. "
        "representative governor gov. ambassador chancellor general gen. admiral colonel col. "
        "judge justice mayor premier king queen prince princess pope speaker leader chief "
        "spokesman spokeswoman spokesperson aide adviser advisor envoy director professor prof. "
        "foreign defense defence interior finance state deputy first special coach captain "
        "commissioner sheriff officer detective attorney counsel ceo founder economist analyst "
        "lawmaker lieutenant lt. sergeant sgt. dr. minister ambassador executive head "
        "superintendent dean principal bishop archbishop rabbi imam pastor reverend rev. "
        "congressman congresswoman assemblyman councilman councilwoman alderman trustee treasurer "
        "comptroller marshal commander manager winger forward defenseman goalie striker "
        "midfielder quarterback pitcher coordinator correspondent editor reporter producer"
    ).split()
)
ORG_WORDS = frozenset(
    (
        "ministry department office commission committee council agency party league union "
        "association organization organisation institute university college school foundation "
        "group corporation company inc inc. ltd ltd. corp corp. news times post government "
        "court police army navy military bank fund service services centre center bureau "
        "kremlin pentagon parliament congress senate house embassy authority administration "
        "board network channel broadcaster tv radio press media campaign coalition alliance "
        "federation ministries forces guard team club airlines twitter google facebook "
        "microsoft apple amazon reuters ap afp kcna ria tass nhk yonhap bbc cnn nbc abc "
        "cbs fox telegraph guardian doctors unit"
    ).split()
)
DOCUMENT_WORDS = frozenset(
    "statement letter report note memo release post tweet message email briefing".split()
)
ROLE_NOUNS = frozenset(
    (
        "official officials spokesman spokeswoman spokesperson source sources member members "
        "officer aide adviser advisor analyst analysts expert experts diplomat diplomats "
        "resident residents witness witnesses person people man woman worker workers refugee "
        "teacher teachers protesters crowd lawyer attorney executive employee staff crew "
        "representative representatives leader leaders minister secretary envoy professor "
        "president chairman director researcher student students activist activists doctors "
        "physicians nurses lawyers scientists researchers economists investigators prosecutors "
        "authorities agency ministry ministries government company analysts organizers organisers"
    ).split()
)
ROLE_WORDS = TITLES | ROLE_NOUNS
TITLE_WORDS = TITLES | HONORIFICS
NAME_WORDS = HONORIFICS | KEPT_HONORIFICS
SPEAKER_WORDS = DETERMINERS | ROLE_NOUNS | TITLES | ORG_WORDS
STARTERS = frozenset(
    (
        "the a an in on at but and for after before while when if as this that it he she they we "
        "his her their its our some many earlier later during since under with without by from "
        "there here what who why how according meanwhile also still so yet however although though "
        "asked speaking despite instead indeed"
    ).split()
)
INDEFINITE = frozenset("a an one two three four five some several many another".split())
_TOKEN = re.compile(r"@\w+|[\w’'.-]+|\S", re.UNICODE)


@dataclass
class Entity:
    """Someone the article names: its name as first introduced, role, kind, and what
    the database knows of it."""

    name: str
    kind: str  # person, organisation, group, or "unnamed" (a description)
    role: str | None = None
    forms: set[str] = field(default_factory=set)  # every name_key it was called by
    record: dict | None = None  # the speaker on record: {"id", "name", "kind", "aliases"}
    handle: str | None = None
    confirmed: bool = True  # known to be a speaker or a person, not only a capitalised run
    gender: str | None = None  # "m" or "f" when an honorific says so (Mr, Mrs, Sir, Lady…)

    @cached_property
    def tokens(self) -> list[str]:
        """The name's words, honorifics and titles aside."""
        return [t for t in name_key(self.name).split() if t not in KEPT_HONORIFICS]


@dataclass(frozen=True)
class Phrase:
    """A speaker phrase parsed: a pronoun, a name (with its role), or a description."""

    form: str  # pronoun, name, organisation, description, definite, document
    text: str
    role: str | None = None


FEMININE = frozenset("mrs mrs. ms ms. miss lady dame madam queen princess she her".split())
MASCULINE = frozenset("mr mr. sir lord king prince he him his".split())


def gender_of(words: list[str]) -> str | None:
    """ "f" or "m" when a word of the name or its role says so ("Mrs Thatcher")."""
    lowered = {w.casefold() for w in words}
    if lowered & FEMININE:
        return "f"
    return "m" if lowered & MASCULINE else None


def is_capitalised(token: str) -> bool:
    """A word written with a capital (or a handle): a name's word."""
    return bool(token) and (token[0].isupper() or token[0] == "@")


def parse_phrase(phrase: str) -> Phrase | None:
    """Read a speaker phrase: "Kremlin aide Yury Ushakov", "he", "a U.S. official"…"""
    text = phrase.strip(' ,.;:—–-\n\t"“”«»')
    if not text:
        return None
    head, _, apposition = text.partition(",")
    head = head.strip()
    lowered = head.casefold()
    if lowered in PRONOUNS or lowered in GROUP_PRONOUNS or lowered in PERSON_PRONOUNS:
        return Phrase("pronoun", lowered)
    words = _TOKEN.findall(head)
    if not words:
        return None
    first = words[0].casefold()
    if first in INDEFINITE or (len(words) == 1 and first in ROLE_NOUNS):
        return Phrase("description", text.rstrip(" ,"))  # also "one briefing note"
    if words[-1].casefold() in DOCUMENT_WORDS or (len(words) > 1 and words[-2].casefold() in DOCUMENT_WORDS):
        return Phrase("document", head)
    roles = [w for w in words if w.casefold().rstrip(".") in ROLE_WORDS]
    if roles and all(
        w.casefold().rstrip(".") in ROLE_WORDS or w.casefold() in ("the", "then") for w in words
    ):
        return Phrase("definite", head)  # "the then prime minister"
    name, before = _trailing_name(words)
    if name and not _is_org(name, words):
        role = _role(before) or _apposition_role(apposition)
        return Phrase("name", name, role)
    if _is_org(name or head, words):
        return Phrase("organisation", _org_name(head))
    if first == "the" and len(words) > 1:
        return Phrase("definite", head)
    if words[-1].islower() and words[-1] in ROLE_NOUNS:
        return Phrase("description", text.rstrip(" ,"))  # "Nisan Ahmado's source"
    return None


def _trailing_name(words: list[str]) -> tuple[str | None, list[str]]:
    """The capitalised run that ends the phrase (a name is written last:
    "Kremlin aide Yury Ushakov"), and the words before it."""
    end = len(words)
    while end and words[end - 1] in ("'s", "’s"):
        end -= 1
    start = end
    while start and (is_capitalised(words[start - 1]) or _initial(words[start - 1])):
        start -= 1
    role, run = split_name(words[start:end])
    if not run:
        return None, words
    return join_name(run), words[:start] + role


def split_name(words: list[str]) -> tuple[list[str], list[str]]:
    """(role, name) of a capitalised run: "Australian Prime Minister Scott Morrison" is the
    role "Australian Prime Minister" and the name "Scott Morrison"; sentence openers go."""
    cut = 0
    while cut < len(words) and words[cut].casefold() in STARTERS:
        cut += 1
    titles = [i for i in range(cut, len(words) - 1) if words[i].casefold().rstrip(".,") in TITLE_WORDS]
    if titles:
        return words[cut : titles[-1] + 1], words[titles[-1] + 1 :]
    return [], words[cut:]


def join_name(words: list[str]) -> str:
    """The words of a name as one string, a full stop kept only after an initial."""
    name = " ".join(words).replace(" .", ".")
    return name if _initial(words[-1]) else name.rstrip(".")


def _initial(word: str) -> bool:
    return len(word) == 2 and word[1] == "." and word[0].isupper()


def is_organisation(words: list[str]) -> bool:
    """Whether a name's words make it an organisation ("Doctors for Camp Closure", "KCNA")."""
    return _is_org(" ".join(words), words)


def _is_org(name: str, words: list[str]) -> bool:
    tokens = [t.casefold().strip("’'") for t in words]
    connected = bool({"of", "for"} & set(tokens))  # "Doctors for Camp Closure", "Ministry of Defence"
    if any(t in ORG_WORDS for t in (tokens if connected else tokens[-3:])):
        return True
    return bool(re.fullmatch(r"[A-ZА-Я]{2,6}", name or ""))


def _org_name(head: str) -> str:
    words = head.split()
    if words and words[0].casefold() == "the":
        words = words[1:]
    return " ".join(words)


def _role(words: list[str]) -> str | None:
    kept = [w for w in words if w.casefold() not in ("the", "a", "an")]
    role = " ".join(kept).strip(" ,")
    return role.replace(" 's", "'s") or None


def _apposition_role(apposition: str) -> str | None:
    words = apposition.strip().split()
    if not words or words[0].casefold() not in ("a", "an", "the"):
        return None
    return " ".join(words[1:]).strip(" ,.") or None


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


class Registry:
    """The people and organisations an article names, in the order it names them."""

    def __init__(self, on_record: dict[str, dict]):
        self.entities: list[Entity] = []
        self._on_record = on_record  # name_key -> speaker on record
        self._by_form: dict[str, Entity] = {}
        self._referred: dict[str, Entity] = {}
        self._by_word: dict[tuple[int, str], list[Entity]] = {}  # (first 0 / last -1, word) -> names

    def named(
        self, name: str, kind: str = "person", role: str | None = None, confirmed: bool = True
    ) -> tuple[Entity, str]:
        """The entity `name` refers to (introduced now if new), and how it was resolved:
        alias (on record), surname (a short form of someone named earlier), or new."""
        key = name_key(name)
        exact = key in self._by_form and name_key(self._by_form[key].name) == key
        if known := self._known(key):
            if role and not known.role:
                known.role = role
            known.confirmed = known.confirmed or confirmed
            if not exact:
                return known, "surname"
            return known, "alias" if known.record else ("new" if known.kind == "person" else "organisation")
        entity = Entity(name=name, kind=kind, role=role, forms={key}, confirmed=confirmed)
        entity.record = self._on_record.get(key)
        if entity.record:
            entity.kind = entity.record["kind"]
        self._add(entity)
        return entity, "alias" if entity.record else ("organisation" if kind != "person" else "new")

    def described(self, description: str) -> Entity:
        """An unnamed source; a later "the official" refers back to it."""
        entity = Entity(name=description, kind="unnamed", forms={name_key(description)})
        self._add(entity)
        return entity

    def referred(self, phrase: str) -> Entity | None:
        """Who a definite phrase was found to mean the last time the article used it."""
        return self._referred.get(name_key(phrase))

    def refers(self, phrase: str, entity: Entity) -> None:
        """Remember who a definite phrase means."""
        self._referred[name_key(phrase)] = entity

    def _add(self, entity: Entity) -> None:
        self.entities.append(entity)
        for form in entity.forms:
            self._by_form.setdefault(form, entity)
        if entity.kind != "unnamed" and len(entity.tokens) > 1:
            for position in (0, -1):
                self._by_word.setdefault((position, entity.tokens[position]), []).append(entity)

    def definite(self, phrase: str) -> Entity | None:
        """Who a definite phrase refers to: the unnamed source with the same noun ("the
        official" after "a U.S. State Department official"), else the named one whose name
        or role has it ("the doctors" after "Doctors for Camp Closure")."""
        head = re.split(r"\b(?:to|of|for|at|in|with|from|on)\b", name_key(phrase))[0].split()
        noun = _singular(head[-1]) if head else ""
        if not noun:
            return None
        for kinds in (("unnamed",), ("organisation", "group", "person")):
            for entity in reversed(self.entities):
                words = name_key(f"{entity.name} {entity.role or ''}").split()
                if entity.kind in kinds and noun in {_singular(w) for w in words}:
                    return entity
        return None

    def known(self, name: str) -> Entity | None:
        """The entity `name` refers to, if the article has named it."""
        return self._known(name_key(name))

    def on_record(self, name: str) -> str | None:
        """The kind of the speaker on record under `name`, if any."""
        record = self._on_record.get(name_key(name))
        return record["kind"] if record else None

    def on_record_entity(self, name: str) -> Entity | None:
        """The entity for the speaker on record under `name` (a handle, say), if any."""
        record = self._on_record.get(name_key(name))
        if record is None:
            return None
        entity, _ = self.named(record["name"], record["kind"])
        entity.record = record
        return entity

    def _known(self, key: str) -> Entity | None:
        if key in self._by_form:
            return self._by_form[key]
        words = [w for w in key.split() if w not in NAME_WORDS and w.rstrip(".") not in TITLES]
        if not words:
            return None
        positions = (-1, 0) if len(words) == 1 else (-1,)
        for position in positions:  # a surname ("Ushakov", "Eriksson Ek"), a family name first ("Kim")
            for entity in self._by_word.get((position, words[position]), []):
                tokens = entity.tokens
                short = tokens[-len(words) :] if position == -1 else tokens[:1]
                if entity.kind in ("person", "organisation") and short == words and len(tokens) > len(words):
                    entity.forms.add(key)
                    self._by_form[key] = entity
                    return entity
        return None
