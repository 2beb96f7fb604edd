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

    from printing.documents import DOCUMENT_KINDS, render_document
    from printing.samples import sample_snapshot

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        print(f"无法创建输出目录 {out}：{e.strerror or e}", flush=True)
        return 2
    written = []
    for kind, title in DOCUMENT_KINDS.items():
        path = out / f"{kind}.pdf"
        path.write_bytes(render_document(kind, sample_snapshot(kind), reprint=args.reprint))
        written.append({"kind": kind, "title": title, "path": str(path)})
    from printing.fee_samples import render_samples

    for kind, (title, pdf) in render_samples().items():
        path = out / f"{kind}.pdf"
        path.write_bytes(pdf)
        written.append({"kind": kind, "title": title, "path": str(path)})
    print(json.dumps(written, ensure_ascii=False, indent=1))
    return 0
