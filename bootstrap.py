#!/usr/bin/env python3
"""Set everything up and run: `python3 bootstrap.py demo` or `python3 bootstrap.py test`.

Creates .venv beside this file (once), installs the project with its test extras into it
(again only when pyproject.toml changed), then launches the demo or runs the whole test suite
(pytest plus the import-linter layering contracts). Needs only Python 3.11+ and access to the
package index.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("HALLCLIENT_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*cmd: str | os.PathLike, **kw) -> int:
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.call([str(c) for c in cmd], **kw)


def setup() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"需要 Python 3.11 或更高版本（当前 {sys.version.split()[0]}）")
    if not PY.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / ".hallclient-installed"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        if run(PY, "-m", "pip", "install", "--upgrade", "pip") != 0:
            sys.exit("pip upgrade failed")
        if run(PY, "-m", "pip", "install", "-e", f"{ROOT}[test,postgres,build]") != 0:
            sys.exit("installing the project failed (see pip's output above)")
        stamp.write_text(digest)


def main(argv: list[str]) -> int:
    what = argv[0] if argv else ""
    if what not in ("demo", "test"):
        print(__doc__)
        return 2
    setup()
    if what == "demo":
        return run(BIN / "hallclient", *argv[1:], "demo")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    rc = run(BIN / "lint-imports", "--config", ROOT / "pyproject.toml", cwd=ROOT, env=env)
    rc_tests = run(PY, "-m", "pytest", *argv[1:], cwd=ROOT, env=env)
    return rc or rc_tests


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
