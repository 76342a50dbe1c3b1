"""Staff specialties: the skills each staff member rules on as a tier-2 dispute specialist.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 05:35:39.837812
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_skill',
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('skill', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['skill'], ['skill.name'], name=op.f('fk_staff_skill_skill_skill')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_staff_skill_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', 'skill', name=op.f('pk_staff_skill'))
    )
    with op.batch_alter_table('staff_skill', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_skill_skill'), ['skill'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('staff_skill', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_skill_skill'))

    op.drop_table('staff_skill')
