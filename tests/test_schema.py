"""The migrations build exactly the schema the models describe, and ship the model catalogue."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from app.catalog.models import AIModel
from app.end_users.search_text import include_object
from app.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_a_new_database_lists_the_global_catalogue(app):
    with app.app_context():
        count = db.session.scalar(select(func.count()).where(AIModel.customer_id.is_(None)))
        active_usages = {u for m in db.session.scalars(select(AIModel).where(AIModel.is_active.is_(True))) for u in m.compatible_usages}
    assert count >= 10
    assert {"Topic", "Webchat", "Email", "Call", "Spam", "ConditionalRules", "Summary", "Realtime",
            "RealtimeTranslation", "Transcribe"} <= active_usages
