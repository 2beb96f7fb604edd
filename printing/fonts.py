"""The bundled CJK fonts for reportlab: registered once, split text into runs by glyph coverage.

reportlab draws one font per text run and embeds TrueType outlines only. The bundled chain
(`hallclient.fonts.FALLBACK_CHAIN`) is WenQuanYi Micro Hei for the BMP, then Hanazono subsets for
CJK Extension A (䶮) and Extension B (𠀀). Each character goes to the first font whose cmap maps
it to a real glyph.

reportlab reads format-12 cmaps, so characters outside the BMP get their glyphs and draw
correctly. Its ToUnicode CMap writer, however, formats every code point as `<%04X>`, which for
U+20000 gives the invalid `<20000>`: the page looks right but text extraction, search and
copy-paste lose the character. `_CJKTTFont` rewrites that CMap after reportlab builds it, with
the UTF-16BE surrogate pair PDF requires (`<D840DC00>`). It changes nothing for BMP characters.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, makeToUnicodeCMap

from hallclient.fonts import EXT_A_FONT, EXT_B_FONT, MAIN_FONT

MAIN = "HallCJK"
EXT_A = "HallCJK-ExtA"
EXT_B = "HallCJK-ExtB"
CHAIN = (MAIN, EXT_A, EXT_B)
_FILES = {MAIN: (MAIN_FONT, 0), EXT_A: (EXT_A_FONT, 0), EXT_B: (EXT_B_FONT, 0)}

_lock = threading.Lock()
_registered = False


def _utf16_hex(cp: int) -> str:
    return chr(cp).encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset) -> str:
    """reportlab's ToUnicode CMap with code points beyond U+FFFF as UTF-16 surrogate pairs."""
    text = makeToUnicodeCMap(fontname, subset)
    if all(cp <= 0xFFFF for cp in subset):
        return text
    lines = text.split("\n")
    for i, cp in enumerate(subset):
        if cp > 0xFFFF:
            bad = "<%02X> <%04X>" % (i, cp)
            lines[lines.index(bad)] = "<%02X> <%s>" % (i, _utf16_hex(cp))
    return "\n".join(lines)


class _CJKTTFont(TTFont):
    """A TTFont whose ToUnicode CMaps are valid for characters outside the BMP, and which
    slices each table out of the font file once, not on every subset of every document
    (the glyf table of the main font is 4 MB)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        face = self.face
        tables: dict = {}
        plain = face.get_table

        def get_table(tag, _plain=plain, _tables=tables):
            if tag not in _tables:
                _tables[tag] = _plain(tag)
            return _tables[tag]

        face.get_table = get_table
        # makeSubset parses glyphs through the face's one read cursor (seek/read_ushort): two
        # documents subsetting the same font at once on the UI's render pool would read each
        # other's positions (seen as IndexError in glyphPos). One subset per face at a time.
        make_subset, subset_lock = face.makeSubset, threading.Lock()

        def locked_make_subset(subset, _make=make_subset, _lock=subset_lock):
            with _lock:
                return _make(subset)

        face.makeSubset = locked_make_subset

    def addObjects(self, doc):
        state = self.state.get(doc)
        subsets = [list(s) for s in state.subsets] if state is not None else []
        super().addObjects(doc)  # consumes (deletes) the per-document state
        for n, subset in enumerate(subsets):
            if all(cp <= 0xFFFF for cp in subset):
                continue
            base = b"".join(
                (_subset_prefix(n), b"+", self.face.name, self.face.subfontNameX)
            ).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if stream is not None:
                stream.content = _to_unicode_cmap(base, subset)


def _subset_prefix(n: int) -> bytes:
    from reportlab.pdfbase.ttfonts import SUBSETN

    return SUBSETN(n)


def register_fonts() -> None:
    """Register the bundled fonts with reportlab (once per process; thread-safe).

    Parsing the fonts costs ~0.2 s; every later document reuses the parsed faces.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        _teach_line_breaking()
        for name, (path, index) in _FILES.items():
            pdfmetrics.registerFont(_CJKTTFont(name, str(path), subfontIndex=index))
        _registered = True


# Full-width Chinese punctuation that must not begin a line. reportlab's list (Japanese-centred)
# lacks ，；：！？ and the closing quotes, so Chinese paragraphs could start a line with "；".
_CHINESE_CANNOT_START = "，；：！？”’》〉」』】〗）％"


def _teach_line_breaking() -> None:
    from reportlab.lib import textsplit
    from reportlab.platypus import paragraph

    extra = "".join(ch for ch in _CHINESE_CANNOT_START if ch not in textsplit.ALL_CANNOT_START)
    if extra:
        textsplit.ALL_CANNOT_START += extra
        paragraph.ALL_CANNOT_START = textsplit.ALL_CANNOT_START


@lru_cache(maxsize=None)
def coverage(font_name: str) -> frozenset[int]:
    """Code points the registered font maps to a real glyph (not .notdef)."""
    register_fonts()
    face = pdfmetrics.getFont(font_name).face
    return frozenset(cp for cp, glyph in face.charToGlyph.items() if glyph)


def font_for(ch: str) -> str:
    """The first font of the chain that has a glyph for `ch` (the main font if none has)."""
    cp = ord(ch)
    for name in CHAIN:
        if cp in coverage(name):
            return name
    return MAIN


def runs(text: str) -> list[tuple[str, str]]:
    """Split `text` into (font name, text) runs, each drawable with one font."""
    out: list[tuple[str, str]] = []
    for ch in text:
        name = MAIN if ch.isascii() else font_for(ch)
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + ch)
        else:
            out.append((name, ch))
    return out


def markup(text: str) -> str:
    """`text` as reportlab Paragraph markup: escaped, rare characters wrapped in <font> tags.

    The paragraph's own font must be MAIN; only runs needing another font are tagged.
    """
    parts = []
    for name, chunk in runs(text):
        chunk = escape(chunk)
        parts.append(chunk if name == MAIN else f'<font face="{name}">{chunk}</font>')
    return "".join(parts)


def string_width(text: str, size: float) -> float:
    """Width in points of `text` drawn with the fallback chain at `size`."""
    return sum(pdfmetrics.stringWidth(chunk, name, size) for name, chunk in runs(text))


def draw_string(canvas, x: float, y: float, text: str, size: float, *, anchor: str = "left") -> float:
    """Draw `text` on a reportlab canvas run by run; returns its width. anchor: left|center|right."""
    width = string_width(text, size)
    if anchor == "center":
        x -= width / 2
    elif anchor == "right":
        x -= width
    # One text object for the whole string keeps extractors reading it as one line.
    obj = canvas.beginText(x, y)
    for name, chunk in runs(text):
        obj.setFont(name, size)
        obj.textOut(chunk)
    canvas.drawText(obj)
    return width


def font_file(font_name: str):
    """(path, subfont index) of a font of the chain, for renderers other than reportlab (Pillow)."""
    return _FILES[font_name]
