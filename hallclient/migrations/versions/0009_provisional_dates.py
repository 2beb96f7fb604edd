"""provisional (暂定) due dates of years without a holiday schedule

Revision ID: 0009
Revises: 0003

A case accepted before its year's 放假调休 schedule is known gets a date counted over weekends
only; this table remembers which dates are provisional and, once the schedule arrived, what
they became (the supervisor's list of moved dates). See hallclient/provisional.py.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provisional_date",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_record.id"), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("provisional", sa.Date(), nullable=False),
        sa.Column("final", sa.Date(), nullable=True),
        sa.Column("moved", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_provisional_date_case_id", "provisional_date", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_provisional_date_case_id", "provisional_date")
    op.drop_table("provisional_date")
