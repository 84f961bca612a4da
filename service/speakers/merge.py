"""Merging two records of one speaker: in one transaction the survivor takes the other's
quotes, names and roles, and the other's id forwards to it (308)."""

from flask_smorest import abort
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased

from service.history.services import diff, forward, forwarding_address, record_change, record_changes
from service.quotes.models import Quote
from service.quotes.services import LOAD_EMBEDDED, fold_quote
from service.speakers.models import Speaker, SpeakerRole
from service.speakers.services import get_speaker, set_aliases, speaker_snapshot

ROLE_FIELDS = ("title", "organisation", "started_on", "ended_on")


def merge_speaker(session: Session, speaker_id: int, into_id: int) -> Speaker:
    """Merge speaker `speaker_id` into `into_id` and return the survivor. Repeating a merge
    that is done answers with the survivor again, so a client may retry it safely."""
    if forwarding_address(session, "speaker", speaker_id) == into_id:
        return get_speaker(session, into_id)
    _lock(session, speaker_id, into_id)
    speaker = get_speaker(session, speaker_id)
    survivor = _survivor(session, speaker, into_id)
    before = speaker_snapshot(survivor)
    merged = {"id": speaker.id, **speaker_snapshot(speaker)}
    _fold_shared_statements(session, speaker, survivor)
    _move_quotes(session, speaker, survivor)
    record_change(
        session, "speaker", speaker.id, "merge", {"merged_into": {"before": None, "after": survivor.id}}
    )
    forward(session, "speaker", speaker.id, survivor.id)
    _take_names_and_roles(session, speaker, survivor)
    session.delete(speaker)
    session.flush()
    changes = diff(before, speaker_snapshot(survivor)) | {"merged_speaker": {"before": None, "after": merged}}
    record_change(session, "speaker", survivor.id, "merge", changes)
    return survivor


def _lock(session: Session, *speaker_ids: int) -> None:
    """Lock both speakers, in id order so two opposite merges cannot deadlock."""
    session.execute(
        select(Speaker.id).where(Speaker.id.in_(speaker_ids)).order_by(Speaker.id).with_for_update()
    )


def _survivor(session: Session, speaker: Speaker, into_id: int) -> Speaker:
    if into_id == speaker.id:
        abort(422, errors={"into": ["A speaker cannot be merged into itself."]})
    survivor = session.get(Speaker, into_id)
    if survivor is not None:
        return survivor
    moved_to = forwarding_address(session, "speaker", into_id)
    if moved_to is not None:
        abort(
            422, errors={"into": [f"Speaker {into_id} was merged into speaker {moved_to}: use {moved_to}."]}
        )
    abort(422, errors={"into": [f"No speaker with id {into_id}."]})


def _fold_shared_statements(session: Session, speaker: Speaker, survivor: Speaker) -> None:
    """A statement both speakers are on record with becomes one quote, the survivor's."""
    kept = aliased(Quote)
    pairs = session.execute(
        select(Quote, kept)
        .join(kept, (kept.text_hash == Quote.text_hash) & (kept.speaker_id == survivor.id))
        .where(Quote.speaker_id == speaker.id)
        .options(*LOAD_EMBEDDED)
    ).all()
    for duplicate, original in pairs:
        fold_quote(session, duplicate, original)
    session.flush()


def _move_quotes(session: Session, speaker: Speaker, survivor: Speaker) -> None:
    """Every other quote changes speaker in one UPDATE, each with its history entry."""
    moved = session.scalars(
        update(Quote)
        .where(Quote.speaker_id == speaker.id)
        .values(speaker_id=survivor.id, version=Quote.version + 1, updated_at=func.now())
        .returning(Quote.id)
        .execution_options(synchronize_session=False)
    ).all()
    change = {"speaker_id": {"before": speaker.id, "after": survivor.id}}
    record_changes(session, "quote", "merge", dict.fromkeys(moved, change))


def _take_names_and_roles(session: Session, speaker: Speaker, survivor: Speaker) -> None:
    """The survivor keeps its name and gains the other's names, roles and Wikidata id,
    in one new version (even when nothing is new to it)."""
    wikidata_id = survivor.wikidata_id or speaker.wikidata_id
    if wikidata_id != survivor.wikidata_id:
        speaker.wikidata_id = None
        session.flush()  # the id is unique: free it before the survivor takes it
    survivor.wikidata_id = wikidata_id
    survivor.updated_at = func.now()
    set_aliases(survivor, [survivor.name, *survivor.other_names, speaker.name, *speaker.other_names])
    held = {tuple(getattr(r, f) for f in ROLE_FIELDS) for r in survivor.roles}
    survivor.roles.extend(
        SpeakerRole(**{f: getattr(r, f) for f in ROLE_FIELDS})
        for r in speaker.roles
        if tuple(getattr(r, f) for f in ROLE_FIELDS) not in held
    )
