"""An ESC/POS command builder for Chinese thermal ticket/receipt printers (DOMAIN.md section 8).

Text goes out in Chinese mode (`FS &`) encoded as GB18030. Printer font ROMs hold only the
2-byte part of GB18030, and many hold only its GBK subset: the FE row where GB18030-2005 put
CJK Extension A characters such as 䶮 (FE9F) is blank or user-defined on GBK-era printers, and
4-byte codes (all of Extension B, e.g. 𠀀; and U+00A5 ¥) print as garbage. So a line containing
any character outside the printer's `charset` is rendered as a bitmap with the bundled fonts and
sent as a raster image (`GS v 0`), which every ESC/POS printer prints. ¥ is sent as ￥ (U+FFE5,
GB A3A4).

Usage: `EscPos().init().chinese().align("center").size(2, 2).line("A017")...cut().bytes()`.
Methods return the builder; `bytes()` gives the command stream.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

ESC, GS, FS, LF = b"\x1b", b"\x1d", b"\x1c", b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
ALIGN = {"left": 0, "center": 1, "right": 2}
QR_EC = {"L": 48, "M": 49, "Q": 50, "H": 51}
DOTS_80MM = 576  # printable width of an 80 mm printer at 203 dpi
DOTS_58MM = 384
BASE_CHAR_DOTS = 24  # height of the printer's standard Chinese font (24×24)

Charset = Literal["gbk", "gb18030"]


def printable_as_text(ch: str, charset: Charset = "gbk") -> bool:
    """Whether the printer's own font can print `ch`: ASCII, or a 2-byte code of GBK (default,
    safe for every Chinese printer) or of GB18030 (`charset="gb18030"`, printers with a
    GB18030-2005 font ROM). Private-use code points are never text."""
    if ch == "\n" or " " <= ch <= "~":
        return True
    if ch < " " or "\ue000" <= ch <= "\uf8ff":
        return False
    try:
        encoded = ch.encode(charset)
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2


def normalise(text: str) -> str:
    """Printer-friendly text: ¥ (no 2-byte code) becomes ￥, tabs become spaces."""
    return text.replace("\u00a5", "\uffe5").replace("\t", " ")


class EscPos:
    """Builds an ESC/POS byte stream. `paper_dots`: printable width in dots (576 for 80 mm,
    384 for 58 mm paper), used for raster lines."""

    def __init__(self, *, paper_dots: int = DOTS_80MM, charset: Charset = "gbk"):
        self.paper_dots = paper_dots
        self.charset = charset
        self._buf = bytearray()
        self._align = "left"
        self._size = (1, 1)
        self._bold = False

    # --- modes ---------------------------------------------------------------------------

    def raw(self, data: bytes) -> EscPos:
        self._buf += data
        return self

    def init(self) -> EscPos:
        """ESC @: reset the printer to its defaults."""
        self._align, self._size, self._bold = "left", (1, 1), False
        return self.raw(INIT)

    def chinese(self, on: bool = True) -> EscPos:
        """FS & enters Chinese (2-byte) mode; FS . leaves it."""
        return self.raw(CHINESE_ON if on else CHINESE_OFF)

    def align(self, where: Literal["left", "center", "right"]) -> EscPos:
        """ESC a n."""
        self._align = where
        return self.raw(ESC + b"a" + bytes([ALIGN[where]]))

    def size(self, width: int = 1, height: int = 1) -> EscPos:
        """GS ! n: character magnification 1–8 in each direction."""
        if not (1 <= width <= 8 and 1 <= height <= 8):
            raise ValueError("character size must be 1..8")
        self._size = (width, height)
        return self.raw(GS + b"!" + bytes([(width - 1) << 4 | (height - 1)]))

    def bold(self, on: bool = True) -> EscPos:
        """ESC E n (emphasised)."""
        self._bold = on
        return self.raw(ESC + b"E" + bytes([1 if on else 0]))

    def reverse(self, on: bool = True) -> EscPos:
        """GS B n: white on black."""
        return self.raw(GS + b"B" + bytes([1 if on else 0]))

    def feed(self, lines: int = 1) -> EscPos:
        """ESC d n: print and feed n lines."""
        return self.raw(ESC + b"d" + bytes([max(0, min(255, lines))]))

    # --- text ----------------------------------------------------------------------------

    def text(self, text: str) -> EscPos:
        """Text without a line end. Only characters the printer font has may be used here;
        use `line()` for text that may contain rare characters."""
        text = normalise(text)
        bad = [ch for ch in text if not printable_as_text(ch, self.charset)]
        if bad:
            raise ValueError(f"characters not in the printer font, use line(): {''.join(bad)}")
        return self.raw(text.encode("gb18030"))

    def line(self, text: str = "") -> EscPos:
        """One line of text and a line feed. A line with a character outside the printer's
        font is printed as a raster image, in the current alignment and size."""
        text = normalise(text)
        if all(printable_as_text(ch, self.charset) for ch in text):
            return self.raw(text.encode("gb18030") + LF)
        return self.raster(self.render_line(text))

    def render_line(self, text: str) -> Image.Image:
        """`text` as a 1-bit image as wide as the paper, laid out as the printer would."""
        w, h = self._size
        px = BASE_CHAR_DOTS * h
        height = px + px // 6
        baseline = round(px * 0.86)
        pieces = [(_pil_font(name, px), chunk) for name, chunk in _runs(text)]
        probe = ImageDraw.Draw(Image.new("L", (1, 1)))
        natural = sum(probe.textlength(chunk, font=f) for f, chunk in pieces)
        line = Image.new("L", (int(natural) + 2, height), 255)
        draw = ImageDraw.Draw(line)
        x = 0.0
        for font, chunk in pieces:
            draw.text((x, baseline), chunk, font=font, fill=0, anchor="ls",
                      stroke_width=1 if self._bold else 0, stroke_fill=0)
            x += draw.textlength(chunk, font=font)
        target = round(line.width * w / h)  # GS ! width magnification stretches glyphs
        if target > self.paper_dots:  # never cut a name off: shrink to the paper instead
            target = self.paper_dots
        if target != line.width:
            line = line.resize((target, height))
        img = Image.new("L", (self.paper_dots, height), 255)
        left = {"left": 0, "center": (self.paper_dots - line.width) // 2, "right": self.paper_dots - line.width}
        img.paste(line, (left[self._align], 0))
        return img.point(lambda v: 0 if v < 128 else 255, mode="1")

    # --- graphics and codes --------------------------------------------------------------

    def raster(self, image: Image.Image) -> EscPos:
        """GS v 0 m xL xH yL yH d…: a 1-bit raster image (black = print), printed as-is."""
        img = image.convert("1")
        width_bytes = (img.width + 7) // 8
        padded = Image.new("1", (width_bytes * 8, img.height), 1)
        padded.paste(img, (0, 0))
        # PIL's "1" mode packs 0 = black; ESC/POS wants 1 = print, hence the inversion.
        data = bytes(b ^ 0xFF for b in padded.tobytes())
        header = GS + b"v0" + bytes([0, width_bytes & 0xFF, width_bytes >> 8, img.height & 0xFF, img.height >> 8])
        return self.raw(header + data)

    def code128(self, data: str, *, height: int = 64, module: int = 2, hri: int = 2) -> EscPos:
        """GS k 73: a CODE128 barcode (code set B; `{` escaped as `{{`).
        `hri`: 0 none, 1 above, 2 below the bars (human-readable text)."""
        if not data or not all(" " <= ch <= "~" for ch in data):
            raise ValueError("CODE128 data must be printable ASCII")
        payload = b"{B" + data.replace("{", "{{").encode("ascii")
        if len(payload) > 255:
            raise ValueError("CODE128 data too long")
        self.raw(GS + b"H" + bytes([hri]) + GS + b"h" + bytes([height]) + GS + b"w" + bytes([module]))
        self.raw(GS + b"k" + bytes([73, len(payload)]) + payload)
        return self.raw(LF)

    def qr(self, data: str, *, module: int = 6, ec: Literal["L", "M", "Q", "H"] = "M") -> EscPos:
        """GS ( k: a QR code (model 2) of `data` (UTF-8), `module` dots per module."""
        payload = data.encode("utf-8")
        n = len(payload) + 3
        if n > 7092:
            raise ValueError("QR data too long")
        self.raw(GS + b"(k" + bytes([4, 0, 49, 65, 50, 0]))  # model 2
        self.raw(GS + b"(k" + bytes([3, 0, 49, 67, module]))  # module size
        self.raw(GS + b"(k" + bytes([3, 0, 49, 69, QR_EC[ec]]))  # error correction
        self.raw(GS + b"(k" + bytes([n & 0xFF, n >> 8, 49, 80, 48]) + payload)  # store
        self.raw(GS + b"(k" + bytes([3, 0, 49, 81, 48]))  # print
        return self.raw(LF)

    def cut(self, feed: int = 3) -> EscPos:
        """GS V 66 n: feed n units and partial-cut."""
        return self.raw(GS + b"V" + bytes([66, feed]))

    def bytes(self) -> bytes:
        return bytes(self._buf)


def _runs(text: str) -> list[tuple[str, str]]:
    from printing.fonts import runs

    return runs(text)


@lru_cache(maxsize=32)
def _pil_font(font_name: str, px: int) -> ImageFont.FreeTypeFont:
    from printing.fonts import font_file

    path, index = font_file(font_name)
    return ImageFont.truetype(str(path), px, index=index)
