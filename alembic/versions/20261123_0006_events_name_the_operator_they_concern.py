"""Events name the operator they concern, so an operator's dashboard session can stream its own.

Existing events are filled in: a request's or dispute's events name the request's current
operator (`request.matching` names nobody), a payout's events the payout's owner.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 04:36:32.109720
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.create_index('ix_event_operator_seq', ['operator_id', 'seq'], unique=False)
    op.execute("UPDATE event SET operator_id = (SELECT request.operator_id FROM request WHERE request.id = event.request_id) "
               "WHERE request_id IS NOT NULL AND type <> 'request.matching' "
               "AND (type LIKE 'request.%' OR type LIKE 'dispute.%')")
    payout_owner = ("data->>'operator_id'" if op.get_bind().dialect.name == "postgresql"
                    else "json_extract(data, '$.operator_id')")
    op.execute(f"UPDATE event SET operator_id = {payout_owner} WHERE type LIKE 'payout.%'")


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_operator_seq')
        batch_op.drop_column('operator_id')
