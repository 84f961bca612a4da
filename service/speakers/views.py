"""/v1/speakers: who said it."""

from flask.views import MethodView

from service import db
from service.resources import MOVED, Blueprint, Resource, collection_view, history_view, item_view
from service.speakers import schemas, services
from service.speakers.merge import merge_speaker

blp = Blueprint("speakers", __name__, url_prefix="/v1/speakers", description="Who said it.")

SPEAKERS = Resource.of("speaker", schemas, services, mergeable=True)
collection_view(blp, SPEAKERS)
item_view(blp, SPEAKERS)
history_view(blp, SPEAKERS)


@blp.route("/<id:speaker_id>/merge")
class SpeakerMerge(MethodView):
    """Two records of one speaker become one."""

    @blp.arguments(schemas.MergeSchema)
    @blp.response(200, schemas.SpeakerSchema, description="The surviving speaker.")
    @blp.alt_response(308, **MOVED)
    def post(self, data, speaker_id):
        """Merge this speaker into `into`, in one transaction: its quotes (a statement both
        are on record with becomes one quote), names and roles move to the survivor, and
        this id then answers 308 with the survivor's path. Both histories record the merge."""
        return merge_speaker(db.session(), speaker_id, data["into"])
