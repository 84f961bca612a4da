"""Speaker queries and changes. Functions take a session and never commit."""

from collections.abc import Callable

from flask_smorest import abort
from sqlalchemy import Double, Select, Subquery, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from service.errors import Conflict
from service.history.services import diff, raise_if_moved, record_change, snapshot
from service.pagination import Listing
from service.speakers.models import Speaker, SpeakerAlias, SpeakerRole
from service.text import latin_key, name_key

# Advisory locks on name keys, taken in one order so that two writers cannot deadlock.
LOCK_NAMES = """
SELECT pg_advisory_xact_lock(key_hash)
FROM (SELECT DISTINCT hashtextextended(key, 0) AS key_hash
      FROM unnest(%b::text[]) AS key ORDER BY 1) AS keys"""


def get_speaker(session: Session, speaker_id: int) -> Speaker:
    """The speaker with this id, 308 if it was merged into another, else 404."""
    speaker = session.get(Speaker, speaker_id, options=[selectinload(Speaker.aliases)])
    if speaker is None:
        raise_if_moved(session, "speaker", speaker_id)
        abort(404, message=f"No speaker with id {speaker_id}.")
    return speaker


def speaker_ids_named(name: str) -> Select:
    """The ids of every speaker with an alias equal to `name` once normalised, in any
    script where transliteration makes them equal (`Ушаков` is `Ushakov`)."""
    return select(SpeakerAlias.speaker_id).where(
        or_(SpeakerAlias.alias_key == name_key(name), SpeakerAlias.latin_key == latin_key(name))
    )


def name_closeness(name: str) -> Subquery:
    """(speaker_id, score 0..1) of every speaker with an alias close to `name`, in any
    script or inflection: trigram similarity of Latin-letter keys, whole or as a word
    run inside a longer alias (`Peskov` in `Dmitry Peskov`). An exact alias scores 1."""
    key = latin_key(name)
    close = func.greatest(
        func.similarity(SpeakerAlias.latin_key, key), func.word_similarity(key, SpeakerAlias.latin_key)
    )
    exact = SpeakerAlias.alias_key == name_key(name)
    score = cast(func.max(case((exact, 1.0), else_=close)), Double).label("score")
    return (
        select(SpeakerAlias.speaker_id, score)
        .where(or_(SpeakerAlias.latin_key.op("%")(key), literal(key).op("<%")(SpeakerAlias.latin_key), exact))
        .group_by(SpeakerAlias.speaker_id)
        .subquery("closeness")
    )


def list_speakers(args: dict) -> Select:
    """The speakers matching the list filters (`q` joins their closeness score)."""
    stmt = select(Speaker).options(selectinload(Speaker.aliases), selectinload(Speaker.roles))
    if "wikidata_id" in args:
        stmt = stmt.where(Speaker.wikidata_id == args["wikidata_id"])
    return stmt


def speaker_listing(args: dict) -> Listing:
    """Speakers in the order they were added, or closest first when `q` is given."""
    stmt = list_speakers(args)
    if "q" not in args:
        return Listing(stmt, (Speaker.id,))
    closeness = name_closeness(args["q"])
    stmt = stmt.join(closeness, closeness.c.speaker_id == Speaker.id)
    keys = (closeness.c.score, Speaker.id)
    return Listing(stmt, keys, descending=True, annotations={"score": closeness.c.score})


def create_speaker(session: Session, data: dict) -> Speaker:
    """A new speaker, with its display name among its aliases."""
    _check_wikidata_id_free(session, data.get("wikidata_id"))
    speaker = Speaker(name=data["name"], kind=data["kind"], wikidata_id=data.get("wikidata_id"))
    set_aliases(speaker, [data["name"], *data["aliases"]])
    speaker.roles = [SpeakerRole(**role) for role in data["roles"]]
    session.add(speaker)
    session.flush()
    record_change(session, "speaker", speaker.id, "create", speaker_snapshot(speaker))
    return speaker


def update_speaker(session: Session, speaker: Speaker, changes: dict) -> Speaker:
    """Apply a PATCH; `aliases` and `roles` replace their lists."""
    before = speaker_snapshot(speaker)
    if changes.get("wikidata_id") not in (None, speaker.wikidata_id):
        _check_wikidata_id_free(session, changes["wikidata_id"])
    for name in ("name", "kind", "wikidata_id"):
        if name in changes:
            setattr(speaker, name, changes[name])
    if "aliases" in changes or "name" in changes:
        aliases = changes.get("aliases", speaker.other_names)
        set_aliases(speaker, [speaker.name, *aliases])
    if "roles" in changes:
        speaker.roles = [SpeakerRole(**role) for role in changes["roles"]]
    _record_update(session, speaker, before)
    return speaker


def match_or_create_speaker(session: Session, data: dict) -> Speaker:
    """The speaker these names describe: found by Wikidata id or by any name, else created.

    A match gains the aliases it did not have yet. Names that match several
    speakers are ambiguous: the caller must give a `speaker_id`.
    """
    speaker = _find(session, data)
    if speaker is None:
        lock_names(session.connection().exec_driver_sql, lock_keys(data))
        speaker = _find(session, data)  # another writer may have created it meanwhile
    if speaker is None:
        return create_speaker(session, data)
    new_aliases = [a for a in data.get("aliases", []) if a not in speaker.other_names]
    if new_aliases:
        before = speaker_snapshot(speaker)
        set_aliases(speaker, [speaker.name, *speaker.other_names, *new_aliases])
        _record_update(session, speaker, before)
    return speaker


def lock_keys(data: dict) -> set[str]:
    """What two writers creating this speaker at once would both claim: its names'
    keys and its Wikidata id."""
    wikidata_id = data.get("wikidata_id")
    names = [data["name"], *data.get("aliases", [])]
    return {name_key(n) for n in names} | ({f"wikidata:{wikidata_id}"} if wikidata_id else set())


def lock_names(execute: Callable, keys: set[str]) -> None:
    """Wait until no other transaction is creating a speaker by these names; keep them
    until this one ends. Speakers have no unique name, so two requests, two imports, or
    one of each creating the same speaker at once are serialised here instead: the second
    finds the first's speaker. `execute` runs driver SQL (a psycopg cursor's `execute`)."""
    execute(LOCK_NAMES, (sorted(keys),))


def _find(session: Session, data: dict) -> Speaker | None:
    speaker = _find_by_wikidata_id(session, data.get("wikidata_id"))
    return speaker or _find_by_names(session, data["name"], data.get("aliases", []))


def _find_by_wikidata_id(session: Session, wikidata_id: str | None) -> Speaker | None:
    if wikidata_id is None:
        return None
    return session.scalar(select(Speaker).where(Speaker.wikidata_id == wikidata_id))


def _find_by_names(session: Session, name: str, aliases: list[str]) -> Speaker | None:
    """The one speaker known by the display name, else by any alias."""
    for names in ([name], [name, *aliases]):
        keys = {name_key(n) for n in names}
        ids = session.scalars(
            select(SpeakerAlias.speaker_id).where(SpeakerAlias.alias_key.in_(keys)).distinct()
        ).all()
        if len(ids) == 1:
            return get_speaker(session, ids[0])
        if len(ids) > 1 and names == [name]:
            abort(
                422,
                errors={"speaker": [f"{name!r} names several speakers ({_ids(ids)}); give speaker_id."]},
            )
    return None


def _ids(ids: list[int]) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def _check_wikidata_id_free(session: Session, wikidata_id: str | None) -> None:
    existing = _find_by_wikidata_id(session, wikidata_id)
    if existing is not None:
        raise Conflict(
            f"Speaker {existing.id} already has Wikidata id {wikidata_id}.",
            existing=f"/v1/speakers/{existing.id}",
        )


def set_aliases(speaker: Speaker, names: list[str]) -> None:
    """Keep one alias per distinct spelling, the display name first, reusing existing rows."""
    current = {a.alias: a for a in speaker.aliases}
    wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    speaker.aliases = [
        current.get(n) or SpeakerAlias(alias=n, alias_key=name_key(n), latin_key=latin_key(n)) for n in wanted
    ]


def speaker_snapshot(speaker: Speaker) -> dict:
    """The speaker's fields as its history records them."""
    view = snapshot(speaker, ("name", "kind", "wikidata_id"))
    view["aliases"] = speaker.other_names
    view["roles"] = [snapshot(r, ("title", "organisation", "started_on", "ended_on")) for r in speaker.roles]
    return view


def _record_update(session: Session, speaker: Speaker, before: dict) -> None:
    changes = diff(before, speaker_snapshot(speaker))
    if changes:
        speaker.updated_at = func.now()  # also bumps the version when only aliases or roles change
        session.flush()
        record_change(session, "speaker", speaker.id, "update", changes)
