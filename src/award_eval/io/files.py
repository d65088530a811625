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

from award_eval.errors import InputError

if TYPE_CHECKING:
    pass

FLOAT_FORMAT = "%.6f"
#: A cell we write that starts with one of these is a formula to a spreadsheet (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Largest input file read whole (criteria, plans, CSV tables, workbooks): far above any real award.
MAX_INPUT_BYTES = 64 * 1024 * 1024


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
    """A DataFrame as CSV (no index, fixed float format, ``\\n`` line ends), written atomically.

    Text that a spreadsheet would run as a formula gets a leading ``'`` (:func:`csv_safe`).
    """
    return atomic_write_text(path, csv_safe(frame).to_csv(index=False, float_format=FLOAT_FORMAT,
                                                          lineterminator="\n"))


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would take ``text`` as a formula: it starts with ``=``, ``+``, ``@``,
    a tab or a CR, or with ``-`` and is not a number (``-3.5`` stays a number)."""
    if not text or not text.startswith(FORMULA_PREFIXES):
        return False
    if text[0] in "+-":
        try:
            float(text.replace(",", "."))
        except ValueError:
            return True
        return False
    return True


def csv_safe_text(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula (OWASP)."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot become formulas; numbers untouched."""
    text_cols = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c])]
    needs = any(is_formula_like(str(c)) for c in frame.columns) or any(
        frame[c].map(lambda v: isinstance(v, str) and is_formula_like(v)).any() for c in text_cols)
    if not needs:
        return frame
    out = frame.copy()
    for c in text_cols:
        out[c] = out[c].map(csv_safe_text)
    out.columns = [csv_safe_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def read_input_bytes(path: str | Path, what: str = "an existing file", limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of an input file; a missing file, a folder, no permission or a huge file is one line.

    ``what`` says what was expected there (``"an existing criteria file"``).
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise InputError(path, f"{what}, not a folder", has_value=False)
        size = path.stat().st_size
        if size > limit:
            raise InputError(path, f"{what} of at most {limit // (1024 * 1024)} MB (this one has "
                             f"{size / (1024 * 1024):.0f} MB)", has_value=False)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, what, has_value=False) from None
    except PermissionError:
        raise InputError(path, f"{what} we may read (permission denied)", has_value=False) from None
    except OSError as exc:
        raise InputError(path, f"{what} we can read ({exc.strerror or type(exc).__name__})",
                         has_value=False) from None

