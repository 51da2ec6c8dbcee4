"""job.enqueued_at: when a job's task last went into the queue, so that the reaper can queue again
a job whose task was lost (app/jobs/reaper.requeue_lost_tasks)

Revision ID: f1b2c3d4e5a6
Revises: e3a7c5d19b42
Create Date: 2026-12-02 02:00:00

Queued jobs that exist already count as enqueued when they were created. Plain ADD COLUMN: no
batch_alter_table (SQLite would rebuild the table).
"""
import sqlalchemy as sa
from alembic import op

revision = 'f1b2c3d4e5a6'
down_revision = 'e3a7c5d19b42'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('job', sa.Column('enqueued_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE job SET enqueued_at = created_at WHERE status = 'queued'")


def downgrade():
    with op.batch_alter_table('job') as batch_op:
        batch_op.drop_column('enqueued_at')
