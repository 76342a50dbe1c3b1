"""Agent trust inputs (completed, cancelled, disputes won and lost, sales revenue, when age next counts), discovery's and the trust history's indexes

The counts are kept by the writers of the outcomes from here on; agents exist only since 0013
and have no requests yet, so there is nothing to backfill.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-07 20:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0018'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ('completed_count', 'cancelled_count', 'disputes_won', 'disputes_lost')


def upgrade() -> None:
    with op.batch_alter_table('agent', schema=None) as batch_op:
        for name in COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('sales_revenue_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('trust_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_agent_trust_due_at', ['trust_due_at'], unique=False)
        batch_op.create_index('ix_agent_status_trust', ['status', 'trust_score', 'id'], unique=False)
        batch_op.create_index('ix_agent_status_activated', ['status', 'activated_at', 'id'], unique=False)
        batch_op.create_index('ix_agent_status_revenue', ['status', 'sales_revenue_cents', 'trust_score', 'id'],
                              unique=False)
    # The history is read newest first per agent: (agent_id, id) serves that and every lookup by agent.
    with op.batch_alter_table('agent_trust_change', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_trust_change_agent_id')
        batch_op.create_index('ix_agent_trust_change_agent_id_id', ['agent_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('agent_trust_change', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_trust_change_agent_id_id')
        batch_op.create_index('ix_agent_trust_change_agent_id', ['agent_id'], unique=False)
    with op.batch_alter_table('agent', schema=None) as batch_op:
        batch_op.drop_index('ix_agent_status_revenue')
        batch_op.drop_index('ix_agent_status_activated')
        batch_op.drop_index('ix_agent_status_trust')
        batch_op.drop_index('ix_agent_trust_due_at')
        batch_op.drop_column('trust_due_at')
        batch_op.drop_column('sales_revenue_cents')
        for name in reversed(COUNTS):
            batch_op.drop_column(name)
