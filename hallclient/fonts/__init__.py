"""Paths of the bundled CJK fonts, in fallback order: the main font first, then fonts for
rare characters outside it (CJK Extension A, Extension B)."""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).parent
MAIN_FONT = FONT_DIR / "wqy-microhei.ttc"  # subfont 0: WenQuanYi Micro Hei
EXT_A_FONT = FONT_DIR / "HanaMinA-ExtA.ttf"
EXT_B_FONT = FONT_DIR / "HanaMinB-ExtB.ttf"
FALLBACK_CHAIN = (MAIN_FONT, EXT_A_FONT, EXT_B_FONT)
