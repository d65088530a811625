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
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from award_eval.criteria import Framework, Lang
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


# --- writing -----------------------------------------------------------------------------------

def write_sheets(framework: Framework, nominees: pd.DataFrame, jurors: pd.DataFrame | list[str],
                 conflicts: pd.DataFrame | None, out_dir: str | Path, lang: Lang = "sv") -> list[Path]:
    """Write one scoring workbook per juror into ``out_dir``; return the paths in juror order.

    ``nominees`` needs ``code`` (``name`` is shown when present); ``jurors`` a ``juror`` column
    (or a list of names); ``conflicts`` ``juror, nominee`` (``reason`` optional). ``lang`` picks
    the language of criterion labels and anchors; headers and instructions are in both.
    """
    names = juror_names(jurors)
    out_dir = Path(out_dir)
    books = []
    for juror, fname in zip(names, sheet_file_names(names)):
        path = out_dir / fname
        if path.resolve().parent != out_dir.resolve() or Path(fname).name != fname:
            raise InputError(out_dir, "a workbook file name inside the output folder", value=fname)
        recused = _recused(conflicts, juror)
        books.append((path, workbook_bytes(build_workbook(framework, nominees, juror, recused, lang))))
    try:  # every workbook is built before the first is written
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, data in books:
            write_atomic(path, data)
    except PermissionError:
        raise InputError(out_dir, "an output folder we may write to (permission denied)", has_value=False) from None
    except OSError as exc:
        raise InputError(out_dir, f"an output folder we can write to ({exc.strerror or type(exc).__name__})",
                         has_value=False) from None
    return [path for path, _ in books]


def juror_names(jurors: pd.DataFrame | list[str]) -> list[str]:
    """The juror names of a ``jurors`` frame (or list), checked: non-empty and unique."""
    names = list(jurors["juror"]) if isinstance(jurors, pd.DataFrame) else list(jurors)
    names = [str(n).strip() for n in names]
    if any(n == "" for n in names):
        raise ValueError("jurors: every juror needs a non-empty name")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"jurors: names must be unique, repeated: {', '.join(dup)}")
    return names


def sheet_file_names(names: list[str]) -> list[str]:
    """File names ``jury_<slug>.xlsx`` (ASCII, lower case); clashing slugs get ``-2``, ``-3``…"""
    out, used = [], set()
    for name in names:
        base = slug(name) or "juror"
        stem, k = base, 2
        while stem in used:
            stem, k = f"{base}-{k}", k + 1
        used.add(stem)
        out.append(f"jury_{stem}.xlsx")
    return out


def slug(text: str) -> str:
    """ASCII file-name form of a name: 'Björn Lind' → 'bjorn-lind'; never a path ('../x' → 'x').

    At most 60 characters, only ``a-z``, ``0-9`` and ``-``.
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].strip("-")


def _recused(conflicts: pd.DataFrame | None, juror: str) -> pd.DataFrame:
    """The juror's conflicts: ``nominee, reason``."""
    if conflicts is None or not len(conflicts):
        return pd.DataFrame({"nominee": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
    mine = conflicts[conflicts["juror"] == juror]
    reason = mine["reason"] if "reason" in mine.columns else pd.Series("", index=mine.index)
    return pd.DataFrame({"nominee": mine["nominee"].astype(str), "reason": reason.fillna("").astype(str)})


def anchors_text(framework: Framework, criterion: str, lang: Lang = "sv") -> str:
    """A criterion's rubric as lines ``'1 – …'``, for the anchors column."""
    rubric = framework.by_id[criterion].rubric or {}
    return "\n".join(f"{level} – {label(lang)}" for level, label in sorted(rubric.items()))


def build_workbook(framework: Framework, nominees: pd.DataFrame, juror: str,
                   recused: pd.DataFrame, lang: Lang = "sv") -> Workbook:
    """The workbook of one juror (not yet saved)."""
    wb = Workbook()
    wb.properties.creator = "award_eval"
    wb.properties.title = f"{framework.award.label(lang)} — {juror}"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    scores = wb.active
    scores.title = SCORES_SHEET
    _fill_scores(scores, framework, nominees, set(recused["nominee"]), lang)
    _fill_info(wb.create_sheet(INFO_SHEET), framework, juror, lang)
    _fill_rubric(wb.create_sheet(RUBRIC_SHEET), framework)
    _fill_conflicts(wb.create_sheet(CONFLICTS_SHEET), nominees, recused)
    return wb


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


def _header(ws: Any, labels: list[str], widths: list[float]) -> None:
    for col, (text, width) in enumerate(zip(labels, widths), start=1):
        cell = put(ws, 1, col, text)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"


def _fill_scores(ws: Any, framework: Framework, nominees: pd.DataFrame, recused: set[str],
                 lang: Lang) -> None:
    fields = list(HEADERS)
    scale = framework.scale
    headers = [HEADERS[f] if f != "score" else f"{HEADERS[f]} ({scale.min}–{scale.max})" for f in fields]
    _header(ws, headers, [WIDTHS[f] for f in fields])
    names = _nominee_names(nominees)
    row = 1
    for code in names:
        if code in recused:
            continue
        for crit in framework.jury_criteria:
            row += 1
            anchors = anchors_text(framework, crit, lang)
            values = {"nominee": code, "name": names[code], "criterion": crit,
                      "criterion_label": framework.label(crit, lang), "anchors": anchors,
                      "score": None, "comment": None}
            for col, f in enumerate(fields, start=1):
                cell = put(ws, row, col, values[f])
                cell.alignment = _WRAP if f in ("anchors", "comment", "criterion_label") else _TOP
                if f == "nominee":
                    cell.number_format = "@"  # a code is text: keep its leading zero
                if f in ("score", "comment"):
                    cell.fill = _INPUT_FILL
                    cell.protection = Protection(locked=False)
            ws.row_dimensions[row].height = 15 * _wrapped_lines(anchors, WIDTHS["anchors"])
    last = max(row, 2)
    score_col = get_column_letter(fields.index("score") + 1)
    levels = ",".join(str(v) for v in scale.levels)
    dv = DataValidation(type="list", formula1=f'"{levels}"', allow_blank=True,
                        showErrorMessage=True, errorStyle="stop",
                        errorTitle="Ogiltig poäng / Invalid score",
                        error=f"Välj en hel poäng {scale.min}–{scale.max} / "
                              f"Pick a whole score {scale.min}–{scale.max}",
                        showInputMessage=True, promptTitle="Poäng / Score",
                        prompt=f"{scale.min}–{scale.max}")
    dv.add(f"{score_col}2:{score_col}{last}")
    ws.add_data_validation(dv)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{last}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # allowed: widen columns, resize rows, filter, sort
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False


def _wrapped_lines(text: str, width: int) -> int:
    """Rough number of display lines of wrapped ``text`` in a column ``width`` characters wide."""
    return max(1, sum(max(1, -(-len(line) // (width - 2))) for line in text.split("\n")))


def _nominee_names(nominees: pd.DataFrame) -> dict[str, str]:
    """code → display name, in the nominees' order."""
    codes = nominees["code"].astype(str)
    names = nominees["name"].astype(str) if "name" in nominees.columns else codes
    return dict(zip(codes, names))


def _fill_info(ws: Any, framework: Framework, juror: str, lang: Lang) -> None:
    scale = framework.scale
    rows = [
        (JUROR_LABEL, juror),
        ("Pris / Award", framework.award.label(lang)),
        ("Kriterieversion / Criteria version", framework.version),
        ("Kriteriefilens SHA-256 / Criteria file SHA-256", framework.sha256 or ""),
        ("Skala / Scale", f"{scale.min}–{scale.max}"),
        ("Språk / Language", lang),
    ]
    for r, (key, value) in enumerate(rows, start=1):
        put(ws, r, 1, key).font = _HEADER_FONT
        put(ws, r, 2, value)
    start = len(rows) + 2
    for r, (sv, en) in enumerate(INSTRUCTIONS, start=start):
        put(ws, r, 1, sv).alignment = _WRAP
        put(ws, r, 2, en).alignment = _WRAP
    for r in (start,):
        ws.cell(row=r, column=1).font = _HEADER_FONT
        ws.cell(row=r, column=2).font = _HEADER_FONT
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 70


def _fill_rubric(ws: Any, framework: Framework) -> None:
    _header(ws, ["Kriterium-id / Criterion id", "Kriterium", "Criterion", "Nivå / Level",
                 "Bedömningsgrund", "Rubric anchor"], [20, 34, 34, 12, 60, 60])
    row = 1
    for node in framework.leaves("jury"):
        for level, label in sorted((node.rubric or {}).items()):
            row += 1
            for col, value in enumerate([node.id, node.label.sv, node.label.en, level, label.sv, label.en],
                                        start=1):
                put(ws, row, col, value).alignment = _WRAP


def _fill_conflicts(ws: Any, nominees: pd.DataFrame, recused: pd.DataFrame) -> None:
    _header(ws, ["Kod / Code", "Kommun / Municipality", "Skäl / Reason"], [9, 22, 60])
    names = _nominee_names(nominees)
    row = 1
    for code, reason in zip(recused["nominee"], recused["reason"]):
        row += 1
        put(ws, row, 1, code).number_format = "@"
        put(ws, row, 2, names.get(code, code))
        put(ws, row, 3, reason)
    note = ("Jäv: dessa kommuner bedömer du inte; de finns inte på fliken Poäng. / "
            "Conflict of interest: you do not score these; they are not on the Scores sheet.")
    if row == 1:
        note = "Inget anmält jäv. / No declared conflicts of interest."
    put(ws, row + 2, 1, note).font = Font(italic=True)


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
