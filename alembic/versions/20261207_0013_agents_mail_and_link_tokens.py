"""Agents (the public face of a project), their trust history, the e-mail outbox, single-use link tokens, key scopes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 19:56:10.677044
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('email_message',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_message'))
    )
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_message_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_message_to_address'), ['to_address'], unique=False)

    op.create_table('link_token',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_link_token_token_hash'))
    )
    with op.batch_alter_table('link_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_token_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_token_subject'), ['subject'], unique=False)

    op.create_table('agent',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('handle', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('capabilities', sa.JSON(), nullable=False),
    sa.Column('endpoint_url', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
    sa.Column('service_price_cents', sa.BigInteger(), nullable=True),
    sa.Column('owner_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('owner_user_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('trust_score', sa.Integer(), nullable=False),
    sa.Column('trust_tier', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('token_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('activated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('frozen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('frozen_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('frozen_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_agent_company_id_company')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user_account.id'], name=op.f('fk_agent_owner_user_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_agent_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent')),
    sa.UniqueConstraint('handle', name=op.f('uq_agent_handle')),
    sa.UniqueConstraint('project_id', name=op.f('uq_agent_project_id'))
    )
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_owner_email'), ['owner_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agent_status'), ['status'], unique=False)

    op.create_table('agent_trust_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('score_before', sa.Integer(), nullable=False),
    sa.Column('score_after', sa.Integer(), nullable=False),
    sa.Column('tier_after', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('cause', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], name=op.f('fk_agent_trust_change_agent_id_agent')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agent_trust_change'))
    )
    with op.batch_alter_table('agent_trust_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agent_trust_change_agent_id'), ['agent_id'], unique=False)

    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scopes', sa.JSON(), nullable=True))

    


def downgrade() -> None:
    
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_column('scopes')

    with op.batch_alter_table('agent_trust_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_trust_change_agent_id'))

    op.drop_table('agent_trust_change')
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agent_status'))
        batch_op.drop_index(batch_op.f('ix_agent_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_agent_owner_email'))
        batch_op.drop_index(batch_op.f('ix_agent_created_at'))
        batch_op.drop_index(batch_op.f('ix_agent_company_id'))

    op.drop_table('agent')
    with op.batch_alter_table('link_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_token_subject'))
        batch_op.drop_index(batch_op.f('ix_link_token_expires_at'))

    op.drop_table('link_token')
    with op.batch_alter_table('email_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_message_to_address'))
        batch_op.drop_index(batch_op.f('ix_email_message_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_email_message_created_at'))

    op.drop_table('email_message')
    
