"""/api/Topics: minimal topic management, so links can be made without demo data."""
from flask import Blueprint, jsonify, url_for

from app.auth.policies import authenticated, requires
from app.extensions import db
from app.jsonforms import read_json_object, validate_json
from app.openapi import documented, page_params, paginated
from app.pagination import page_query, paginate, paginated_result
from app.problems import Problem
from app.tenancy import current_customer_id, get_scoped_or_404, scoped
from app.topics.forms import TopicForm
from app.topics.models import TOPIC_SCHEMA, Topic
from app.topics.operations import delete_topic, save_topic

bp = Blueprint("api_topics", __name__, url_prefix="/api/Topics")
SORTABLE = {"Name": Topic.name, "TopicID": Topic.id, "IsActive": Topic.is_active}


@bp.get("")
@documented(
    summary="List topics (PaginatedResult of TopicReadDTO)",
    query=page_params(SORTABLE, "Name", page_size=100),
    responses={200: ("A page of topics", paginated(TOPIC_SCHEMA))},
)
@authenticated
def list_topics():
    query = page_query(SORTABLE, "Name", page_size=100)
    rows, total = paginate(scoped(Topic), query, SORTABLE, Topic.id)
    return jsonify(paginated_result([t.to_dto() for t in rows], total, query))


@bp.post("")
@documented(summary="Create a topic", body=TopicForm,
            responses={201: ("Created; Location names the new topic", TOPIC_SCHEMA), 409: ("A topic with this name exists", None)})
@requires("ManageSettings")
def create():
    form, _ = validate_json(TopicForm, base={"isActive": True})
    topic = save_topic(Topic(customer_id=current_customer_id()), form)
    db.session.commit()
    response = jsonify(topic.to_dto())
    response.status_code = 201
    response.headers["Location"] = url_for(".read", topic_id=topic.id)
    return response


@bp.get("/<int:topic_id>")
@documented(summary="One topic", responses={200: ("TopicReadDTO", TOPIC_SCHEMA)})
@authenticated
def read(topic_id: int):
    return jsonify(get_scoped_or_404(Topic, topic_id).to_dto())


@bp.put("/<int:topic_id>")
@documented(
    summary="Update a topic: a field left out keeps its value; a topicID in the body must match the route",
    body=TopicForm, partial=True, responses={204: ("Saved", None), 409: ("A topic with this name exists", None)},
)
@requires("ManageSettings")
def update(topic_id: int):
    """Partial: a field left out keeps its value. A topicID in the body must match the route."""
    body = read_json_object()
    if body.get("topicID") not in (None, topic_id):
        raise Problem(400, "The body topicID must match the route id.", {"topicID": [f"Expected {topic_id}."]})
    topic = get_scoped_or_404(Topic, topic_id)
    base = {"name": topic.name, "description": topic.description, "isActive": topic.is_active}
    form, _ = validate_json(TopicForm, base=base, partial=True, body=body)
    save_topic(topic, form)
    db.session.commit()
    return "", 204


@bp.delete("/<int:topic_id>")
@documented(summary="Delete a topic that no link or ticket uses",
            responses={204: ("Deleted", None), 409: ("Still used by links or tickets", None)})
@requires("ManageSettings")
def delete(topic_id: int):
    delete_topic(get_scoped_or_404(Topic, topic_id))
    db.session.commit()
    return "", 204
