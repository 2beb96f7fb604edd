"""Commands of this package, registered by the composition root (hallclient.cli).

Keep top-level imports light: import what a command needs inside its handler.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to `sub`."""
    docs = sub.add_parser("docs", help="文书（受理通知书等）")
    docs_sub = docs.add_subparsers(dest="docs_command", metavar="SUBCOMMAND", required=True)
    samples = docs_sub.add_parser("samples", help="用内置示例数据生成每种文书的 PDF")
    samples.add_argument("--out", required=True, help="输出目录（不存在则创建）")
    samples.add_argument("--reprint", action="store_true", help="生成带“补打”标记的版本")
    samples.set_defaults(func=_samples)


def _samples(args) -> int:
    import json
    from pathlib import Path

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"无法创建输出目录 {out}：{e.strerror or e}", flush=True)
        return 2
    print(json.dumps(write_samples(out, reprint=args.reprint), ensure_ascii=False, indent=1))
    return 0


def write_samples(out, reprint: bool = False) -> list[dict]:
    """Every document kind rendered from built-in sample data into the directory `out`:
    the notices, the fee documents, the demo certificates, a calibration sheet and a 送达回证
    (`hallclient docs samples`, and the documents check of `hallclient selftest`)."""
    from printing.documents import DOCUMENT_KINDS, render_document
    from printing.fee_samples import render_samples
    from printing.samples import sample_snapshot

    written = []
    for kind, title in DOCUMENT_KINDS.items():
        path = out / f"{kind}.pdf"
        path.write_bytes(render_document(kind, sample_snapshot(kind), reprint=reprint))
        written.append({"kind": kind, "title": title, "path": str(path)})
    for kind, (title, pdf) in render_samples().items():
        path = out / f"{kind}.pdf"
        path.write_bytes(pdf)
        written.append({"kind": kind, "title": title, "path": str(path)})
    written += _certificate_samples(out)
    return written


def _certificate_samples(out) -> list[dict]:
    """Each demo certificate (plain paper, with its 证照标识), a calibration sheet and a 送达回证."""
    from datetime import datetime, timezone

    from hallclient.certificates.handover import DeliverySlip
    from hallclient.certificates.templates import demo_templates, parse_template
    from printing.certificates import render_calibration_sheet, render_certificate, render_delivery_receipt, sample_values

    written = []
    for data in demo_templates():
        t = parse_template(data)
        values = sample_values(t)
        path = out / f"certificate_{t.key}.pdf"
        path.write_bytes(render_certificate(t, values, mode="plain"))
        written.append({"kind": f"certificate_{t.key}", "title": t.name, "path": str(path), "licence_id": values["licence_id"]})
    path = out / "calibration_sheet.pdf"
    path.write_bytes(render_calibration_sheet(297, 210, printer="示例打印机", station="3号窗口", current=(0.5, -1.0)))
    written.append({"kind": "calibration_sheet", "title": "证照打印校准页", "path": str(path)})
    slip = DeliverySlip(
        "4403000012025111303000007", "个体工商户设立登记", "示例市政务服务中心", "示例市市场监督管理局", "李䶮",
        (("营业执照（副本）", "44030020251103000017", 1),), "in_person", "张𠀀", "440305********002X", "受托代办人",
        "受理时已提交授权委托书", "", "", "", datetime(2025, 11, 20, 2, 30, tzinfo=timezone.utc), "周晓梅", "3号窗口")
    path = out / "delivery_receipt.pdf"
    path.write_bytes(render_delivery_receipt(slip))
    written.append({"kind": "delivery_receipt", "title": "送达回证", "path": str(path)})
    return written
