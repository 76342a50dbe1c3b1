"""Operators: uploads, KYC submissions, work assignments, context views, earnings, payouts;
the review deadline on requests.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:18:17.420584
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payout',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('provider_reference', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('failure_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'], name=op.f('fk_payout_operator_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout'))
    )
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.create_index('ix_payout_operator', ['operator_id', 'created_at'], unique=False)
        batch_op.create_index('ix_payout_status', ['status'], unique=False)

    op.create_table('upload',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('owner_user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user_account.id'], name=op.f('fk_upload_owner_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_upload'))
    )
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upload_owner_user_id'), ['owner_user_id'], unique=False)

    op.create_table('kyc_submission',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('legal_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('document_upload_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('reviewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reviewer_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.ForeignKeyConstraint(['document_upload_id'], ['upload.id'], name=op.f('fk_kyc_submission_document_upload_id_upload')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_kyc_submission_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kyc_submission'))
    )
    with op.batch_alter_table('kyc_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kyc_submission_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_kyc_submission_user_id'), ['user_id'], unique=False)

    op.create_table('context_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('viewed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'], name=op.f('fk_context_view_operator_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_context_view_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_context_view'))
    )
    with op.batch_alter_table('context_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_context_view_request_id'), ['request_id'], unique=False)

    op.create_table('earning',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('frozen', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('available_on', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('released_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'], name=op.f('fk_earning_operator_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_earning_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_earning')),
    sa.UniqueConstraint('request_id', name=op.f('uq_earning_request_id'))
    )
    with op.batch_alter_table('earning', schema=None) as batch_op:
        batch_op.create_index('ix_earning_operator', ['operator_id', 'created_at'], unique=False)
        batch_op.create_index('ix_earning_status_available_on', ['status', 'available_on'], unique=False)

    op.create_table('work_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'], name=op.f('fk_work_assignment_operator_id_user_account')),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_work_assignment_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_assignment'))
    )
    with op.batch_alter_table('work_assignment', schema=None) as batch_op:
        batch_op.create_index('ix_work_assignment_operator', ['operator_id', 'accepted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_assignment_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_request_status_review_deadline', ['status', 'review_deadline_at'], unique=False)
        batch_op.create_index('ix_request_status_skill_deadline', ['status', 'skill', 'match_deadline_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_status_skill_deadline')
        batch_op.drop_index('ix_request_status_review_deadline')
        batch_op.drop_column('review_deadline_at')

    with op.batch_alter_table('work_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_assignment_request_id'))
        batch_op.drop_index('ix_work_assignment_operator')

    op.drop_table('work_assignment')
    with op.batch_alter_table('earning', schema=None) as batch_op:
        batch_op.drop_index('ix_earning_status_available_on')
        batch_op.drop_index('ix_earning_operator')

    op.drop_table('earning')
    with op.batch_alter_table('context_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_context_view_request_id'))

    op.drop_table('context_view')
    with op.batch_alter_table('kyc_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kyc_submission_user_id'))
        batch_op.drop_index(batch_op.f('ix_kyc_submission_status'))

    op.drop_table('kyc_submission')
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upload_owner_user_id'))

    op.drop_table('upload')
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_status')
        batch_op.drop_index('ix_payout_operator')

    op.drop_table('payout')
