"""/v1/speakers: route → schema → service → response."""

import flask
from flask.views import MethodView
from flask_smorest import Blueprint

from service import db
from service.pagination import paginate
from service.speakers import services
from service.speakers.models import Speaker
from service.speakers.schemas import (
    SpeakerFilterSchema, SpeakerInSchema, SpeakerPageSchema, SpeakerPatchSchema, SpeakerSchema,
)

blp = Blueprint("speakers", __name__, url_prefix="/v1/speakers", description="Who said it.")


@blp.route("")
class Speakers(MethodView):
    @blp.arguments(SpeakerFilterSchema, location="query")
    @blp.response(200, SpeakerPageSchema)
    def get(self, args):
        """List speakers; `q` matches any alias."""
        return paginate(db.session(), services.list_speakers(args), Speaker.id, args)

    @blp.arguments(SpeakerInSchema)
    @blp.response(201, SpeakerSchema)
    def post(self, data):
        """Add a speaker."""
        speaker = services.create_speaker(db.session(), data)
        return speaker, 201, {"Location": flask.url_for(".SpeakerById", speaker_id=speaker.id)}


@blp.route("/<id:speaker_id>")
class SpeakerById(MethodView):
    @blp.response(200, SpeakerSchema)
    def get(self, speaker_id):
        """One speaker, with every alias and role."""
        return services.get_speaker(db.session(), speaker_id)

    @blp.arguments(SpeakerPatchSchema)
    @blp.response(200, SpeakerSchema)
    def patch(self, changes, speaker_id):
        """Change a speaker; `aliases` and `roles` replace their lists."""
        session = db.session()
        return services.update_speaker(session, services.get_speaker(session, speaker_id), changes)
