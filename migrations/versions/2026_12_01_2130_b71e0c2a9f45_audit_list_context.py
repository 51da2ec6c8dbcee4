"""audit_event.context_key: the ordered list (execution order) an event is about

Revision ID: b71e0c2a9f45
Revises: 8e347c119062
Create Date: 2026-12-01 21:30:00

A reorder has no entityId, and a link's events name the link, not its list: the History of one
execution-order list needs the list's key on the event. Filled for the events already there from
a reorder's snapshot and from the links that still exist.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'b71e0c2a9f45'
down_revision = '8e347c119062'
branch_labels = None
depends_on = None

LINK_TABLES = {'TopicAction': 'topic_action', 'HookAction': 'hook_action'}


def _newest_first(postgresql: bool) -> list:
    if postgresql:
        return [sa.text('occurred_at DESC NULLS LAST'), sa.text('id DESC')]
    return ['occurred_at', 'id']


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('audit_event') as batch:
        batch.add_column(sa.Column('context_key', sa.String(200), nullable=True))
    for entity_type, table in LINK_TABLES.items():
        bind.execute(sa.text(
            f'UPDATE audit_event SET context_key = (SELECT l.context_key FROM {table} l '
            f'WHERE l.id = audit_event.entity_id AND l.customer_id = audit_event.customer_id) '
            f"WHERE entity_type = :kind AND entity_id IS NOT NULL"), {'kind': entity_type})
        reorders = bind.execute(sa.text(
            "SELECT id, snapshot FROM audit_event WHERE entity_type = :kind AND entity_id IS NULL"),
            {'kind': entity_type}).all()
        for ident, snapshot in reorders:
            if isinstance(snapshot, str):
                snapshot = json.loads(snapshot)
            key = (snapshot or {}).get('contextKey')
            if key:
                bind.execute(sa.text('UPDATE audit_event SET context_key = :key WHERE id = :id'),
                             {'key': key, 'id': ident})
    op.create_index('ix_audit_event_customer_context', 'audit_event',
                    ['customer_id', 'entity_type', 'context_key', *_newest_first(bind.dialect.name == 'postgresql')])


def downgrade():
    op.drop_index('ix_audit_event_customer_context', table_name='audit_event')
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_column('context_key')
