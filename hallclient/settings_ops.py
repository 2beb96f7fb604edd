"""Changing settings as a person: permission checked and audited. Qt-free.

`settings.set_value` is the storage primitive (also used by registration and sync); a person
changing settings through the dialogs goes through here, so a clerk is refused whatever the UI
shows and every change is an audit record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hallclient import audit, settings
from hallclient.permissions import Action, Actor, require

# Values that are not written into the audit record (only that they changed).
_SECRET_KEYS: frozenset[str] = frozenset()


def change_settings(session: Session, actor: Actor, changes: dict[str, Any], now: datetime | None = None) -> list[str]:
    """Apply `changes` (key -> new value) as `actor`; returns the keys changed. Raises
    PermissionDenied for a role that may not change settings, ValueError (Chinese) for a bad value."""
    if not changes:
        return []
    require(actor, Action.CHANGE_SETTINGS)
    done = []
    for key, value in changes.items():
        var = settings.SETTINGS[key]
        old = settings.get(session, var)
        new = settings.set_value(session, var, value)
        if new != old:
            done.append(key)
    if done:
        audit.record(session, actor, audit.AuditAction.SETTINGS_CHANGE,
                     {"changed": {k: ("***" if k in _SECRET_KEYS else settings.get(session, settings.SETTINGS[k])) for k in done}}, now)
    return done


def record_device_change(session: Session, actor: Actor, summary: dict[str, Any], now: datetime | None = None) -> None:
    """Check and audit a change of the counter devices' configuration (the caller writes it)."""
    require(actor, Action.MANAGE_DEVICES)
    audit.record(session, actor, audit.AuditAction.SETTINGS_CHANGE, {"devices": summary}, now)
