"""sync state and mirror of pulled streams

Revision ID: sync01
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import hallclient.models


revision = "sync01"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("device_name", sa.String(length=100), nullable=True),
        sa.Column("hall_code", sa.String(length=12), nullable=True),
        sa.Column("token", sa.String(length=200), nullable=True),
        sa.Column("registered_at", hallclient.models.UTCDateTime(), nullable=True),
        sa.Column("clock_offset_ms", sa.BigInteger(), nullable=True),
        sa.Column("last_attempt_at", hallclient.models.UTCDateTime(), nullable=True),
        sa.Column("last_success_at", hallclient.models.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", hallclient.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_mirror",
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("stream", "key"),
    )


def downgrade() -> None:
    op.drop_table("sync_mirror")
    op.drop_table("sync_state")
