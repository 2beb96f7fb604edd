"""Qt application set-up shared by the window client, the hall display and the kiosk."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QLocale, Qt, QTranslator, QLibraryInfo
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from hallclient.fonts import FALLBACK_CHAIN

log = logging.getLogger(__name__)

UI_FONT_FAMILIES: list[str] = []


def load_fonts() -> list[str]:
    """Register the bundled CJK fonts so Chinese (and rare characters such as 䶮 or 𠀀) render
    on machines without a CJK font; returns the families in fallback order."""
    if UI_FONT_FAMILIES:
        return UI_FONT_FAMILIES
    for path in FALLBACK_CHAIN:
        fid = QFontDatabase.addApplicationFont(str(path))
        if fid < 0:
            log.warning("font %s could not be loaded", path.name)
            continue
        fams = QFontDatabase.applicationFontFamilies(fid)
        if fams and fams[0] not in UI_FONT_FAMILIES:
            UI_FONT_FAMILIES.append(fams[0])
    return UI_FONT_FAMILIES


def ui_font(point_size: int = 11) -> QFont:
    f = QFont()
    f.setFamilies(load_fonts() or ["sans-serif"])
    f.setPointSize(point_size)
    return f


BASE_POINT_SIZE = 11


def apply_font_scale(percent: int) -> None:
    """The setting 字号（%）: larger text for clerks (and applicants) who need it."""
    app = QApplication.instance()
    if app is not None:
        app.setFont(ui_font(max(6, round(BASE_POINT_SIZE * percent / 100))))


def ensure_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), with Chinese locale, Qt's own zh_CN translations and
    the bundled fonts."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or sys.argv[:1])
        app.setApplicationName("hallclient")
        app.setApplicationDisplayName("政务服务窗口客户端")
        app.setOrganizationName("hallclient")
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        tr = QTranslator(app)
        if tr.load(QLocale(), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(tr)
        app.setFont(ui_font(BASE_POINT_SIZE))
    return app
