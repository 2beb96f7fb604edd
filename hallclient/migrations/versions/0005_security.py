"""security: the audit trail (append-only, SM3-chained), forced password change, personal
data encrypted at rest

Revision ID: 0005
Revises: 0007

The existing personal data (applicants' ID numbers, phones, addresses, photos; case event and
outbox payloads; mirrored streams; the device token) is encrypted in place with the store's key,
which `db.Store` loads before migrating (the file was copied to backups/ first, in the clear:
that one pre-migration copy is the only plain copy, see docs/security.md). ID lookup keys become
keyed hashes. case_event's append-only triggers are dropped around the rewrite and recreated.

The audit records are append-only in the database itself: an UPDATE is always refused, a
DELETE unless the record is older than the retention minimum (183 days), which only
`audit.prune` does, after writing an anchor. Anchors are append-only outright.
"""
import json

from alembic import op
import sqlalchemy as sa
import hallclient.models
from hallclient import personal


revision = "0005"
down_revision = "0006"
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
    encrypt_existing()


def encrypt_existing() -> None:
    conn = op.get_bind()
    keys = getattr(conn.dialect, "hall_keys", None)
    if keys is None:
        raise RuntimeError("migration 0005 needs the store's key (open the store with db.Store)")
    k = keys.data

    def text(v):
        return v if v is None or personal.is_encrypted(v) else personal.encrypt_text(k, v)

    def blob(v):
        return v if v is None or personal.is_encrypted(v) else personal._BYTES_PREFIX + personal.encrypt_bytes(k, bytes(v))

    def doc(v):
        if v is None:
            return None
        obj = json.loads(v)
        if isinstance(obj, str) and personal.is_encrypted(obj):
            return v
        return json.dumps(personal.encrypt_text(k, json.dumps(obj, ensure_ascii=False, separators=(",", ":"))))

    rows = conn.exec_driver_sql(
        "SELECT id, id_number, id_key, phone, address, photo_wlt, legal_rep_id_number, phone_key FROM applicant").fetchall()
    for r in rows:
        new_key = r[2] if r[2].startswith("h1:") else personal.lookup_key("id", personal.normalise_id(r[2]), keys)
        # revision 0004 stored the phone's digits: keyed like personal.phone_lookup_key now
        phone_key = r[7] if r[7] is None or r[7].startswith("h1:") else personal.phone_lookup_key(r[7], keys)
        conn.exec_driver_sql(
            "UPDATE applicant SET id_number=?, id_key=?, phone=?, address=?, photo_wlt=?, legal_rep_id_number=?, "
            "phone_key=? WHERE id=?",
            (text(r[1]), new_key, text(r[3]), text(r[4]), blob(r[5]), text(r[6]), phone_key, r[0]))
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS case_event_no_update")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS case_event_no_delete")
    for table, pk, col in (("case_event", "seq", "payload"), ("outbox", "id", "payload"), ("sync_mirror", "rowid", "data")):
        for pk_v, v in conn.exec_driver_sql(f"SELECT {pk}, {col} FROM {table}").fetchall():
            conn.exec_driver_sql(f"UPDATE {table} SET {col}=? WHERE {pk}=?", (doc(v), pk_v))
    for verb in ("UPDATE", "DELETE"):
        conn.exec_driver_sql(
            f"CREATE TRIGGER case_event_no_{verb.lower()} BEFORE {verb} ON case_event "
            "BEGIN SELECT RAISE(ABORT, 'case_event is append-only'); END")
    for pk_v, v in conn.exec_driver_sql("SELECT id, token FROM sync_state").fetchall():
        conn.exec_driver_sql("UPDATE sync_state SET token=? WHERE id=?", (text(v), pk_v))


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
