"""Where the client keeps its files: one data directory per installation."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "hallclient"
ENV_DATA_DIR = "HALLCLIENT_DATA_DIR"


def default_data_dir() -> Path:
    """The data directory when no --data-dir is given: $HALLCLIENT_DATA_DIR, else the OS default."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class DataDir:
    """The files of one data directory; all paths derive from its root."""

    def __init__(self, root: Path | str):
        self.root = Path(root).expanduser().resolve()

    def ensure(self) -> "DataDir":
        self.root.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        self.backups.mkdir(exist_ok=True)
        return self

    @property
    def database(self) -> Path:
        return self.root / "hallclient.sqlite3"

    @property
    def lock_file(self) -> Path:
        return self.root / "hallclient.lock"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def documents(self) -> Path:
        return self.root / "documents"

    def __repr__(self) -> str:
        return f"DataDir({str(self.root)!r})"
