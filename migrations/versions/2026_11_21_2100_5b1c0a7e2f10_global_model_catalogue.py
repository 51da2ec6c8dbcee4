"""Load the global AI model catalogue shipped in migrations/data/ai_models_2026_11.json

Revision ID: 5b1c0a7e2f10
Revises: d9457327767d
Create Date: 2026-11-21 21:00:00

"""
import json
import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = '5b1c0a7e2f10'
down_revision = 'd9457327767d'
branch_labels = None
depends_on = None

DATA = Path(__file__).resolve().parent.parent / "data" / "ai_models_2026_11.json"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


COLUMNS = {
    "modelName": "model_name", "apiModelName": "api_model_name", "purpose": "purpose",
    "compatibleUsages": "compatible_usages", "requiredSubscriptionLevel": "required_subscription_level",
    "isActive": "is_active", "isDefault": "is_default", "showInPrimaryList": "show_in_primary_list",
    "isFineTuned": "is_fine_tuned",
}


def _table():
    models = json.loads(DATA.read_text())
    types = {}
    for model in models:
        for key, value in model.items():
            types[COLUMNS.get(key) or _snake(key)] = (
                sa.Boolean if isinstance(value, bool) else sa.Integer if isinstance(value, int)
                else sa.JSON if isinstance(value, list) else sa.String
            )
    table = sa.table(
        "ai_model",
        sa.column("customer_id", sa.Integer),
        *(sa.column(name, type_) for name, type_ in sorted(types.items())),
    )
    rows = [{COLUMNS.get(k) or _snake(k): v for k, v in m.items()} | {"customer_id": None} for m in models]
    return table, rows


def upgrade():
    table, rows = _table()
    op.bulk_insert(table, rows)


def downgrade():
    table, rows = _table()
    op.execute(table.delete().where(
        table.c.customer_id.is_(None),
        table.c.api_model_name.in_([r["api_model_name"] for r in rows]),
    ))
