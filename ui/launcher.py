"""Start the window client: data directory, login, main window."""

from __future__ import annotations

import logging
import sys

from hallclient import seed, settings
from hallclient.context import open_context
from hallclient.errors import HallError

log = logging.getLogger(__name__)

FIRST_RUN_MESSAGE = (
    "本机还没有可登录的用户账户。\n"
    "请信息化人员先注册本机并同步一次，用户和事项目录将从中心服务器下载：\n"
    "  hallclient sync register --server 中心服务器地址 --token -\n"
    "  hallclient sync\n"
    "只想试用时，请运行 hallclient demo（演示数据，另用一个数据目录）。"
)
# The same for the message box: the commands on lines of their own, not wrapped mid-command.
FIRST_RUN_HTML = (
    "<p><b>本机还没有可登录的用户账户。</b></p>"
    "<p>请信息化人员先注册本机并同步一次，用户和事项目录将从中心服务器下载：</p>"
    "<pre>hallclient sync register --server 中心服务器地址 --token -\nhallclient sync</pre>"
    "<p>只想试用时，请运行 <tt>hallclient demo</tt>（演示数据，另用一个数据目录）。</p>"
)


def run_client(data_dir: str, demo: bool = False) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QMessageBox

    from ui.app import apply_font_scale, ensure_app
    from ui.login import LoginDialog
    from ui.main_window import MainWindow

    app = ensure_app()
    try:
        # Only the demo gets the demo users (their passwords are published in the README);
        # a real installation gets its users and catalogue from the central server.
        ctx = open_context(data_dir, seed=demo)
    except HallError as e:
        print(e.message, file=sys.stderr)  # first: the box waits for a click
        QMessageBox.critical(None, "无法启动", e.message)
        return 3
    try:
        with ctx.store.write() as s:  # start-up, before any window: nothing to freeze
            if not demo:
                seed.provision_hall_if_empty(s)
            users = seed.has_users(s)
            apply_font_scale(settings.get(s, settings.FONT_SCALE))
        if not users:
            print(FIRST_RUN_MESSAGE, file=sys.stderr)
            box = QMessageBox(QMessageBox.Icon.Warning, "本机尚未初始化", FIRST_RUN_HTML)
            box.setTextFormat(Qt.TextFormat.RichText)
            box.exec()
            return 4
        if demo:  # simulated counter devices on pseudo-terminals: the demo needs no hardware
            from devices.demo import start_demo_devices

            try:
                ctx.services["demo_devices"] = start_demo_devices(str(ctx.data_dir.root / "demo-devices"))
            except (OSError, AttributeError) as e:  # no ptys (Windows): the demo runs without devices
                log.warning("demo devices unavailable: %s", e)
            start_demo_queue(ctx)
        login = LoginDialog(ctx.store)
        if demo:
            login.user.setText("clerk")
            login.message.setText("演示模式：用户 clerk，密码 clerk123")
        if login.exec() != QDialog.DialogCode.Accepted or login.session is None:
            return 0
        if login.session.must_change_password:  # an initial password set by an administrator
            from ui.password import PasswordDialog

            if PasswordDialog(ctx.store, login.session.actor, forced=True).exec() != QDialog.DialogCode.Accepted:
                return 0
        window = MainWindow(ctx, login.session)
        window.show()
        window.offer_drafts()
        _daily_backup(window, ctx)
        return app.exec()
    finally:
        from ui.ops import wait_all

        wait_all()
        ctx.close()


def _daily_backup(window, ctx) -> None:
    """Once a day, in the background: a copy of the store in backups/ (old ones pruned)."""
    from hallclient.backup import daily_backup
    from ui.ops import Op

    with ctx.store.read() as s:
        keep = settings.get(s, settings.BACKUP_KEEP_DAYS)
    # A failed backup must not stop the counter: it is logged, and IT sees it in the log.
    Op(window, daily_backup, ctx.data_dir, keep).failure(lambda e: log.error("daily backup failed: %s", e)).run()


def start_demo_queue(ctx) -> None:
    """A hall queue service on loopback with a few people waiting, so F1 calls someone.

    A real hall runs `hallclient queue serve` on one machine and every window points its
    setting 叫号服务地址 at it; the demo keeps all of that inside this process."""
    from sync.hallqueue.server import LocalHall, serve_in_background

    try:
        srv = serve_in_background(f"sqlite:///{ctx.data_dir.root / 'demo-queue.sqlite3'}")
    except (OSError, RuntimeError) as e:  # the queue page then says the service is offline
        log.warning("demo queue service unavailable: %s", e)
        return
    ctx.services["demo_queue"] = srv
    # The demo wires its own callers: tokens of earlier demo starts are revoked, fresh ones
    # issued (queue_page asks for its window's), so the demo never needs `queue token issue`.
    srv.service.tokens.revoke_label("demo")
    hall = LocalHall(srv, label="demo")
    if not any(q.get("waiting") for q in hall.status().get("queues", [])):
        for prefix in "AABAB":
            hall.issue(prefix)
    hall.close()
