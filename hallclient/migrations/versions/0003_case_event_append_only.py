"""case_event is append-only in the database itself

Revision ID: 0003
Revises: sync01

The event log is the record of what happened to a case; the code only ever inserts, and these
triggers make the database refuse anything else, so a bug or a hand-edited file cannot rewrite
history unnoticed. (A future migration that must rewrite payloads, e.g. to encrypt them at
rest, drops and recreates the triggers around its own work.)
"""
from alembic import op


revision = "0003"
down_revision = "sync01"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER case_event_no_{verb.lower()} BEFORE {verb} ON case_event "
            "BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS case_event_no_update")
    op.execute("DROP TRIGGER IF EXISTS case_event_no_delete")
