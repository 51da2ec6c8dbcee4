"""Bulk changes of end users: set the type of, or delete, the people chosen by ids or by the list's filter.

Each person is changed by the usual operation (update_end_user / delete_end_user), so each
leaves its own audit event, revertible on its own; the Job record of the change links those
events, and its Undo reverts them all (app/jobs/undo.py). Up to INLINE people are changed inside
the request (200 {"count", "jobID"}); more become a `bulk` job (202). The set is fixed when the
change is asked for: people added to the filter's result later are not touched.
"""
import json

from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, SelectField
from wtforms.fields import FieldList, FormField
from wtforms.validators import InputRequired, Length, ValidationError

from app.actors import Actor
from app.domain_errors import Invalid, NotFound
from app.end_users import queries
from app.end_users.forms import EndUserListQuery
from app.end_users.models import CUSTOMER_TYPES, EndUser
from app.end_users.operations import delete_end_user, update_end_user
from app.extensions import db
from app.jobs.events import collect_events
from app.jobs.models import Job
from app.jobs.operations import finished_job, queue_job
from app.jobs.runner import JobContext, JobKind, register_kind
from app.tenancy import get_scoped, in_id_range
from app.unit_of_work import attempt

INLINE = 1000
MAX_IDS = 10_000
OPERATIONS = ("setCustomerType", "delete")


class BulkChangeForm(FlaskForm):
    """The body of POST /api/EndUsers/bulk: `ids` or `filter` (the list's query), and what to do."""

    ids = FieldList(IntegerField("id", validators=[InputRequired()]),
                    validators=[Length(max=MAX_IDS, message=f"At most {MAX_IDS} ids; use filter for more.")],
                    description=f"The end users to change (at most {MAX_IDS}); or give filter.")
    filter = FormField(EndUserListQuery, description="The list's filters (search, customerType, ids): every "
                                                     "end user they match, on every page.")
    operation = SelectField("operation", choices=list(OPERATIONS), validators=[InputRequired()])
    value = SelectField("value", choices=["", *CUSTOMER_TYPES], default="",
                        description="The customerType to set (setCustomerType only).")

    def validate_value(self, field):
        if self.operation.data == "setCustomerType" and not field.data:
            raise ValidationError("Choose the customerType to set: Lead, Customer or Partner.")
        if self.operation.data == "delete" and field.data:
            raise ValidationError("delete takes no value.")


def describe(operation: str, value: str | None, count: int) -> str:
    people = f"{count} end user{'' if count == 1 else 's'}"
    return f"{people} set to {value}" if operation == "setCustomerType" else f"{people} deleted"


def target_ids(customer_id: int, ids: list[int] | None, filter_args: dict | None) -> list[int]:
    """The ids of the people chosen: the listed ones that exist in this account, or every match of the filter."""
    if ids is not None:
        wanted = [i for i in dict.fromkeys(ids) if in_id_range(i)]
        found = set()
        for start in range(0, len(wanted), 1000):
            found |= set(db.session.scalars(select(EndUser.id).where(
                EndUser.customer_id == customer_id, EndUser.id.in_(wanted[start:start + 1000]))))
        if wanted and not found or not wanted:
            raise NotFound("None of these end users exist in your account.")
        return sorted(found)
    try:
        given = {key: value for key, value in (filter_args or {}).items() if value is not None}  # null: not given
        filters = queries.list_filters(MultiDict(given))
    except Invalid as exc:
        raise Invalid({f"filter.{key}": messages for key, messages in exc.errors.items()}) from None
    matching = queries.end_user_list(customer_id, filters).subquery()
    return list(db.session.scalars(select(matching.c.id).order_by(matching.c.id)))


def change_one(customer_id: int, actor: Actor, end_user: EndUser, operation: str, value: str | None) -> None:
    if operation == "delete":
        delete_end_user(customer_id, actor, end_user)
    else:
        update_end_user(customer_id, actor, end_user, {"customerType": value})


def bulk_change(customer_id: int, actor: Actor, ids: list[int], operation: str, value: str | None) -> tuple[Job, bool]:
    """(job, True) when done here (up to INLINE people), (job, False) when queued."""
    params = {"operation": operation, "value": value, "label": describe(operation, value, len(ids))}
    if len(ids) > INLINE:
        return queue_job(customer_id, actor, "bulk", len(ids), params, json.dumps(ids).encode()), False
    with collect_events() as events:
        for start in range(0, len(ids), 500):
            people = db.session.scalars(select(EndUser).where(
                EndUser.customer_id == customer_id, EndUser.id.in_(ids[start:start + 500]))
                .options(selectinload(EndUser.uids)).order_by(EndUser.id))
            for end_user in people:
                change_one(customer_id, actor, end_user, operation, value)
    return finished_job(customer_id, actor, "bulk", {"count": len(ids)}, params, list(events)), True


def _apply(context: JobContext, end_user_id: int) -> None:
    end_user = get_scoped(EndUser, context.customer_id, end_user_id)
    if end_user is None:  # deleted since the change was asked for
        context.count("skipped")
        return
    with collect_events() as events:
        with attempt():
            change_one(context.customer_id, context.actor, end_user, context.params["operation"], context.params["value"])
    context.link_events(events)
    context.count("count")


register_kind("bulk", JobKind(items=lambda job: json.loads(job.payload), apply=_apply,
                              where=lambda end_user_id: {"endUserID": end_user_id}, batch_size=500))
