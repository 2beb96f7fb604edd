"""Render the four A4 notices from the built-in samples into docs/screenshots/printing-*.png.

    python docs/screenshots/make_printing_screenshots.py

Page 1 of each PDF at 110 dpi (910 × 1287 px), as a reader sees it on screen; the acceptance
notice also as a reprint (补打).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
OUT = Path(__file__).resolve().parent


def main() -> int:
    import os
    import time

    import pypdfium2

    # The samples are a Beijing morning: show them in the hall's time, whatever this machine's zone.
    os.environ["TZ"] = "Asia/Shanghai"
    time.tzset()

    from printing.documents import DOCUMENT_KINDS, render_document
    from printing.samples import sample_snapshot

    jobs = [(kind, False) for kind in DOCUMENT_KINDS] + [("acceptance_notice", True)]
    for kind, reprint in jobs:
        pdf = pypdfium2.PdfDocument(render_document(kind, sample_snapshot(kind), reprint=reprint))
        try:
            image = pdf[0].render(scale=110 / 72).to_pil().convert("RGB")
        finally:
            pdf.close()
        path = OUT / f"printing-{kind}{'-reprint' if reprint else ''}.png"
        image.save(path, optimize=True)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
