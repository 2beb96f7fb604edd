"""The help overlay (Ctrl+/): the key map of ui.keymap, as one table grouped by task."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QVBoxLayout

from ui import keymap


class KeyHelp(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("快捷键一览")
        self.setObjectName("key_help")
        self.setWindowModality(Qt.WindowModality.NonModal)
        text = QLabel(keymap.help_html() + "<p style='color:#555'>Esc 关闭本窗口</p>", objectName="key_help_text")
        text.setTextFormat(Qt.TextFormat.RichText)
        text.setWordWrap(True)
        area = QScrollArea()
        area.setWidget(text)
        area.setWidgetResizable(True)
        lay = QVBoxLayout(self)
        lay.addWidget(area)
        self.resize(560, 640)
