"""Foundation: identity, companies, operators, the ledger and the scheduler.

The ledger's journal (transfers and entries) is append-only: triggers refuse
UPDATE and DELETE on both databases.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 21:25:21.076059
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

APPEND_ONLY_TABLES = ("ledger_transfer", "ledger_entry")


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('company',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company'))
    )
    op.create_table('ledger_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('owner_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('is_external', sa.Boolean(), nullable=False),
    sa.Column('balance_cents', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('is_external OR balance_cents >= 0', name=op.f('ck_ledger_account_non_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_account')),
    sa.UniqueConstraint('owner_type', 'owner_id', 'purpose', 'currency', name=op.f('uq_ledger_account_owner_type_owner_id_purpose_currency'))
    )
    op.create_table('ledger_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('reference_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('reference_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_transfer')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_ledger_transfer_idempotency_key'))
    )
    with op.batch_alter_table('ledger_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_transfer_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_transfer_reference_id'), ['reference_id'], unique=False)

    op.create_table('scheduler_job',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('interval_seconds', sa.Integer(), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('last_started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('last_processed', sa.Integer(), nullable=False),
    sa.Column('last_duration_ms', sa.Integer(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_job'))
    )
    op.create_table('scheduler_lease',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('acquired_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('renewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_lease'))
    )
    op.create_table('user_account',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_role'), ['role'], unique=False)

    op.create_table('auth_session',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_auth_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_session_token_hash'))
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auth_session_user_id'), ['user_id'], unique=False)

    op.create_table('company_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_company_member_company_id_company')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_company_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_member')),
    sa.UniqueConstraint('company_id', 'user_id', name=op.f('uq_company_member_company_id_user_id'))
    )
    with op.batch_alter_table('company_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_company_member_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_company_member_user_id'), ['user_id'], unique=False)

    op.create_table('ledger_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transfer_id', sa.Integer(), nullable=False),
    sa.Column('from_account_id', sa.Integer(), nullable=False),
    sa.Column('to_account_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_ledger_entry_positive_amount')),
    sa.CheckConstraint('from_account_id <> to_account_id', name=op.f('ck_ledger_entry_distinct_accounts')),
    sa.ForeignKeyConstraint(['from_account_id'], ['ledger_account.id'], name=op.f('fk_ledger_entry_from_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['to_account_id'], ['ledger_account.id'], name=op.f('fk_ledger_entry_to_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['transfer_id'], ['ledger_transfer.id'], name=op.f('fk_ledger_entry_transfer_id_ledger_transfer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entry'))
    )
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entry_from_account', ['from_account_id', 'id'], unique=False)
        batch_op.create_index('ix_ledger_entry_to_account', ['to_account_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entry_transfer_id'), ['transfer_id'], unique=False)

    op.create_table('ledger_hold',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('source_account_id', sa.Integer(), nullable=False),
    sa.Column('escrow_account_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reference_type', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('reference_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'posted', 'voided')", name=op.f('ck_ledger_hold_known_state')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_ledger_hold_positive_amount')),
    sa.ForeignKeyConstraint(['escrow_account_id'], ['ledger_account.id'], name=op.f('fk_ledger_hold_escrow_account_id_ledger_account')),
    sa.ForeignKeyConstraint(['source_account_id'], ['ledger_account.id'], name=op.f('fk_ledger_hold_source_account_id_ledger_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_hold'))
    )
    with op.batch_alter_table('ledger_hold', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_hold_escrow_state', ['escrow_account_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_hold_reference_id'), ['reference_id'], unique=False)

    op.create_table('login_ticket',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('ticket_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_ticket_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_ticket')),
    sa.UniqueConstraint('ticket_hash', name=op.f('uq_login_ticket_ticket_hash'))
    )
    with op.batch_alter_table('login_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_ticket_expires_at'), ['expires_at'], unique=False)

    op.create_table('operator_profile',
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('skills', sa.JSON(), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('available', sa.Boolean(), nullable=False),
    sa.Column('kyc_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_operator_profile_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_operator_profile')),
    sa.UniqueConstraint('public_id', name=op.f('uq_operator_profile_public_id'))
    )
    op.create_table('project',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('information_policy', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('allowed_skills', sa.JSON(), nullable=False),
    sa.Column('redaction_terms', sa.JSON(), nullable=False),
    sa.Column('max_per_request_cents', sa.BigInteger(), nullable=True),
    sa.Column('daily_budget_cents', sa.BigInteger(), nullable=True),
    sa.Column('monthly_budget_cents', sa.BigInteger(), nullable=True),
    sa.Column('rate_limit_per_hour', sa.Integer(), nullable=False),
    sa.Column('webhook_url', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_project_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_company_id'), ['company_id'], unique=False)

    op.create_table('api_key',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('last4', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_api_key_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_key_key_hash'))
    )
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_project_id'), ['project_id'], unique=False)

    create_append_only_triggers()


def downgrade() -> None:
    drop_append_only_triggers()
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_project_id'))

    op.drop_table('api_key')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_company_id'))

    op.drop_table('project')
    op.drop_table('operator_profile')
    with op.batch_alter_table('login_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_ticket_expires_at'))

    op.drop_table('login_ticket')
    with op.batch_alter_table('ledger_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_hold_reference_id'))
        batch_op.drop_index('ix_ledger_hold_escrow_state')

    op.drop_table('ledger_hold')
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entry_transfer_id'))
        batch_op.drop_index('ix_ledger_entry_to_account')
        batch_op.drop_index('ix_ledger_entry_from_account')

    op.drop_table('ledger_entry')
    with op.batch_alter_table('company_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_member_user_id'))
        batch_op.drop_index(batch_op.f('ix_company_member_company_id'))

    op.drop_table('company_member')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_auth_session_expires_at'))

    op.drop_table('auth_session')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_role'))

    op.drop_table('user_account')
    op.drop_table('scheduler_lease')
    op.drop_table('scheduler_job')
    with op.batch_alter_table('ledger_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_transfer_reference_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_transfer_created_at'))

    op.drop_table('ledger_transfer')
    op.drop_table('ledger_account')
    op.drop_table('company')


def create_append_only_triggers() -> None:
    """Make the journal append-only in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END $$
        """)
        for table in APPEND_ONLY_TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()")
        return
    for table in APPEND_ONLY_TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END")


def drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
        return
    for table in APPEND_ONLY_TABLES:
        for action in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
