"""/v1/speakers: who said it."""

from flask_smorest import Blueprint

from service.resources import Resource, collection_view, history_view, item_view
from service.speakers import schemas, services

blp = Blueprint("speakers", __name__, url_prefix="/v1/speakers", description="Who said it.")

SPEAKERS = Resource.of("speaker", schemas, services)
collection_view(blp, SPEAKERS)
item_view(blp, SPEAKERS)
history_view(blp, SPEAKERS)
