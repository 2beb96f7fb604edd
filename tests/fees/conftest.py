"""Fixtures of the fee tests: the sync tests' real reference server, fault proxy and helpers,
shared rather than copied (conftest modules cannot import each other by name)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_sync_fixtures", Path(__file__).parent.parent / "sync" / "conftest.py")
_sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sync)

sqlite_url = _sync.sqlite_url
sqlite_server = _sync.sqlite_server
proxy_factory = _sync.proxy_factory
sx = _sync.sx
