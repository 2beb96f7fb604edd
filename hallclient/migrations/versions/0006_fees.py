"""fees: bills, payments, reversals, e-receipts, paper receipt stock and numbers, daily close

Revision ID: 0006
Revises: 0008

The fee records are append-only and a clerk's day is read-only once closed (日结): the
triggers of hallclient.fees.records.trigger_sql enforce both in the database itself.
"""
from alembic import op
import sqlalchemy as sa
import hallclient.models
from hallclient.fees.records import trigger_names, trigger_sql


revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def _t():
    return hallclient.models.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "fee_bill",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_record.id"), nullable=False, index=True),
        sa.Column("clerk_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("window_id", sa.Integer(), sa.ForeignKey("window.id"), nullable=True),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("payment_code", sa.String(20), nullable=True, unique=True),
        sa.Column("payer_name", sa.String(200), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total_fen", sa.Integer(), nullable=False),
        sa.Column("created_at", _t(), nullable=False),
    )
    op.create_table(
        "fee_payment",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("bill_id", sa.String(36), sa.ForeignKey("fee_bill.id"), nullable=False, unique=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_record.id"), nullable=False, index=True),
        sa.Column("clerk_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("window_id", sa.Integer(), sa.ForeignKey("window.id"), nullable=True),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("tendered_fen", sa.Integer(), nullable=True),
        sa.Column("change_fen", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("paid_at", _t(), nullable=False),
    )
    op.create_index("ix_fee_payment_clerk_day", "fee_payment", ["clerk_id", "business_day"])
    op.create_table(
        "fee_reversal",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("payment_id", sa.String(36), sa.ForeignKey("fee_payment.id"), nullable=False, unique=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_record.id"), nullable=False, index=True),
        sa.Column("clerk_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("authoriser_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("at", _t(), nullable=False),
    )
    op.create_table(
        "fee_e_receipt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("payment_id", sa.String(36), sa.ForeignKey("fee_payment.id"), nullable=False),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("case_record.id"), nullable=False, index=True),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("number", sa.String(10), nullable=False),
        sa.Column("check_code", sa.String(20), nullable=False),
        sa.Column("red", sa.Boolean(), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("issued_at", _t(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.UniqueConstraint("code", "number"),
        sa.UniqueConstraint("payment_id", "red"),
    )
    op.create_table(
        "fee_receipt_stock",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clerk_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False, index=True),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("first_no", sa.Integer(), nullable=False),
        sa.Column("last_no", sa.Integer(), nullable=False),
        sa.Column("next_no", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("registered_at", _t(), nullable=False),
    )
    op.create_table(
        "fee_paper_receipt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("stock_id", sa.Integer(), sa.ForeignKey("fee_receipt_stock.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("clerk_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("payment_id", sa.String(36), sa.ForeignKey("fee_payment.id"), nullable=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("taken_at", _t(), nullable=False),
        sa.Column("printed_at", _t(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("void_authoriser_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=True),
        sa.Column("voided_at", _t(), nullable=True),
        sa.UniqueConstraint("stock_id", "number"),
    )
    op.create_table(
        "fee_day_close",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clerk_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column("business_day", sa.Date(), nullable=False),
        sa.Column("closed_at", _t(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.UniqueConstraint("clerk_id", "business_day"),
    )
    for sql in trigger_sql():
        op.execute(sql)


def downgrade() -> None:
    for name in trigger_names():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for t in ("fee_day_close", "fee_paper_receipt", "fee_receipt_stock", "fee_e_receipt", "fee_reversal", "fee_payment", "fee_bill"):
        op.drop_table(t)
