"""Disputes: one per request with tier, rulings, settlement offer and resolution; jurors; history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 01:26:13.380588
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dispute',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('skill', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.Column('fee_cents', sa.BigInteger(), nullable=False),
    sa.Column('money_state', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('opened_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('operator_statement', sa.Text(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('current_tier', sa.Integer(), nullable=False),
    sa.Column('small_claims', sa.Boolean(), nullable=False),
    sa.Column('ai_ruling', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('ai_ruling_reasoning', sa.Text(), nullable=True),
    sa.Column('jury_result', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('ruling', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('ruling_refund_cents', sa.BigInteger(), nullable=True),
    sa.Column('jury_replaced', sa.Boolean(), nullable=False),
    sa.Column('offer_cents', sa.BigInteger(), nullable=True),
    sa.Column('offer_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('resolution', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('refund_cents', sa.BigInteger(), nullable=True),
    sa.Column('deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_dispute_company_id_company')),
    sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'], name=op.f('fk_dispute_operator_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_dispute_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute')),
    sa.UniqueConstraint('request_id', name=op.f('uq_dispute_request_id'))
    )
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.create_index('ix_dispute_company', ['company_id', 'created_at'], unique=False)
        batch_op.create_index('ix_dispute_operator', ['operator_id', 'created_at'], unique=False)
        batch_op.create_index('ix_dispute_status_deadline', ['status', 'deadline_at'], unique=False)

    op.create_table('dispute_juror',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('juror_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('vote', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('assigned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('voted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['dispute_id'], ['dispute.id'], name=op.f('fk_dispute_juror_dispute_id_dispute')),
    sa.ForeignKeyConstraint(['juror_id'], ['user_account.id'], name=op.f('fk_dispute_juror_juror_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_juror')),
    sa.UniqueConstraint('dispute_id', 'juror_id', name=op.f('uq_dispute_juror_dispute_id_juror_id'))
    )
    with op.batch_alter_table('dispute_juror', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispute_juror_dispute_id'), ['dispute_id'], unique=False)
        batch_op.create_index('ix_dispute_juror_juror', ['juror_id', 'id'], unique=False)

    op.create_table('dispute_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispute_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('from_tier', sa.Integer(), nullable=True),
    sa.Column('to_tier', sa.Integer(), nullable=True),
    sa.Column('actor_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('ruling', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('refund_cents', sa.BigInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dispute_id'], ['dispute.id'], name=op.f('fk_dispute_step_dispute_id_dispute')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute_step'))
    )
    with op.batch_alter_table('dispute_step', schema=None) as batch_op:
        batch_op.create_index('ix_dispute_step_dispute', ['dispute_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('dispute_step', schema=None) as batch_op:
        batch_op.drop_index('ix_dispute_step_dispute')

    op.drop_table('dispute_step')
    with op.batch_alter_table('dispute_juror', schema=None) as batch_op:
        batch_op.drop_index('ix_dispute_juror_juror')
        batch_op.drop_index(batch_op.f('ix_dispute_juror_dispute_id'))

    op.drop_table('dispute_juror')
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.drop_index('ix_dispute_status_deadline')
        batch_op.drop_index('ix_dispute_operator')
        batch_op.drop_index('ix_dispute_company')

    op.drop_table('dispute')
