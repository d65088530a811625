"""CSV tables read as text: notes, encodings, separators, and where each row stands in the file.

Rows are numbered as a spreadsheet shows the file: every record is one row, a blank line too, and
a quoted value that spans lines stays in its one row. Tokenizer problems (an unbalanced quote, a
row with more values than the header) name that row; encodings are named, never guessed wrongly.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from award_eval.errors import InputError
from award_eval.io.files import is_formula_like, read_input_bytes

SYNTHETIC_MARK = "synthetic demonstration data"
MAX_CELL = 10_000  # characters in one cell: a long comment fits, a 100,000-character "name" does not


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read as text: the frame, its notes, and where its rows stand in the file."""

    path: Path
    frame: pd.DataFrame
    notes: tuple[str, ...]
    header_row: int
    rows: tuple[int, ...] = ()  # the spreadsheet row of each frame row

    def row(self, index: int) -> int:
        """The spreadsheet row number of the frame's positional row ``index``."""
        if self.rows:
            return self.rows[index]
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
    A value we wrote with a leading ``'`` (so that a spreadsheet does not run it as a formula)
    is read back without it. Refused, each as one line naming the row: a folder or unreadable
    file, UTF-16, NUL characters, a cell over :data:`MAX_CELL` characters, repeated column names,
    an unbalanced quote, a row with more values than the header.
    """
    path = Path(path)
    raw = read_input_bytes(path, "an existing file")
    text = _decode(path, raw)
    notes: list[str] = []
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end + 1
        line = text[pos:end]
        if not line.lstrip().startswith("#"):
            break
        notes.append(line.lstrip().lstrip("#").strip().rstrip(";").strip())
        pos = end
    header_row = len(notes) + 1
    rest = text[pos:]
    first = rest.split("\n", 1)[0]
    if not first.strip():
        raise InputError(path, "a header row", row=header_row, has_value=False)
    sep = ";" if first.count(";") > first.count(",") else ","
    records = _records(path, rest, sep, header_row)
    header = records[0]
    columns = [c.strip() or f"Unnamed: {i}" for i, c in enumerate(header)]
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise InputError(path, "column names used once (this one is repeated in the header)",
                             row=header_row, column=name, value=name)
        seen.add(name)
    width = len(columns)
    # a blank line (or one of separators only, as Excel saves an empty row) is a row without values
    rows = [header_row + k for k, f in enumerate(records) if k and any(v.strip() for v in f)]
    data = [records[r - header_row] for r in rows]
    for row, fields in zip(rows, data):
        if len(fields) > width:
            raise InputError(path, f"at most {width} values, as the header has ({len(fields)} here): "
                             f"a decimal comma in a comma-separated file? write 3.5 or quote \"3,5\"",
                             row=row, column=None, value=sep.join(fields))
    data = [f if len(f) == width else f + [""] * (width - len(f)) for f in data]
    cols = [[v.strip() for v in col] for col in zip(*data)] if data else [[] for _ in columns]
    for j, col in enumerate(cols):  # plain lists, not pandas' .str: a 150,000-row file stays fast
        if "\x00" in text and any("\x00" in v for v in col):
            i = next(i for i, v in enumerate(col) if "\x00" in v)
            raise InputError(path, "a text without NUL characters", row=rows[i], column=columns[j], value=col[i])
        if col and max(map(len, col)) > MAX_CELL:
            i = next(i for i, v in enumerate(col) if len(v) > MAX_CELL)
            raise InputError(path, f"a value of at most {MAX_CELL:,} characters (this one has {len(col[i]):,})",
                             row=rows[i], column=columns[j], value=col[i])
        if "'" in text:  # our own escape of a formula-like text (io.files.csv_safe_text): taken off
            cols[j] = [v[1:] if v.startswith("'") and is_formula_like(v[1:]) else v for v in col]
    frame = pd.DataFrame({c: pd.Series(col, dtype=str) for c, col in zip(columns, cols)})
    for col in required:
        if col not in frame.columns:
            raise InputError(path, f"a column named {col!r} in the header", row=header_row,
                             column=col, value=sep.join(header))
    return CsvTable(path, frame, tuple(notes), header_row=header_row, rows=tuple(rows))


def _records(path: Path, text: str, sep: str, first_row: int) -> list[list[str]]:
    """The fields of every record of ``text`` (a blank line is ``[]``); record k is row ``first_row + k``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True, strict=True)
    out: list[list[str]] = []
    last_line = 0
    try:
        for fields in reader:
            out.append(fields)
            last_line = reader.line_num
    except csv.Error as exc:
        row = first_row + len(out)
        start = text.split("\n")[last_line] if last_line < len(text.split("\n")) else ""
        loose = next(csv.reader([start], delimiter=sep, skipinitialspace=True), [])
        header = out[0] if out else []
        col = len(loose) - 1
        column = header[col].strip() if out and 0 <= col < len(header) else None
        why = ("a closing quote (\") for the quoted value that starts in this row (an unbalanced quote: "
               "the value runs to the end of the file)" if "end of data" in str(exc) else
               f"well-formed CSV: a quoted value that starts in this row is not closed right before a "
               f"{sep!r} or the line's end (an unbalanced quote? {exc})")
        raise InputError(path, why, row=row, column=column, value=start.rstrip("\r")) from None
    return out


_UTF8_SWEDISH = re.compile(rb"\xc3[\x80-\xbf]")  # å ä ö é … as UTF-8: the file is (mostly) UTF-8


def _decode(path: Path, raw: bytes) -> str:
    """UTF-8 (BOM optional), else Windows-1252 as Excel's "CSV" writes it on Swedish Windows.

    UTF-16 ("Unicode text" in Excel) is named as such. A file that fails as UTF-8 yet holds UTF-8
    letters is mixed or damaged: reported, not guessed.
    """
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(raw) >= 4 and raw.count(b"\x00") * 3 > len(raw)):
        raise InputError(path, "UTF-8 or Windows-1252 text, not UTF-16 (in Excel: save as "
                         "'CSV UTF-8 (kommaavgränsad)')", has_value=False)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if not _UTF8_SWEDISH.search(raw):
            try:
                return raw.decode("cp1252")
            except UnicodeDecodeError:
                pass
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(path, f"UTF-8 or Windows-1252 text (byte 0x{raw[exc.start]:02x} at position "
                         f"{exc.start} is neither)", row=line, has_value=False) from None
