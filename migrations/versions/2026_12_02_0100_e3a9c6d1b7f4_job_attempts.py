"""job.attempts (runs of a job; a job whose worker died is resumed or failed) and the index its reaper reads

Revision ID: e3a9c6d1b7f4
Revises: c4d81e5a7b20
Create Date: 2026-12-02 01:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e3a9c6d1b7f4'
down_revision = 'c4d81e5a7b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job') as batch:
        batch.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
    op.create_index('ix_job_status_heartbeat', 'job', ['status', 'heartbeat_at'])


def downgrade():
    op.drop_index('ix_job_status_heartbeat', table_name='job')
    with op.batch_alter_table('job') as batch:
        batch.drop_column('attempts')
