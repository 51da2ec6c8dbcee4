"""background jobs: job, job_row_error (an import's refused rows), job_event (what an undo reverts)

Revision ID: b7d41c9e2a53
Revises: c4d8e2f17a90
Create Date: 2026-12-01 22:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b7d41c9e2a53'
down_revision = 'c4d8e2f17a90'
branch_labels = None
depends_on = None


def _tenant():
    return sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customer.id', ondelete='CASCADE'), nullable=False)


def upgrade():
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=True),
        sa.Column('cancel_requested', sa.Boolean(), nullable=False),
        sa.Column('actor_type', sa.String(20), nullable=False),
        sa.Column('actor_id', sa.String(100), nullable=True),
        sa.Column('actor_name', sa.String(200), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_job_customer_id', 'job', ['customer_id'])
    op.create_index('ix_job_customer_created', 'job', ['customer_id', 'created_at'])
    op.create_table(
        'job_row_error',
        sa.Column('id', sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column('job_id', sa.Integer(), sa.ForeignKey('job.id', ondelete='CASCADE'), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('column', sa.String(300), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
    )
    op.create_index('ix_job_row_error_customer_id', 'job_row_error', ['customer_id'])
    op.create_index('ix_job_row_error_job_id', 'job_row_error', ['job_id'])
    op.create_table(
        'job_event',
        sa.Column('id', sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column('job_id', sa.Integer(), sa.ForeignKey('job.id', ondelete='CASCADE'), nullable=False),
        sa.Column('audit_event_id', sa.Integer(), sa.ForeignKey('audit_event.id', ondelete='CASCADE'), nullable=False),
    )
    op.create_index('ix_job_event_customer_id', 'job_event', ['customer_id'])
    op.create_index('ix_job_event_job_id', 'job_event', ['job_id'])


def downgrade():
    op.drop_table('job_event')
    op.drop_table('job_row_error')
    op.drop_table('job')
