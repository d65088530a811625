"""Scoring sheets: one Excel workbook per juror, and reading them back as found.

A workbook has four sheets:

- ``Poäng (Scores)`` — one row per nominee × jury criterion (the juror's recused nominees left
  out), the rubric anchors for the criterion beside it, a score cell with a drop-down limited to
  the rubric scale, and a comment cell. Only the score and comment cells are editable (the sheet
  is protected without a password, so that codes and criterion ids stay intact).
- ``Info`` — who the workbook belongs to (the juror), the award, the criteria version and hash,
  and instructions in Swedish and English.
- ``Bedömningsgrund (Rubric)`` — every criterion's anchors, level by level, in both languages.
- ``Jäv (Conflicts)`` — the nominees the juror declared a conflict with (not to be scored).

:func:`write_sheets` writes them (atomically, byte-identical for the same inputs);
:func:`read_workbook` reads the scores sheet back *as typed*, with the place of every value, for
:func:`award_eval.jury.read_jury_scores` to validate.
"""
from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from award_eval.errors import InputError
from award_eval.io.files import MAX_INPUT_BYTES, atomic_write_bytes, read_input_bytes

SCORES_SHEET = "Poäng (Scores)"
INFO_SHEET = "Info"
RUBRIC_SHEET = "Bedömningsgrund (Rubric)"
CONFLICTS_SHEET = "Jäv (Conflicts)"
JUROR_LABEL = "Jurymedlem / Juror"

#: Scores sheet columns, in order: field → header (Swedish / English).
HEADERS: dict[str, str] = {
    "nominee": "Kod / Code",
    "name": "Kommun / Municipality",
    "criterion": "Kriterium-id / Criterion id",
    "criterion_label": "Kriterium / Criterion",
    "anchors": "Bedömningsgrund / Rubric anchors",
    "score": "Poäng / Score",
    "comment": "Kommentar / Comment",
}
WIDTHS = {"nominee": 9, "name": 22, "criterion": 20, "criterion_label": 34, "anchors": 80,
          "score": 14, "comment": 50}
#: Largest unpacked size of a returned workbook (a juror's sheet is well under 1 MB).
MAX_UNPACKED = 256 * 1024 * 1024
#: Fixed document timestamps, so that the same inputs give the same bytes.
FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")

INSTRUCTIONS = (
    ("Så här gör du", "How to fill in"),
    ("Välj en poäng i kolumnen Poäng för varje rad (rullgardinsmenyn visar skalan).",
     "Pick a score in the Score column on every row (the drop-down shows the scale)."),
    ("Bedömningsgrunden för varje nivå står bredvid, och på fliken Bedömningsgrund.",
     "The rubric anchors for each level are beside it, and on the Rubric sheet."),
    ("Skriv gärna en kort motivering i kolumnen Kommentar.",
     "Add a short reason in the Comment column if you like."),
    ("Lämna poängen tom om du inte kan bedöma; ändra inte kod- eller kriteriekolumnerna.",
     "Leave the score empty if you cannot assess; do not change the code or criterion columns."),
    ("Kommuner du anmält jäv för är inte med (se fliken Jäv).",
     "Municipalities you declared a conflict of interest with are left out (see the Conflicts sheet)."),
)


# --- cells -------------------------------------------------------------------------------------

def put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Set a cell; text is stored as text, never as a formula, whatever it starts with.

    openpyxl stores a ``str`` starting with ``=`` as a formula; a name like
    ``=HYPERLINK("https://…","Värmdö")`` must reach the juror as the letters typed (OWASP CSV/formula
    injection). Other text is already a string cell; it is typed so explicitly too.
    """
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell



# --- saving ------------------------------------------------------------------------------------

def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx bytes of ``wb``, made reproducible: fixed document and zip-entry timestamps."""
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl stamps "modified" with the current time: reset below
    fixed = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + fixed + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            dst.writestr(entry, data)
    return out.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then move it into place."""
    atomic_write_bytes(path, data, fsync=True)


# --- reading back ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RawScores:
    """Score rows of one file as found, before validation, with where each value stands.

    ``rows`` has ``row`` (as the spreadsheet numbers it), ``juror`` (when the file has a juror
    column), ``nominee``, ``criterion``, ``score`` and ``comment``, as typed (text or numbers);
    ``columns`` names each field's column for messages; ``juror``/``juror_place`` give the
    juror of a workbook and the cell (sheet, row, column) that says so; ``header_row`` is the
    row of the column headers.
    """

    path: Path
    sheet: str | None
    rows: pd.DataFrame
    columns: dict[str, str]
    juror: str | None = None
    juror_place: tuple[str, int, str] | None = None
    header_row: int = 1


def _cell_text(value: Any) -> Any:
    """A cell's value with text stripped and empty cells as ''."""
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def read_workbook(path: str | Path) -> RawScores:
    """Read the scores sheet and the juror of a workbook made by :func:`write_sheets`."""
    path = Path(path)
    data = read_input_bytes(path, "an existing file", limit=MAX_INPUT_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # a "zip bomb" unpacks to gigabytes: refused unread
            unpacked = sum(info.file_size for info in z.infolist())
    except zipfile.BadZipFile:
        unpacked = 0  # not a zip at all: load_workbook below says what it is
    if unpacked > MAX_UNPACKED:
        raise InputError(path, f"a workbook of at most {MAX_UNPACKED // (1024 * 1024)} MB unpacked (this one "
                         f"unpacks to {unpacked // (1024 * 1024)} MB)", has_value=False)
    try:
        with warnings.catch_warnings():  # Excel's own extensions ("… is not supported"): harmless here
            warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
            wb = load_workbook(io.BytesIO(data), data_only=False)  # formulas as formulas: refused below
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise InputError(path, f"an Excel workbook (.xlsx) ({type(exc).__name__})", has_value=False) from None
    if SCORES_SHEET not in wb.sheetnames:
        raise InputError(path, f"a sheet named {SCORES_SHEET!r}, as award-eval sheets writes it",
                         value=", ".join(wb.sheetnames))
    juror, place = _workbook_juror(path, wb)
    ws = wb[SCORES_SHEET]
    header = [_cell_text(c.value) for c in ws[1]] if ws.max_row >= 1 else []
    columns: dict[str, int] = {}
    for f in ("nominee", "criterion", "score", "comment"):
        col = _find_header(header, HEADERS[f], f)
        if col is None and f != "comment":
            raise InputError(path, f"a column headed {HEADERS[f]!r} in row 1", sheet=SCORES_SHEET, row=1,
                             value=" | ".join(str(h) for h in header if h != ""))
        if col is not None:
            columns[f] = col
    _refuse_merged(path, ws, columns, header)
    records = []
    for r, cells in enumerate(ws.iter_rows(min_row=2), start=2):
        values = {}
        for f, c in columns.items():
            cell = cells[c] if c < len(cells) else None
            if cell is not None and cell.data_type == "f":
                raise InputError(path, "a value typed in, not a formula (copy it and paste as values)",
                                 sheet=SCORES_SHEET, row=r, column=f"{get_column_letter(c + 1)}: {header[c]}",
                                 value=str(cell.value))
            values[f] = _cell_text(None if cell is None else cell.value)
        values.setdefault("comment", "")
        if all(v == "" for v in values.values()):
            continue
        records.append({"row": r, **values})
    rows = pd.DataFrame(records, columns=["row", "nominee", "criterion", "score", "comment"])
    labels = {f: f"{get_column_letter(c + 1)}: {header[c]}" for f, c in columns.items()}
    return RawScores(path, SCORES_SHEET, rows, labels, juror=juror, juror_place=place)


def _refuse_merged(path: Path, ws: Any, columns: dict[str, int], header: list[Any]) -> None:
    """Merged cells over the read columns hide all but one value: refused, naming the range."""
    wanted = {c + 1 for c in columns.values()}
    for rng in ws.merged_cells.ranges:
        cols = set(range(rng.min_col, rng.max_col + 1)) & wanted
        if cols and rng.max_row >= 2:
            c = min(cols)
            raise InputError(path, "one value per cell (unmerge these cells)", sheet=SCORES_SHEET,
                             row=max(rng.min_row, 2), column=f"{get_column_letter(c)}: {header[c - 1]}",
                             value=rng.coord)


def _find_header(header: list[Any], label: str, key: str) -> int | None:
    """Index of the column headed ``label`` (or its Swedish or English half, or ``key``)."""
    wanted = {label.lower(), key, *(part.strip().lower() for part in label.split("/"))}
    for i, text in enumerate(header):
        if isinstance(text, str) and re.sub(r"\s*\(.*\)$", "", text).strip().lower() in wanted:
            return i
    return None


def _workbook_juror(path: Path, wb: Any) -> tuple[str, tuple[str, int, str]]:
    """The juror named on the info sheet, and that cell's place."""
    if INFO_SHEET not in wb.sheetnames:
        raise InputError(path, f"a sheet named {INFO_SHEET!r} naming the juror", value=", ".join(wb.sheetnames))
    ws = wb[INFO_SHEET]
    for r, (key, value, *_) in enumerate(ws.iter_rows(min_col=1, max_col=2), start=1):
        if _cell_text(key.value) == JUROR_LABEL:
            if value.data_type == "f":
                raise InputError(path, "the juror's name typed in, not a formula", sheet=INFO_SHEET, row=r,
                                 column="B", value=str(value.value))
            value = value.value
            name = _cell_text(value)
            if not isinstance(name, str) or name == "":
                raise InputError(path, "the juror's name", sheet=INFO_SHEET, row=r, column="B", value=value)
            return name, (INFO_SHEET, r, "B")
    raise InputError(path, f"a row {JUROR_LABEL!r} in column A naming the juror", sheet=INFO_SHEET,
                     has_value=False)
