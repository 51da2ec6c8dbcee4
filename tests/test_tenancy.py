"""Tenancy in one place: every tenant-scoped model answers 404 for another customer's id."""
import pytest
from sqlalchemy import inspect as sa_inspect

from app.domain_errors import NotFound
from app.extensions import db
from app.tenancy import get_scoped, get_scoped_or_404, scoped, tenant_models


def _in_app(app):
    ctx = app.app_context()
    ctx.push()
    return ctx


def test_every_tenant_model_is_covered_by_the_walk():
    names = {m.__name__ for m in tenant_models()}
    assert {"EndUser", "EndUserUID", "Action", "TopicAction", "HookAction", "Channel", "Topic", "Ticket",
            "TicketMessage", "Document", "Representative", "CustomerSecret", "CustomFieldDefinition"} <= names


def test_foreign_ids_are_not_found_for_every_tenant_model(app, demo_tenant, tenant_b):
    owner_ctx = _in_app(app)
    owned = {}
    for model in tenant_models():
        row = db.session.scalars(scoped(model, demo_tenant).limit(1)).first()
        assert row is not None, f"demo data has no {model.__name__}"
        owned[model] = sa_inspect(row).identity[0]
        assert get_scoped_or_404(model, demo_tenant, owned[model]) is row
    owner_ctx.pop()

    other_ctx = _in_app(app)
    try:
        for model, ident in owned.items():
            assert get_scoped(model, tenant_b.id, ident) is None, model.__name__
            with pytest.raises(NotFound):
                get_scoped_or_404(model, tenant_b.id, ident)
            assert all(r.customer_id == tenant_b.id for r in db.session.scalars(scoped(model, tenant_b.id)))
    finally:
        other_ctx.pop()


def test_garbage_ids_are_not_found(app, tenant_a):
    ctx = _in_app(app)
    try:
        for ident in ("abc", None, "1.5", -1, 2**31, 10**30):
            assert get_scoped(tenant_models()[0], tenant_a.id, ident) is None
    finally:
        ctx.pop()


def test_the_database_refuses_a_link_to_another_tenants_row(app, tenant_a, tenant_b):
    """Composite foreign keys keep links inside one tenant even if code forgets to check."""
    from sqlalchemy.exc import IntegrityError

    from app.actions.models import Action, TopicAction
    from app.topics.models import Topic

    with app.app_context():
        topic_b = Topic(customer_id=tenant_b.id, name="B topic")
        action_a = Action(customer_id=tenant_a.id, name="A action", action_type="Close")
        db.session.add_all([topic_b, action_a])
        db.session.commit()
        db.session.add(TopicAction(customer_id=tenant_a.id, topic_id=topic_b.id, action_id=action_a.id, priority=10))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.remove()
