"""Searches independent of the store's size: indexes, lookup keys and the name text index

Revision ID: 0004
Revises: 0009

- case_record: indexes on every foreign key the pages join on (applicant_id, agent_id,
  item_id with created_at; case_id of case_material, rating and unresolved_request) and `last_activity_at` with (window_id, last_activity_at), so
  today's cases of a window are one index range (backfilled from each case's events).
- applicant.phone_key: the keyed lookup of a phone number (personal.phone_lookup_key),
  backfilled here; never a search on the (to be encrypted) phone column.
- applicant.name_key + applicant_name_suffix: names exact and by prefix through name_key's
  index, and anywhere inside, whatever the length, through the table of each name's suffixes
  ("王晓明", "晓明", "明"): "contains q" is "some suffix starts with q", one index range. FTS5's
  trigram tokenizer cannot match the one- and two-character queries most Chinese names need;
  a suffix table can, and costs a name's length in rows. Both are kept in step by triggers on
  applicant, so every writer, the ORM, sync or a bulk import alike, leaves them right. (When
  names are encrypted at rest, the writer must set them instead: names stay searchable by
  design.) Names longer than SUFFIX_MAX characters get suffixes of their first SUFFIX_MAX.
"""
import re

import sqlalchemy as sa
from alembic import op

import hallclient.models

revision = "0004"
down_revision = "0009"
branch_labels = None
depends_on = None

CASE_INDEXES = {
    "ix_case_applicant": ["applicant_id"],
    "ix_case_agent": ["agent_id"],
    "ix_case_item_created": ["item_id", "created_at"],
    "ix_case_window_activity": ["window_id", "last_activity_at"],
    "ix_case_activity": ["last_activity_at"],
}

SUFFIX_MAX = 60
# Triggers cannot hold a recursive CTE: the positions 1..SUFFIX_MAX come from a small table.
_SUFFIXES = ("INSERT OR IGNORE INTO applicant_name_suffix(suffix, applicant_id) "
             "SELECT substr(NEW.name, n, {m} - n + 1), NEW.id FROM search_position "
             "WHERE n <= min(length(NEW.name), {m});").format(m=SUFFIX_MAX)
OTHER_CASE_FK = ("case_material", "rating", "unresolved_request")

TRIGGERS = [
    f"""CREATE TRIGGER applicant_search_insert AFTER INSERT ON applicant BEGIN
         UPDATE applicant SET name_key = NEW.name WHERE id = NEW.id;
         {_SUFFIXES}
       END""",
    f"""CREATE TRIGGER applicant_search_update AFTER UPDATE OF name ON applicant BEGIN
         UPDATE applicant SET name_key = NEW.name WHERE id = NEW.id;
         DELETE FROM applicant_name_suffix WHERE applicant_id = OLD.id;
         {_SUFFIXES}
       END""",
    """CREATE TRIGGER applicant_search_delete AFTER DELETE ON applicant BEGIN
         DELETE FROM applicant_name_suffix WHERE applicant_id = OLD.id;
       END""",
]


def _phone_key(phone: str) -> str:
    # Same as hallclient.personal.phone_lookup_key at the time of this revision (a migration
    # must not change when that function does; a keyed version re-keys in its own revision).
    return re.sub(r"\D", "", phone).strip().upper()


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild: case_record has a million-row future and triggers).
    op.add_column("case_record", sa.Column("last_activity_at", hallclient.models.UTCDateTime(), nullable=True))
    op.add_column("applicant", sa.Column("phone_key", sa.String(128), nullable=True))
    op.add_column("applicant", sa.Column("name_key", sa.String(200), nullable=True))
    for name, cols in CASE_INDEXES.items():
        op.create_index(name, "case_record", cols)
    op.create_index("ix_applicant_phone_key", "applicant", ["phone_key"])
    # A case's materials, ratings and "办不成事" were found by walking their whole tables.
    for table in OTHER_CASE_FK:
        op.create_index(f"ix_{table}_case_id", table, ["case_id"])
    op.create_index("ix_applicant_name_key", "applicant", ["name_key"])

    # Backfill: the last event a person recorded (or the creation), else the creation time.
    op.execute(
        "UPDATE case_record SET last_activity_at = COALESCE("
        " (SELECT MAX(e.at) FROM case_event e WHERE e.case_id = case_record.id"
        "  AND (e.actor_id IS NOT NULL OR e.type = 'created')), created_at)"
    )
    op.execute("UPDATE applicant SET name_key = name")
    op.execute("CREATE TABLE search_position (n INTEGER PRIMARY KEY)")
    op.execute(f"WITH RECURSIVE p(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM p WHERE n < {SUFFIX_MAX}) "
               "INSERT INTO search_position SELECT n FROM p")
    op.execute("CREATE TABLE applicant_name_suffix (suffix TEXT NOT NULL, applicant_id INTEGER NOT NULL, "
               "PRIMARY KEY (suffix, applicant_id)) WITHOUT ROWID")
    op.execute("CREATE INDEX ix_applicant_name_suffix_applicant ON applicant_name_suffix(applicant_id)")
    op.execute("INSERT OR IGNORE INTO applicant_name_suffix(suffix, applicant_id) "
               f"SELECT substr(a.name, p.n, {SUFFIX_MAX} - p.n + 1), a.id FROM applicant a JOIN search_position p "
               f"ON p.n <= min(length(a.name), {SUFFIX_MAX})")
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, phone FROM applicant WHERE phone IS NOT NULL AND phone != ''")).all()
    for i in range(0, len(rows), 1000):
        conn.execute(sa.text("UPDATE applicant SET phone_key = :k WHERE id = :id"),
                     [{"k": _phone_key(p), "id": aid} for aid, p in rows[i : i + 1000]])
    for t in TRIGGERS:
        op.execute(t)
    op.execute("ANALYZE")  # the planner's statistics, so it picks these indexes from the start


def downgrade() -> None:
    for t in ("applicant_search_insert", "applicant_search_update", "applicant_search_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {t}")
    op.execute("DROP TABLE IF EXISTS applicant_name_suffix")
    op.execute("DROP TABLE IF EXISTS search_position")
    op.drop_index("ix_applicant_name_key", "applicant")
    op.drop_index("ix_applicant_phone_key", "applicant")
    for table in OTHER_CASE_FK:
        op.drop_index(f"ix_{table}_case_id", table)
    for name in CASE_INDEXES:
        op.drop_index(name, "case_record")
    # Plain DROP COLUMN (SQLite 3.35+): a rebuilt applicant table would trip its foreign keys.
    op.drop_column("applicant", "name_key")
    op.drop_column("applicant", "phone_key")
    op.drop_column("case_record", "last_activity_at")
