"""Tenant-isolation matrix: tenant B, fully signed in, aims at every id of tenant A.

Tenant A is the demo tenant (every model has rows). For every API route and every dashboard
page or partial that takes an id in its URL, and for the routes that take ids in the body or
the query string (link, reorder, assign, filters), B sends A's ids with its own bearer token or
signed-in session (with CSRF). Each answer must be a 404 (never a 403, never a 2xx) and must
equal the answer for an id that exists nowhere, so nobody learns that A's row exists; routes
whose contract answers an unknown id differently (a 400 on a body field, a list filter that
matches nothing, a panel that says "already removed") must still answer exactly as they do for
an id that exists nowhere. After every request A's rows, dumped table by table, are unchanged.

The matrix is checked against app.url_map: a new route with an id converter that the matrix
does not cover fails `test_the_matrix_covers_every_id_taking_route`.
"""
import re
from dataclasses import dataclass, field
from typing import Callable

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.routing.converters import IntegerConverter

from app.actions.models import Action, HookAction, TopicAction
from app.api_keys.models import ApiKey
from app.audit.models import AuditEvent
from app.auth.models import Representative
from app.channels.models import Channel
from app.documents.models import Document
from app.end_users.models import EndUser, EndUserUID
from app.extensions import db
from app.jobs.models import Job, JobEvent
from app.tenancy import MAX_ID
from app.tickets.models import Ticket
from app.topics.models import Topic
from tests.tenant_data import differences, snapshot

MISSING = MAX_ID  # a valid INTEGER that names no row in any tenant
IGNORED_METHODS = {"HEAD", "OPTIONS"}

# Routes without an id in the URL that take ids in the body or the query string.
BODY_AND_QUERY_ID_ROUTES = {
    ("api_links.create_TopicActions", "POST"), ("api_links.bulk_TopicActions", "POST"),
    ("api_links.reorder_TopicActions", "POST"), ("api_links.list_TopicActions", "GET"),
    ("api_links.create_HookActions", "POST"), ("api_links.bulk_HookActions", "POST"),
    ("api_links.reorder_HookActions", "POST"), ("api_links.list_HookActions", "GET"),
    ("api_links.wait_seconds", "GET"), ("api_end_users.assign", "POST"),
    ("api_end_users.list_end_users", "GET"),
    ("actions.panel", "GET"), ("actions.order", "GET"), ("actions.add_link", "POST"),
    ("actions.reorder_list", "POST"), ("end_users.form_rows", "POST"),
    ("audit.history", "GET"), ("audit.export", "GET"), ("api_end_users.bulk", "POST"),
    ("end_users.bulk", "POST"), ("end_users.bulk_confirm", "POST"),
    ("api_end_user_export.export", "GET"), ("end_user_export.export", "GET"),
    ("api_pipeline.dry_run_message", "POST"), ("pipeline.index", "GET"), ("pipeline.try_message", "POST"),
}


@dataclass(frozen=True)
class Case:
    """One request of the matrix. `build(a, b)` -> request kwargs, given A's ids (or MISSING
    everywhere) and B's own ids. `expect` is 404, or "as-missing" where the contract answers an
    unknown id with something else (then it must equal the answer for MISSING and not be a 403)."""

    name: str
    endpoint: str
    method: str
    build: Callable
    expect: object = 404
    face: str = field(default="api")


def _api(endpoint, method, build, expect=404, name=None):
    return Case(name or f"{method} {endpoint}", endpoint, method, build, expect, "api")


def _page(endpoint, method, build, expect=404, name=None):
    return Case(name or f"{method} {endpoint}", endpoint, method, build, expect, "page")


def _url(endpoint, **values):
    return url_for(endpoint, **values)


CASES = [
    # ---- API: ids in the URL --------------------------------------------------------------
    _api("api_actions.read", "GET", lambda a, b: {"path": _url("api_actions.read", action_id=a["action"])}),
    _api("api_actions.update", "PUT", lambda a, b: {
        "path": _url("api_actions.update", action_id=a["action"]),
        "json": {"actionID": a["action"], "name": "Hijacked", "isActive": False}}),
    _api("api_actions.delete", "DELETE", lambda a, b: {"path": _url("api_actions.delete", action_id=a["unlinked_action"])}),
    _api("api_channels.read", "GET", lambda a, b: {"path": _url("api_channels.read", channel_id=a["channel"])}),
    _api("api_channels.update", "PUT", lambda a, b: {
        "path": _url("api_channels.update", channel_id=a["channel"]), "json": {"name": "Hijacked", "isActive": False}}),
    _api("api_channels.delete", "DELETE", lambda a, b: {"path": _url("api_channels.delete", channel_id=a["unused_channel"])}),
    _api("api_topics.read", "GET", lambda a, b: {"path": _url("api_topics.read", topic_id=a["topic"])}),
    _api("api_topics.update", "PUT", lambda a, b: {
        "path": _url("api_topics.update", topic_id=a["topic"]), "json": {"name": "Hijacked", "isActive": False}}),
    _api("api_topics.delete", "DELETE", lambda a, b: {"path": _url("api_topics.delete", topic_id=a["unused_topic"])}),
    _api("api_end_users.get", "GET", lambda a, b: {"path": _url("api_end_users.get", end_user_id=a["end_user"])}),
    _api("api_end_users.update", "PUT", lambda a, b: {
        "path": _url("api_end_users.update", end_user_id=a["end_user"]),
        "json": {"firstname": "Hijacked", "uids": [{"uidType": "Email", "uid": "thief@example.com", "isPrimary": True}]}}),
    _api("api_end_users.delete", "DELETE", lambda a, b: {"path": _url("api_end_users.delete", end_user_id=a["end_user"])}),
    _api("api_end_users.tickets", "GET", lambda a, b: {"path": _url("api_end_users.tickets", end_user_id=a["end_user"])}),
    _api("api_audit.revert", "POST", lambda a, b: {"path": _url("api_audit.revert", event_id=a["audit_event"])}),
    _api("api_keys.revoke", "DELETE", lambda a, b: {"path": _url("api_keys.revoke", key_id=a["api_key"])}),
    _api("api_team.read", "GET", lambda a, b: {"path": _url("api_team.read", representative_id=a["representative"])}),
    _api("api_team.update", "PUT", lambda a, b: {
        "path": _url("api_team.update", representative_id=a["representative"]),
        "json": {"role": "Agent", "isActive": False, "password": "hijacked password"}}),
    *[_api(f"api_jobs.{name}", method, lambda a, b, n=name: {"path": _url(f"api_jobs.{n}", job_id=a["job"])})
      for name, method in (("get", "GET"), ("cancel", "POST"), ("errors", "GET"), ("undo", "POST"))],
    _api("api_end_users.bulk", "POST", lambda a, b: {
        "path": "/api/EndUsers/bulk", "json": {"ids": [a["end_user"]], "operation": "delete"}}),
    _api("api_end_users.bulk", "POST", lambda a, b: {
        "path": "/api/EndUsers/bulk", "json": {"filter": {"ids": str(a["end_user"])}, "operation": "delete"}},
        expect="as-missing", name="bulk delete filtered by A's id"),
    _api("api_end_user_merge.merge_preview", "GET", lambda a, b: {"path": _url(
        "api_end_user_merge.merge_preview", end_user_id=a["end_user"], sourceEndUserID=a["other_end_user"])}),
    _api("api_end_user_merge.merge_preview", "GET", lambda a, b: {"path": _url(
        "api_end_user_merge.merge_preview", end_user_id=b["end_user"], sourceEndUserID=a["end_user"])},
        name="preview merging A's end user into B's"),
    _api("api_end_user_merge.merge", "POST", lambda a, b: {
        "path": _url("api_end_user_merge.merge", end_user_id=a["end_user"]), "json": {"sourceEndUserID": a["other_end_user"]}}),
    _api("api_end_user_merge.merge", "POST", lambda a, b: {
        "path": _url("api_end_user_merge.merge", end_user_id=b["end_user"]), "json": {"sourceEndUserID": a["end_user"]}},
        name="merge A's end user into B's"),
    _api("api_end_user_merge.duplicates", "GET", lambda a, b: {
        "path": _url("api_end_user_merge.duplicates", end_user_id=a["end_user"])}),
    _api("api_end_user_merge.dismiss_duplicate", "POST", lambda a, b: {"path": _url(
        "api_end_user_merge.dismiss_duplicate", end_user_id=b["end_user"], other_id=a["end_user"])}),
    _api("api_end_user_export.export", "GET", lambda a, b: {"path": _url("api_end_user_export.export", ids=a["end_user"])},
         expect="as-missing", name="CSV export of A's end user by id"),
    *[
        case
        for kind, link in (("TopicActions", "topic_action"), ("HookActions", "hook_action"))
        for case in (
            _api(f"api_links.read_{kind}", "GET", lambda a, b, k=kind, l=link: {"path": _url(f"api_links.read_{k}", link_id=a[l])}),
            _api(f"api_links.update_{kind}", "PUT", lambda a, b, k=kind, l=link: {
                "path": _url(f"api_links.update_{k}", link_id=a[l]), "json": {"priority": 999}}),
            _api(f"api_links.delete_{kind}", "DELETE", lambda a, b, k=kind, l=link: {"path": _url(f"api_links.delete_{k}", link_id=a[l])}),
            # reorder: A's complete list, in reverse
            _api(f"api_links.reorder_{kind}", "POST", lambda a, b, l=link: {
                "path": f"/api/{'TopicActions' if l == 'topic_action' else 'HookActions'}/reorder",
                "json": {"ids": a[f"{l}_list"][::-1]}}),
        )
    ],
    # ---- API: A's ids in the body (link, assign) or the query (filters) -------------------
    *[
        _api(f"api_links.{suffix}_TopicActions", "POST", (lambda a, b, s=suffix, body=body: {
            "path": f"/api/TopicActions{'/bulk' if s == 'bulk' else ''}",
            "json": [body(a, b)] if s == "bulk" else body(a, b)}), expect="as-missing",
            name=f"POST TopicActions {suffix} with A's {what}")
        for suffix in ("create", "bulk")
        for what, body in (
            ("action", lambda a, b: {"topicID": b["topic"], "actionID": a["action"]}),
            ("topic", lambda a, b: {"topicID": a["topic"], "actionID": b["action"]}),
            ("channel", lambda a, b: {"topicID": b["topic"], "channelID": a["channel"], "actionID": b["action"]}),
            ("document", lambda a, b: {"topicID": b["topic"], "documentID": a["document"], "actionID": b["action"]}),
        )
    ],
    *[
        _api(f"api_links.{suffix}_HookActions", "POST", (lambda a, b, s=suffix, body=body: {
            "path": f"/api/HookActions{'/bulk' if s == 'bulk' else ''}",
            "json": [body(a, b)] if s == "bulk" else body(a, b)}), expect="as-missing",
            name=f"POST HookActions {suffix} with A's {what}")
        for suffix in ("create", "bulk")
        for what, body in (
            ("action", lambda a, b: {"hookName": "OnClose", "actionID": a["action"]}),
            ("channel", lambda a, b: {"hookName": "OnClose", "channelID": a["channel"], "actionID": b["action"]}),
            ("document", lambda a, b: {"hookName": "OnClose", "documentID": a["document"], "actionID": b["action"]}),
        )
    ],
    _api("api_links.reorder_TopicActions", "POST", lambda a, b: {
        "path": "/api/TopicActions/reorder", "json": {"ids": [*b["topic_action_list"], a["topic_action"]]}},
        expect="as-missing", name="reorder B's topic list with one of A's links added"),
    _api("api_end_users.assign", "POST", lambda a, b: {
        "path": "/api/EndUserUIDs/assign", "json": {"endUserID": a["end_user"], "uidType": "Email", "uid": "thief@example.com"}}),
    _api("api_end_users.update", "PUT", lambda a, b: {
        "path": _url("api_end_users.update", end_user_id=b["end_user"]),
        "json": {"uids": [{"endUserUIDID": a["end_user_uid"], "uid": "thief@example.com", "markAsDeleted": True}]}},
        expect="as-missing", name="PUT B's end user naming A's identifier id"),
    *[
        _api("api_pipeline.dry_run_message", "POST", (lambda a, b, body=body: {"path": "/api/Pipeline/dry-run", "json": body(a, b)}),
             name=f"dry run with A's {what}")
        for what, body in (
            ("channel", lambda a, b: {"channelID": a["channel"]}),
            ("topic", lambda a, b: {"channelID": b["channel"], "topicIDs": [a["topic"]]}),
            ("end user", lambda a, b: {"channelID": b["channel"], "endUserID": a["end_user"]}),
        )
    ],
    _api("api_links.wait_seconds", "GET", lambda a, b: {
        "path": f"/api/HookActions/wait-seconds?hookName=PostTopicDetection&channelId={a['email_channel']}"}),
    _api("api_links.list_TopicActions", "GET", lambda a, b: {"path": f"/api/TopicActions?topicId={a['topic']}"},
         expect="as-missing", name="GET TopicActions filtered by A's topic"),
    _api("api_links.list_HookActions", "GET", lambda a, b: {"path": f"/api/HookActions?actionId={a['action']}"},
         expect="as-missing", name="GET HookActions filtered by A's action"),
    _api("api_end_users.list_end_users", "GET", lambda a, b: {"path": f"/api/EndUsers?ids={a['end_user']}"},
         expect="as-missing", name="GET EndUsers filtered by A's id"),

    # ---- Dashboard pages and partials with an id in the URL -------------------------------
    _page("actions.edit", "GET", lambda a, b: {"path": _url("actions.edit", action_id=a["action"])}),
    _page("actions.edit", "POST", lambda a, b: {
        "path": _url("actions.edit", action_id=a["action"]), "data": {"name": "Hijacked", "actionType": "Close"}}),
    _page("actions.toggle", "POST", lambda a, b: {"path": _url("actions.toggle", action_id=a["action"]), "htmx": True}),
    _page("actions.delete", "POST", lambda a, b: {"path": _url("actions.delete", action_id=a["unlinked_action"])}),
    _page("actions.remove_link", "POST", lambda a, b: {
        "path": _url("actions.remove_link", kind="topic", link_id=a["topic_action"]), "data": {"key": a["topic_key"]}, "htmx": True},
        name="remove A's topic link with A's list key"),
    _page("actions.remove_link", "POST", lambda a, b: {
        "path": _url("actions.remove_link", kind="hook", link_id=a["hook_action"]), "data": {"key": b["hook_key"]}, "htmx": True},
        expect="as-missing", name="remove A's hook link with B's list key"),
    _page("channels.toggle", "POST", lambda a, b: {"path": _url("channels.toggle", channel_id=a["channel"])}),
    _page("channels.delete", "POST", lambda a, b: {"path": _url("channels.delete", channel_id=a["unused_channel"])}),
    _page("channels.rotate", "POST", lambda a, b: {"path": _url("channels.rotate", channel_id=a["phone_channel"])}),
    _page("customers.rotate_channel", "POST", lambda a, b: {
        "path": _url("customers.rotate_channel", channel_id=a["phone_channel"]), "htmx": True}),
    _page("topics.toggle", "POST", lambda a, b: {"path": _url("topics.toggle", topic_id=a["topic"])}),
    _page("topics.delete", "POST", lambda a, b: {"path": _url("topics.delete", topic_id=a["unused_topic"])}),
    _page("end_users.detail", "GET", lambda a, b: {"path": _url("end_users.detail", end_user_id=a["end_user"])}),
    _page("end_users.edit", "GET", lambda a, b: {"path": _url("end_users.edit", end_user_id=a["end_user"])}),
    _page("end_users.edit", "POST", lambda a, b: {
        "path": _url("end_users.edit", end_user_id=a["end_user"]), "htmx": True,
        "data": {"firstname": "Hijacked", "uids-0-uidType": "Email", "uids-0-uid": "thief@example.com", "primary": "0"}}),
    _page("end_users.delete", "GET", lambda a, b: {"path": _url("end_users.delete", end_user_id=a["end_user"])}),
    _page("end_users.delete", "POST", lambda a, b: {"path": _url("end_users.delete", end_user_id=a["end_user"])}),
    _page("end_users.assign", "POST", lambda a, b: {
        "path": _url("end_users.assign", end_user_id=a["end_user"]), "htmx": True,
        "data": {"uidType": "Email", "uid": "thief@example.com"}}),
    _page("end_users.tickets", "GET", lambda a, b: {"path": _url("end_users.tickets", end_user_id=a["end_user"])}),
    _page("end_users.tickets", "GET", lambda a, b: {
        "path": _url("end_users.tickets", end_user_id=a["end_user"]), "htmx": True}, name="tickets partial"),

    *[_page(f"end_users.{name}", method, lambda a, b, n=name: {"path": _url(f"end_users.{n}", job_id=a["job"])})
      for name, method in (("job_status", "GET"), ("job_errors", "GET"), ("run_import", "POST"),
                           ("undo_job_changes", "POST"))],
    _page("end_users.job_status", "GET", lambda a, b: {"path": _url("end_users.job_status", job_id=a["job"]), "htmx": True},
          name="job panel partial"),

    # ---- Dashboard: ids in the query string or the form -------------------------------------
    _page("end_users.bulk", "POST", lambda a, b: {
        "path": _url("end_users.bulk"), "data": {"change": "delete", "scope": "selected", "ids": [str(a["end_user"])]}},
        expect="as-missing", name="bulk delete of A's end user from the list"),
    _page("end_users.bulk_confirm", "POST", lambda a, b: {
        "path": _url("end_users.bulk_confirm"), "data": {"change": "delete", "scope": "selected", "ids": [str(a["end_user"])]}},
        expect="as-missing", name="bulk confirm naming A's end user"),
    _page("end_user_merge.choose", "GET", lambda a, b: {"path": _url("end_user_merge.choose", end_user_id=a["end_user"])}),
    _page("end_user_merge.preview", "GET", lambda a, b: {"path": _url(
        "end_user_merge.preview", end_user_id=a["end_user"], source_id=a["other_end_user"])}),
    _page("end_user_merge.preview", "POST", lambda a, b: {"path": _url(
        "end_user_merge.preview", end_user_id=b["end_user"], source_id=a["end_user"]),
        "data": {"sourceEndUserID": a["end_user"]}}, name="merge A's end user into B's on the dashboard"),
    _page("end_user_merge.dismiss_pair", "POST", lambda a, b: {"path": _url(
        "end_user_merge.dismiss_pair", first_id=b["end_user"], second_id=a["end_user"]), "htmx": True}),
    _page("end_user_tickets.view", "GET", lambda a, b: {"path": _url(
        "end_user_tickets.view", end_user_id=a["end_user"], ticket_id=a["ticket"])}),
    _page("end_user_tickets.view", "GET", lambda a, b: {"path": _url(
        "end_user_tickets.view", end_user_id=b["end_user"], ticket_id=a["ticket"])}, name="A's ticket under B's end user"),

    # ---- Dashboard: ids in the query string or the form -------------------------------------
    _page("end_user_export.export", "GET", lambda a, b: {"path": _url("end_user_export.export", ids=a["end_user"])},
          expect="as-missing", name="dashboard CSV export of A's end user by id"),
    _page("end_users.form_rows", "POST", lambda a, b: {
        "path": _url("end_users.form_rows", end_user_id=a["end_user"], op="add"), "htmx": True}),
    _page("end_users.assign", "POST", lambda a, b: {
        "path": _url("end_users.assign", end_user_id=b["end_user"]), "htmx": True,
        "data": {"endUserID": a["end_user"], "uidType": "Email", "uid": "thief@example.com"}},
        expect="as-missing", name="assign on B's end user naming A's end user"),
    _page("actions.panel", "GET", lambda a, b: {"path": _url("actions.panel", kind="topic", key=a["topic_key"])}),
    _page("actions.panel", "GET", lambda a, b: {"path": _url("actions.panel", kind="hook", key=a["hook_key"])},
          name="panel of A's channel hook list"),
    _page("actions.order", "GET", lambda a, b: {"path": _url("actions.order", kind="topic", topic=a["topic"])},
          expect="as-missing", name="order page opening A's topic"),
    _page("actions.add_link", "POST", lambda a, b: {
        "path": _url("actions.add_link"), "htmx": True, "data": {"kind": "topic", "key": a["topic_key"], "actionID": b["action"]}},
        name="add B's action to A's topic list"),
    _page("actions.add_link", "POST", lambda a, b: {
        "path": _url("actions.add_link"), "htmx": True, "data": {"kind": "topic", "key": b["topic_key"], "actionID": a["action"]}},
        expect="as-missing", name="add A's action to B's topic list"),
    _page("actions.reorder_list", "POST", lambda a, b: {
        "path": _url("actions.reorder_list"), "htmx": True,
        "data": {"kind": "hook", "key": a["hook_key"], "item": [str(i) for i in a["hook_action_list"][::-1]]}},
        name="reorder A's channel hook list"),
    _page("actions.reorder_list", "POST", lambda a, b: {
        "path": _url("actions.reorder_list"), "htmx": True,
        "data": {"kind": "topic", "key": b["topic_key"], "item": [str(i) for i in a["topic_action_list"]]}},
        expect="as-missing", name="reorder B's topic list with A's link ids"),
    _page("pipeline.index", "GET", lambda a, b: {"path": _url("pipeline.index", channel=a["channel"])},
          name="pipeline picture of A's channel"),
    *[
        _page("pipeline.try_message", "POST", (lambda a, b, data=data: {
            "path": _url("pipeline.try_message"), "htmx": True, "data": data(a, b)}), name=f"Try a message with A's {what}")
        for what, data in (
            ("channel", lambda a, b: {"channelID": a["channel"]}),
            ("topic", lambda a, b: {"channelID": b["channel"], "topicIDs-0": a["topic"]}),
            ("end user", lambda a, b: {"channelID": b["channel"], "endUserID": a["end_user"]}),
        )
    ],
    _page("actions.preview", "POST", lambda a, b: {
        "path": _url("actions.preview", action_id=a["action"]), "htmx": True, "data": {"channelID": b["channel"]}},
        name="preview A's action"),
    _page("actions.preview", "POST", lambda a, b: {
        "path": _url("actions.preview", action_id=b["action"]), "htmx": True,
        "data": {"channelID": b["channel"], "endUserID": a["end_user"]}}, name="preview B's action for A's end user"),
    # the History panels and the export: A's record reads as one without events (an empty history)
    *[
        _page("audit.history", "GET", lambda a, b, t=kind, k=key, h=htmx: {
            "path": _url("audit.history", entityType=t, entityId=a[k]), "htmx": h},
            expect="as-missing", name=f"history {'partial' if htmx else 'page'} of A's {key}")
        for kind, key in (("EndUser", "end_user"), ("Action", "action"), ("Topic", "topic"))
        for htmx in (True, False)
    ],
    _page("keys.revoke", "POST", lambda a, b: {"path": _url("keys.revoke", key_id=a["api_key"])}),
    *[_page(f"team.{name}", "POST", lambda a, b, n=name: {
        "path": _url(f"team.{n}", representative_id=a["representative"]), "data": {"role": "Agent"}})
      for name in ("role", "toggle", "password")],
    _page("audit.revert", "POST", lambda a, b: {"path": _url("audit.revert", event_id=a["audit_event"]), "htmx": True}),
    _page("audit.export", "GET", lambda a, b: {"path": _url("audit.export", entityType="EndUser", entityId=a["end_user"])},
          expect="as-missing", name="CSV export filtered by A's end user"),
]


# ---- Fixtures -------------------------------------------------------------------------------

@pytest.fixture
def demo(app, demo_tenant):
    """Tenant A: the demo tenant, and the ids B will aim at."""
    cid = demo_tenant
    with app.app_context():

        def first(stmt):
            return db.session.scalars(stmt.limit(1)).one()

        linked = {r.action_id for r in db.session.scalars(select(TopicAction).where(TopicAction.customer_id == cid))}
        linked |= {r.action_id for r in db.session.scalars(select(HookAction).where(HookAction.customer_id == cid))}
        topic = first(select(Topic).where(Topic.customer_id == cid, Topic.name == "Billing"))
        topic_link = first(select(TopicAction).where(TopicAction.topic_id == topic.id, TopicAction.channel_id.is_(None))
                           .order_by(TopicAction.priority))
        email = first(select(Channel).where(Channel.customer_id == cid, Channel.channel_type == "Email"))
        hook_link = first(select(HookAction).where(HookAction.customer_id == cid, HookAction.channel_id == email.id)
                          .order_by(HookAction.priority))
        ticket_uid = first(select(Ticket.uid).where(Ticket.customer_id == cid).order_by(Ticket.id))
        end_user = first(select(EndUser).join(EndUserUID).where(EndUserUID.customer_id == cid, EndUserUID.uid == ticket_uid))
        ids = {
            "customer": cid,
            "action": first(select(Action).where(Action.customer_id == cid, Action.id.in_(linked))).id,
            "unlinked_action": first(select(Action).where(Action.customer_id == cid, Action.id.not_in(linked))).id,
            "topic": topic.id,
            "unused_topic": first(select(Topic).where(Topic.customer_id == cid, Topic.name == "Product question")).id,
            "channel": email.id,
            "email_channel": email.id,
            "unused_channel": first(select(Channel).where(Channel.customer_id == cid, Channel.is_active.is_(False))).id,
            "phone_channel": first(select(Channel).where(Channel.customer_id == cid, Channel.channel_type == "Phone")).id,
            "document": first(select(Document).where(Document.customer_id == cid)).id,
            "end_user": end_user.id,
            "other_end_user": first(select(EndUser).where(EndUser.customer_id == cid, EndUser.id != end_user.id)).id,
            "ticket": first(select(Ticket).where(Ticket.customer_id == cid, Ticket.uid == ticket_uid)).id,
            "end_user_uid": end_user.uids[0].id,
            "topic_action": topic_link.id,
            "topic_key": topic_link.context_key,
            "topic_action_list": _list(TopicAction, cid, topic_link.context_key),
            "hook_action": hook_link.id,
            "hook_key": hook_link.context_key,
            "hook_action_list": _list(HookAction, cid, hook_link.context_key),
            "representative": first(select(Representative).where(Representative.customer_id == cid,
                                                                  Representative.role == "Admin")).id,
            "audit_event": first(select(AuditEvent).where(AuditEvent.customer_id == cid,
                                                          AuditEvent.revertible.is_(True))).id,
            "api_key": first(select(ApiKey).where(ApiKey.customer_id == cid)).id,
        }
        ids["job"] = _running_job_with_an_event(cid, ids["audit_event"])
        db.session.remove()
    return ids


def _running_job_with_an_event(customer_id: int, event_id: int) -> int:
    """A job of A that is still running (cancel would stop it) and has a change to undo."""
    job = Job(customer_id=customer_id, kind="bulk", status="running", total=1, params={}, result={},
              actor_type="Cli", actor_name="tests")
    db.session.add(job)
    db.session.flush()
    db.session.add(JobEvent(customer_id=customer_id, job_id=job.id, audit_event_id=event_id))
    db.session.commit()
    return job.id


def _list(model, customer_id, key):
    return list(db.session.scalars(select(model.id).where(model.customer_id == customer_id, model.context_key == key)
                                   .order_by(model.priority, model.id)))


@pytest.fixture
def bravo(app, tenant_b):
    """Tenant B's own rows, so that B can aim A's ids from inside its own lists."""
    with app.app_context():
        cid = tenant_b.id
        topic = Topic(customer_id=cid, name="B topic")
        channel = Channel(customer_id=cid, name="B chat", channel_type="Chat")
        actions = [Action(customer_id=cid, name=f"B action {i}", action_type="Close") for i in range(2)]
        end_user = EndUser(customer_id=cid, firstname="Bea", customer_type="Lead")
        end_user.uids.append(EndUserUID(customer_id=cid, uid_type="Email", uid="bea@example.com", is_primary=True))
        db.session.add_all([topic, channel, *actions, end_user])
        db.session.flush()
        links = [TopicAction(customer_id=cid, topic_id=topic.id, action_id=a.id, priority=10 * (i + 1))
                 for i, a in enumerate(actions)]
        hook = HookAction(customer_id=cid, hook_name="OnClose", action_id=actions[0].id, priority=10)
        db.session.add_all([*links, hook])
        db.session.commit()
        ids = {"topic": topic.id, "action": actions[0].id, "end_user": end_user.id, "channel": channel.id,
               "topic_key": links[0].context_key, "topic_action_list": [link.id for link in links],
               "hook_key": hook.context_key}
        db.session.remove()
    return ids


# ---- Sending the requests -------------------------------------------------------------------

_CSRF = re.compile(r'(name="csrf_token" (?:type="hidden" )?value="|"X-CSRFToken": ")[^"]+')


def _send(case: Case, request: dict, bearer, web):
    if case.face == "api":
        kwargs = {"json": request["json"]} if "json" in request else {}
        return bearer.open(case.method, request["path"], **kwargs)
    headers = {"X-CSRFToken": web.csrf}
    if request.get("htmx"):
        headers["HX-Request"] = "true"
    data = {**request.get("data", {}), "csrf_token": web.csrf} if case.method != "GET" else None
    response = web.client.open(request["path"], method=case.method, data=data, headers=headers)
    if response.status_code == 302:  # read the page it leads to, so its flashed message is not left for the next case
        web.client.get(response.headers["Location"])
    return response


def _summary(response) -> tuple:
    """What the caller learns: status, and the problem (API) or the page without its CSRF token."""
    if response.mimetype in ("application/json", "application/problem+json"):
        body = response.get_json()
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k != "instance"}
        return response.status_code, body
    return response.status_code, _CSRF.sub(r"\1", response.get_data(as_text=True))


def _check(case: Case, mine, missing) -> str | None:
    status = mine.status_code
    if status == 403 or (case.expect == 404 and status != 404):
        return f"{case.name}: {status} (expected {case.expect}) {mine.get_data(as_text=True)[:300]!r}"
    if _summary(mine) != _summary(missing):
        return (f"{case.name}: A's id answers differently from an id that exists nowhere: "
                f"{_summary(mine)!r:.400} vs {_summary(missing)!r:.400}")
    return None


# ---- Tests ----------------------------------------------------------------------------------

def _rules_with_ids(app):
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values()):
            for method in sorted(rule.methods - IGNORED_METHODS):
                yield rule, method


def test_the_matrix_covers_every_id_taking_route(app):
    covered = {(case.endpoint, case.method) for case in CASES}
    id_routes = {(rule.endpoint, method) for rule, method in _rules_with_ids(app)}
    assert len(id_routes) >= 30  # sanity: the walk found the routes
    missing = sorted(id_routes - covered)
    assert not missing, f"id-taking routes the isolation matrix does not try: {missing}"
    assert not sorted(BODY_AND_QUERY_ID_ROUTES - covered)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not [c.name for c in CASES if c.endpoint not in endpoints], "a case names a route that no longer exists"


def test_tenant_b_cannot_reach_tenant_a_by_id(app, demo, bravo, tenant_b, api, dashboard):
    bearer = api(tenant_b.admin)
    web = dashboard(tenant_b.admin)
    missing_ids = {key: ([MISSING - i for i in range(len(value))] if isinstance(value, list) else MISSING)
                   for key, value in demo.items()}
    missing_ids["topic_key"] = TopicAction.context_for(MISSING, None, None, None)
    missing_ids["hook_key"] = HookAction.context_for("PostTopicDetection", MISSING)
    before = snapshot(app, demo["customer"])
    bravo_before = snapshot(app, tenant_b.id)
    failures = []
    for case in CASES:
        with app.test_request_context():
            a_request, missing_request = case.build(demo, bravo), case.build(missing_ids, bravo)
        missing = _send(case, missing_request, bearer, web)
        mine = _send(case, a_request, bearer, web)
        if problem := _check(case, mine, missing):
            failures.append(problem)
        if case.method != "GET":
            after = snapshot(app, demo["customer"])
            if after != before:
                failures.append(f"{case.name} changed tenant A's rows: {differences(before, after)}")
                before = after
    assert not failures, "\n".join(failures)
    assert snapshot(app, tenant_b.id) == bravo_before, "B's own rows changed: a request half-succeeded"
