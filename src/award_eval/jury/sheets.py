"""Jury workbooks: one .xlsx per juror, with the nominees to score (their recused ones left out),
the rubric, a drop-down of the scale, conflicts and protection. Reading them back is in
:mod:`award_eval.io.workbooks`; every text cell is written as text (never a formula) by its ``put``.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from award_eval.criteria import Framework, Lang
from award_eval.errors import InputError
from award_eval.io.workbooks import (
    _HEADER_FILL,
    _HEADER_FONT,
    _INPUT_FILL,
    _TOP,
    _WRAP,
    CONFLICTS_SHEET,
    FIXED_TIME,
    HEADERS,
    INFO_SHEET,
    INSTRUCTIONS,
    JUROR_LABEL,
    RUBRIC_SHEET,
    SCORES_SHEET,
    WIDTHS,
    put,
    workbook_bytes,
    write_atomic,
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


