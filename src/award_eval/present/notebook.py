"""Helpers that keep notebooks thin: path resolution, output settings, atomic result files.

Notebooks are run from three places — JupyterLab (cwd ``notebooks/``), the plain papermill CLI
(cwd wherever it was started) and ``award-eval run`` (absolute paths) — so a relative path is
looked up from the working directory and then from each folder above it.
"""
from __future__ import annotations

import os
from pathlib import Path

from award_eval.errors import InputError


def resolve_path(path: str | Path, must_exist: bool = True) -> Path:
    """An absolute path for ``path``: as given, or found relative to the cwd or a folder above it."""
    p = Path(path).expanduser()
    if p.is_absolute():
        if must_exist and not p.exists():
            raise InputError(p, "not found", has_value=False)
        return p
    for base in search_folders():
        if (base / p).exists():
            return (base / p).resolve()
    if must_exist:
        raise InputError(p, f"not found (looked up from {Path.cwd()} and the folders above it)", has_value=False)
    return (project_root() / p).resolve()


def search_folders() -> list[Path]:
    """Where a relative path is looked up: the working directory, then each folder above it."""
    return [Path.cwd(), *Path.cwd().parents]


def project_root() -> Path:
    """The nearest folder at or above the cwd that holds ``pyproject.toml``; else the cwd."""
    for base in [Path.cwd(), *Path.cwd().parents]:
        if (base / "pyproject.toml").is_file():
            return base
    return Path.cwd()


def configure_figures() -> None:
    """Stable figure output (fixed SVG hash salt, no date metadata: reruns give equal bytes), and in a
    kernel an alt text on every figure (:func:`award_eval.plots.attach_alt_text`)."""
    import matplotlib  # here, not at the top: parameters checks import this module (award-eval run)

    matplotlib.rcParams["svg.hashsalt"] = "award_eval"
    matplotlib.rcParams["figure.dpi"] = 96
    matplotlib.rcParams["savefig.dpi"] = 96
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    from award_eval.present.plots import attach_alt_text

    attach_alt_text()
