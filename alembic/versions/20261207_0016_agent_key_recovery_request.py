"""When each e-mail address last asked for agent key recovery (one a window per address)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 20:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agent_key_recovery_request',
    sa.Column('email_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_agent_key_recovery_request'))
    )


def downgrade() -> None:
    op.drop_table('agent_key_recovery_request')
