"""What a thermal printer would print, reconstructed from ESC/POS bytes: for the printer
simulator (captured bytes -> text and PNG) and for tests that check a ticket decoded.

Covers the commands tickets use: ESC @, FS & / FS . (Chinese mode, GB18030 text), ESC ! / FS !,
ESC a, ESC E, ESC -, GS !, ESC d / ESC J, LF, GS k (incl. CODE128), GS ( k (QR), GS v 0
(raster), GS V (cut), DLE EOT (status) and the harmless setup commands. Unknown ESC/GS
commands are recorded, not fatal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Fixed-length commands: prefix -> number of parameter bytes after it.
_FIXED = {
    b"\x1b@": 0, b"\x1b!": 1, b"\x1ba": 1, b"\x1bE": 1, b"\x1b-": 1, b"\x1bd": 1, b"\x1bJ": 1,
    b"\x1b2": 0, b"\x1b3": 1, b"\x1bt": 1, b"\x1bR": 1, b"\x1bM": 1, b"\x1bG": 1, b"\x1b ": 1,
    b"\x1b{": 1, b"\x1bV": 1, b"\x1bc": 2, b"\x1bp": 3, b"\x1b$": 2, b"\x1b\\": 2,
    b"\x1c&": 0, b"\x1c.": 0, b"\x1c!": 1, b"\x1c-": 1, b"\x1cW": 1, b"\x1cC": 1, b"\x1cS": 2,
    b"\x1d!": 1, b"\x1dh": 1, b"\x1dw": 1, b"\x1dH": 1, b"\x1df": 1, b"\x1dB": 1, b"\x1dL": 2,
    b"\x1dW": 2, b"\x1da": 1, b"\x1dP": 2, b"\x1dr": 1, b"\x10\x04": 1, b"\x10\x05": 1,
}


@dataclass
class Op:
    kind: str  # text | lf | align | bold | size | feed | barcode | qr | raster | cut | status | init | other | unknown
    value: object = None
    raw: bytes = b""  # the bytes of this command exactly as received


@dataclass
class EscPosParser:
    """Incremental: `feed()` returns the complete commands; an incomplete one waits."""

    buf: bytearray = field(default_factory=bytearray)
    qr_data: bytes = b""

    def feed(self, data: bytes) -> list[Op]:
        self.buf += data
        ops: list[Op] = []
        while self.buf:
            n, op = self._one(self.buf)
            if n == 0:
                break
            raw = bytes(self.buf[:n])
            del self.buf[:n]
            op = op or Op("other")
            op.raw = raw
            ops.append(op)
        return _merge_text(ops)

    def _one(self, b: bytearray) -> tuple[int, Op | None]:
        c = b[0]
        if c == 0x0A:
            return 1, Op("lf")
        if c == 0x0D:
            return 1, None
        if c not in (0x1B, 0x1C, 0x1D, 0x10):
            # Text run up to the next control byte; GB18030 multibyte sequences never contain
            # bytes below 0x30 after the lead byte, so cutting at control bytes is safe.
            i = 0
            while i < len(b) and b[i] >= 0x20:
                i += 1
            if i == 0:
                return 1, Op("unknown", bytes(b[:1]))
            chunk = bytes(b[:i])
            # Don't split a multibyte character at the end of what has arrived so far.
            for cut in range(len(chunk), max(len(chunk) - 4, 0) - 1, -1):
                try:
                    return cut, Op("text", chunk[:cut].decode("gb18030"))
                except UnicodeDecodeError:
                    continue
            return i, Op("text", chunk.decode("gb18030", errors="replace"))
        if len(b) < 2:
            return 0, None
        pre = bytes(b[:2])
        if pre in _FIXED:
            need = 2 + _FIXED[pre]
            if len(b) < need:
                return 0, None
            p = b[2:need]
            return need, self._fixed(pre, bytes(p))
        if pre == b"\x1dV":
            if len(b) < 3:
                return 0, None
            m = b[2]
            if m in (65, 66, 97, 98, 103, 104):
                return (4, Op("cut", m)) if len(b) >= 4 else (0, None)
            return 3, Op("cut", m)
        if pre == b"\x1dk":
            if len(b) < 3:
                return 0, None
            m = b[2]
            if m <= 6:
                end = b.find(b"\x00", 3)
                if end < 0:
                    return 0, None
                return end + 1, Op("barcode", (m, bytes(b[3:end]).decode("ascii", "replace")))
            if len(b) < 4 or len(b) < 4 + b[3]:
                return 0, None
            data = bytes(b[4 : 4 + b[3]])
            if m == 73 and data[:1] == b"{":
                data = data[2:]  # code set selector {A {B {C
            return 4 + b[3], Op("barcode", (m, data.decode("ascii", "replace")))
        if pre in (b"\x1d(", b"\x1b("):
            if len(b) < 5:
                return 0, None
            n = b[3] + 256 * b[4]
            if len(b) < 5 + n:
                return 0, None
            body = bytes(b[5 : 5 + n])
            if pre == b"\x1d(" and b[2] == ord("k") and len(body) >= 2 and body[0] == 49:
                if body[1] == 80:
                    self.qr_data = body[3:]
                elif body[1] == 81:
                    return 5 + n, Op("qr", self.qr_data.decode("utf-8", "replace"))
            return 5 + n, None
        if pre == b"\x1dv":
            if len(b) < 8:
                return 0, None
            xb = b[4] + 256 * b[5]
            yd = b[6] + 256 * b[7]
            if len(b) < 8 + xb * yd:
                return 0, None
            return 8 + xb * yd, Op("raster", (xb, yd, bytes(b[8 : 8 + xb * yd])))
        # Unknown: skip the two bytes and carry on.
        return 2, Op("unknown", pre)

    def _fixed(self, pre: bytes, p: bytes) -> Op | None:
        v = p[0] if p else None
        if pre == b"\x1b@":
            return Op("init")
        if pre == b"\x1ba":
            return Op("align", v % 48 if v >= 48 else v)
        if pre == b"\x1bE":
            return Op("bold", bool(v & 1))
        if pre == b"\x1d!":
            return Op("size", ((v >> 4) + 1, (v & 0x0F) + 1))
        if pre in (b"\x1b!", b"\x1c!"):
            return Op("size", (2 if v & 0x20 or v & 0x04 else 1, 2 if v & 0x10 or v & 0x08 else 1))
        if pre == b"\x1bd":
            return Op("feed", v)
        if pre == b"\x1bJ":
            return Op("feed", max(1, v // 24))
        if pre == b"\x10\x04":
            return Op("status", v)
        if pre in (b"\x1c&", b"\x1c."):
            return Op("chinese", pre == b"\x1c&")
        return None


def _merge_text(ops: list[Op]) -> list[Op]:
    out: list[Op] = []
    for op in ops:
        if op.kind == "text" and out and out[-1].kind == "text":
            out[-1] = Op("text", out[-1].value + op.value, out[-1].raw + op.raw)
        else:
            out.append(op)
    return out


def parse(data: bytes) -> list[Op]:
    return EscPosParser().feed(data)


@dataclass
class Line:
    segments: list[tuple[str, tuple[int, int], bool]] = field(default_factory=list)  # text, size, bold
    align: int = 0
    block: Op | None = None  # barcode / qr / raster / cut lines

    @property
    def text(self) -> str:
        return "".join(s[0] for s in self.segments)


def layout(ops: list[Op]) -> list[Line]:
    lines: list[Line] = []
    cur = Line()
    size, bold, align = (1, 1), False, 0

    def flush(force=False):
        nonlocal cur
        if cur.segments or force:
            cur.align = align
            lines.append(cur)
        cur = Line()

    for op in ops:
        if op.kind == "text":
            cur.segments.append((op.value, size, bold))
        elif op.kind == "lf":
            flush(force=True)
        elif op.kind == "feed":
            flush()
            lines.extend(Line() for _ in range(op.value))
        elif op.kind == "align":
            align = op.value
        elif op.kind == "bold":
            bold = op.value
        elif op.kind == "size":
            size = op.value
        elif op.kind == "init":
            size, bold, align = (1, 1), False, 0
        elif op.kind in ("barcode", "qr", "raster", "cut"):
            flush()
            lines.append(Line(block=op, align=align))
    flush()
    return lines


def render_text(data: bytes) -> str:
    """The printout as plain text: one line per printed line; blocks as [CODE128 …], [QR …]."""
    out = []
    for ln in layout(parse(data)):
        b = ln.block
        if b is None:
            out.append(ln.text)
        elif b.kind == "barcode":
            out.append(f"[{'CODE128' if b.value[0] == 73 else f'BARCODE{b.value[0]}'} {b.value[1]}]")
        elif b.kind == "qr":
            out.append(f"[QR {b.value}]")
        elif b.kind == "raster":
            out.append(f"[图像 {b.value[0] * 8}×{b.value[1]}]")
        elif b.kind == "cut":
            out.append("--------8<--------")
    return "\n".join(out)


def render_png(data: bytes, path, width: int = 576) -> None:
    """Draw the printout (80 mm paper, 203 dpi: 576 dots) into a PNG."""
    from PIL import Image, ImageDraw, ImageFont

    from hallclient.fonts import EXT_A_FONT, EXT_B_FONT, MAIN_FONT

    fonts: dict = {}

    def font(ch: str, px: int):
        cp = ord(ch)
        path = EXT_B_FONT if cp >= 0x20000 else EXT_A_FONT if 0x3400 <= cp <= 0x4DBF else MAIN_FONT
        key = (path, px)
        if key not in fonts:
            fonts[key] = ImageFont.truetype(str(path), px)
        return fonts[key]

    pieces = []  # (image, align)
    for ln in layout(parse(data)):
        b = ln.block
        if b is None:
            h = max([24 * s[1][1] for s in ln.segments] or [24]) + 6
            img = Image.new("L", (width, h), 255)
            d = ImageDraw.Draw(img)
            x = 0
            for text, (sw, sh), bold in ln.segments:
                for ch in text:
                    f = font(ch, 24 * sh)
                    d.text((x, 2), ch, font=f, fill=0, stroke_width=1 if bold else 0, stroke_fill=0)
                    x += int(f.getlength(ch) * sw / sh) if sw != sh else int(f.getlength(ch))
            used = min(x, width)
            img = img.crop((0, 0, max(used, 1), h))
        elif b.kind == "barcode":
            img = _barcode_image(b.value[1])
        elif b.kind == "qr":
            img = Image.new("L", (200, 200), 255)
            d = ImageDraw.Draw(img)
            d.rectangle((4, 4, 195, 195), outline=0, width=4)
            d.text((20, 90), "QR", font=font("Q", 28), fill=0)
        elif b.kind == "raster":
            xb, yd, bits = b.value
            img = Image.frombytes("1", (xb * 8, yd), bits).convert("L")
            img = Image.eval(img, lambda v: 255 - v)  # ESC/POS: 1 = black dot
        else:  # cut
            img = Image.new("L", (width, 20), 255)
            ImageDraw.Draw(img).line((0, 10, width, 10), fill=128, width=1)
        pieces.append((img, ln.align))
    total = sum(p[0].height for p in pieces) + 20
    page = Image.new("L", (width, max(total, 40)), 255)
    y = 10
    for img, align in pieces:
        w = min(img.width, width)
        x = 0 if align == 0 else (width - w) // 2 if align == 1 else width - w
        page.paste(img.crop((0, 0, w, img.height)), (x, y))
        y += img.height
    page.save(path)


def _barcode_image(text: str):
    from PIL import Image

    try:
        import barcode
        from barcode.writer import ImageWriter

        return barcode.get("code128", text, writer=ImageWriter()).render(
            {"module_width": 0.25, "module_height": 10, "font_size": 0, "quiet_zone": 2, "dpi": 203}
        ).convert("L")
    except Exception:  # noqa: BLE001 - a picture of the ticket is a nicety, never a failure
        return Image.new("L", (300, 60), 200)
