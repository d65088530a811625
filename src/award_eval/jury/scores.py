"""Jury scores: read and check them, see who still owes what, aggregate, and find disagreement.

The flow (DESIGN.md, pipeline 2): validate → drop recused pairs → correct juror bias →
aggregate per criterion → agreement statistics (the last in :mod:`award_eval.reliability`).

A recused juror has no row for that nominee, so every aggregate of a nominee is over the jurors
who did score it: an absence is never counted as a low score. See docs/jury.md for the formulas.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from award_eval.choices import JURY_METHODS
from award_eval.criteria import Framework, Scale
from award_eval.errors import InputError, _place_name
from award_eval.io.files import csv_safe
from award_eval.io.tables import read_table
from award_eval.io.workbooks import RawScores, read_workbook

SCORE_COLUMNS = ["juror", "nominee", "criterion", "score", "comment"]
MAX_NAME = 200  # characters in a juror's name
MAX_COMMENT = 10_000  # characters in a comment
METHODS = JURY_METHODS
CSV_SUFFIXES = (".csv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


# --- jurors ------------------------------------------------------------------------------------

def load_jurors(path: str | Path) -> pd.DataFrame:
    """The jury: ``juror`` (unique, non-empty) and ``email`` (optional, '' when absent)."""
    table = read_table(path, ["juror"], ["email"])
    f = table.frame
    for i, name in enumerate(f["juror"]):
        if name == "":
            raise table.error(i, "juror", name, "a juror's name (non-empty)")
        if len(name) > MAX_NAME:
            raise table.error(i, "juror", name, f"a juror's name of at most {MAX_NAME} characters")
    dup = f["juror"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise table.error(i, "juror", f["juror"].iloc[i], "one row per juror (this name is repeated)")
    email = f["email"] if "email" in f.columns else pd.Series("", index=f.index, dtype=str)
    return pd.DataFrame({"juror": f["juror"].astype(str), "email": email.astype(str)}).reset_index(drop=True)


def jurors_from_scores(scores: pd.DataFrame, conflicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """The jury when there is no jurors file: everyone who scored or declared a conflict, sorted."""
    names = set(scores["juror"])
    if conflicts is not None and len(conflicts):
        names |= set(conflicts["juror"])
    return pd.DataFrame({"juror": pd.Series(sorted(names), dtype=str),
                         "email": pd.Series([""] * len(names), dtype=str)})


# --- reading and checking ----------------------------------------------------------------------

def read_raw(path: str | Path) -> RawScores:
    """One file's score rows as found: a workbook from :func:`write_sheets` or a long CSV."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return read_workbook(path)
    if suffix in CSV_SUFFIXES:
        return _read_raw_csv(path)
    raise InputError(path, "a scoring workbook (.xlsx) or a CSV file (.csv)", value=path.suffix)


def _read_raw_csv(path: Path) -> RawScores:
    table = read_table(path, ["juror", "nominee", "criterion", "score"], ["comment"])
    f = table.frame
    if "comment" not in f.columns:
        f = f.assign(comment="")
    rows = f[["juror", "nominee", "criterion", "score", "comment"]].assign(
        row=[table.row(i) for i in range(len(f))])
    blank = (rows[["juror", "nominee", "criterion", "score", "comment"]] == "").all(axis=1)
    rows = rows[~blank].reset_index(drop=True)
    return RawScores(path, None, rows, {c: c for c in SCORE_COLUMNS}, header_row=table.header_row)


@dataclass(frozen=True)
class _Context:
    """What every row is checked against."""

    framework: Framework
    codes: dict[str, int]  # nominee code → position
    criteria: dict[str, int]  # criterion id → position
    recused: set[tuple[str, str]]
    jurors: set[str] | None


@dataclass(frozen=True)
class _Blank:
    """A row with a key but no score: a missing score, with its place."""

    key: tuple[str, str, str]
    raw: RawScores
    row: int


def read_jury_scores(paths: str | Path | Sequence[str | Path], framework: Framework,
                     nominees: pd.DataFrame, conflicts: pd.DataFrame | None = None,
                     jurors: pd.DataFrame | None = None, require_complete: bool = False) -> pd.DataFrame:
    """Read jury scores from workbooks and/or CSV files into one checked long frame.

    Returns ``juror, nominee, criterion, score, comment`` sorted by juror, nominee (nominees'
    order) and criterion (framework order). Empty score cells are missing scores, left out of
    the frame (see :func:`completeness`) — unless ``require_complete``, when the first missing
    one is an error. Every other problem raises :class:`InputError` naming file, sheet, row,
    column and value. ``jurors`` (a ``juror`` column), when given, is the list of valid jurors.
    """
    scores, problems = check_jury_scores(paths, framework, nominees, conflicts, jurors, require_complete,
                                         stop_at_first=True)
    if problems:
        raise problems[0]
    return scores


def check_jury_scores(paths: str | Path | Sequence[str | Path], framework: Framework,
                      nominees: pd.DataFrame, conflicts: pd.DataFrame | None = None,
                      jurors: pd.DataFrame | None = None, require_complete: bool = False,
                      allow_empty: bool = False,
                      stop_at_first: bool = False) -> tuple[pd.DataFrame, list[InputError]]:
    """:func:`read_jury_scores` that goes on past a bad row: the good scores, and every problem found.

    Each problem is an :class:`InputError` naming its cell, in file and row order (then the
    missing scores, with ``require_complete``). ``allow_empty``: a CSV with a header and no rows
    is no scores yet, not an error (a new award, before the sheets come back).
    """
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    ctx = _context(framework, nominees, conflicts, jurors)
    records: list[dict[str, Any]] = []
    blanks: list[_Blank] = []
    problems: list[InputError] = []
    seen: dict[tuple[str, str, str], tuple[RawScores, int]] = {}
    files_of: dict[str, Path] = {}
    for path in paths:
        try:
            raw = read_raw(path)
            if not (allow_empty and raw.sheet is None):
                _check_not_empty(raw, ctx)
        except InputError as exc:
            problems.append(exc)
            if stop_at_first:
                return _sorted_scores([], ctx), problems
            continue
        for rec in raw.rows.to_dict("records"):
            try:
                out = _check_row(raw, rec, ctx, seen)
            except InputError as exc:
                problems.append(exc)
                if stop_at_first:
                    return _sorted_scores([], ctx), problems
                continue
            files_of.setdefault(out["juror"], raw.path)
            if out["score"] is None:
                blanks.append(_Blank((out["juror"], out["nominee"], out["criterion"]), raw, rec["row"]))
            elif (out["juror"], out["nominee"]) not in ctx.recused:
                records.append(out)
    scores = _sorted_scores(records, ctx)
    if require_complete and not problems:
        problems += _require_complete(scores, framework, nominees, jurors, conflicts, blanks, files_of)
    return scores, problems


SCORE_COLUMNS = ("juror", "nominee", "criterion", "score", "comment")


def scores_to_csv(scores: pd.DataFrame, notes: Sequence[str] = ()) -> str:
    """Checked scores as the long CSV an award's data folder holds (``jury_scores.csv``).

    ``notes`` become the leading ``# …`` lines (where the scores came from). Scores are written
    as typed (``3``, ``3.5``), comments quoted where needed; reading the text back with
    :func:`read_jury_scores` gives the same frame.
    """
    out = scores.loc[:, list(SCORE_COLUMNS)].copy()
    out["score"] = [f"{float(v):g}" for v in out["score"]]
    out["comment"] = out["comment"].fillna("")
    out = csv_safe(out)  # a comment like "=HYPERLINK(…)" gets a leading ' (read_table takes it off again)
    head = "".join(f"# {' '.join(str(n).split())}\n" for n in notes)
    return head + out.to_csv(index=False, lineterminator="\n")


def _context(framework: Framework, nominees: pd.DataFrame, conflicts: pd.DataFrame | None,
             jurors: pd.DataFrame | None) -> _Context:
    recused = set() if conflicts is None else set(zip(conflicts["juror"], conflicts["nominee"]))
    return _Context(framework, {c: i for i, c in enumerate(nominees["code"].astype(str))},
                    {c: i for i, c in enumerate(framework.jury_criteria)}, recused,
                    None if jurors is None else set(jurors["juror"]))


def _error(raw: RawScores, row: int, field: str, value: Any, expected: str) -> InputError:
    """An error at a value of ``raw``: a workbook's juror is on its info sheet."""
    if field == "juror" and raw.juror_place is not None:
        sheet, r, col = raw.juror_place
        return InputError(raw.path, expected, row=r, column=col, value=value, sheet=sheet)
    return InputError(raw.path, expected, row=row, column=raw.columns.get(field, field), value=value,
                      sheet=raw.sheet)


def _where(raw: RawScores, row: int) -> str:
    sheet = f", sheet {raw.sheet!r}" if raw.sheet else ""
    return f"{_place_name(raw.path)}{sheet}, row {row}"


def _choices(values: Iterable[str], limit: int = 10) -> str:
    values = list(values)
    more = f", … ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(values[:limit]) + more


def _check_not_empty(raw: RawScores, ctx: _Context) -> None:
    """A file without score rows is an error — unless it is the sheet of a juror recused from all."""
    if len(raw.rows):
        return
    if raw.juror is not None and all((raw.juror, c) in ctx.recused for c in ctx.codes):
        return
    raise InputError(raw.path, "score rows below the header (the sheet is empty)", sheet=raw.sheet,
                     row=raw.header_row + 1, has_value=False)


def _check_row(raw: RawScores, rec: dict[str, Any], ctx: _Context,
               seen: dict[tuple[str, str, str], tuple[RawScores, int]]) -> dict[str, Any]:
    """Check one row; return it as ``juror, nominee, criterion, score (float|None), comment``."""
    row = rec["row"]
    juror = raw.juror if raw.juror is not None else str(rec["juror"]).strip()
    if juror == "":
        raise _error(raw, row, "juror", juror, "a juror's name (non-empty)")
    if len(juror) > MAX_NAME:
        raise _error(raw, row, "juror", juror, f"a juror's name of at most {MAX_NAME} characters")
    if ctx.jurors is not None and juror not in ctx.jurors:
        raise _error(raw, row, "juror", juror, "a juror of the jurors list: " + _choices(sorted(ctx.jurors)))
    nominee = _nominee_code(rec["nominee"], ctx.codes)
    if nominee not in ctx.codes:
        raise _error(raw, row, "nominee", rec["nominee"], "the code of a nominee: " + _choices(ctx.codes))
    criterion = str(rec["criterion"]).strip()
    if criterion not in ctx.criteria:
        raise _error(raw, row, "criterion", rec["criterion"],
                     "a jury criterion id of the criteria file: " + _choices(ctx.criteria))
    score = _parse_score(raw, row, rec["score"], ctx.framework.scale)
    key = (juror, nominee, criterion)
    if key in seen:
        first = _where(*seen[key])
        raise _error(raw, row, "criterion", criterion,
                     f"one score per juror × nominee × criterion; juror {juror!r} already scored "
                     f"{nominee}/{criterion} at {first}")
    seen[key] = (raw, row)
    if score is not None and (juror, nominee) in ctx.recused:
        raise _error(raw, row, "nominee", nominee,
                     f"no score: juror {juror!r} is recused from this nominee (declared conflict)")
    comment = rec.get("comment", "")
    if isinstance(comment, str) and len(comment) > MAX_COMMENT:
        raise _error(raw, row, "comment", comment, f"a comment of at most {MAX_COMMENT:,} characters")
    return {"juror": juror, "nominee": nominee, "criterion": criterion, "score": score,
            "comment": "" if comment is None else str(comment).strip()}


def _nominee_code(value: Any, codes: dict[str, int]) -> str:
    """A nominee code as text; a code that lost its leading zeros (Excel: 120) gets them back."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.isdigit() and len(text) < 4 and text.zfill(4) in codes:
        return text.zfill(4)
    return text


def _parse_score(raw: RawScores, row: int, value: Any, scale: Scale) -> float | None:
    """A score as a number on the scale; '' is a missing score (None)."""
    span = f"a number from {scale.min} to {scale.max} (the rubric scale)"
    if isinstance(value, str):
        if value == "":
            return None
        text = value.replace("\u2212", "-").replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise _error(raw, row, "score", value, span + ", not text") from None
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
    else:
        raise _error(raw, row, "score", value, span)
    if not math.isfinite(number) or not scale.min <= number <= scale.max:
        raise _error(raw, row, "score", value, span)
    return number


def _sorted_scores(records: list[dict[str, Any]], ctx: _Context) -> pd.DataFrame:
    frame = pd.DataFrame({
        "juror": pd.Series([r["juror"] for r in records], dtype=str),
        "nominee": pd.Series([r["nominee"] for r in records], dtype=str),
        "criterion": pd.Series([r["criterion"] for r in records], dtype=str),
        "score": pd.Series([r["score"] for r in records], dtype=float),
        "comment": pd.Series([r["comment"] for r in records], dtype=str),
    })
    return _sort_keys(frame, ctx.codes, ctx.criteria)


def _sort_keys(frame: pd.DataFrame, codes: dict[str, int], criteria: dict[str, int]) -> pd.DataFrame:
    """Sort by juror, nominee (nominees' order) and criterion (framework order)."""
    def key(s: pd.Series) -> pd.Series:
        if s.name == "nominee":
            return s.map(codes)
        if s.name == "criterion":
            return s.map(criteria)
        return s
    cols = [c for c in ("juror", "nominee", "criterion") if c in frame.columns]
    return frame.sort_values(cols, key=key, kind="stable").reset_index(drop=True)


def _require_complete(scores: pd.DataFrame, framework: Framework, nominees: pd.DataFrame,
                      jurors: pd.DataFrame | None, conflicts: pd.DataFrame | None,
                      blanks: list[_Blank], files_of: dict[str, Path]) -> list[InputError]:
    """One error per missing score, at its empty cell when the score has a row."""
    missing = completeness(scores, framework, nominees, jurors, conflicts)
    if not len(missing):
        return []
    note = (f"require_complete: each juror scores every nominee they are not recused from; "
            f"{len(missing)} missing in all")
    at = {blank.key: blank for blank in blanks}
    out = []
    for key in zip(missing["juror"], missing["nominee"], missing["criterion"]):
        blank = at.get(key)
        if blank is not None:
            out.append(_error(blank.raw, blank.row, "score", "", f"a score ({note})"))
        else:
            juror, nominee, criterion = key
            out.append(InputError(files_of.get(juror), f"a score from juror {juror!r} for nominee {nominee}, "
                                  f"criterion {criterion!r}, which has no row ({note})", has_value=False))
    return out


# --- completeness ------------------------------------------------------------------------------

def expected_scores(framework: Framework, nominees: pd.DataFrame, jurors: pd.DataFrame,
                    conflicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every ``juror, nominee, criterion`` that should have a score: all but the recused pairs."""
    recused = set() if conflicts is None else set(zip(conflicts["juror"], conflicts["nominee"]))
    rows = [(j, n, c) for j in jurors["juror"] for n in nominees["code"].astype(str)
            if (j, n) not in recused for c in framework.jury_criteria]
    return pd.DataFrame(rows, columns=["juror", "nominee", "criterion"]).astype(str)


def completeness(scores: pd.DataFrame, framework: Framework, nominees: pd.DataFrame,
                 jurors: pd.DataFrame | None = None, conflicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Missing scores: ``juror, nominee, criterion`` expected (not recused) but without a score.

    ``jurors`` defaults to everyone who scored or declared a conflict. Sorted by juror, nominee
    (nominees' order), criterion (framework order).
    """
    jurors = jurors_from_scores(scores, conflicts) if jurors is None else jurors
    expected = expected_scores(framework, nominees, jurors, conflicts)
    given = scores.dropna(subset=["score"])
    have = set(zip(given["juror"], given["nominee"], given["criterion"]))
    keys = zip(expected["juror"], expected["nominee"], expected["criterion"])
    missing = expected[[k not in have for k in keys]]
    return _sort_keys(missing, {c: i for i, c in enumerate(nominees["code"].astype(str))},
                      {c: i for i, c in enumerate(framework.jury_criteria)})


def completeness_summary(scores: pd.DataFrame, framework: Framework, nominees: pd.DataFrame,
                         jurors: pd.DataFrame | None = None,
                         conflicts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per juror: ``expected, scored, missing`` score counts, ``recused`` nominees, ``complete``."""
    jurors = jurors_from_scores(scores, conflicts) if jurors is None else jurors
    expected = expected_scores(framework, nominees, jurors, conflicts)
    missing = completeness(scores, framework, nominees, jurors, conflicts)
    names = list(jurors["juror"])
    n_expected = expected.groupby("juror").size().reindex(names, fill_value=0)
    n_missing = missing.groupby("juror").size().reindex(names, fill_value=0)
    codes = set(nominees["code"].astype(str))
    recused = (conflicts[conflicts["nominee"].isin(codes)].groupby("juror").size()
               if conflicts is not None and len(conflicts) else pd.Series(dtype=int))
    out = pd.DataFrame({"juror": pd.Series(names, dtype=str),
                        "expected": n_expected.to_numpy(dtype=int),
                        "scored": (n_expected - n_missing).to_numpy(dtype=int),
                        "missing": n_missing.to_numpy(dtype=int),
                        "recused": recused.reindex(names, fill_value=0).to_numpy(dtype=int)})
    out["complete"] = out["missing"] == 0
    return out.sort_values("juror", kind="stable").reset_index(drop=True)

