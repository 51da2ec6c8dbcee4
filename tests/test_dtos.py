"""Each response DTO is declared once (app.dtos); its dump must match its own schema.

Every declared Dto is dumped for real rows of the demo tenant (every row, so the null branches of
the getters run too) and each body is validated against the Dto's schema: the getters' types
must be the schema's, and the keys of a body must be the schema's properties.
"""
import importlib
import pkgutil
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

import app as app_package
from app.actions.models import CUSTOM_FIELD, Action, CustomFieldDefinition, HookAction, TopicAction
from app.actions.serializers import ACTION, ACTION_AVAILABLE, ACTION_LIST_ITEM, HOOK_ACTION, TOPIC_ACTION
from app.api_keys.models import ApiKey
from app.api_keys.serializers import API_KEY, API_KEY_CREATED
from app.audit.models import AuditEvent
from app.audit.serializers import AUDIT_EVENT
from app.auth.models import Representative
from app.auth.serializers import TOKEN
from app.auth.tokens import Principal
from app.catalog.models import AI_MODEL, AIModel
from app.channels.models import CHANNEL, Channel
from app.customers.models import Customer
from app.customers.serializers import CUSTOMER, PHONE
from app.dtos import Dto
from app.end_users import queries
from app.end_users.duplicates import Suggestion
from app.end_users.merge_serializers import DUPLICATE, MERGE_FIELD, MERGE_PREVIEW
from app.end_users.merging import field_comparison
from app.end_users.models import EndUser, EndUserUID
from app.end_users.serializers import ALREADY_ASSIGNED, END_USER, TICKET, TICKET_TOPIC, UID
from app.end_users.bulk_api import BULK_DONE
from app.extensions import db
from app.team.serializers import REPRESENTATIVE, REPRESENTATIVE_CREATED
from app.jobs.models import Job
from app.jobs.serializers import JOB, PROGRESS, UNDO
from app.pipeline import dry_run
from app.pipeline.run_order import HOOK_ORDER
from app.pipeline.serializers import DRY_RUN_STEP
from app.tickets.models import Ticket
from app.topics.models import TOPIC, Topic

FORMAT_CHECKER = Draft202012Validator.FORMAT_CHECKER


def declared_dtos() -> dict[str, Dto]:
    """Every module-level Dto of the app, by module and name."""
    found = {}
    for info in pkgutil.walk_packages(app_package.__path__, "app."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Dto):
                found.setdefault(id(value), (f"{info.name}.{name}", value))
    return {label: dto for label, dto in found.values()}


def _rows(session, model, customer_id):
    return list(session.scalars(select(model).where(model.customer_id == customer_id).order_by(model.id)))


def _samples(session, customer_id: int) -> list[tuple[Dto, object, dict]]:
    """(dto, object, context) for every declared DTO, from the demo tenant's rows."""
    rows = {model: _rows(session, model, customer_id)
            for model in (EndUser, EndUserUID, Ticket, Action, CustomFieldDefinition, TopicAction, HookAction,
                          Topic, Channel, Representative, AuditEvent, ApiKey)}
    customer = session.get(Customer, customer_id)
    models = list(session.scalars(select(AIModel).where(
        (AIModel.customer_id == customer_id) | AIModel.customer_id.is_(None))))
    latest = queries.last_interactions(customer_id, [u.id for u in rows[EndUser]])
    extras = queries.ticket_extras(customer_id, rows[Ticket])
    phone = next(c for c in rows[Channel] if c.channel_type == "Phone")
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    principals = [Principal(r.customer_id, "representative", r.id, tuple(r.roles)) for r in rows[Representative]]
    principals.append(Principal(customer_id, "phone", channel_id=phone.id))

    samples = [
        *[(END_USER, u, {"last_interaction": latest.get(u.id)}) for u in rows[EndUser]],
        *[(UID, u, {}) for u in rows[EndUserUID]],
        *[(ALREADY_ASSIGNED, u, {"message": "already linked"}) for u in rows[EndUserUID][:5]],
        *[(TICKET, t, extras[t.id]) for t in rows[Ticket]],
        *[(TICKET_TOPIC, topic, {}) for t in rows[Ticket] for topic in t.topics],
        *[(dto, a, {}) for a in rows[Action] for dto in (ACTION, ACTION_LIST_ITEM, ACTION_AVAILABLE)],
        *[(CUSTOM_FIELD, d, {}) for d in rows[CustomFieldDefinition]],
        *[(TOPIC_ACTION, link, {}) for link in rows[TopicAction]],
        *[(HOOK_ACTION, link, {}) for link in rows[HookAction]],
        *[(TOPIC, t, {}) for t in rows[Topic]],
        *[(CHANNEL, c, {}) for c in rows[Channel]],
        *[(AI_MODEL, m, {}) for m in models],
        *[(AUDIT_EVENT, e, {}) for e in rows[AuditEvent]],
        *[(MERGE_FIELD, row, {}) for row in field_comparison(rows[EndUser][0], rows[EndUser][1])],
        (MERGE_PREVIEW, field_comparison(rows[EndUser][0], rows[EndUser][1]), {
            "target": END_USER.dump(rows[EndUser][0]), "source": END_USER.dump(rows[EndUser][1])}),
        (DUPLICATE, Suggestion(rows[EndUser][0].id, rows[EndUser][1].id, "Same identifier", 1.0),
         {"endUser": END_USER.dump(rows[EndUser][1])}),
        (CUSTOMER, customer, {}),
        *[(dto, k, {"key": "sbk_example"}) if dto is API_KEY_CREATED else (dto, k, {})
          for k in rows[ApiKey] for dto in (API_KEY, API_KEY_CREATED)],
        (PHONE, customer, {"channel_id": phone.id}),
        *[(REPRESENTATIVE, r, {}) for r in rows[Representative]],
        *[(REPRESENTATIVE_CREATED, r, {"initial_password": password})
          for r in rows[Representative] for password in ("generated-once-1234", None)],
        *[(TOKEN, p, {"token": "header.payload.signature", "expires": expires}) for p in principals],
        *[(dto, job, {}) for job in _jobs(customer_id) for dto in (JOB, PROGRESS, BULK_DONE)],
        (BULK_DONE, None, {}),
        (UNDO, {"reverted": 2, "failed": 1, "reasons": ["Jane Doe changed again since: customerType."]}, {}),
        *[(DRY_RUN_STEP, step, {}) for step in _dry_run_steps(customer_id, rows)],
    ]
    for model, found in rows.items():
        assert found, f"the demo tenant has no {model.__name__}"
    return samples


def _jobs(customer_id: int) -> list[Job]:
    """A queued, a running and an ended job (not stored: the demo has none)."""
    created = datetime(2026, 12, 1, 9, 0, 0)
    return [Job(id=1, customer_id=customer_id, kind="import", status="queued", done=0, total=10, result={},
                created_at=created),
            Job(id=2, customer_id=customer_id, kind="bulk", status="running", done=500, total=1100, result={"count": 500},
                created_at=created),
            Job(id=3, customer_id=customer_id, kind="import", status="failed", done=500, total=900, created_at=created,
                finished_at=created, result={"created": 499, "failed": 1, "error": "x", "stoppedAt": {"done": 500, "line": 502}})]
def _dry_run_steps(customer_id: int, rows: dict) -> list:
    """Every link of every stage, on each channel, for a known end user and for none."""
    steps = []
    for channel in rows[Channel]:
        for end_user in (rows[EndUser][0], None):
            sample = dry_run.Sample(channel, rows[Topic], end_user, "Subject", "Body", datetime(2026, 12, 2, 10))
            steps += dry_run.run(customer_id, sample, list(HOOK_ORDER))
    steps.append(dry_run.preview(customer_id, rows[Action][0], sample))
    return steps


def _label(dto: Dto) -> str:
    return next(label for label, declared in declared_dtos().items() if declared is dto)


@contextmanager
def _as_admin_of(app, customer_id: int):
    """A session of its own for reading the customer's rows."""
    with app.app_context():
        yield db.session
        db.session.remove()


def test_every_declared_dto_dumps_what_its_schema_describes(app, demo_tenant):
    validators, failures = {}, []
    with _as_admin_of(app, demo_tenant) as session:
        for dto, obj, context in _samples(session, demo_tenant):
            if id(dto) not in validators:
                Draft202012Validator.check_schema(dto.schema)
                validators[id(dto)] = Draft202012Validator(dto.schema, format_checker=FORMAT_CHECKER)
            validator = validators[id(dto)]
            body = dto.dump(obj, **context)
            errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]
            if errors:
                failures.append((_label(dto), getattr(obj, "id", obj), errors[:3]))
            properties, required = set(dto.schema["properties"]), set(dto.schema["required"])
            if dto.schema.get("additionalProperties") is False and required == properties:
                assert set(body) == properties, (_label(dto), set(body) ^ properties)
            else:
                assert required <= set(body) <= properties, (_label(dto), set(body))
    assert failures == []
    unchecked = [label for label, dto in declared_dtos().items() if id(dto) not in validators]
    assert unchecked == [], "add a sample of each new Dto to _samples"


def test_the_token_dump_has_exactly_the_fields_of_its_login():
    demo_tenant = 42
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    rep = TOKEN.dump(Principal(demo_tenant, "representative", 7, ("Admin",)), token="t", expires=expires)
    phone = TOKEN.dump(Principal(demo_tenant, "phone", channel_id=3), token="t", expires=expires)
    assert rep == {"token": "t", "tokenType": "Bearer", "expiresAt": "2030-01-02T03:04:05Z",
                   "representativeID": 7, "customerID": demo_tenant, "roles": ["Admin"]}
    assert phone == {"token": "t", "tokenType": "Bearer", "expiresAt": "2030-01-02T03:04:05Z",
                     "customerID": demo_tenant, "channelID": 3, "authType": "phone"}


def test_every_titled_dto_is_its_component_in_the_document(client):
    """The document's component is the declaration's schema (nested DTOs become $refs)."""
    components = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    for label, dto in declared_dtos().items():
        if dto.title is None:
            continue
        component = components.get(dto.title)
        assert component is not None, f"{label} ({dto.title}) is in no answer of the document"
        assert set(component["properties"]) == set(dto.schema["properties"]), label
        assert component["required"] == dto.schema["required"], label


def test_dump_refuses_a_context_no_field_reads():
    with pytest.raises(TypeError, match="last_interation"):
        END_USER.dump(None, last_interation=None)
    with pytest.raises(TypeError):
        TOPIC.dump(None, anything=1)
