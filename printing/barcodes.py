"""Vector barcodes for documents: Code128 bars computed by python-barcode and drawn as
rectangles by reportlab (sharp at any printer resolution), and QR codes from reportlab's widget.
"""

from __future__ import annotations

from functools import lru_cache

from barcode import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
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


def qr_drawing(value: str, size: float = 24 * mm) -> Drawing:
    """A QR code of `value` (error correction M, 4-module quiet zone) as a square drawing."""
    widget = QrCodeWidget(value, barLevel="M", barBorder=4)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing
