"""CSV tables read as text: notes, encodings, separators, and where each row stands in the file."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from award_eval.errors import InputError

SYNTHETIC_MARK = "synthetic demonstration data"


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read as text: the frame, its notes, and where its rows stand in the file."""

    path: Path
    frame: pd.DataFrame
    notes: tuple[str, ...]
    header_row: int

    def row(self, index: int) -> int:
        """The spreadsheet row number of the frame's positional row ``index``."""
        return self.header_row + 1 + index

    def error(self, index: int | None, column: str | None, value: object, expected: str) -> InputError:
        return InputError(self.path, expected, row=None if index is None else self.row(index),
                          column=column, value=value)

    @property
    def synthetic(self) -> bool:
        return any(SYNTHETIC_MARK in note.lower() for note in self.notes)


def read_table(path: str | Path, required: list[str], optional: list[str] = ()) -> CsvTable:
    """Read a CSV as strings, keep leading ``#`` notes, and check the required columns.

    Accepts what Swedish Excel writes as well as plain CSV: UTF-8 with or without a BOM, or
    Windows-1252 ("CSV (semikolonavgränsad)"); ``,`` or ``;`` between fields (whichever the
    header row uses more of). Decimal commas are left to the number parsers (``3,5`` = 3.5).
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "an existing file", has_value=False) from None
    text = _decode(path, raw)
    lines = text.splitlines(keepends=True)
    notes = []
    while lines and lines[0].lstrip().startswith("#"):
        notes.append(lines.pop(0).lstrip().lstrip("#").strip().rstrip(";").strip())
    if not lines or not lines[0].strip():
        raise InputError(path, "a header row", row=len(notes) + 1, has_value=False)
    sep = ";" if lines[0].count(";") > lines[0].count(",") else ","
    try:
        frame = pd.read_csv(io.StringIO("".join(lines)), sep=sep, dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except pd.errors.ParserError as exc:
        raise InputError(path, f"well-formed CSV ({exc})", has_value=False) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for col in required:
        if col not in frame.columns:
            raise InputError(path, f"a column named {col!r} in the header", row=len(notes) + 1,
                             column=col, value=sep.join(frame.columns))
    frame = frame.apply(lambda s: s.str.strip())
    return CsvTable(path, frame, tuple(notes), header_row=len(notes) + 1)


_UTF8_SWEDISH = re.compile(rb"\xc3[\x80-\xbf]")  # å ä ö é … as UTF-8: the file is (mostly) UTF-8


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8 (BOM optional), else Windows-1252 as Excel's "CSV" writes it on Swedish Windows.

    A file that fails as UTF-8 yet holds UTF-8 letters is mixed or damaged: reported, not guessed.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not _UTF8_SWEDISH.search(raw):
            try:
                return raw.decode("cp1252")
            except UnicodeDecodeError:
                pass
        raise InputError(path, f"UTF-8 or Windows-1252 text (undecodable byte at position {exc.start})",
                         has_value=False) from None

