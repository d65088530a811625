#!/usr/bin/env python3
"""Render report pages to PNG (and optionally PDF) with headless Chromium, to look at them.

    .venv/bin/python scripts/screenshot.py runs/demo/index.html runs/demo/profile-0120/report.html \
        --out docs/screenshots [--width 1200] [--pdf]

Each page becomes ``<out>/<name>.png``, the whole page (trailing blank space trimmed); with
``--pdf`` also ``<name>.pdf`` through the print stylesheet. ``<name>`` is the page's folder and
file name (``profile-0120_report``). Needs a ``chromium`` (or ``chromium-browser``,
``google-chrome``) on PATH — ``apt-get install chromium`` on Debian; exits 3 when none is found.
Runs as root too (``--no-sandbox``), with a throw-away profile and no network traffic of its own.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--force-device-scale-factor=1", "--disable-extensions", "--mute-audio")


def find_browser() -> str | None:
    """The first headless-capable Chromium on PATH, or None."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(browser: str, args: list[str], timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="ae-chromium-") as profile:
        cmd = [browser, *FLAGS, f"--user-data-dir={profile}", *args]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"{Path(browser).name} exited {res.returncode}: {res.stderr[-800:]}")


def trim_bottom(png: Path, background: tuple[int, int, int] = (255, 255, 255), margin: int = 24) -> None:
    """Cut the blank space below the page's content (the window was taller than the page)."""
    from PIL import Image, ImageChops

    with Image.open(png) as img:
        rgb = img.convert("RGB")
        diff = ImageChops.difference(rgb, Image.new("RGB", rgb.size, background))
        box = diff.getbbox()
        if box is None:
            return
        bottom = min(rgb.height, box[3] + margin)
        if bottom < rgb.height:
            rgb.crop((0, 0, rgb.width, bottom)).save(png, optimize=True)


def screenshot(page: Path, png: Path, width: int = 1200, height: int = 9000, browser: str | None = None,
               timeout: float = 120) -> Path:
    """``page`` (a local HTML file) as a PNG ``width`` pixels wide, trimmed to its content."""
    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError("no chromium on PATH")
    png.parent.mkdir(parents=True, exist_ok=True)
    _run(browser, [f"--window-size={width},{height}", f"--screenshot={png.resolve()}",
                   "--virtual-time-budget=3000", page.resolve().as_uri()], timeout)
    trim_bottom(png)
    return png


def print_pdf(page: Path, pdf: Path, browser: str | None = None, timeout: float = 120) -> Path:
    """``page`` printed to PDF through its print stylesheet (A4)."""
    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError("no chromium on PATH")
    pdf.parent.mkdir(parents=True, exist_ok=True)
    _run(browser, ["--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}", page.resolve().as_uri()], timeout)
    return pdf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="+", type=Path, help="HTML files")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="output folder")
    parser.add_argument("--width", type=int, default=1200)
    parser.add_argument("--height", type=int, default=9000, help="window height; the PNG is trimmed")
    parser.add_argument("--pdf", action="store_true", help="also print each page to PDF")
    args = parser.parse_args(argv)
    browser = find_browser()
    if browser is None:
        print("screenshot: no chromium on PATH (apt-get install chromium)", file=sys.stderr)
        return 3
    for page in args.pages:
        if not page.is_file():
            print(f"screenshot: {page}: no such file", file=sys.stderr)
            return 2
        name = f"{page.parent.name}_{page.stem}" if page.parent.name else page.stem
        png = screenshot(page, args.out / f"{name}.png", args.width, args.height, browser)
        print(png)
        if args.pdf:
            print(print_pdf(page, args.out / f"{name}.pdf", browser))
    return 0


if __name__ == "__main__":
    sys.exit(main())
