"""indexes for the supervisor's reads that span all history, not the day

Revision ID: 0010
Revises: 0005

The open cases (accepted, approved, 补正, refused, or with a broken history) and the open 差评
are read over every day the supervisor's PC has kept, not just the day shown: without these
indexes both were full scans that grew by the hall's whole day (3,000 cases, 2,500 ratings),
every day. The bad ratings' index is partial: only levels 1 and 2 are in it.
"""
from alembic import op

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_hall_case_state", "hall_case", ["state", "promised_date"])
    op.create_index("ix_hall_case_broken", "hall_case", ["broken"])
    op.execute("CREATE INDEX ix_hall_record_bad_rating ON hall_record (at) "
               "WHERE kind = 'rating' AND json_extract(data, '$.level') <= 2")


def downgrade() -> None:
    op.execute("DROP INDEX ix_hall_record_bad_rating")
    op.drop_index("ix_hall_case_broken", "hall_case")
    op.drop_index("ix_hall_case_state", "hall_case")
