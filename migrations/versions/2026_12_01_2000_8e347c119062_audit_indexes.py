"""audit_event indexes: newest first for every list filter, and occurred_at for the retention prune

Revision ID: 8e347c119062
Revises: 4f2a9c1d7e3b
Create Date: 2026-12-01 20:00:00

A list page asks for ORDER BY occurred_at DESC NULLS LAST, id DESC. The record and actor indexes
ended in id, so a busy record's or representative's page 1 sorted all their events; an entity type
alone had no index in that order, so a rare type's page 1 walked the tenant's whole timeline; the
action filter had no index, so its COUNT read every event of the tenant; and the prune, which spans
tenants, had no index led by occurred_at. PostgreSQL builds the list indexes in the page's order
(it cannot use an ascending index for DESC NULLS LAST); SQLite builds them ascending and reads them
backwards, which gives the same order there (and it has no NULLS LAST in CREATE INDEX).
"""
import sqlalchemy as sa
from alembic import op

revision = '8e347c119062'
down_revision = '4f2a9c1d7e3b'
branch_labels = None
depends_on = None

# name: the columns before the newest-first pair
LIST_INDEXES = {
    'ix_audit_event_customer_time': ['customer_id'],
    'ix_audit_event_customer_entity': ['customer_id', 'entity_type', 'entity_id'],
    'ix_audit_event_customer_entity_type': ['customer_id', 'entity_type'],
    'ix_audit_event_customer_actor': ['customer_id', 'actor_type', 'actor_id'],
    'ix_audit_event_customer_action': ['customer_id', 'action'],
}
# Before this revision: the indexes it rebuilds, as 4f2a9c1d7e3b made them.
PREVIOUS = {
    'ix_audit_event_customer_time': ['customer_id', 'occurred_at', 'id'],
    'ix_audit_event_customer_entity': ['customer_id', 'entity_type', 'entity_id', 'id'],
    'ix_audit_event_customer_actor': ['customer_id', 'actor_type', 'actor_id', 'id'],
}


def _newest_first(postgresql: bool) -> list:
    if postgresql:
        return [sa.text('occurred_at DESC NULLS LAST'), sa.text('id DESC')]
    return ['occurred_at', 'id']


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, leading in LIST_INDEXES.items():
        if name == 'ix_audit_event_customer_time' and not postgresql:
            continue  # already (customer_id, occurred_at, id) ascending: what SQLite reads backwards
        if name in PREVIOUS:
            op.drop_index(name, table_name='audit_event')
        op.create_index(name, 'audit_event', [*leading, *_newest_first(postgresql)])
    op.create_index('ix_audit_event_occurred_at', 'audit_event', ['occurred_at', 'id'])


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    op.drop_index('ix_audit_event_occurred_at', table_name='audit_event')
    for name in LIST_INDEXES:
        if name == 'ix_audit_event_customer_time' and not postgresql:
            continue
        op.drop_index(name, table_name='audit_event')
        if name in PREVIOUS:
            op.create_index(name, 'audit_event', PREVIOUS[name])
