"""The staff audit log (append-only: triggers refuse UPDATE and DELETE on both databases).

Staff manual credits are its first writer; the `manual_deposits` ledger purpose needs no schema.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 10:45:39.296186
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_user_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['user_account.id'], name=op.f('fk_audit_log_actor_user_id_user_account')),
    sa.ForeignKeyConstraint(['transfer_id'], ['ledger_transfer.id'], name=op.f('fk_audit_log_transfer_id_ledger_transfer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('transfer_id', name=op.f('uq_audit_log_transfer_id'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_action', ['action', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_actor_user_id'), ['actor_user_id'], unique=False)
        batch_op.create_index('ix_audit_log_subject', ['subject_type', 'subject_id', 'id'], unique=False)
    create_append_only_triggers()


def downgrade() -> None:
    drop_append_only_triggers()
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_subject')
        batch_op.drop_index(batch_op.f('ix_audit_log_actor_user_id'))
        batch_op.drop_index('ix_audit_log_action')

    op.drop_table('audit_log')


def create_append_only_triggers() -> None:
    """An audit log that can be edited proves nothing: the database refuses UPDATE and DELETE.

    A later migration that rebuilds this table on SQLite (batch mode) must create these again.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP; END $$
        """)
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
                   "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_log_no_{action.lower()} BEFORE {action} ON audit_log "
                   f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")


def drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
        return
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{action}")
