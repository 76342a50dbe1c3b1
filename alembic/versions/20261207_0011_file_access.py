"""The access log of signed file links: every time a proof file is served, for whom and when.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-07 12:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0011'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('file_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('accessed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['upload_id'], ['upload.id'], name=op.f('fk_file_access_upload_id_upload')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_access'))
    )
    with op.batch_alter_table('file_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_file_access_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_file_access_upload_id'), ['upload_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('file_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_file_access_upload_id'))
        batch_op.drop_index(batch_op.f('ix_file_access_request_id'))

    op.drop_table('file_access')
