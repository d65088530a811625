"""Result files of an evaluation, written atomically: a crash never leaves half a file.

``ranking.csv`` — ``rank, code, name, score`` then one column per pillar (0–100).
``criterion_scores.csv`` — long ``code, criterion, kind, raw, score, n``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .evaluation import Result

FLOAT_FORMAT = "%.6f"


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """A DataFrame as CSV (no index, fixed float format, ``\\n`` line ends), written atomically."""
    return atomic_write_text(path, frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))


def write_result(result: Result, output_dir: str | Path) -> list[Path]:
    """Write ``ranking.csv`` and ``criterion_scores.csv`` into ``output_dir``."""
    out = Path(output_dir)
    return [write_csv(result.ranking, out / "ranking.csv"),
            write_csv(result.criterion_scores, out / "criterion_scores.csv")]
