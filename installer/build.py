#!/usr/bin/env python3
"""Build the field bundle on the machine this runs on, and check it.

    python installer/build.py                 # PyInstaller one-folder build -> dist/hallclient/
    python installer/build.py --smoke         # ... then run the frozen program's smoke test
    python installer/build.py --deb           # ... then wrap it in a .deb (UOS layout)
    python installer/build.py --check-wheel   # build the wheel and check what it contains

Run it with the project's interpreter (`.venv/bin/python` after `bootstrap.py`, which
installs PyInstaller from the `build` extra). Prints one JSON object: the bundle's size, the
smoke test's results and the frozen and unfrozen start-up times measured in the same run.
The Windows installer is made from the bundle by Inno Setup: see installer/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUNDLE = DIST / "hallclient"
APP_ID = "cn.gov.zwfw.hallclient"  # UOS/Kylin application id: /opt/apps/<id>/


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def build() -> dict:
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(DIST), "--workpath", str(ROOT / "build" / "pyinstaller"),
           str(ROOT / "installer" / "hallclient.spec")]
    subprocess.run(cmd, cwd=ROOT, check=True)
    qt = BUNDLE / "_internal" / "PySide6"
    return {
        "bundle": str(BUNDLE),
        "build_seconds": round(time.perf_counter() - t0, 1),
        "bundle_mb": round(_size(BUNDLE) / 2**20, 1),
        "qt_mb": round(_size(qt) / 2**20, 1) if qt.exists() else None,
    }


def _exe(name: str = "hallclient") -> Path:
    return BUNDLE / (name + (".exe" if os.name == "nt" else ""))


def _timed(cmd: list[str], env: dict, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=120)
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 1)


def smoke() -> dict:
    """The frozen program's --version and selftest (which must exit 0), and start-up times of
    the frozen and the unfrozen program measured in the same run."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    exe = str(_exe())
    version = subprocess.run([exe, "--version"], env=env, capture_output=True, text=True, timeout=120)
    if version.returncode != 0:
        raise SystemExit(f"frozen --version failed: {version.stderr}")
    with tempfile.TemporaryDirectory() as d:
        st = subprocess.run([exe, "--data-dir", d, "selftest"], env=env, capture_output=True, text=True, timeout=600)
        try:
            selftest = json.loads(st.stdout)
        except json.JSONDecodeError:
            raise SystemExit(f"frozen selftest printed no JSON (exit {st.returncode}): {st.stdout[-2000:]} {st.stderr[-2000:]}")
        if st.returncode != 0:
            raise SystemExit(f"frozen selftest failed: {json.dumps(selftest, ensure_ascii=False)}")
        # Start-up: the frozen selftest's main-window check against the same check unfrozen.
        unfrozen = subprocess.run([sys.executable, "-m", "hallclient", "--data-dir", d, "selftest"], env=env,
                                  capture_output=True, text=True, timeout=600, cwd=ROOT)
        unfrozen_checks = {c["name"]: c["ms"] for c in json.loads(unfrozen.stdout)["checks"]}
    return {
        "version": version.stdout.strip(),
        "selftest_ok": selftest["ok"],
        "selftest": {c["name"]: c["ok"] for c in selftest["checks"]},
        "startup_version_ms": {"frozen": _timed([exe, "--version"], env),
                               "unfrozen": _timed([sys.executable, "-m", "hallclient", "--version"], env)},
        "main_window_ms": {"frozen": next(c["ms"] for c in selftest["checks"] if c["name"] == "main_window"),
                           "unfrozen": unfrozen_checks.get("main_window")},
    }


def deb() -> dict:
    """A .deb in the UOS layout: /opt/apps/<id>/files/ (the bundle), entries/applications/
    (the three desktop entries) and info; /usr/bin/hallclient links to the program."""
    from hallclient import __version__

    if not shutil.which("dpkg-deb"):
        return {"deb": None, "reason": "dpkg-deb not available on this machine"}
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True).stdout.strip() or "amd64"
    with tempfile.TemporaryDirectory() as tmp:
        pkg = Path(tmp) / "pkg"
        app = pkg / "opt" / "apps" / APP_ID
        shutil.copytree(BUNDLE, app / "files", symlinks=True)
        entries = app / "entries" / "applications"
        entries.mkdir(parents=True)
        for key, name, cmd in (("client", "政务服务窗口客户端", "app"), ("display", "叫号大屏", "display"),
                               ("kiosk", "自助取号机", "kiosk")):
            (entries / f"{APP_ID}.{key}.desktop").write_text(
                "[Desktop Entry]\nType=Application\n"
                f"Name={name}\nExec=/opt/apps/{APP_ID}/files/hallclient-gui {cmd}\n"
                "Terminal=false\nCategories=Office;\n", encoding="utf-8")
        (app / "info").write_text(json.dumps({
            "appid": APP_ID, "name": "政务服务窗口客户端", "version": __version__, "arch": [arch],
            "permissions": {"autostart": False, "notification": False, "trayicon": False},
        }, ensure_ascii=False, indent=2), encoding="utf-8")
        (pkg / "usr" / "bin").mkdir(parents=True)
        os.symlink(f"/opt/apps/{APP_ID}/files/hallclient", pkg / "usr" / "bin" / "hallclient")
        (pkg / "DEBIAN").mkdir()
        (pkg / "DEBIAN" / "control").write_text(
            f"Package: {APP_ID}\nVersion: {__version__}\nArchitecture: {arch}\n"
            "Maintainer: hallclient team\nSection: misc\nPriority: optional\n"
            "Depends: libgl1, libegl1, libxkbcommon0, libfontconfig1, libdbus-1-3\n"
            "Description: window client of a government service hall\n"
            " Window client, hall queue display and ticket kiosk (one program).\n", encoding="utf-8")
        # Upgrades and removal never touch the data directory (~/.local/share/hallclient).
        out = DIST / f"{APP_ID}_{__version__}_{arch}.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(pkg), str(out)],
                       check=True, capture_output=True)
    return {"deb": str(out), "deb_mb": round(out.stat().st_size / 2**20, 1)}


REQUIRED_IN_WHEEL = ("hallclient/fonts/wqy-microhei.ttc", "hallclient/migrations/env.py",
                     "hallclient/migrations/script.py.mako", "hallclient/demo_data/catalogue.json")


def check_wheel() -> dict:
    """Build the wheel and check its contents: fonts, migrations, demo data present; tests,
    docs, benchmarks and the installer absent."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", d, str(ROOT)],
                       check=True, capture_output=True)
        wheel = next(Path(d).glob("hallclient-*.whl"))
        names = zipfile.ZipFile(wheel).namelist()
    missing = [n for n in REQUIRED_IN_WHEEL if n not in names]
    missing += ["migration scripts"] if not any(n.startswith("hallclient/migrations/versions/0") for n in names) else []
    stray = sorted({n.split("/")[0] for n in names if n.split("/")[0] in ("tests", "docs", "benchmarks", "installer")})
    result = {"wheel_files": len(names), "missing": missing, "stray": stray}
    if missing or stray:
        raise SystemExit(f"wheel contents wrong: {json.dumps(result)}")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--deb", action="store_true")
    ap.add_argument("--check-wheel", action="store_true")
    ap.add_argument("--no-build", action="store_true", help="use the bundle already in dist/")
    args = ap.parse_args()
    out: dict = {}
    if args.check_wheel:
        out["wheel"] = check_wheel()
    if args.smoke or args.deb or not (args.check_wheel or args.no_build):
        if not args.no_build:
            out["build"] = build()
        if args.smoke:
            out["smoke"] = smoke()
        if args.deb:
            out["deb"] = deb()
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
