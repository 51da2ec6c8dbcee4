"""Fuzzing: schemathesis generates requests for every operation of /api/openapi.json and sends
them in-process to the app, authenticated as tenant A's admin, with tenant B's data in the same
database.

Every answer must be no 5xx, a documented status with the documented content type and body
schema, and free of tenant B's data (B's rows carry a marker string; B's ids as path parameters
must never answer 2xx).

FUZZ_EXAMPLES sets the generated requests per operation and generation mode (default 8, in CI);
`FUZZ_EXAMPLES=200 pytest tests/test_fuzz_api.py` is the longer run. Generation is derandomized,
so a run is repeatable.
"""
import os
from datetime import timedelta

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import delete

from app import create_app
from app.openapi import build_document
from config import TestConfig

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
MIN_REQUESTS = 300  # in the default run; the summary test checks it
MARKER = "Zq7MarkerOfTenantB"
PASSWORD = "fuzzing passphrase of tenant admins"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Path parameter -> the seeded table its ids come from.
ID_PARAMS = {"end_user_id": "end_users", "action_id": "actions", "topic_id": "topics",
             "channel_id": "channels", "representative_id": "representatives", "link_id": None, "key_id": "api_keys"}


def _operations() -> list[tuple[str, str]]:
    """Every operation of the document; deletes last, so the others still find the seeded rows."""
    document = build_document(create_app(TestConfig))
    found = [(method.upper(), path) for path, item in document["paths"].items() for method in item]
    return sorted(found, key=lambda op: (op[0] == "DELETE", op[1], op[0]))


OPERATIONS = _operations()


def _seed(app, customer_id: int, marker: str = "") -> dict:
    """A small but complete account: end users with identifiers and tickets, topics, channels,
    actions of several types, and topic and hook links. `marker` goes into every text."""
    from app.actions.models import Action, HookAction, TopicAction
    from app.api_keys.key_format import digest, new_key
    from app.api_keys.models import ApiKey
    from app.auth.models import Representative
    from app.auth.passwords import hash_password
    from app.channels.models import Channel
    from app.end_users.models import EndUser, EndUserUID
    from app.extensions import db
    from app.tickets.models import Ticket, TicketMessage
    from app.timeutil import utcnow
    from app.topics.models import Topic

    c = customer_id
    with app.app_context():
        topics = [Topic(customer_id=c, name=f"{marker}Billing"), Topic(customer_id=c, name=f"{marker}Returns")]
        channels = [Channel(customer_id=c, name=f"{marker}Mail", channel_type="Email"),
                    Channel(customer_id=c, name=f"{marker}Phone", channel_type="Phone")]
        actions = [
            Action(customer_id=c, name=f"{marker}Reply", action_type="Reply", description=f"{marker}reply"),
            Action(customer_id=c, name=f"{marker}Wait", action_type="Wait", wait_seconds=30),
            Action(customer_id=c, name=f"{marker}Call", action_type="ApiCall", api_endpoint="https://example.com/x",
                   api_method="POST", override_api_password="secret", is_active=False),
        ]
        people = []
        for index, (first, kind) in enumerate((("Ann", "Customer"), ("Bob", "Lead"))):
            person = EndUser(customer_id=c, firstname=f"{marker}{first}", lastname=f"{marker}Smith",
                             customer_type=kind, country="BE", city=f"{marker}Gent", customer_ref=f"{marker}REF{index}")
            person.uids = [EndUserUID(customer_id=c, uid_type="Email", uid=f"{first.lower()}{marker.lower()}@example.com",
                                      is_primary=True),
                           EndUserUID(customer_id=c, uid_type="Phone", uid=f"+3247012345{index}")]
            people.append(person)
        agent = Representative(customer_id=c, email=f"agent-{marker.lower() or 'own'}-{c}@example.com",
                               name=f"{marker}Agent", role="Agent", password_hash=hash_password(PASSWORD))
        db.session.add_all([*topics, *channels, *actions, *people, agent])
        db.session.flush()
        now = utcnow()
        for index, person in enumerate(people):
            ticket = Ticket(customer_id=c, channel_id=channels[0].id, uid=person.uids[0].uid,
                            subject=f"{marker}Invoice question {index}", status="Open", last_message_date=now)
            ticket.topics = [topics[0]]
            ticket.messages = [TicketMessage(customer_id=c, sender="EndUser", body=f"{marker} help",
                                             created_date=now - timedelta(minutes=5)),
                               TicketMessage(customer_id=c, sender="AI", body=f"{marker} answer", is_escalated=True,
                                             ai_feedback_comment=f"{marker} feedback")]
            db.session.add(ticket)
        links = [
            TopicAction(customer_id=c, topic_id=topics[0].id, action_id=actions[0].id, priority=10),
            TopicAction(customer_id=c, topic_id=topics[0].id, action_id=actions[1].id, priority=20),
            TopicAction(customer_id=c, special_topic=f"{marker}Unknown", channel_id=channels[0].id,
                        action_id=actions[0].id, priority=10),
            HookAction(customer_id=c, hook_name="PreSpam", action_id=actions[1].id, priority=10),
            HookAction(customer_id=c, hook_name="PreSpam", action_id=actions[0].id, priority=20),
            HookAction(customer_id=c, hook_name="PreSpam", channel_id=channels[0].id, action_id=actions[0].id, priority=10),
        ]
        keys = [ApiKey(customer_id=c, name=f"{marker}Sync {n}", scopes="endusers:read", key_hash=digest(new_key()),
                       prefix="sbk_Abcd", last_four="wxyz") for n in range(2)]
        db.session.add_all([*links, *keys])
        db.session.commit()
        ids = {
            "end_users": [p.id for p in people], "actions": [a.id for a in actions],
            "topics": [t.id for t in topics], "channels": [ch.id for ch in channels], "representatives": [agent.id],
            "TopicActions": [link.id for link in links if isinstance(link, TopicAction)],
            "HookActions": [link.id for link in links if isinstance(link, HookAction)],
            "api_keys": [key.id for key in keys],
        }
        db.session.remove()
    return ids


def _rows_of(app, customer_id: int) -> dict:
    """Every stored value of one customer's rows, table by table."""
    from sqlalchemy import select

    from app.customers.models import Customer
    from app.extensions import db
    from app.tenancy import tenant_models

    with app.app_context():
        rows = {}
        for model in [Customer, *tenant_models()]:
            key = model.id if model is Customer else model.customer_id
            columns = model.__table__.columns
            found = db.session.execute(select(*columns).where(key == customer_id).order_by(*model.__table__.primary_key))
            rows[model.__name__] = [tuple(row) for row in found]
        db.session.remove()
    return rows


@pytest.fixture(scope="module")
def schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.fixture(autouse=True)
def _clean_database():
    """The accounts below live for the whole module (seeding per test would cost more than the fuzzing)."""
    yield


@pytest.fixture(scope="module")
def accounts(app):
    """Tenant A (whose admin fuzzes) and tenant B, both seeded; removed after the module."""
    from app.actors import Actor
    from app.customers.models import Customer
    from app.customers.operations import create_customer
    from app.extensions import db, limiter

    with app.app_context():
        a, _ = create_customer(Actor.cli("tests"), "Fuzz Alpha", "admin@fuzz-alpha.example.com", PASSWORD, 2)
        b, _ = create_customer(Actor.cli("tests"), f"{MARKER} Bravo", f"admin@{MARKER.lower()}.example.com", PASSWORD, 1)
        db.session.commit()
        ids = a.id, b.id
        db.session.remove()
    own, other = _seed(app, ids[0]), _seed(app, ids[1], MARKER)
    yield {"sign_in": lambda: _fuzzing_admin_signs_in(app, ids[0]), "own": own, "other": other, "b": ids[1],
           "b_rows": _rows_of(app, ids[1]), "sent": {}}
    with app.app_context():
        db.session.execute(delete(Customer))
        db.session.commit()
        db.session.remove()
    limiter.reset()


def _fuzzing_admin_signs_in(app, customer_id: int) -> str:
    """A token for A's admin, as it was seeded: a fuzzed PUT /api/Representatives may have given the
    admin a new password, address or role, which ends the admin's tokens (and so every later operation)."""
    from sqlalchemy import select

    from app.auth.models import Representative
    from app.auth.passwords import hash_password
    from app.extensions import db

    with app.app_context():
        admin = db.session.scalars(select(Representative).where(Representative.customer_id == customer_id)
                                   .order_by(Representative.id)).first()
        admin.email, admin.role, admin.is_active = "admin@fuzz-alpha.example.com", "Admin", True
        admin.password_hash = hash_password(PASSWORD)
        db.session.commit()
        db.session.remove()
    login = app.test_client().post("/api/Auth/login", json={"email": "admin@fuzz-alpha.example.com", "password": PASSWORD})
    return login.get_json()["token"]


def _id_table(name: str, path: str) -> str | None:
    table = ID_PARAMS.get(name, "absent")
    if table is None:  # link_id: the resource named in the path
        return path.split("/")[2]
    return None if table == "absent" else table


# Body fields that name rows, and the seeded table their ids come from.
ID_FIELDS = {"actionID": "actions", "topicID": "topics", "channelID": "channels", "endUserID": "end_users"}
ROUTE_FIELDS = {"action_id": "actionID", "topic_id": "topicID", "channel_id": "channelID"}


def _steered(case_strategy, path: str, own: dict, other: dict):
    """The same cases with the id fields of the body drawn from A's and B's real ids, so creates,
    links, duplicates and reorders get past "no such id" too."""

    @st.composite
    def steer(draw):
        case = draw(case_strategy)
        items = case.body if isinstance(case.body, list) else [case.body]
        route = case.path_parameters or {}
        for item in (i for i in items if isinstance(i, dict)):
            for field, table in ID_FIELDS.items():
                if field in item and draw(st.booleans()):
                    item[field] = draw(st.sampled_from(own[table] + other[table]))
            for name, value in route.items():  # PUT bodies repeat the route id
                if ROUTE_FIELDS.get(name) in item and draw(st.booleans()):
                    item[ROUTE_FIELDS[name]] = value
            if "ids" in item and path.endswith("/reorder"):  # the first two links form one list
                kind = path.split("/")[2]
                item["ids"] = draw(st.permutations(own[kind][:2] + draw(st.sampled_from([[], own[kind][2:], other[kind][:1]]))))
        return case

    return steer()


def _strategy(operation, path: str, own: dict, other: dict):
    """Generated cases: positive and negative ones, id path parameters drawn from A's ids, B's
    ids and arbitrary integers alike, and positive bodies steered towards real ids."""
    names = [p.name for p in operation.path_parameters]
    choices = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        fixed = [{}]
        for name in names:
            table = _id_table(name, path)
            fixed += [{name: ident} for ident in (own.get(table, []) + other.get(table, [])) if table]
        for path_parameters in fixed:
            cases = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)
            choices.append(cases)
            if mode is GenerationMode.POSITIVE and operation.body:
                choices.append(_steered(cases, path, own, other))
    return st.one_of(choices)


def _leak(response, case, other: dict, path: str) -> str | None:
    text = response.content.decode("utf-8", "replace")
    if MARKER.lower() in text.lower():
        return f"tenant B's data in the answer: {text[:500]}"
    for name, value in (case.path_parameters or {}).items():
        table = _id_table(name, path)
        if table and value in other.get(table, []) and response.status_code < 300:
            return f"tenant B's {table} {value} answered {response.status_code}"
    return None


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_fuzz_operation(app, schema, accounts, method, path):
    own, other = accounts["own"], accounts["other"]
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {accounts['sign_in']()}"}
    sent = accounts["sent"].setdefault(f"{method} {path}", [])

    @hypothesis.settings(max_examples=EXAMPLES * 2, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), phases=[hypothesis.Phase.generate])
    @hypothesis.given(case=_strategy(operation, path, own, other))
    def run(case):
        response = case.call(headers=headers)
        sent.append(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=headers)
        leak = _leak(response, case, other, path)
        assert leak is None, leak

    run()
    assert sent, "no request was sent"


def test_fuzzing_covered_every_operation_and_left_tenant_b_alone(app, accounts):
    """Runs after the fuzzing above (same module): B's rows are exactly as seeded."""
    sent = accounts["sent"]
    if not sent:
        pytest.skip("the fuzzing ran in another process")
    total = sum(len(codes) for codes in sent.values())
    summary = {op: sorted(set(codes)) for op, codes in sent.items()}
    print(f"\nfuzzing: {total} requests over {len(sent)} operations")
    for op, codes in summary.items():
        print(f"  {op}: {len(sent[op])} requests, statuses {codes}")
    if len(sent) == len(OPERATIONS) and EXAMPLES >= 12:
        assert total >= MIN_REQUESTS, summary
    assert _rows_of(app, accounts["b"]) == accounts["b_rows"]
