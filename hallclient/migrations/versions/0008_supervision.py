"""the supervisor's view of the hall's day, rating follow-ups and case reviews

Revision ID: 0008
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import hallclient.models
import hallclient.personal


revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

UTC = hallclient.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "hall_case",
        sa.Column("case_id", sa.String(36), primary_key=True),
        sa.Column("case_no", sa.String(40), nullable=True),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("window_code", sa.String(8), nullable=False),
        sa.Column("clerk", sa.String(40), nullable=False),
        sa.Column("item_code", sa.String(40), nullable=False),
        sa.Column("case_type", sa.String(16), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("applicant_name", hallclient.personal.PersonalText(), nullable=False),
        sa.Column("applicant_id_masked", sa.String(40), nullable=False),
        sa.Column("ticket_no", sa.String(12), nullable=False),
        sa.Column("received_at", UTC(), nullable=True),
        sa.Column("accepted_at", UTC(), nullable=True),
        sa.Column("decided_at", UTC(), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("promised_provisional", sa.Boolean(), nullable=False),
        sa.Column("promised_moved_from", sa.Date(), nullable=True),
        sa.Column("legal_due_date", sa.Date(), nullable=True),
        sa.Column("supplement_deadline", sa.Date(), nullable=True),
        sa.Column("gaps", sa.JSON(), nullable=False),
        sa.Column("outcome_reason", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("broken", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
    )
    op.create_index("ix_hall_case_case_no", "hall_case", ["case_no"])
    op.create_index("ix_hall_case_day", "hall_case", ["day"])
    op.create_table(
        "hall_event",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("type", sa.String(30), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("window_code", sa.String(8), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_hall_event_case_id", "hall_event", ["case_id"])
    op.create_index("ix_hall_event_at", "hall_event", ["at"])
    op.create_table(
        "hall_record",
        sa.Column("uuid", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("window_code", sa.String(8), nullable=False),
        sa.Column("clerk", sa.String(40), nullable=False),
        sa.Column("case_id", sa.String(36), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_hall_record_kind_at", "hall_record", ["kind", "at"])
    op.create_index("ix_hall_record_at", "hall_record", ["at"])
    op.create_table(
        "hall_queue_event",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", UTC(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("window", sa.String(8), nullable=False),
        sa.Column("clerk", sa.String(40), nullable=False),
        sa.Column("ticket", sa.String(12), nullable=False),
        sa.Column("queue", sa.String(4), nullable=False),
        sa.Column("issued_at", UTC(), nullable=True),
        sa.Column("at_ms", sa.Integer(), nullable=False),
        sa.Column("issued_ms", sa.Integer(), nullable=True),
        sa.Column("tkey", sa.String(24), nullable=False),
        sa.Column("hour", sa.String(5), nullable=False),
    )
    op.create_index("ix_hall_queue_event_at", "hall_queue_event", ["at"])
    op.create_table(
        "rating_follow_up",
        sa.Column("rating_id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("callback_note", sa.Text(), nullable=False),
        sa.Column("callback_at", UTC(), nullable=True),
        sa.Column("fix_plan", sa.Text(), nullable=False),
        sa.Column("fix_deadline", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("closed_at", UTC(), nullable=True),
        sa.Column("by", sa.String(40), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
    )
    op.create_table(
        "case_review",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("by", sa.String(40), nullable=False),
        sa.Column("at", UTC(), nullable=False),
    )
    op.create_index("ix_case_review_case_id", "case_review", ["case_id"])


def downgrade() -> None:
    for t in ("case_review", "rating_follow_up", "hall_queue_event", "hall_record", "hall_event", "hall_case"):
        op.drop_table(t)
