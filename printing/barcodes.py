"""Vector barcodes for documents: Code128 bars computed by python-barcode and QR modules
computed by reportlab's QR encoder, both drawn as rectangles (sharp at any printer resolution).
"""

from __future__ import annotations

from functools import lru_cache

from barcode import Code128
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

QUIET_MODULES = 10  # Code128 needs a quiet zone of at least 10 modules each side
MIN_MODULE = 0.25 * mm  # narrower bars are unreliable on 300 dpi office printers
MAX_MODULE = 0.33 * mm


@lru_cache(maxsize=256)
def code128_modules(value: str) -> str:
    """The bar pattern of `value` as a string of '1' (bar) and '0' (space) modules."""
    return "".join(Code128(value).build())


def bar_runs(modules: str) -> list[tuple[int, int]]:
    """(start module, width in modules) of every bar."""
    out, start = [], None
    for i, m in enumerate(modules + "0"):
        if m == "1" and start is None:
            start = i
        elif m != "1" and start is not None:
            out.append((start, i - start))
            start = None
    return out


class Code128Bars(Flowable):
    """A Code128 barcode of `value`, at most `max_width` wide including quiet zones."""

    def __init__(self, value: str, *, max_width: float = 80 * mm, height: float = 12 * mm):
        super().__init__()
        self.value = value
        self.modules = code128_modules(value)
        total = len(self.modules) + 2 * QUIET_MODULES
        self.module = max(MIN_MODULE, min(MAX_MODULE, max_width / total))
        self.width = total * self.module
        self.height = height

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        draw_code128(self.canv, 0, 0, self.value, self.module, self.height)


def draw_code128(canvas, x: float, y: float, value: str, module: float, height: float) -> float:
    """Draw the bars of `value` with the quiet zone starting at (x, y); returns the total width."""
    modules = code128_modules(value)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    left = x + QUIET_MODULES * module
    path = canvas.beginPath()
    for start, width in bar_runs(modules):
        path.rect(left + start * module, y, width * module, height)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    return (len(modules) + 2 * QUIET_MODULES) * module


@lru_cache(maxsize=64)
def qr_matrix(value: str, level: str = "M") -> tuple[tuple[bool, ...], ...]:
    """The dark/light modules of the QR code of `value` (reportlab's QR encoder, the one behind
    its QrCodeWidget)."""
    code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(value)
    code.make()
    n = code.getModuleCount()
    return tuple(tuple(bool(code.isDark(r, c)) for c in range(n)) for r in range(n))


class QRCodeFlowable(Flowable):
    """A QR code of `value`, `size` square including a 4-module quiet zone, drawn as vector
    squares. (QrCodeWidget would draw the same modules, but its Drawing renderer also sets an
    unembedded Helvetica as the initial font, which we keep out of the PDF.)"""

    def __init__(self, value: str, size: float = 30 * mm, level: str = "M"):
        super().__init__()
        self.value, self.matrix = value, qr_matrix(value, level)
        self.width = self.height = size

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        n = len(self.matrix)
        module = self.width / (n + 8)
        c = self.canv
        c.saveState()
        c.setFillColorRGB(0, 0, 0)
        path = c.beginPath()
        for r, row in enumerate(self.matrix):
            c0 = None
            for col, dark in enumerate(row + (False,)):
                if dark and c0 is None:
                    c0 = col
                elif not dark and c0 is not None:  # one rectangle per horizontal run
                    path.rect((4 + c0) * module, (n + 3 - r) * module, (col - c0) * module, module)
                    c0 = None
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()
