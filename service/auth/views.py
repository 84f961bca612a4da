"""/v1/keys: API keys, managed over HTTP by an admin key."""

import flask
from flask.views import MethodView

from service import db
from service.auth import schemas, services
from service.auth.access import requires
from service.pagination import paginate
from service.resources import LIST_ARGUMENT_ERROR, Blueprint

blp = Blueprint("keys", __name__, url_prefix="/v1/keys", description="API keys (admin scope).")


@blp.route("")
class Keys(MethodView):
    """Every key, and new ones."""

    @requires("admin")
    @blp.arguments(schemas.KeyFilterSchema, location="query", error_status_code=LIST_ARGUMENT_ERROR)
    @blp.response(200, schemas.KeyPageSchema)
    def get(self, args):
        """List keys, revoked ones included. Secrets are never shown: only their hashes are stored."""
        return paginate(db.session(), services.key_listing(), args)

    @requires("admin")
    @blp.arguments(schemas.KeyInSchema)
    @blp.response(201, schemas.NewKeySchema)
    def post(self, data):
        """Create a key with a scope (`read`, `write` or `admin`; each includes the ones
        before it). The answer holds the secret: this once, never again."""
        key, secret = services.create_key(db.session(), data["name"], data["scope"])
        key.secret = secret
        return key, 201, {"Location": flask.url_for(".KeyByName", name=key.name)}


@blp.route("/<name>")
class KeyByName(MethodView):
    """One key."""

    @requires("admin")
    @blp.response(200, schemas.KeySchema)
    def get(self, name):
        """One key (never its secret)."""
        return services.get_key(db.session(), name)

    @requires("admin")
    @blp.response(200, schemas.KeySchema)
    def delete(self, name):
        """Revoke a key: it stops working at once and stays listed."""
        session = db.session()
        return services.revoke_key(session, services.get_key(session, name))
