"""Which speaker each line of a batch names.

The speakers on record that a batch's names could mean are looked up together
(`SPEAKERS_BY_KEY` and `SPEAKERS_BY_WIKIDATA_ID` in merge.py); then each line is resolved in order, the way
`match_or_create_speaker` resolves one request: by Wikidata id, else by the display
name, else by any alias; a name that matches nobody creates a speaker, which later
lines of the same batch then find too.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from service.history.services import jsonable
from service.text import name_key as _name_key

# A batch names the same speakers over and over: normalise each spelling once.
name_key = lru_cache(maxsize=100_000)(_name_key)


class AmbiguousName(ValueError):
    """A display name shared by several speakers: the line must give `speaker_id`."""


@dataclass(eq=False)
class NewSpeaker:
    """A speaker the batch creates, with every spelling of its name (display name first)."""

    name: str
    kind: str
    wikidata_id: str | None
    roles: list[dict]
    aliases: list[str] = field(default_factory=list)
    id: int | None = None

    def add_aliases(self, names: list[str]) -> None:
        self.aliases = distinct_names([*self.aliases, *names])

    def history_view(self) -> dict:
        """What the history entry of its creation holds (as `create_speaker` writes it)."""
        roles = [
            {k: jsonable(role.get(k)) for k in ("title", "organisation", "started_on", "ended_on")}
            for role in self.roles
        ]
        other_names = [alias for alias in self.aliases if alias != self.name]
        return {
            "name": self.name,
            "kind": self.kind,
            "wikidata_id": self.wikidata_id,
            "aliases": other_names,
            "roles": roles,
        }


def distinct_names(names: list[str]) -> list[str]:
    """Each spelling once, trimmed, in order (as `_set_aliases` keeps them)."""
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def name_keys(spec: dict) -> set[str]:
    """The alias keys of every name a speaker object gives."""
    return {name_key(n) for n in [spec["name"], *spec.get("aliases", [])]}


class Directory:
    """The speakers a batch's names point at: those on record, and those the batch creates."""

    def __init__(self, ids_by_key: dict[str, list[int]], ids_by_wikidata_id: dict[str, int]):
        self._by_key: dict[str, set] = {key: set(ids) for key, ids in ids_by_key.items()}
        self._by_wikidata_id: dict[str, object] = dict(ids_by_wikidata_id)
        self.new: list[NewSpeaker] = []
        self.named: dict[int, list[str]] = {}  # names lines gave for speakers on record, in order

    def resolve(self, spec: dict, keys: frozenset[str]) -> "int | NewSpeaker":
        """The speaker a `speaker` object names (its names' alias keys: `keys`), created
        if nobody matches."""
        speaker = self._find(spec, keys)
        if speaker is None:
            speaker = NewSpeaker(spec["name"], spec["kind"], spec.get("wikidata_id"), spec.get("roles", []))
            speaker.add_aliases([spec["name"], *spec.get("aliases", [])])
            self.new.append(speaker)
            if speaker.wikidata_id:
                self._by_wikidata_id[speaker.wikidata_id] = speaker
        elif isinstance(speaker, NewSpeaker):
            speaker.add_aliases(spec.get("aliases", []))
        else:
            self.named.setdefault(speaker, []).extend(spec.get("aliases", []))
        for key in keys:
            self._by_key.setdefault(key, set()).add(speaker)
        return speaker

    def _find(self, spec: dict, keys: frozenset[str]) -> "int | NewSpeaker | None":
        wikidata_id = spec.get("wikidata_id")
        if wikidata_id and wikidata_id in self._by_wikidata_id:
            return self._by_wikidata_id[wikidata_id]
        by_name = self._known_as({name_key(spec["name"])})
        if len(by_name) > 1:
            on_record = ", ".join(str(s) for s in sorted(s for s in by_name if isinstance(s, int)))
            raise AmbiguousName(f"{spec['name']!r} names several speakers ({on_record}); give speaker_id.")
        by_any = by_name or self._known_as(keys)
        return next(iter(by_any)) if len(by_any) == 1 else None

    def _known_as(self, keys: set[str]) -> set:
        return set().union(*(self._by_key.get(key, set()) for key in keys))
