"""The support bundle: what hall IT sends to support when something is wrong. Qt-free.

One zip with the logs, versions, settings, configured devices and sync state. Nothing
personal and nothing secret leaves the PC in it: every text goes through the log scrubber
(ID, credit code and phone numbers masked), settings and device options whose key names a
secret are replaced, and the device token, password hashes and the database itself are never
included.
"""

from __future__ import annotations

import json
import platform
import re
import sqlite3
import sys
import zipfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from hallclient import __version__
from hallclient.errors import HallError, os_error_text
from hallclient.logging_setup import scrub
from hallclient.paths import DataDir

_SECRET_KEY = re.compile(r"token|password|passwd|secret|key|credential|ca_bundle", re.I)
# A long run of letters, digits and URL-safe symbols: the shape of a token or a hash.
_TOKEN_LIKE = re.compile(r"(?<![\w-])[A-Za-z0-9_\-+/=.$]{32,}(?![\w-])")
REDACTED = "***"

PACKAGES = ("PySide6", "SQLAlchemy", "alembic", "reportlab", "pyserial", "requests", "fastapi",
            "uvicorn", "cryptography", "chinesecalendar")


def clean(text: str) -> str:
    """Personal numbers masked, token-shaped strings removed."""
    return _TOKEN_LIKE.sub(REDACTED, scrub(text))


def _redact(obj):
    if isinstance(obj, dict):
        return {k: (REDACTED if _SECRET_KEY.search(str(k)) and v not in (None, "") else _redact(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_redact(v) for v in obj]
    if isinstance(obj, str):
        return clean(obj)
    return obj


def versions() -> dict:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return {
        "hallclient": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "frozen": bool(getattr(sys, "frozen", False)),
        "packages": found,
    }


def _store_facts(db: Path) -> dict:
    """Settings, devices and sync state, read straight from the file (read-only, no lock),
    so a bundle can be made even when the store will not open in the client."""
    if not db.exists():
        return {"database": "missing"}
    facts: dict = {"database_bytes": db.stat().st_size}
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.DatabaseError as e:
        return {"database": f"unreadable: {e}"}
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}

        def rows(sql: str) -> list[dict]:
            cur = con.execute(sql)
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, r)) for r in cur.fetchall()]

        if "alembic_version" in tables:
            facts["schema_revision"] = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        if "setting" in tables:
            facts["settings"] = {r["key"]: r["value"] for r in rows("SELECT key, value FROM setting")}
        if "device_config" in tables:
            facts["devices"] = rows("SELECT * FROM device_config")
        if "sync_state" in tables:
            # Never the token: only whether there is one.
            facts["sync_state"] = rows(
                "SELECT device_id, device_name, hall_code, token IS NOT NULL AS registered, registered_at, "
                "clock_offset_ms, last_attempt_at, last_success_at, last_error, last_error_at FROM sync_state"
            )
        if "outbox" in tables:
            facts["outbox"] = {r["status"]: r["n"] for r in rows("SELECT status, count(*) AS n FROM outbox GROUP BY status")}
        if "sync_cursor" in tables:
            facts["sync_cursors"] = rows("SELECT * FROM sync_cursor")
    except sqlite3.DatabaseError as e:
        facts["error"] = f"store could not be read completely: {e}"
    finally:
        con.close()
    return _redact(facts)


def make_bundle(dd: DataDir, out: Path, devices_status: list[dict] | None = None) -> dict:
    """Write the zip at `out`; returns a summary (its path and the files in it)."""
    out = Path(out)
    names: list[str] = []
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
            def put(name: str, text: str) -> None:
                z.writestr(name, text)
                names.append(name)

            put("versions.json", json.dumps(versions(), ensure_ascii=False, indent=2))
            put("store.json", json.dumps(_store_facts(dd.database), ensure_ascii=False, indent=2, default=str))
            if devices_status is not None:
                put("devices.json", json.dumps(_redact(devices_status), ensure_ascii=False, indent=2, default=str))
            for log in sorted(dd.logs.glob("*.log*")):
                put(f"logs/{log.name}", clean(log.read_text(encoding="utf-8", errors="replace")))
            put("README.txt", (
                f"hallclient support bundle, made {datetime.now(timezone.utc).isoformat(timespec='seconds')}\n"
                "ID, credit code and phone numbers are masked; tokens, passwords and the database are not included.\n"
            ))
    except OSError as e:
        out.unlink(missing_ok=True)
        raise HallError(f"无法写入支持包 {out}：{os_error_text(e)}。请换一个有写入权限的位置。") from e
    return {"path": str(out), "files": names}
