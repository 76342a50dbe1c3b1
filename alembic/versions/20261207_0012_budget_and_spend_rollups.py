"""Budget usage and company spend by day: budgets and fee tiers stop scanning request history.

Both tables are filled from the existing requests, as `requests/spend.py` `recount()` defines
them: budget usage counts requests that are neither cancelled nor expired by UTC day of creation;
company spend counts completed requests by UTC day of completion.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc_day(column: str) -> str:
    if op.get_bind().dialect.name == 'postgresql':
        return f"(({column}) AT TIME ZONE 'UTC')::date"
    return f"date({column})"  # SQLite stores UTC datetimes as text


def upgrade() -> None:
    op.create_table('budget_usage',
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'mode', 'day', name=op.f('pk_budget_usage'))
    )
    op.create_table('company_spend',
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('company_id', 'mode', 'day', name=op.f('pk_company_spend'))
    )
    created, completed = _utc_day('created_at'), _utc_day('completed_at')
    op.execute(
        "INSERT INTO budget_usage (project_id, mode, day, cents) "
        f"SELECT project_id, mode, {created}, SUM(max_price_cents) FROM request "
        "WHERE status NOT IN ('cancelled', 'expired') "
        f"GROUP BY project_id, mode, {created}")
    op.execute(
        "INSERT INTO company_spend (company_id, mode, day, cents) "
        f"SELECT company_id, mode, {completed}, SUM(max_price_cents) FROM request "
        "WHERE status = 'completed' AND completed_at IS NOT NULL "
        f"GROUP BY company_id, mode, {completed}")


def downgrade() -> None:
    op.drop_table('company_spend')
    op.drop_table('budget_usage')
