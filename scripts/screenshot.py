#!/usr/bin/env python3
"""Screenshots of a run's pages at a desk's and a phone's width, to look at them (and a PDF page).

    .venv/bin/python scripts/screenshot.py runs/demo --out docs/screenshots [--widths 1280 390] [--pdf PACK.pdf]

Each page of :data:`PAGES` that the run has becomes ``<out>/<name>-<width>.png`` (the whole page);
``--pages`` picks others (paths inside the run folder). With ``--pdf``, the pack's first pages
become ``<out>/pdf-page-N.png`` through ``pdftoppm`` (poppler-utils).

Drives Debian's Chromium through Playwright for Python (``award_eval.run.report.browser``); exits
3 when there is none.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

PAGES = {"index": "index.html", "index-en": "index.en.html",
         "overall": "overall/report.html", "overall-en": "overall-en/report.html",
         "jury": "jury/report.html", "jury-en": "jury-en/report.html",
         "screening": "screening/report.html", "screening-en": "screening-en/report.html",
         "uncertainty": "uncertainty/report.html", "uncertainty-en": "uncertainty-en/report.html",
         "profile": "profile-0120/report.html", "profile-en": "profile-2262-en/report.html",
         "longlist": "longlist/report.html", "longlist-en": "longlist-en/report.html",
         "stage": "stage-longlist/report.html", "stage-en": "stage-longlist-en/report.html",
         "stage-winner": "stage-winner/report.html", "stage-winner-en": "stage-winner-en/report.html",
         "profile-joint": "profile-2062-2034-2039/report.html"}


def shrink(png: Path) -> None:
    """Store the PNG with a 256-colour palette (a third of the size; report pages have few colours)."""
    from PIL import Image

    with Image.open(png) as img:
        small = img.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(png, optimize=True)


def find_browser() -> str | None:
    """The Chromium the screenshots are taken with, or None."""
    from award_eval.run.report.browser import find_chromium

    return find_chromium()


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 900) -> Path:
    """One page (a local HTML file) as a full-page PNG ``width`` pixels wide."""
    from award_eval.run.report.browser import launch, sync_playwright

    png.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            tab = browser.new_page(viewport={"width": width, "height": height})
            tab.goto(Path(page).resolve().as_uri())
            tab.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run folder (award-eval run … --out RUN)")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), help="output folder")
    parser.add_argument("--widths", type=int, nargs="+", default=[1280, 390])
    parser.add_argument("--pages", nargs="+", help="pages inside the run folder (default: one of each kind)")
    parser.add_argument("--pdf", type=Path, help="also turn this PDF's first pages into PNGs")
    parser.add_argument("--pdf-pages", type=int, default=3)
    args = parser.parse_args(argv)

    from award_eval.errors import BrowserMissing
    from award_eval.run.report.browser import launch, sync_playwright

    pages = {Path(p).parent.name or Path(p).stem: p for p in args.pages} if args.pages else PAGES
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = launch(pw)
            for width in args.widths:
                page = browser.new_page(viewport={"width": width, "height": 900})
                for name, rel in pages.items():
                    path = args.run / rel
                    if not path.is_file():
                        continue
                    page.goto(path.resolve().as_uri())
                    png = args.out / f"{name}-{width}.png"
                    page.screenshot(path=str(png), full_page=True)
                    shrink(png)
                    print(png)
                page.close()
            browser.close()
    except BrowserMissing as exc:
        print(f"screenshot: {exc}", file=sys.stderr)
        return 3
    if args.pdf:
        prefix = args.out / "pdf-page"
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", str(args.pdf_pages), str(args.pdf),
                        str(prefix)], check=True)
        print(*sorted(args.out.glob("pdf-page-*.png")), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
