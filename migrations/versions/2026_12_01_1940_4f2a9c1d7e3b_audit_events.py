"""audit_event: one row per write, with who, when, what and the changes

Revision ID: 4f2a9c1d7e3b
Revises: 8c3e91d4a2b7
Create Date: 2026-12-01 19:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = '4f2a9c1d7e3b'
down_revision = '8c3e91d4a2b7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=False),
        sa.Column('actor_type', sa.String(length=20), nullable=False),
        sa.Column('actor_id', sa.String(length=100), nullable=True),
        sa.Column('actor_name', sa.String(length=200), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('entity_type', sa.String(length=40), nullable=False),
        sa.Column('entity_id', sa.Integer(), nullable=True),
        sa.Column('entity_label', sa.String(length=300), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('snapshot', sa.JSON(), nullable=True),
        sa.Column('revertible', sa.Boolean(), nullable=False),
        sa.Column('reverted_by_event_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_audit_event_customer_id_customer'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event')),
    )
    op.create_index('ix_audit_event_customer_time', 'audit_event', ['customer_id', 'occurred_at', 'id'])
    op.create_index('ix_audit_event_customer_entity', 'audit_event', ['customer_id', 'entity_type', 'entity_id', 'id'])
    op.create_index('ix_audit_event_customer_actor', 'audit_event', ['customer_id', 'actor_type', 'actor_id', 'id'])
    op.create_index(op.f('ix_audit_event_customer_id'), 'audit_event', ['customer_id'])


def downgrade():
    op.drop_table('audit_event')
