"""certificates, blank stock, calibration, deliveries; issuing authority codes of departments

Revision ID: 0007
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa
import hallclient.models
import hallclient.personal


revision = "0007"
down_revision = "0008"
branch_labels = None
depends_on = None

_dt = hallclient.models.UTCDateTime()


def upgrade() -> None:
    with op.batch_alter_table("department") as b:
        b.add_column(sa.Column("uscc", sa.String(18), nullable=False, server_default=""))
        b.add_column(sa.Column("authority", sa.String(100), nullable=False, server_default=""))
    op.create_table(
        "certificate_template",
        sa.Column("key", sa.String(60), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("licence_type", sa.String(60), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", _dt, nullable=False),
    )
    op.create_table(
        "certificate",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_record.id"), nullable=False, index=True),
        sa.Column("template_key", sa.String(60), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("certificate_no", sa.String(40), nullable=False, unique=True),
        sa.Column("licence_id", sa.String(120), nullable=False, unique=True),
        sa.Column("licence_type", sa.String(60), nullable=False),
        sa.Column("holder_name", sa.String(200), nullable=False),
        sa.Column("holder_code", hallclient.personal.PersonalText(), nullable=False),
        sa.Column("holder_code_type", sa.String(3), nullable=False),
        sa.Column("authority_name", sa.String(100), nullable=False),
        sa.Column("authority_uscc", sa.String(18), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("fields", hallclient.personal.PersonalJSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _dt, nullable=False),
    )
    op.create_table(
        "certificate_stock_range",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("template_key", sa.String(60), nullable=False, index=True),
        sa.Column("prefix", sa.String(12), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("at", _dt, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_table(
        "certificate_stock_sheet",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("range_id", sa.Integer(), sa.ForeignKey("certificate_stock_range.id"), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("certificate_id", sa.String(36), sa.ForeignKey("certificate.id"), nullable=True, index=True),
        sa.Column("reprint", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("authoriser_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("printer", sa.String(120), nullable=False),
        sa.Column("at", _dt, nullable=False),
        sa.Column("spoiled_at", _dt, nullable=True),
        sa.UniqueConstraint("range_id", "serial"),
    )
    op.create_index("ix_stock_sheet_range", "certificate_stock_sheet", ["range_id", "serial"])
    op.create_table(
        "printer_calibration",
        sa.Column("workstation", sa.String(80), primary_key=True),
        sa.Column("printer", sa.String(120), primary_key=True),
        sa.Column("dx_mm", sa.Float(), nullable=False),
        sa.Column("dy_mm", sa.Float(), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("updated_at", _dt, nullable=False),
    )
    op.create_table(
        "certificate_delivery",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("certificate_id", sa.String(36), sa.ForeignKey("certificate.id"), nullable=False, unique=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_record.id"), nullable=False, index=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("recipient_name", sa.String(200), nullable=False),
        sa.Column("recipient_id_number", hallclient.personal.PersonalText(), nullable=True),
        sa.Column("relation", sa.String(20), nullable=False),
        sa.Column("agent_reason", sa.Text(), nullable=False),
        sa.Column("courier", sa.String(40), nullable=False),
        sa.Column("tracking_no", sa.String(40), nullable=False),
        sa.Column("address", hallclient.personal.PersonalText(), nullable=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("at", _dt, nullable=False),
    )


def downgrade() -> None:
    for t in ("certificate_delivery", "printer_calibration", "certificate_stock_sheet", "certificate_stock_range",
              "certificate", "certificate_template"):
        op.drop_table(t)
    with op.batch_alter_table("department") as b:
        b.drop_column("authority")
        b.drop_column("uscc")
