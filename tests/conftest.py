"""Test isolation: Qt offscreen (set before Qt loads), a fresh data directory per test."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("HALLCLIENT_DATA_DIR", None)
os.environ["HALLCLIENT_NO_KEYRING"] = "1"  # never write test keys into the OS key store

import pytest  # noqa: E402

PY = sys.executable


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def ctx(data_dir):
    """An opened, seeded data directory (demo hall, users, catalogue)."""
    from hallclient.context import open_context

    c = open_context(data_dir, seed=True)
    yield c
    c.close()


@pytest.fixture
def store(ctx):
    return ctx.store


@pytest.fixture
def cli():
    """Run the real `hallclient` command in a subprocess: cli("validate", "id", X, data_dir=d)."""
    return run_cli


def run_cli(*args: str, data_dir=None, timeout: float = 60, **kw):
    import subprocess

    cmd = [PY, "-m", "hallclient"]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(os.path.dirname(os.path.dirname(__file__))), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run(cmd + list(args), capture_output=True, text=True, encoding="utf-8", timeout=timeout, env=env, **kw)


def pytest_sessionfinish(session, exitstatus):
    """End the print spooler child (ui.print_spooler) before Qt goes, as the app does on quit."""
    mod = sys.modules.get("ui.print_spooler")
    if mod is not None and mod._spooler is not None:
        mod._spooler.close()
