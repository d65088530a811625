"""Nominations: anyone nominates a municipality by answering three questions.

``nominations.csv`` — ``code, nominator, proudest, effect, lessons, date``: what the municipality
is proudest of, the effect, the lessons learned, and when the nomination came in (``YYYY-MM-DD``).
A municipality may be nominated several times; each row is one nomination. The texts are the
nominators' own words: they are shown as written (escaped) and never interpreted.

Every problem raises :class:`~award_eval.errors.InputError` naming file, row, column and value.
"""
from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from award_eval.errors import InputError
from award_eval.io.tables import CsvTable, read_table
from award_eval.joint import is_joint, valid_joint

COLUMNS = ["code", "nominator", "proudest", "effect", "lessons", "date"]
#: The three questions every nomination answers (the catalogue's ``round.question.<id>``).
QUESTIONS = ("proudest", "effect", "lessons")
FILE = "nominations.csv"


def _first(table: CsvTable, mask: np.ndarray, column: str, expected: str) -> None:
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        raise table.error(i, column, table.frame.iloc[i][column], expected)


def load_nominations(path: str | Path, codes: pd.Series | list[str] | set[str],
                     register_codes: set[str] | None = None) -> pd.DataFrame:
    """The nominations, one row each, in file order: ``COLUMNS`` (``date`` as ISO text).

    ``codes``: the codes a nomination may name (the register's, plus any joint nominee's);
    ``register_codes``: when given, a joint code of these members (``2062+2034+2039``) is accepted too.
    """
    table = read_table(path, COLUMNS)
    f = table.frame
    allowed = set(codes)
    for i, code in enumerate(f["code"]):  # a joint nomination: member codes of the register joined by '+'
        if code not in allowed and is_joint(code) and (why := valid_joint(code, set(register_codes or ()))):
            raise table.error(i, "code", code, why)
    ok = f["code"].isin(allowed) | f["code"].map(lambda c: is_joint(c) and register_codes is not None).astype(bool)
    _first(table, (~ok).to_numpy(), "code",
           "a municipality code from the register (municipalities.csv) or a nominee code of nominees.csv")
    for col in ("nominator", *QUESTIONS):
        _first(table, (f[col] == "").to_numpy(), col, "a non-empty text")
    _first(table, np.array([not _is_date(d) for d in f["date"]], dtype=bool), "date",
           "a date written YYYY-MM-DD, e.g. 2026-02-14")
    return f[COLUMNS].reset_index(drop=True)


def _is_date(text: str) -> bool:
    try:
        return len(text) == 10 and datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def nominations_of(nominations: pd.DataFrame | None, code: str) -> pd.DataFrame:
    """One municipality's nominations, oldest first (empty when there are none)."""
    if nominations is None:
        return pd.DataFrame(columns=COLUMNS)
    own = nominations[nominations["code"] == code]
    return own.sort_values("date", kind="stable").reset_index(drop=True)


def load_if_present(data_dir: str | Path, codes, register_codes: set[str] | None = None) -> pd.DataFrame | None:
    """``nominations.csv`` of an award's data folder, or ``None`` when the award has none."""
    path = Path(data_dir) / FILE
    if not path.exists():
        return None
    if not path.is_file():
        raise InputError(path, "a CSV file", has_value=False)
    return load_nominations(path, codes, register_codes)


#: A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that a spreadsheet would read as a formula written as text
    (a leading ``'``), for CSVs we write from user text (nominations, reasons, names)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in out[col]]
    return out
