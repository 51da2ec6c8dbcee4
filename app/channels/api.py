"""/api/Channels: minimal channel management. Phone secrets are rotated in the dashboard only."""
from flask import Blueprint, jsonify, url_for

from app.auth.policies import authenticated, requires
from app.channels.forms import ChannelForm
from app.channels.models import CHANNEL_SCHEMA, Channel
from app.channels.operations import delete_channel, save_channel
from app.extensions import db
from app.jsonforms import read_json_object, validate_json
from app.openapi import documented, page_params, paginated
from app.pagination import page_query, paginate, paginated_result
from app.problems import Problem
from app.tenancy import current_customer_id, get_scoped_or_404, scoped

bp = Blueprint("api_channels", __name__, url_prefix="/api/Channels")
SORTABLE = {"Name": Channel.name, "ChannelID": Channel.id, "ChannelType": Channel.channel_type,
            "IsActive": Channel.is_active}


@bp.get("")
@documented(
    summary="List channels (PaginatedResult of ChannelReadDTO)",
    query=page_params(SORTABLE, "Name", page_size=100),
    responses={200: ("A page of channels", paginated(CHANNEL_SCHEMA))},
)
@authenticated
def list_channels():
    query = page_query(SORTABLE, "Name", page_size=100)
    rows, total = paginate(scoped(Channel), query, SORTABLE, Channel.id)
    return jsonify(paginated_result([c.to_dto() for c in rows], total, query))


@bp.post("")
@documented(summary="Create a channel", body=ChannelForm,
            responses={201: ("Created; Location names the new channel", CHANNEL_SCHEMA), 409: ("A channel with this name exists", None)})
@requires("ManageSettings")
def create():
    form, _ = validate_json(ChannelForm, base={"isActive": True})
    channel = save_channel(Channel(customer_id=current_customer_id()), form)
    db.session.commit()
    response = jsonify(channel.to_dto())
    response.status_code = 201
    response.headers["Location"] = url_for(".read", channel_id=channel.id)
    return response


@bp.get("/<int:channel_id>")
@documented(summary="One channel", responses={200: ("ChannelReadDTO", CHANNEL_SCHEMA)})
@authenticated
def read(channel_id: int):
    return jsonify(get_scoped_or_404(Channel, channel_id).to_dto())


@bp.put("/<int:channel_id>")
@documented(
    summary="Update a channel: a field left out keeps its value; a channelID in the body must match the route",
    body=ChannelForm, partial=True, responses={204: ("Saved", None), 409: ("A channel with this name exists", None)},
)
@requires("ManageSettings")
def update(channel_id: int):
    """Partial: a field left out keeps its value. A channelID in the body must match the route."""
    body = read_json_object()
    if body.get("channelID") not in (None, channel_id):
        raise Problem(400, "The body channelID must match the route id.", {"channelID": [f"Expected {channel_id}."]})
    channel = get_scoped_or_404(Channel, channel_id)
    base = {"name": channel.name, "channelType": channel.channel_type, "isActive": channel.is_active}
    form, _ = validate_json(ChannelForm, base=base, partial=True, body=body)
    save_channel(channel, form)
    db.session.commit()
    return "", 204


@bp.delete("/<int:channel_id>")
@documented(summary="Delete a channel that no link or ticket uses",
            responses={204: ("Deleted", None), 409: ("Still used by links or tickets", None)})
@requires("ManageSettings")
def delete(channel_id: int):
    delete_channel(get_scoped_or_404(Channel, channel_id))
    db.session.commit()
    return "", 204
