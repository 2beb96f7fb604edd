"""security: the audit trail (append-only, SM3-chained), forced password change

Revision ID: 0005
Revises: 0003

The audit records are append-only in the database itself: an UPDATE is always refused, a
DELETE unless the record is older than the retention minimum (183 days), which only
`audit.prune` does, after writing an anchor. Anchors are append-only outright.
"""
from alembic import op
import sqlalchemy as sa
import hallclient.models


revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_record",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uuid", sa.String(length=36), nullable=False, unique=True),
        sa.Column("at", hallclient.models.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("pruned", sa.Integer(), nullable=False),
        sa.Column("at", hallclient.models.UTCDateTime(), nullable=False),
    )
    create_audit_triggers()
    with op.batch_alter_table("user_account") as b:
        b.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))


def create_audit_triggers() -> None:
    op.execute("CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record "
               "BEGIN SELECT RAISE(ABORT, 'audit_record is append-only'); END")
    # Records younger than six months (网络安全法 §21) cannot be deleted, whoever asks.
    op.execute("CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record "
               "WHEN OLD.at > datetime('now', '-183 days') "
               "BEGIN SELECT RAISE(ABORT, 'audit_record is kept at least 183 days'); END")
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER audit_anchor_no_{verb.lower()} BEFORE {verb} ON audit_anchor "
                   "BEGIN SELECT RAISE(ABORT, 'audit_anchor is append-only'); END")


def downgrade() -> None:
    for t in ("audit_record_no_update", "audit_record_no_delete", "audit_anchor_no_update", "audit_anchor_no_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {t}")
    with op.batch_alter_table("user_account") as b:
        b.drop_column("must_change_password")
    op.drop_table("audit_anchor")
    op.drop_table("audit_record")
