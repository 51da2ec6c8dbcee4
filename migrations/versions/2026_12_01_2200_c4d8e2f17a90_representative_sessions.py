"""representative.session_version and last_login_at: revocable sessions and tokens

Revision ID: c4d8e2f17a90
Revises: c5d8e2a1f4b9
Create Date: 2026-12-01 22:00:00

Dashboard sessions and JWTs carry the representative's session version; bumping it (sign-out,
deactivation, a role or password change) ends them all. last_login_at is shown on the Team page.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4d8e2f17a90'
down_revision = 'c5d8e2a1f4b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('representative') as batch:
        batch.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
        batch.add_column(sa.Column('last_login_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('representative') as batch:
        batch.drop_column('last_login_at')
        batch.drop_column('session_version')
