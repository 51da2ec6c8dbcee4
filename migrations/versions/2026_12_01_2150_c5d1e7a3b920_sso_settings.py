"""sso_settings: a tenant's OpenID Connect provider for single sign-on

Revision ID: c5d1e7a3b920
Revises: b7d41e0a9c35
Create Date: 2026-12-01 21:50:00

One row per tenant; the client secret is Fernet-encrypted text (app/crypto.py). A domain is unique
across tenants because the login page finds the tenant from the e-mail's domain.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c5d1e7a3b920'
down_revision = 'b7d41e0a9c35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sso_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=True),
        sa.Column('client_id', sa.String(length=200), nullable=True),
        sa.Column('client_secret', sa.Text(), nullable=True),
        sa.Column('secret_changed_at', sa.DateTime(), nullable=True),
        sa.Column('allowed_domain', sa.String(length=253), nullable=True),
        sa.Column('create_agents', sa.Boolean(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], name=op.f('fk_sso_settings_customer_id_customer'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_settings')),
        sa.UniqueConstraint('customer_id', name=op.f('uq_sso_settings_customer_id')),
        sa.UniqueConstraint('allowed_domain', name=op.f('uq_sso_settings_allowed_domain')),
    )
    with op.batch_alter_table('sso_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_settings_customer_id'), ['customer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sso_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_settings_customer_id'))
    op.drop_table('sso_settings')
