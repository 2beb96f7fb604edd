"""Reads back the ESC/POS subset that `printing.escpos` writes: a command list for checks and a
PNG-able preview image of the ticket (what a thermal printer would put on paper, roughly).

Used for ticket previews (docs, the kiosk's "no printer" fallback) and to check layouts in tests.
Unknown commands raise: this is not a general ESC/POS emulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageDraw

from printing.escpos import BASE_CHAR_DOTS, DOTS_80MM


@dataclass
class Command:
    name: str  # init, chinese, chinese_off, align, size, bold, reverse, feed, text, lf, raster,
    # hri, bar_height, bar_module, code128, qr_model, qr_module, qr_ec, qr_store, qr_print, cut
    args: tuple = ()
    data: bytes = b""
    image: Image.Image | None = field(default=None, repr=False)


def parse(data: bytes) -> list[Command]:
    """The commands of an ESC/POS stream; text bytes are decoded as GB18030."""
    out: list[Command] = []
    i, n = 0, len(data)

    def need(k: int) -> bytes:
        if i + k > n:
            raise ValueError(f"truncated command at byte {i}")
        return data[i : i + k]

    while i < n:
        b = data[i]
        if b == 0x0A:
            out.append(Command("lf"))
            i += 1
        elif b == 0x1B:
            op = need(2)[1:2]
            if op == b"@":
                out.append(Command("init"))
                i += 2
            elif op in (b"a", b"E", b"d"):
                arg = need(3)[2]
                out.append(Command({b"a": "align", b"E": "bold", b"d": "feed"}[op], (arg,)))
                i += 3
            else:
                raise ValueError(f"unknown ESC command {op!r} at byte {i}")
        elif b == 0x1C:
            op = need(2)[1:2]
            if op not in (b"&", b"."):
                raise ValueError(f"unknown FS command {op!r} at byte {i}")
            out.append(Command("chinese" if op == b"&" else "chinese_off"))
            i += 2
        elif b == 0x1D:
            op = need(2)[1:2]
            if op in (b"!", b"B", b"H", b"h", b"w"):
                arg = need(3)[2]
                names = {b"!": "size", b"B": "reverse", b"H": "hri", b"h": "bar_height", b"w": "bar_module"}
                out.append(Command(names[op], (arg,)))
                i += 3
            elif op == b"v":
                head = need(8)
                if head[2:3] != b"0":
                    raise ValueError("only GS v 0 raster images are supported")
                xb, rows = head[4] | head[5] << 8, head[6] | head[7] << 8
                i += 8
                bits = need(xb * rows)
                i += xb * rows
                img = Image.frombytes("1", (xb * 8, rows), bytes(x ^ 0xFF for x in bits))
                out.append(Command("raster", (xb, rows), bits, img))
            elif op == b"k":
                head = need(4)
                if head[2] != 73:
                    raise ValueError("only GS k 73 (CODE128) is supported")
                length = head[3]
                i += 4
                payload = need(length)
                i += length
                out.append(Command("code128", (), payload))
            elif op == b"(":
                head = need(7)
                if head[2:3] != b"k":
                    raise ValueError("only GS ( k is supported")
                plen = head[3] | head[4] << 8
                cn, fn = head[5], head[6]
                body = need(5 + plen)[7:]
                i += 5 + plen
                name = {65: "qr_model", 67: "qr_module", 69: "qr_ec", 80: "qr_store", 81: "qr_print"}[fn]
                if cn != 49:
                    raise ValueError("only QR (cn 49) is supported")
                if name == "qr_store":
                    out.append(Command(name, (), body[1:]))
                else:
                    out.append(Command(name, tuple(body)))
            elif op == b"V":
                head = need(4)
                out.append(Command("cut", (head[2], head[3])))
                i += 4
            else:
                raise ValueError(f"unknown GS command {op!r} at byte {i}")
        else:
            j = i
            while j < n and data[j] not in (0x0A, 0x1B, 0x1C, 0x1D):
                j += 1
            chunk = data[i:j]
            out.append(Command("text", (chunk.decode("gb18030"),), chunk))
            i = j
    return out


def text_lines(data: bytes) -> list[str]:
    """The text lines printed in the printer's font (raster lines appear as "[图像]")."""
    lines, cur = [], ""
    for c in parse(data):
        if c.name == "text":
            cur += c.args[0]
        elif c.name == "lf":
            lines.append(cur)
            cur = ""
        elif c.name == "raster":
            lines.append("[图像]")
    if cur:
        lines.append(cur)
    return lines


def preview(data: bytes, *, paper_dots: int = DOTS_80MM) -> Image.Image:
    """A grey-scale picture of the printed ticket, paper-wide, for docs and on-screen fallback."""
    from barcode import Code128
    from reportlab.graphics.barcode import qrencoder

    from printing.escpos import EscPos

    rows: list[Image.Image] = []
    align, size, bold, reverse, pending = "left", (1, 1), False, False, ""
    qr_module, qr_data = 6, b""
    hri, bar_h, bar_m = 2, 64, 2

    def place(img: Image.Image) -> None:
        row = Image.new("L", (paper_dots, img.height), 255)
        x = {"left": 0, "center": (paper_dots - img.width) // 2, "right": paper_dots - img.width}[align]
        row.paste(img.convert("L"), (max(0, x), 0))
        rows.append(row)

    def flush_text() -> None:
        nonlocal pending
        p = EscPos(paper_dots=paper_dots, charset="gb18030")
        p._align, p._size, p._bold = align, size, bold
        img = p.render_line(pending).convert("L")
        if reverse:  # white on black, only as wide as the text
            from PIL import ImageOps

            box = ImageOps.invert(img).getbbox()
            if box:
                x0, x1 = max(0, box[0] - 6), min(img.width, box[2] + 6)
                img.paste(ImageOps.invert(img.crop((x0, 0, x1, img.height))), (x0, 0))
        rows.append(img)
        pending = ""

    for c in parse(data):
        if c.name == "text":
            pending += c.args[0]
        elif c.name == "lf":
            flush_text()
        elif c.name == "align":
            align = ("left", "center", "right")[c.args[0]]
        elif c.name == "size":
            size = ((c.args[0] >> 4) + 1, (c.args[0] & 15) + 1)
        elif c.name == "bold":
            bold = bool(c.args[0])
        elif c.name == "reverse":
            reverse = bool(c.args[0])
        elif c.name == "feed":
            rows.append(Image.new("L", (paper_dots, BASE_CHAR_DOTS * c.args[0]), 255))
        elif c.name == "raster":
            rows.append(c.image.convert("L"))
        elif c.name == "hri":
            hri = c.args[0]
        elif c.name == "bar_height":
            bar_h = c.args[0]
        elif c.name == "bar_module":
            bar_m = c.args[0]
        elif c.name == "code128":
            value = c.data[2:].decode("ascii").replace("{{", "{")
            modules = "".join(Code128(value).build())
            img = Image.new("L", (len(modules) * bar_m, bar_h + (28 if hri else 0)), 255)
            d = ImageDraw.Draw(img)
            for k, m in enumerate(modules):
                if m == "1":
                    d.rectangle((k * bar_m, 0, (k + 1) * bar_m - 1, bar_h - 1), fill=0)
            if hri:
                d.text((img.width // 2, bar_h + 4), value, fill=0, anchor="ma")
            place(img)
        elif c.name == "qr_module":
            qr_module = c.args[0]
        elif c.name == "qr_store":
            qr_data = c.data
        elif c.name == "qr_print":
            q = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
            q.addData(qr_data.decode("utf-8"))
            q.make()
            count = q.getModuleCount()
            img = Image.new("L", ((count + 8) * qr_module,) * 2, 255)
            d = ImageDraw.Draw(img)
            for r in range(count):
                for col in range(count):
                    if q.isDark(r, col):
                        x, y = (col + 4) * qr_module, (r + 4) * qr_module
                        d.rectangle((x, y, x + qr_module - 1, y + qr_module - 1), fill=0)
            place(img)
        elif c.name == "cut":
            rows.append(Image.new("L", (paper_dots, 8), 255))
    if pending:
        flush_text()
    height = sum(r.height for r in rows) + 32
    page = Image.new("L", (paper_dots + 32, height), 255)
    y = 16
    for r in rows:
        page.paste(r, (16, y))
        y += r.height
    return page
