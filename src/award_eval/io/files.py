"""Result files of an evaluation, written atomically: a crash never leaves half a file.

``ranking.csv`` — ``rank, code, name, score`` then one column per pillar (0–100).
``criterion_scores.csv`` — long ``code, criterion, kind, raw, score, n``.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    pass

FLOAT_FORMAT = "%.6f"


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()  # read once, at import: os.umask can only be read by setting it


def atomic_write_bytes(path: str | Path, data: bytes, *, fsync: bool = False) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it and a rename.

    A reader (or a run killed half-way) sees the old file or the new one, never part of one. The
    file gets the usual permissions (0666 less the umask), not the temporary file's 0600.
    ``fsync``: flush to disk before the rename (for files a person hands on, like workbooks).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, line ends as given) atomically; see :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """A DataFrame as CSV (no index, fixed float format, ``\\n`` line ends), written atomically."""
    return atomic_write_text(path, frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))

