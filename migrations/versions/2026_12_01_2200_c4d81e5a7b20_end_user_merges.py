"""end_user_merge (tombstones of merged end users) and end_user_dismissed_duplicate

Revision ID: c4d81e5a7b20
Revises: b7d41c9e2a53
Create Date: 2026-12-01 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4d81e5a7b20'
down_revision = 'b7d41c9e2a53'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'end_user_merge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=False),
        sa.Column('audit_event_id', sa.Integer(), nullable=True),
        sa.Column('merged_at', sa.DateTime(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('customer_id', 'source_id'),
    )
    op.create_index(op.f('ix_end_user_merge_customer_id'), 'end_user_merge', ['customer_id'])
    op.create_index(op.f('ix_end_user_merge_target_id'), 'end_user_merge', ['target_id'])
    op.create_table(
        'end_user_dismissed_duplicate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('low_id', sa.Integer(), nullable=False),
        sa.Column('high_id', sa.Integer(), nullable=False),
        sa.Column('dismissed_at', sa.DateTime(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('customer_id', 'low_id', 'high_id'),
    )
    op.create_index(op.f('ix_end_user_dismissed_duplicate_customer_id'), 'end_user_dismissed_duplicate',
                    ['customer_id'])


def downgrade():
    op.drop_table('end_user_dismissed_duplicate')
    op.drop_table('end_user_merge')
