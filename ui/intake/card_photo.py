"""The ID card photo next to the applicant form, for comparing the face with the person at the
counter.

The photo arrives as 1024 raw WLT bytes (a licensed format). Only the reader vendor's library,
named by the setting `devices.wlt_decoder`, can decode it; that runs in a background operation
(a foreign library may be slow, and a broken one must not freeze the form). Without a library,
or when it fails, the label says “无照片” and its tooltip says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel

from devices.photo import HEIGHT, NO_PHOTO, WIDTH, PhotoDecoderError, decode_photo
from ui.ops import Op, error_text

NO_DECODER = "未配置照片解码库（系统设置 → 设备 → 身份证照片解码库路径）"


@dataclass(frozen=True)
class PhotoResult:
    png: bytes | None  # None: nothing to show
    reason: str = ""  # why not, in Chinese


def load_photo(store, wlt: bytes) -> PhotoResult:
    """Decode `wlt` with the configured library (background thread)."""
    from hallclient import settings

    if not wlt:
        return PhotoResult(None, "证件未提供照片")
    with store.read() as s:
        path = settings.get(s, settings.WLT_DECODER)
    if not path:
        return PhotoResult(None, NO_DECODER)
    try:
        png = decode_photo(wlt, path)
    except PhotoDecoderError as e:
        return PhotoResult(None, e.message)
    return PhotoResult(png, "" if png else "照片为空")


class CardPhoto(QLabel):
    """102×126 photo of the last card read, or “无照片”. Emits `decided(shown)` when a card's
    photo has been decided (shown or not)."""

    decided = Signal(bool)

    def __init__(self, store, parent=None):
        super().__init__(NO_PHOTO, parent)
        self.setObjectName("applicant_photo")
        self.store = store
        self.setFixedSize(WIDTH + 4, HEIGHT + 4)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("QLabel { border: 1px solid #bbb; color: #888; background: #fafafa; }")
        self._seq = 0  # the latest request; a slower, older decode must not overwrite it
        self.whose = ""  # 申请人 / 代办人 / 法定代表人: whose photo is shown

    def clear_photo(self) -> None:
        self._seq += 1
        self._show_none("")

    def show_card(self, wlt: bytes, whose: str = "") -> None:
        self._seq += 1
        seq = self._seq
        self.setPixmap(QPixmap())
        self.setText("照片…")
        self.whose = whose
        Op(self, load_photo, self.store, bytes(wlt)).success(lambda r: self._loaded(seq, r)).failure(
            lambda e: self._loaded(seq, PhotoResult(None, error_text(e)))).run()

    def _loaded(self, seq: int, result: PhotoResult) -> None:
        if seq != self._seq:
            return
        pix = QPixmap()
        if result.png and pix.loadFromData(result.png, "PNG"):
            self.setPixmap(pix)
            self.setToolTip(f"{self.whose}证件照片" if self.whose else "证件照片")
            self.decided.emit(True)
            return
        self._show_none(result.reason or "照片无法显示")
        self.decided.emit(False)

    def _show_none(self, reason: str) -> None:
        self.setPixmap(QPixmap())
        self.setText(NO_PHOTO)
        self.setToolTip(reason)
