"""Requests, the skill catalogue, events, idempotency records, rate-limit counters, waitlist.

Seeds the skill catalogue with base rates per hour (minor units).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 21:31:01.083001
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

SKILLS = [
    ("legal_review", "Legal review", "Check clauses and documents against the law", 2000),
    ("translation", "Translation", "Translate or check a translation", 1600),
    ("content_review", "Content review", "Judge text, images or output against guidelines", 1200),
    ("data_validation", "Data validation", "Check records, numbers and facts", 1200),
    ("form_filling", "Form filling", "Fill in forms that need a person", 1000),
    ("browser_interaction", "Browser interaction", "Click through a site where agents are blocked", 1000),
    ("captcha_solving", "CAPTCHA solving", "Solve a human-verification challenge", 600),
    ("photo_verification", "Photo verification", "Take or check a photo as proof", 1400),
    ("research", "Research", "Find and summarise information", 1600),
]


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_event')),
    sa.UniqueConstraint('id', name=op.f('uq_event_id'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_event_project_seq', ['project_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_request_id'), ['request_id'], unique=False)

    op.create_table('idempotency_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response_body', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_record')),
    sa.UniqueConstraint('principal', 'key', name=op.f('uq_idempotency_record_principal_key'))
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_record_expires_at'), ['expires_at'], unique=False)

    op.create_table('rate_limit_counter',
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('window_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('subject', 'window_start', name=op.f('pk_rate_limit_counter'))
    )
    op.create_table('skill',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('base_rate_cents_per_hour', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_skill'))
    )
    op.create_table('waitlist_entry',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('use_case', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entry')),
    sa.UniqueConstraint('type', 'email', name=op.f('uq_waitlist_entry_type_email'))
    )
    op.create_table('request',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('api_key_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('skill', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('urgency', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('deadline', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('proof_requirements', sa.JSON(), nullable=False),
    sa.Column('output_schema', sa.JSON(), nullable=True),
    sa.Column('callback_url', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
    sa.Column('information_policy', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('max_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('fee_cents', sa.BigInteger(), nullable=False),
    sa.Column('fee_rate_bps', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('hold_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('operator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rating_comment', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('requeue_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('match_deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('work_deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('completed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_request_company_id_company')),
    sa.ForeignKeyConstraint(['operator_id'], ['user_account.id'], name=op.f('fk_request_operator_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_request_project_id_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request'))
    )
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_operator_id'), ['operator_id'], unique=False)
        batch_op.create_index('ix_request_project_created', ['project_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_request_project_skill_created', ['project_id', 'skill', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_request_project_status_created', ['project_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_request_status_match_deadline', ['status', 'match_deadline_at'], unique=False)
        batch_op.create_index('ix_request_status_work_deadline', ['status', 'work_deadline_at'], unique=False)

    op.create_table('request_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor_type', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['request.id'], name=op.f('fk_request_event_request_id_request')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_event'))
    )
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.create_index('ix_request_event_request', ['request_id', 'id'], unique=False)

    skill = sa.table("skill", sa.column("name", sa.String), sa.column("title", sa.String),
                     sa.column("description", sa.String), sa.column("base_rate_cents_per_hour", sa.Integer),
                     sa.column("active", sa.Boolean))
    op.bulk_insert(skill, [{"name": name, "title": title, "description": description,
                            "base_rate_cents_per_hour": rate, "active": True}
                           for name, title, description, rate in SKILLS])


def downgrade() -> None:
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.drop_index('ix_request_event_request')

    op.drop_table('request_event')
    with op.batch_alter_table('request', schema=None) as batch_op:
        batch_op.drop_index('ix_request_status_work_deadline')
        batch_op.drop_index('ix_request_status_match_deadline')
        batch_op.drop_index('ix_request_project_status_created')
        batch_op.drop_index('ix_request_project_skill_created')
        batch_op.drop_index('ix_request_project_created')
        batch_op.drop_index(batch_op.f('ix_request_operator_id'))
        batch_op.drop_index(batch_op.f('ix_request_company_id'))

    op.drop_table('request')
    op.drop_table('waitlist_entry')
    op.drop_table('skill')
    op.drop_table('rate_limit_counter')
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_record_expires_at'))

    op.drop_table('idempotency_record')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_request_id'))
        batch_op.drop_index('ix_event_project_seq')
        batch_op.drop_index(batch_op.f('ix_event_company_id'))

    op.drop_table('event')
