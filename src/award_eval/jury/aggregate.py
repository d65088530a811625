"""Jury scores aggregated per criterion, juror severity, disagreement and agreement."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from award_eval.criteria import Framework, Scale
from award_eval.jury.scores import METHODS

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
        from scipy.stats import rankdata  # here, not at the top: scipy.stats costs ~0.7 s to import

        a, b = rankdata(a), rankdata(b)
    a, b = a - a.mean(), b - b.mean()
    denom = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else float("nan")


# --- summaries for the jury notebook ----------------------------------------------------------

def method_comparison(scores: pd.DataFrame, methods: Sequence[str] = METHODS) -> pd.DataFrame:
    """Per nominee × method: the mean over jury criteria of the aggregated score, and its rank.

    Shows how far the choice of bias correction moves the nominees (ties share the lowest rank).
    """
    from award_eval.ranking import rank_scores

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
    from award_eval.jury import reliability as rel

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
