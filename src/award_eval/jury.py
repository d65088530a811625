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
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from .criteria import Framework, Scale
from .data import read_table
from .errors import InputError, _place_name
from .sheets import RawScores, read_workbook

SCORE_COLUMNS = ["juror", "nominee", "criterion", "score", "comment"]
METHODS = ("mean", "median", "trimmed", "zscore")
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
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    ctx = _context(framework, nominees, conflicts, jurors)
    records: list[dict[str, Any]] = []
    blanks: list[_Blank] = []
    seen: dict[tuple[str, str, str], tuple[RawScores, int]] = {}
    files_of: dict[str, Path] = {}
    for path in paths:
        raw = read_raw(path)
        _check_not_empty(raw, ctx)
        for rec in raw.rows.to_dict("records"):
            out = _check_row(raw, rec, ctx, seen)
            files_of.setdefault(out["juror"], raw.path)
            if out["score"] is None:
                blanks.append(_Blank((out["juror"], out["nominee"], out["criterion"]), raw, rec["row"]))
            elif (out["juror"], out["nominee"]) not in ctx.recused:
                records.append(out)
    scores = _sorted_scores(records, ctx)
    if require_complete:
        _require_complete(scores, framework, nominees, jurors, conflicts, blanks, files_of)
    return scores


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
                      blanks: list[_Blank], files_of: dict[str, Path]) -> None:
    missing = completeness(scores, framework, nominees, jurors, conflicts)
    if not len(missing):
        return
    first = tuple(missing.iloc[0][["juror", "nominee", "criterion"]])
    note = (f"require_complete: each juror scores every nominee they are not recused from; "
            f"{len(missing)} missing in all")
    for blank in blanks:
        if blank.key == first:
            raise _error(blank.raw, blank.row, "score", "", f"a score ({note})")
    juror, nominee, criterion = first
    raise InputError(files_of.get(juror), f"a score from juror {juror!r} for nominee {nominee}, "
                     f"criterion {criterion!r}, which has no row ({note})", has_value=False)


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


# --- aggregation -------------------------------------------------------------------------------

def _present(scores: pd.DataFrame) -> pd.DataFrame:
    """The scores given, in a fixed order, so that sums (and so results) never depend on row order."""
    given = scores.dropna(subset=["score"])[["juror", "nominee", "criterion", "score"]]
    return given.sort_values(["nominee", "criterion", "juror"], kind="stable").reset_index(drop=True)


def trim_count(n: int) -> int:
    """How many scores to drop at *each* end of ``n``, as diving does: 7+ → 2, 5–6 → 1, else 0."""
    return 2 if n >= 7 else 1 if n >= 5 else 0


def trimmed_mean(values: Sequence[float] | np.ndarray) -> float:
    """Mean after dropping :func:`trim_count` highest and lowest values."""
    v = np.sort(np.asarray(values, dtype=float))
    k = trim_count(len(v))
    return float(v[k:len(v) - k].mean())


def standardised(scores: pd.DataFrame) -> pd.Series:
    """Each score as a z-score within its juror: (x − juror mean) / juror SD (population, ddof 0).

    A juror with SD 0 (the same score everywhere) gets z = 0 on every score: their scores carry
    no ranking information, so they add the panel mean, neither pulling up nor down.
    """
    grouped = scores.groupby("juror")["score"]
    mean = grouped.transform("mean")
    sd = grouped.transform(lambda s: s.std(ddof=0))
    z = (scores["score"] - mean) / sd.where(sd > 0)
    return z.fillna(0.0).rename("z")


def criterion_scores(scores: pd.DataFrame, method: str = "mean", clip: bool = True) -> pd.DataFrame:
    """Per nominee × criterion: ``score`` (aggregate on the rubric scale) and ``n_jurors``.

    ``method``: ``mean``, ``median``, ``trimmed`` (diving-style trimmed mean), or ``zscore``
    (each juror standardised over all their scores, averaged, and mapped back by the pooled mean
    and SD of all raw scores; with ``clip`` kept within the lowest and highest raw score given).
    Only the jurors who scored a nominee count for it. Sorted by nominee, criterion. For
    ``zscore``, ``result.attrs["constant_jurors"]`` lists the jurors with SD 0.
    """
    if method not in METHODS:
        raise ValueError(f"jury method {method!r} is not one of {', '.join(METHODS)}")
    data = _present(scores)
    keys = ["nominee", "criterion"]
    if method == "zscore":
        data = data.assign(score=standardised(data))
    grouped = data.groupby(keys, sort=True)["score"]
    if method == "trimmed":
        out = grouped.agg(score=trimmed_mean, n_jurors="count")
    elif method == "zscore":
        out = grouped.agg(score="mean", n_jurors="count")
    else:
        out = grouped.agg(score=method, n_jurors="count")
    out = out.reset_index()
    if method == "zscore":
        raw = _present(scores)["score"]
        pooled_sd = float(raw.std(ddof=0)) if len(raw) else 0.0
        out["score"] = float(raw.mean()) + pooled_sd * out["score"] if len(raw) else out["score"]
        if clip and len(raw):
            out["score"] = out["score"].clip(raw.min(), raw.max())
        out.attrs["constant_jurors"] = list(constant_jurors(scores)["juror"])
    out["score"] = out["score"].astype(float)
    out["n_jurors"] = out["n_jurors"].astype(int)
    return out[["nominee", "criterion", "score", "n_jurors"]]


def constant_jurors(scores: pd.DataFrame) -> pd.DataFrame:
    """Jurors who gave every nominee and criterion the same score (SD 0): ``juror, n_scores, score``."""
    data = _present(scores)
    stats = data.groupby("juror", sort=True)["score"].agg(n_scores="count", low="min", high="max")
    same = stats[stats["low"] == stats["high"]]
    return pd.DataFrame({"juror": pd.Series(same.index, dtype=str),
                         "n_scores": same["n_scores"].to_numpy(dtype=int),
                         "score": same["low"].to_numpy(dtype=float)})


def to_percent(values: pd.Series | pd.DataFrame, scale: Scale) -> pd.Series | pd.DataFrame:
    """Map rubric scores onto 0–100 (scale minimum → 0, maximum → 100)."""
    return (values - scale.min) / (scale.max - scale.min) * 100.0


# --- disagreement ------------------------------------------------------------------------------

def disagreement(scores: pd.DataFrame) -> pd.DataFrame:
    """Per nominee × criterion: ``n_jurors, mean, sd`` (sample SD, NaN for one juror), ``min, max, range``."""
    data = _present(scores)
    out = data.groupby(["nominee", "criterion"], sort=True)["score"].agg(
        n_jurors="count", mean="mean", sd="std", min="min", max="max").reset_index()
    out["range"] = out["max"] - out["min"]
    out["n_jurors"] = out["n_jurors"].astype(int)
    return out


def disagreements(scores: pd.DataFrame, threshold: float = 2.0,
                  by: Literal["range", "sd"] = "range") -> pd.DataFrame:
    """The nominee × criterion pairs to discuss: ``by`` (range or SD) at least ``threshold``.

    Adds ``lowest`` and ``highest``: the jurors who gave the extreme scores ("; "-separated).
    Sorted by the measure, largest first, then nominee and criterion.
    """
    if by not in ("range", "sd"):
        raise ValueError(f"disagreements: by must be 'range' or 'sd', not {by!r}")
    stats = disagreement(scores)
    hot = stats[stats[by] >= threshold].copy()
    data = _present(scores)
    lows, highs = [], []
    for nominee, criterion, lo, hi in zip(hot["nominee"], hot["criterion"], hot["min"], hot["max"]):
        pair = data[(data["nominee"] == nominee) & (data["criterion"] == criterion)]
        lows.append("; ".join(sorted(pair.loc[pair["score"] == lo, "juror"])))
        highs.append("; ".join(sorted(pair.loc[pair["score"] == hi, "juror"])))
    hot["lowest"] = pd.Series(lows, index=hot.index, dtype=str)
    hot["highest"] = pd.Series(highs, index=hot.index, dtype=str)
    hot = hot.sort_values([by, "nominee", "criterion"], ascending=[False, True, True], kind="stable")
    return hot.reset_index(drop=True)


def juror_severity(scores: pd.DataFrame, method: Literal["spearman", "pearson"] = "spearman") -> pd.DataFrame:
    """Per juror: how they score against the rest of the panel on the same nominee × criterion.

    ``severity`` = mean of (own score − mean of the other jurors' scores); negative = harsher than
    the panel, positive = more lenient. ``consistency`` = correlation (``method``) of own scores
    with the others' means: near 1 = orders nominees as the panel does. Only pairs scored by at
    least one other juror count (``n_compared``); consistency needs 3 of them and some spread.
    """
    if method not in ("spearman", "pearson"):
        raise ValueError(f"juror_severity: method must be 'spearman' or 'pearson', not {method!r}")
    data = _present(scores)
    grouped = data.groupby(["nominee", "criterion"])["score"]
    total, count = grouped.transform("sum"), grouped.transform("count")
    data = data.assign(others=((total - data["score"]) / (count - 1)).where(count > 1))
    rows = []
    for juror, mine in data.groupby("juror", sort=True):
        both = mine.dropna(subset=["others"])
        rows.append({"juror": juror, "n_scores": len(mine), "n_compared": len(both),
                     "mean_score": float(mine["score"].mean()),
                     "severity": float((both["score"] - both["others"]).mean()) if len(both) else float("nan"),
                     "consistency": _correlation(both["score"].to_numpy(), both["others"].to_numpy(), method)})
    out = pd.DataFrame(rows, columns=["juror", "n_scores", "n_compared", "mean_score", "severity", "consistency"])
    return out.astype({"juror": str, "n_scores": int, "n_compared": int, "mean_score": float,
                       "severity": float, "consistency": float})


def _correlation(a: np.ndarray, b: np.ndarray, method: str) -> float:
    """Pearson or Spearman correlation; NaN with fewer than 3 pairs or no spread (no warning)."""
    if len(a) < 3:
        return float("nan")
    if method == "spearman":
        a, b = rankdata(a), rankdata(b)
    a, b = a - a.mean(), b - b.mean()
    denom = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else float("nan")


# --- summaries for the jury notebook ----------------------------------------------------------

def method_comparison(scores: pd.DataFrame, methods: Sequence[str] = METHODS) -> pd.DataFrame:
    """Per nominee × method: the mean over jury criteria of the aggregated score, and its rank.

    Shows how far the choice of bias correction moves the nominees (ties share the lowest rank).
    """
    from .ranking import rank_scores

    frames = []
    for method in methods:
        per = criterion_scores(scores, method).groupby("nominee", sort=True)["score"].mean()
        frames.append(pd.DataFrame({"nominee": per.index, "method": method, "score": per.to_numpy(),
                                    "rank": rank_scores(per).to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def agreement(scores: pd.DataFrame, framework: Framework) -> pd.DataFrame:
    """Agreement per jury criterion and over all criteria: ICC(2,k), Krippendorff's alpha, Kendall's W.

    ICC and W need complete data, so nominees with a recused juror are left out of those two
    (``n_icc`` says how many remain); alpha uses every score, recusals being missing values.
    """
    from . import reliability as rel

    present = _present(scores)
    rows = []
    groups = [(c, present[present["criterion"] == c]) for c in framework.jury_criteria]
    overall = present.assign(unit=present["nominee"] + "/" + present["criterion"])
    for criterion, part in [*groups, ("all", None)]:
        if part is None:
            units = overall
            wide_units, unit_col = overall, "unit"
        else:
            units, wide_units, unit_col = part, part, "nominee"
        if units.empty:
            continue
        complete = _complete_targets(wide_units, unit_col)
        try:
            icc2k = float(rel.icc(complete, unit_col, "juror", "score").loc["ICC2k", "icc"]) \
                if complete[unit_col].nunique() >= 2 else float("nan")
        except rel.ReliabilityError:
            icc2k = float("nan")
        try:
            alpha = rel.krippendorff_alpha(units, unit_col, "juror", "score", level="interval")
        except rel.ReliabilityError:
            alpha = float("nan")
        totals = present.groupby(["nominee", "juror"], as_index=False)["score"].mean()
        if part is None:
            try:
                w = rel.kendall_w(_complete_targets(totals, "nominee"), "nominee", "juror", "score").w
            except rel.ReliabilityError:
                w = float("nan")
        else:
            w = float("nan")
        rows.append({"criterion": criterion, "n_scores": len(units), "n_icc": complete[unit_col].nunique(),
                     "icc2k": icc2k, "alpha": alpha, "kendall_w": w,
                     "reading_sv": rel.interpret_alpha(alpha)["sv"] if np.isfinite(alpha) else "",
                     "reading_en": rel.interpret_alpha(alpha)["en"] if np.isfinite(alpha) else ""})
    return pd.DataFrame(rows)


def _complete_targets(data: pd.DataFrame, target: str) -> pd.DataFrame:
    """Rows of the targets rated by every juror who appears in ``data`` (for statistics needing complete data)."""
    jurors = data["juror"].nunique()
    counts = data.groupby(target)["juror"].nunique()
    keep = counts.index[counts == jurors]
    return data[data[target].isin(keep)]


def anonymise(frame: pd.DataFrame, jurors: Sequence[str], column: str = "juror") -> pd.DataFrame:
    """Replace juror names by J1…Jn (in the order of ``jurors``) for reviewer-facing output."""
    mapping = {name: f"J{i}" for i, name in enumerate(jurors, 1)}
    return frame.assign(**{column: frame[column].map(mapping).fillna(frame[column])})
