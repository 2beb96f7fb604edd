"""Work in progress that must survive a crash: the form the clerk is filling in. Qt-free.

The window saves what is on screen a few seconds after every change and when an unexpected
error happens; the next start offers it back. A case that has been started is already a
draft case in the store; what only lives on screen is the applicant's form and which case was
open. The file is replaced atomically (written beside, fsynced, renamed), so a power cut
leaves the old draft or the new one, never half of one. It holds personal data, so it is
encrypted with the store's key (SM4-GCM, `hallclient.personal`) like the store's personal
columns, readable by the owner only and removed as soon as the visit no longer needs it.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag

from hallclient import personal

log = logging.getLogger(__name__)


class DraftStore:
    def __init__(self, root: Path):
        self.dir = Path(root) / "drafts"

    def _path(self, kind: str, user_id: int) -> Path:
        return self.dir / f"{kind}-{int(user_id)}.json"

    def save(self, kind: str, user_id: int, state: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self._path(kind, user_id)
        tmp = path.with_suffix(".part")
        data = json.dumps({"saved_at": datetime.now(timezone.utc).isoformat(), "state": state}, ensure_ascii=False)
        keys = personal.current_keys()
        if keys is not None:  # the open store's key: a draft is personal data at rest too
            data = personal.encrypt_text(keys.data, data)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)

    def load(self, kind: str, user_id: int) -> dict[str, Any] | None:
        path = self._path(kind, user_id)
        try:
            text = path.read_text(encoding="utf-8")
            if personal.is_encrypted(text):
                keys = personal.current_keys()
                if keys is None:
                    raise ValueError("no key for an encrypted draft")
                text = personal.decrypt_text(keys.data, text)
            return json.loads(text)["state"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, InvalidTag):
            log.warning("draft %s unreadable, ignored", path.name)
            return None

    def clear(self, kind: str, user_id: int) -> None:
        self._path(kind, user_id).unlink(missing_ok=True)
