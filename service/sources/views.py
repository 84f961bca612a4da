"""/v1/sources: where it was published."""

from service.resources import Blueprint, Resource, collection_view, history_view, item_view
from service.sources import schemas, services

blp = Blueprint("sources", __name__, url_prefix="/v1/sources", description="Where it was published.")

SOURCES = Resource.of("source", schemas, services)
collection_view(blp, SOURCES)
item_view(blp, SOURCES)
history_view(blp, SOURCES)
