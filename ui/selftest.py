"""`hallclient selftest`: does this installation work? For IT staff after an install or an
upgrade, and for CI on the frozen bundle.

Each check runs on its own and reports ok, time and a detail; the command prints JSON and
exits 0 only when every check passed (a check that cannot apply here, e.g. device simulators
on Windows, is "skipped", not failed). Nothing here touches the real store: it works on an
online copy whose device configuration and sync registration are removed first, so the copy
never opens the counter's serial ports or talks to the server as this PC.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable


@dataclass
class Check:
    name: str
    ok: bool | None  # None: skipped
    ms: float
    detail: str


def _run(name: str, fn: Callable[[], str]) -> Check:
    t0 = time.perf_counter()
    try:
        detail = fn()
        ok: bool | None = True
        if detail.startswith("skipped:"):
            ok, detail = None, detail[len("skipped:"):].strip()
    except Exception as e:  # noqa: BLE001 - a failed check is a result, not a crash
        ok, detail = False, f"{type(e).__name__}: {getattr(e, 'message', '') or e}"
        import logging

        logging.getLogger(__name__).error("selftest %s failed: %s", name, traceback.format_exc())
    return Check(name, ok, round((time.perf_counter() - t0) * 1000, 1), detail)


def _store_copy(data_dir: Path, work: Path) -> str:
    from hallclient.backup import backup_to
    from hallclient.context import open_context
    from hallclient.paths import DataDir

    src = DataDir(data_dir)
    copy = DataDir(work / "store").ensure()
    if src.database.exists():
        from hallclient import keystore

        if (src.root / keystore.INFO_FILE).exists():  # the copy is encrypted like the store: its key too
            keystore.import_key(copy.root, keystore.export_key(src.root), use_keyring=False)
        info = backup_to(src.database, copy.database)
        con = sqlite3.connect(copy.database)
        try:  # neuter the copy: no counter devices, no sync identity
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "device_config" in tables:
                con.execute("DELETE FROM device_config")
            if "sync_state" in tables:
                con.execute("UPDATE sync_state SET token = NULL")
            if "setting" in tables:
                con.execute("DELETE FROM setting WHERE key IN ('sync.server_url', 'queue.service_url')")
            con.commit()
        finally:
            con.close()
        before = info.revision
    else:
        before = None
    with open_context(copy.root, seed=True) as ctx:  # migrates the copy (after its own backup)
        from hallclient.db import current_revision

        after = current_revision(ctx.store.engine)
    return f"copy of the store migrated {before or 'new'} -> {after}"


def _documents(work: Path) -> str:
    from printing.cli import write_samples

    out = work / "documents"
    out.mkdir()
    written = write_samples(out)
    sizes = []
    for doc in written:
        pdf = Path(doc["path"]).read_bytes()
        if not pdf.startswith(b"%PDF"):
            raise RuntimeError(f"{doc['kind']} did not render as PDF")
        sizes.append(len(pdf))
    return f"{len(sizes)} documents rendered: notices, fee documents, certificates ({min(sizes)}-{max(sizes)} bytes)"


def _simulators(work: Path) -> str:
    if os.name == "nt":
        return "skipped: device simulators need pseudo-terminals (not on Windows)"
    from devices.demo import start_demo_devices

    demo = start_demo_devices(str(work / "devices"), card_delay=3600)
    try:
        ports = {k: s.port for k, s in demo.simulators.items()}
        for kind, port in ports.items():
            if not os.path.exists(port):
                raise RuntimeError(f"{kind} simulator has no port")
    finally:
        demo.close()
    return f"{len(ports)} simulators started and stopped"


def _main_window(work: Path) -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from hallclient.context import open_context
    from ui.app import ensure_app
    from ui.login import Session
    from ui.main_window import MainWindow
    from ui.ops import wait_all

    app = ensure_app()
    with open_context(work / "store", seed=True) as ctx:
        from sqlalchemy import select

        from hallclient.models import Hall, User, Window

        with ctx.store.read() as s:
            user = s.scalars(select(User).order_by(User.id)).first()
            hall = s.scalars(select(Hall)).first()
            win = s.scalars(select(Window).order_by(Window.code)).first()
            session = Session(user.id if user else 0, user.username if user else "selftest",
                              user.display_name if user else "自检", user.role if user else "clerk",
                              win.id if win else None, win.code if win else "", win.name if win else "",
                              hall.code if hall else "", hall.name if hall else "")
        mw = MainWindow(ctx, session)
        try:
            mw.resize(1366, 768)
            mw.show()
            deadline = time.monotonic() + 5
            while not mw.isVisible() and time.monotonic() < deadline:
                app.processEvents()
            for _ in range(20):
                app.processEvents()
            shot = mw.grab()
            if shot.isNull():
                raise RuntimeError("the main window did not paint")
            detail = f"main window opened ({app.platformName()}, {shot.width()}x{shot.height()})"
        finally:
            mw.close()
            for svc in list(ctx.services.values()):
                try:
                    svc.close()
                except Exception:  # noqa: BLE001
                    pass
            ctx.services.clear()
            wait_all()
            mw.deleteLater()
            app.processEvents()
    return detail


def _print_spooler(work: Path) -> str:
    """A sample notice printed to a PDF file through the print spooler child: the same
    program started as `print-spooler`, frozen or not."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer

    from ui.app import ensure_app
    from ui.print_spooler import PrintJob, PrintSpooler

    ensure_app()
    source = next((work / "documents").glob("*.pdf"), None)
    if source is None:
        raise RuntimeError("no sample document to print (the documents check failed)")
    out = work / "printed.pdf"
    spooler = PrintSpooler()
    results = []
    loop = QEventLoop()
    try:
        spooler.submit(PrintJob("自检", output_file=str(out), resolution=150), source.read_bytes(),
                       lambda r: (results.append(r), loop.quit()))
        QTimer.singleShot(60_000, loop.quit)
        loop.exec()
    finally:
        spooler.close()
    if not results:
        raise RuntimeError("the print spooler did not answer within 60 s")
    if not results[0].ok or not out.read_bytes().startswith(b"%PDF"):
        raise RuntimeError(results[0].error or "the printed file is not a PDF")
    return f"{source.name} printed through the spooler ({out.stat().st_size} bytes)"


def _server(data_dir: Path) -> str:
    from hallclient import settings
    from hallclient.paths import DataDir

    db = DataDir(data_dir).database
    if not db.exists():
        return "skipped: no store, no server configured"
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT value FROM setting WHERE key = ?", (settings.SYNC_SERVER_URL.key,)).fetchone()
    except sqlite3.DatabaseError:
        row = None
    finally:
        con.close()
    url = json.loads(row[0]) if row and row[0] else ""
    if not url:
        return "skipped: no central server configured"
    import requests

    r = requests.get(url.rstrip("/") + "/v1/health", timeout=5)
    r.raise_for_status()
    return f"central server answered ({r.json().get('protocol', '?')})"


def run_selftest(data_dir: str | Path) -> dict:
    work = Path(tempfile.mkdtemp(prefix="hallclient-selftest-"))
    try:
        checks = [
            _run("store", lambda: _store_copy(Path(data_dir), work)),
            _run("documents", lambda: _documents(work)),
            _run("device_simulators", lambda: _simulators(work)),
            _run("main_window", lambda: _main_window(work)),
            _run("print_spooler", lambda: _print_spooler(work)),
            _run("central_server", lambda: _server(Path(data_dir))),
        ]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    from hallclient import __version__

    return {
        "version": __version__,
        "frozen": bool(getattr(sys, "frozen", False)),
        "ok": all(c.ok is not False for c in checks),
        "checks": [asdict(c) for c in checks],
    }
