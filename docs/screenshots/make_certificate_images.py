"""Images of the certificates: the preview backgrounds shipped with the client
(hallclient/demo_data/cert_bg_*.png, the blank stock as printed by the printing house) and the
rendered demo certificates of docs/certificates.md (docs/screenshots/certificate-*.png).

    .venv/bin/python docs/screenshots/make_certificate_images.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from hallclient.certificates.templates import demo_templates, parse_template  # noqa: E402
from printing.certificates import render_background, render_certificate, sample_values  # noqa: E402


def png(pdf: bytes, out: Path, dpi: float) -> None:
    doc = pdfium.PdfDocument(pdf)
    doc[0].render(scale=dpi / 72).to_pil().convert("RGB").save(out, optimize=True)


def main() -> None:
    for d in demo_templates():
        t = parse_template(d)
        png(render_background(t), ROOT / "hallclient" / "demo_data" / t.background, 60)
        png(render_certificate(t, sample_values(t), mode="plain"), ROOT / "docs" / "screenshots" / f"certificate-{t.key}.png", 80)
        print(t.key)


if __name__ == "__main__":
    main()
