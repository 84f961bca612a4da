"""Every model, imported once so the metadata Alembic compares against is complete."""

from service.auth.models import ApiKey
from service.db import Base
from service.history.models import Forwarding, HistoryEntry
from service.imports.models import ImportRequest
from service.quotes.models import Citation, Quote, Translation
from service.search.models import FeedEntry
from service.sources.models import Source
from service.speakers.models import Speaker, SpeakerAlias, SpeakerRole

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "metadata",
    "Forwarding",
    "HistoryEntry",
    "ImportRequest",
    "Citation",
    "FeedEntry",
    "Quote",
    "Translation",
    "Source",
    "Speaker",
    "SpeakerAlias",
    "SpeakerRole",
]
