"""Headless Chromium for printing and checking report pages (Playwright for Python drives it).

Playwright's own browser downloads are never used: the pages are printed by the system's
Chromium (Debian's ``chromium`` package), found on PATH or at :data:`CANDIDATES`. Nothing here
opens a network connection; a report page loads only itself.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from award_eval.errors import BrowserMissing

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def find_chromium() -> str | None:
    """The Chromium to drive: ``$AWARD_EVAL_CHROMIUM``, else a known path, else one on PATH."""
    env = os.environ.get("AWARD_EVAL_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for path in CANDIDATES:
        if Path(path).is_file():
            return path
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def launch(playwright, executable: str | None = None):
    """A headless Chromium browser through ``playwright`` (``sync_playwright()``'s object)."""
    executable = executable or find_chromium()
    if executable is None:
        raise BrowserMissing("no Chromium found (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=executable, args=ARGS)


def sync_playwright():
    """Playwright's synchronous entry point, or :class:`BrowserMissing` when it is not installed."""
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError as exc:
        raise BrowserMissing("Playwright for Python is not installed (pip install playwright)") from exc
    return start()
