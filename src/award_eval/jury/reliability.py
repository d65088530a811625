"""Inter-rater reliability of the jury: ICC, Krippendorff's alpha and Kendall's W.

The jury scores every nominee on rubric criteria; before a ranking rests on those scores we want
to know whether the jurors agree. Three classical statistics answer that question from different
angles, all computed from a *long* table (one row per target, rater and rating):

* :func:`icc` — intraclass correlations, the six forms of Shrout & Fleiss (1979), with the F
  tests and 95 % confidence intervals of Shrout & Fleiss (1979) and McGraw & Wong (1996).
* :func:`krippendorff_alpha` — Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's
  Alpha-Reliability"), which tolerates missing ratings and any level of measurement.
* :func:`kendall_w` — Kendall's coefficient of concordance W, corrected for ties (Kendall &
  Babington Smith 1939), for agreement on the *ranking* of the targets.

:func:`interpret_icc` and :func:`interpret_alpha` turn a value into its reading in both languages
(catalogue keys ``jury.reliability.*``).

Undefined statistics (e.g. every rating identical, so there is no variance to explain) come out
as ``nan`` rather than as an error: a criterion on which all jurors gave everyone the same score
is a fact to report, not a crash.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from award_eval.errors import IncompleteDataError, MissingColumnError, ReliabilityError  # noqa: F401 (re-exported)
from award_eval.i18n import texts

__all__ = [
    "IncompleteDataError",
    "KendallW",
    "MissingColumnError",
    "ReliabilityError",
    "icc",
    "interpret_alpha",
    "interpret_icc",
    "kendall_w",
    "krippendorff_alpha",
    "krippendorff_alpha_counts",
]

NanPolicy = Literal["raise", "omit"]
Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")
NAN_POLICIES: tuple[str, ...] = ("raise", "omit")


# --------------------------------------------------------------------------------------------
# Input handling (shared)
# --------------------------------------------------------------------------------------------

def _show(value: object) -> str:
    """repr of a label for a message, without numpy's ``np.int64(...)`` wrapping."""
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value.item() if isinstance(value, np.generic) else value)


def _check_columns(data: pd.DataFrame, **columns: Hashable) -> None:
    """Check that ``data`` is a DataFrame holding the named, mutually distinct columns."""
    if not isinstance(data, pd.DataFrame):
        raise ReliabilityError(
            f"data must be a long pandas DataFrame, got {type(data).__name__}")
    names = list(columns.values())
    if len(set(names)) != len(names):
        given = ", ".join(f"{arg}={name!r}" for arg, name in columns.items())
        raise ReliabilityError(f"the column arguments must name different columns, got {given}")
    missing = [f"{arg}={name!r}" for arg, name in columns.items() if name not in data.columns]
    if missing:
        available = ", ".join(repr(c) for c in data.columns)
        raise MissingColumnError(
            f"column(s) not in data: {', '.join(missing)}; available columns: {available}")


def _check_labels(data: pd.DataFrame, *label_columns: Hashable) -> None:
    """Target/unit and rater labels must be present (ratings may be missing, labels not)."""
    for column in label_columns:
        n_missing = int(data[column].isna().sum())
        if n_missing:
            raise ReliabilityError(
                f"column {column!r} has {n_missing} missing label(s); every row must name "
                "its target and rater")


def _check_unique_pairs(data: pd.DataFrame, target_col: Hashable, rater_col: Hashable) -> None:
    """Each rater may rate each target at most once."""
    duplicated = data.duplicated(subset=[target_col, rater_col], keep=False)
    if duplicated.any():
        pairs = data.loc[duplicated, [target_col, rater_col]].drop_duplicates()
        first = tuple(pairs.iloc[0])
        raise ReliabilityError(
            f"{len(pairs)} ({target_col}, {rater_col}) pair(s) occur more than once, e.g. "
            f"{_show(first)}; each rater may rate each target only once")


def _numeric_ratings(values: pd.Series, column: Hashable) -> pd.Series:
    """Ratings as floats (NaN for missing); reject text that is not a number and infinities."""
    if pd.api.types.is_bool_dtype(values):
        values = values.astype(float)
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() & values.notna()
    if bad.any():
        example = values[bad].iloc[0]
        raise ReliabilityError(
            f"column {column!r} has {int(bad.sum())} non-numeric rating(s), e.g. {_show(example)}")
    numeric = numeric.astype(float)
    if np.isinf(numeric).any():
        raise ReliabilityError(f"column {column!r} has infinite rating(s)")
    return numeric


def _wide_ratings(data: pd.DataFrame, targets: Hashable, raters: Hashable,
                  ratings: Hashable) -> pd.DataFrame:
    """Validate a long table and pivot it to targets x raters (NaN where a rating is missing)."""
    _check_columns(data, targets=targets, raters=raters, ratings=ratings)
    _check_labels(data, targets, raters)
    _check_unique_pairs(data, targets, raters)
    long = pd.DataFrame({
        "target": data[targets].to_numpy(),
        "rater": data[raters].to_numpy(),
        "rating": _numeric_ratings(data[ratings], ratings).to_numpy(),
    })
    return long.pivot(index="target", columns="rater", values="rating")


def _incomplete_targets(wide: pd.DataFrame) -> pd.Index:
    """Targets that lack a rating from at least one rater (absent row or NaN rating)."""
    return wide.index[wide.isna().any(axis=1)]


def _require_complete(wide: pd.DataFrame, how_to_fix: str) -> None:
    incomplete = _incomplete_targets(wide)
    if len(incomplete):
        raise IncompleteDataError(
            f"{len(incomplete)} of {len(wide)} targets lack a rating from at least one of the "
            f"{wide.shape[1]} raters (e.g. {_show(incomplete[0])}); {how_to_fix}")


def _require_size(wide: pd.DataFrame, after: str = "") -> None:
    """At least two raters and two targets."""
    n, k = wide.shape
    if k < 2:
        raise ReliabilityError(f"need at least 2 raters, found {k}{after}")
    if n < 2:
        raise ReliabilityError(f"need at least 2 targets, found {n}{after}")


# --------------------------------------------------------------------------------------------
# Intraclass correlation (Shrout & Fleiss 1979; McGraw & Wong 1996)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MeanSquares:
    """Mean squares of the two-way ANOVA of an n-targets x k-raters table (Shrout & Fleiss
    Table 1: BMS = ``msr``, JMS = ``msc``, EMS = ``mse``, WMS = ``msw``)."""

    n: int
    k: int
    msr: float  # between targets (rows), df n-1
    msc: float  # between raters (columns), df k-1
    mse: float  # residual, df (n-1)(k-1)
    msw: float  # within targets (raters + residual), df n(k-1)


def anova_mean_squares(table: np.ndarray) -> MeanSquares:
    """Two-way ANOVA mean squares (one observation per cell) of a complete targets x raters
    array, the building blocks of every Shrout & Fleiss ICC."""
    y = np.asarray(table, dtype=float)
    n, k = y.shape
    grand = y.mean()
    ss_total = float(((y - grand) ** 2).sum())
    ss_rows = k * float(((y.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((y.mean(axis=0) - grand) ** 2).sum())
    ss_error = max(ss_total - ss_rows - ss_cols, 0.0)  # clamp float round-off below zero
    ss_within = max(ss_total - ss_rows, 0.0)
    return MeanSquares(
        n=n, k=k,
        msr=ss_rows / (n - 1),
        msc=ss_cols / (k - 1),
        mse=ss_error / ((n - 1) * (k - 1)),
        msw=ss_within / (n * (k - 1)),
    )


def _ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator with IEEE semantics (inf, nan) instead of ZeroDivisionError."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))


def _f_bounds(f: float, df1: int, df2: float, alpha: float) -> tuple[float, float]:
    """Lower and upper confidence bounds of the population F ratio (Shrout & Fleiss eqs. for
    F_L and F_U): F / F_{1-a/2}(df1, df2) and F * F_{1-a/2}(df2, df1)."""
    f_low = _ratio(f, stats.f.ppf(1 - alpha / 2, df1, df2))
    f_high = f * float(stats.f.ppf(1 - alpha / 2, df2, df1))
    return f_low, f_high


def _single_from_f(f: float, k: int) -> float:
    """ICC(1,1) / ICC(3,1) bound from an F bound: (F - 1) / (F + k - 1)."""
    return 1.0 if math.isinf(f) else _ratio(f - 1, f + k - 1)


def _average_from_f(f: float) -> float:
    """ICC(1,k) / ICC(3,k) bound from an F bound: 1 - 1/F."""
    return 1 - _ratio(1.0, f)


def _spearman_brown(rho: float, k: int) -> float:
    """Reliability of the mean of k raters from that of one rater."""
    return _ratio(k * rho, 1 + (k - 1) * rho)


def _icc2_bounds(ms: MeanSquares, icc2: float, alpha: float) -> tuple[float, float]:
    """CI of ICC(2,1) with Satterthwaite's approximate df v (Fleiss & Shrout 1978, as given in
    Shrout & Fleiss 1979): F* = F_{1-a/2}(n-1, v), F*' = F_{1-a/2}(v, n-1)."""
    n, k = ms.n, ms.k
    f_j = _ratio(ms.msc, ms.mse)
    a = n * (1 + (k - 1) * icc2) - k * icc2
    with np.errstate(divide="ignore", invalid="ignore"):
        v = _ratio((k - 1) * (n - 1) * (k * icc2 * f_j + a) ** 2,
                   (n - 1) * k ** 2 * icc2 ** 2 * f_j ** 2 + a ** 2)
        f_star = float(stats.f.ppf(1 - alpha / 2, n - 1, v))
        f_star_rev = float(stats.f.ppf(1 - alpha / 2, v, n - 1))
    spread = k * ms.msc + (k * n - k - n) * ms.mse
    low = _ratio(n * (ms.msr - f_star * ms.mse), f_star * spread + n * ms.msr)
    high = _ratio(n * (f_star_rev * ms.msr - ms.mse), spread + n * f_star_rev * ms.msr)
    return low, high


_ICC_DESCRIPTIONS = {
    "ICC1": "Single rater, absolute agreement, one-way random (ICC(1,1))",
    "ICC2": "Single random rater, absolute agreement, two-way random (ICC(2,1))",
    "ICC3": "Single fixed rater, consistency, two-way mixed (ICC(3,1))",
    "ICC1k": "Mean of k raters, absolute agreement, one-way random (ICC(1,k))",
    "ICC2k": "Mean of k random raters, absolute agreement, two-way random (ICC(2,k))",
    "ICC3k": "Mean of k fixed raters, consistency, two-way mixed (ICC(3,k))",
}


AGREEMENT_DFS: tuple[str, ...] = ("anova", "satterthwaite", "both")


def satterthwaite_df(ms: MeanSquares, icc2: float) -> float:
    """McGraw & Wong's (1996) approximate df of the absolute-agreement F test, with the ICC(A,1)
    estimate plugged in: v = (a MSC + b MSE)^2 / ((a MSC)^2/(k-1) + (b MSE)^2/((n-1)(k-1))),
    a = k rho/(n(1 - rho)), b = 1 + k rho (n-1)/(n(1 - rho)) (R irr's ``icc`` ``df2``)."""
    n, k = ms.n, ms.k
    with np.errstate(divide="ignore", invalid="ignore"):
        a = _ratio(k * icc2, n * (1 - icc2))
        b = 1 + _ratio(k * icc2 * (n - 1), n * (1 - icc2))
        return _ratio((a * ms.msc + b * ms.mse) ** 2,
                      (a * ms.msc) ** 2 / (k - 1) + (b * ms.mse) ** 2 / ((n - 1) * (k - 1)))


def icc_table(ms: MeanSquares, alpha: float = 0.05, agreement_df: str = "anova") -> pd.DataFrame:
    """The six Shrout & Fleiss ICCs with F tests and (1 - alpha) CIs from ANOVA mean squares.

    ``agreement_df``: the denominator df of the ICC2/ICC2k F test — ``"anova"`` ((n-1)(k-1), as
    Shrout & Fleiss and pingouin), ``"satterthwaite"`` (McGraw & Wong's approximate df, as R irr),
    or ``"both"`` (anova in ``df2``/``pval`` plus ``df2_satterthwaite``/``pval_satterthwaite``).
    """
    if agreement_df not in AGREEMENT_DFS:
        raise ReliabilityError(f"agreement_df must be one of {AGREEMENT_DFS}, got {agreement_df!r}")
    n, k = ms.n, ms.k
    with np.errstate(divide="ignore", invalid="ignore"):
        icc1 = _ratio(ms.msr - ms.msw, ms.msr + (k - 1) * ms.msw)
        icc2 = _ratio(ms.msr - ms.mse, ms.msr + (k - 1) * ms.mse + k * (ms.msc - ms.mse) / n)
        icc3 = _ratio(ms.msr - ms.mse, ms.msr + (k - 1) * ms.mse)
        icc1k = _ratio(ms.msr - ms.msw, ms.msr)
        icc2k = _ratio(ms.msr - ms.mse, ms.msr + (ms.msc - ms.mse) / n)
        icc3k = _ratio(ms.msr - ms.mse, ms.msr)

        df1, df2_one_way, df2_two_way = n - 1, n * (k - 1), (n - 1) * (k - 1)
        f_one_way = _ratio(ms.msr, ms.msw)   # targets vs within-target variation
        f_two_way = _ratio(ms.msr, ms.mse)   # targets vs residual, rater effect removed
        p_one_way = float(stats.f.sf(f_one_way, df1, df2_one_way))
        p_two_way = float(stats.f.sf(f_two_way, df1, df2_two_way))

        f1_low, f1_high = _f_bounds(f_one_way, df1, df2_one_way, alpha)
        f3_low, f3_high = _f_bounds(f_two_way, df1, df2_two_way, alpha)
        icc2_low, icc2_high = _icc2_bounds(ms, icc2, alpha)

    rows = {
        "ICC1": (icc1, f_one_way, df1, df2_one_way, p_one_way,
                 _single_from_f(f1_low, k), _single_from_f(f1_high, k)),
        "ICC2": (icc2, f_two_way, df1, df2_two_way, p_two_way, icc2_low, icc2_high),
        "ICC3": (icc3, f_two_way, df1, df2_two_way, p_two_way,
                 _single_from_f(f3_low, k), _single_from_f(f3_high, k)),
        "ICC1k": (icc1k, f_one_way, df1, df2_one_way, p_one_way,
                  _average_from_f(f1_low), _average_from_f(f1_high)),
        "ICC2k": (icc2k, f_two_way, df1, df2_two_way, p_two_way,
                  _spearman_brown(icc2_low, k), _spearman_brown(icc2_high, k)),
        "ICC3k": (icc3k, f_two_way, df1, df2_two_way, p_two_way,
                  _average_from_f(f3_low), _average_from_f(f3_high)),
    }
    table = pd.DataFrame.from_dict(
        rows, orient="index",
        columns=["icc", "F", "df1", "df2", "pval", "ci95_low", "ci95_high"])
    table.insert(0, "description", [_ICC_DESCRIPTIONS[name] for name in table.index])
    table.index.name = "type"
    if agreement_df == "anova":
        return table.astype({"df1": int, "df2": int})
    v = satterthwaite_df(ms, icc2)
    p_v = float(stats.f.sf(f_two_way, df1, v)) if np.isfinite(v) else math.nan
    agreement = ["ICC2", "ICC2k"]
    if agreement_df == "satterthwaite":
        table = table.astype({"df1": int, "df2": float})
        table.loc[agreement, "df2"] = v
        table.loc[agreement, "pval"] = p_v
        return table
    table = table.astype({"df1": int, "df2": int})
    table["df2_satterthwaite"] = table["df2"].astype(float)
    table["pval_satterthwaite"] = table["pval"]
    table.loc[agreement, "df2_satterthwaite"] = v
    table.loc[agreement, "pval_satterthwaite"] = p_v
    return table


def icc(data: pd.DataFrame, targets: Hashable | None = None, raters: Hashable | None = None,
        ratings: Hashable | None = None, nan_policy: NanPolicy = "raise", agreement_df: str = "anova") -> pd.DataFrame:
    """Intraclass correlations ICC(1,1), ICC(2,1), ICC(3,1) and their k-rater means.

    How much of the variance in the jury's ratings is real difference between targets rather
    than rater noise (Shrout & Fleiss 1979, Psychol. Bull. 86:420-428; McGraw & Wong 1996).
    Returns a DataFrame indexed ``ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k`` with columns
    ``description, icc, F, df1, df2, pval, ci95_low, ci95_high``. ICC1/ICC1k test
    F = MSR/MSW on (n-1, n(k-1)) df; ICC2/ICC3 and their k forms test F = MSR/MSE on
    (n-1, (n-1)(k-1)) df; the ICC2 interval uses Satterthwaite's approximation. Without column
    names ``data`` is a wide table (one row per target, one column per rater; any 2-D array-like,
    as pingouin's ``cronbach_alpha`` or R irr take).

    The ANOVA needs every rater to rate every target. Incomplete targets raise
    :class:`IncompleteDataError` unless ``nan_policy="omit"``, which drops them (listwise).
    ``agreement_df="satterthwaite"`` tests ICC2/ICC2k on McGraw & Wong's approximate df (R irr's
    convention); ``"both"`` reports both (see :func:`icc_table`).
    """
    if nan_policy not in NAN_POLICIES:
        raise ReliabilityError(f"nan_policy must be one of {NAN_POLICIES}, got {nan_policy!r}")
    data, (targets, raters, ratings) = _long_or_wide(
        data, {"targets": targets, "raters": raters, "ratings": ratings})
    wide = _wide_ratings(data, targets, raters, ratings)
    _require_size(wide)
    after = ""
    if nan_policy == "raise":
        _require_complete(wide, 'pass nan_policy="omit" to drop incomplete targets')
    else:
        n_dropped = len(_incomplete_targets(wide))
        wide = wide.dropna(axis=0, how="any")
        after = f" after omitting {n_dropped} incomplete target(s)"
    _require_size(wide, after)
    return icc_table(anova_mean_squares(wide.to_numpy()), agreement_df=agreement_df)


# --------------------------------------------------------------------------------------------
# Krippendorff's alpha (Krippendorff 2011)
# --------------------------------------------------------------------------------------------

def coincidence_matrix(counts: np.ndarray) -> np.ndarray:
    """Coincidence matrix o_ck from a units x values table of how often each value was given.

    Each pairable unit u (m_u >= 2 values) contributes its m_u(m_u - 1) ordered pairs of values
    from different raters, each weighted 1/(m_u - 1) (Krippendorff 2011, section C).
    Units with fewer than two values must already be removed.
    """
    counts = np.asarray(counts, dtype=float)
    weight = 1.0 / (counts.sum(axis=1) - 1)
    weighted = counts * weight[:, None]
    return weighted.T @ counts - np.diag(weighted.sum(axis=0))


def difference_matrix(values: np.ndarray, marginals: np.ndarray, level: str) -> np.ndarray:
    """Squared metric differences delta^2_ck between the (sorted) values for one level.

    nominal: 0 if equal else 1; ordinal: (n_c/2 + sum of n_g strictly between + n_k/2)^2 from
    the coincidence marginals; interval: (c - k)^2; ratio: ((c - k)/(c + k))^2.
    """
    if level == "nominal":
        size = len(values)
        return 1.0 - np.eye(size)
    v = np.asarray(values, dtype=float)
    if level == "interval":
        return (v[:, None] - v[None, :]) ** 2
    if level == "ratio":
        total = v[:, None] + v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = ((v[:, None] - v[None, :]) / total) ** 2
        return np.where(total == 0, 0.0, delta)
    if level == "ordinal":
        n_g = np.asarray(marginals, dtype=float)
        cumulative = np.cumsum(n_g)
        # sum_{g=c..k} n_g - (n_c + n_k)/2, for c <= k; symmetric.
        low = np.minimum.outer(np.arange(len(v)), np.arange(len(v)))
        high = np.maximum.outer(np.arange(len(v)), np.arange(len(v)))
        span = cumulative[high] - cumulative[low] + n_g[low]
        return (span - (n_g[low] + n_g[high]) / 2) ** 2
    raise ReliabilityError(f"level must be one of {LEVELS}, got {level!r}")


def alpha_from_coincidences(coincidences: np.ndarray, delta: np.ndarray) -> float:
    """alpha = 1 - D_o/D_e = 1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck; nan if D_e = 0."""
    marginals = coincidences.sum(axis=0)
    n = marginals.sum()
    observed = float((coincidences * delta).sum())
    expected = float((np.outer(marginals, marginals) * delta).sum())
    if expected == 0:
        return math.nan  # no variation among the pairable values: alpha is undefined
    return 1.0 - (n - 1) * observed / expected


def _ordered_domain(values: pd.Series, value_domain: Sequence | None) -> list | None:
    """The ordered value domain: given, or an ordered Categorical's categories, else None."""
    if value_domain is not None:
        domain = list(value_domain)
        if len(set(domain)) != len(domain):
            raise ReliabilityError("value_domain lists a value more than once")
        return domain
    if isinstance(values.dtype, pd.CategoricalDtype) and values.dtype.ordered:
        return list(values.dtype.categories)
    return None


def _coded_ratings(values: pd.Series, column: Hashable, level: str,
                   value_domain: Sequence | None) -> pd.Series:
    """Ratings ready for counting: labels (nominal), positions in the ordered domain (ordinal
    with a domain), or numbers (otherwise)."""
    domain = _ordered_domain(values, value_domain)
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object).where(values.notna(), np.nan)
    if level == "nominal":
        return values
    if domain is not None and level == "ordinal":
        position = {label: i for i, label in enumerate(domain)}
        unknown = values.notna() & ~values.map(lambda v: v in position).astype(bool)
        if unknown.any():
            raise ReliabilityError(
                f"column {column!r} has {int(unknown.sum())} rating(s) outside value_domain, "
                f"e.g. {_show(values[unknown].iloc[0])}")
        return values.map(lambda v: position.get(v, np.nan)).astype(float)
    numeric = _numeric_ratings(values, column)
    if level == "ratio" and (numeric < 0).any():
        raise ReliabilityError(
            f"column {column!r} has negative rating(s); the ratio level needs values >= 0")
    return numeric


def _long_or_wide(data: object, names: dict[str, Hashable | None]) -> tuple[pd.DataFrame, list]:
    """A long frame and its three column names; a wide table (rows = targets/units, columns =
    raters, any array-like) when no column names are given."""
    given = [v for v in names.values() if v is not None]
    if given and len(given) < len(names):
        raise ReliabilityError(
            f"give all of {', '.join(names)} (a long table) or none (a wide table: one row per "
            "target, one column per rater)")
    if given:
        return data, list(names.values())  # type: ignore[return-value]
    if isinstance(data, pd.DataFrame):
        wide = data
    else:
        arr = np.asarray(data, dtype=object)
        if arr.ndim != 2:
            raise ReliabilityError(f"a wide table must be 2-D (targets x raters), got {arr.ndim}-D")
        wide = pd.DataFrame(arr)
    wide = wide.rename_axis(index="_target", columns="_rater")
    long = wide.stack(future_stack=True).rename("_rating").reset_index()
    if isinstance(wide.dtypes.iloc[0] if wide.shape[1] else None, pd.CategoricalDtype):
        long["_rating"] = long["_rating"].astype(wide.dtypes.iloc[0])
    return long, ["_target", "_rater", "_rating"]


def krippendorff_alpha(data: pd.DataFrame, units: Hashable | None = None,
                       raters: Hashable | None = None, ratings: Hashable | None = None,
                       level: Level = "interval", value_domain: Sequence | None = None) -> float:
    """Krippendorff's alpha reliability of the ratings at the given level of measurement.

    Agreement beyond chance, 1 - D_o/D_e, for any number of raters and with missing ratings
    (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"). Missing ratings (NaN or
    absent rows) are allowed; units with fewer than two ratings are not pairable and are
    dropped. ``level`` is ``nominal``, ``ordinal``, ``interval`` or ``ratio``; nominal ratings
    may be any labels, the others must be numbers (ratio: non-negative), except that ordinal
    ratings may be labels in the order ``value_domain`` gives (or an ordered Categorical's
    order), as fast-krippendorff's ``value_domain``. ``data`` is a long frame with the three
    column names, or, without them, a wide table (one row per unit, one column per rater; any
    2-D array-like; fast-krippendorff's ``reliability_data`` is its transpose). Returns nan when
    the pairable ratings show no variation at all (alpha is then undefined).
    """
    if level not in LEVELS:
        raise ReliabilityError(f"level must be one of {LEVELS}, got {level!r}")
    data, (units, raters, ratings) = _long_or_wide(
        data, {"units": units, "raters": raters, "ratings": ratings})
    _check_columns(data, units=units, raters=raters, ratings=ratings)
    _check_labels(data, units, raters)
    _check_unique_pairs(data, units, raters)
    values = _coded_ratings(data[ratings], ratings, level, value_domain)
    present = values.notna()
    counts = pd.crosstab(data.loc[present, units].to_numpy(), values[present].to_numpy())
    return _alpha_from_counts(counts, level)


def krippendorff_alpha_counts(counts: pd.DataFrame | Sequence, level: Level = "interval",
                              value_domain: Sequence | None = None) -> float:
    """Krippendorff's alpha from a value-count table: one row per unit, one column per value,
    each cell how many raters gave that value to that unit (fast-krippendorff's ``value_counts``).

    The values are the DataFrame's columns, or ``value_domain`` (in order) for an array-like.
    Ordinal needs the columns in order (labels allowed); interval and ratio need numbers.
    """
    if level not in LEVELS:
        raise ReliabilityError(f"level must be one of {LEVELS}, got {level!r}")
    if isinstance(counts, pd.DataFrame):
        table = counts.copy()
        if value_domain is not None:
            table = table.reindex(columns=list(value_domain), fill_value=0)
    else:
        arr = np.asarray(counts, dtype=float)
        if arr.ndim != 2:
            raise ReliabilityError(f"counts must be 2-D (units x values), got {arr.ndim}-D")
        domain = list(value_domain) if value_domain is not None else list(range(arr.shape[1]))
        if len(domain) != arr.shape[1]:
            raise ReliabilityError(f"value_domain has {len(domain)} values for {arr.shape[1]} columns")
        table = pd.DataFrame(arr, columns=domain)
    table = table.fillna(0)
    arr = table.to_numpy(dtype=float)
    if (arr < 0).any() or not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr)):
        raise ReliabilityError("counts must be whole numbers >= 0")
    if level == "ordinal":
        table.columns = range(table.shape[1])  # positions keep the given order
    elif level != "nominal":
        numbers = pd.to_numeric(pd.Series(table.columns), errors="coerce")
        if numbers.isna().any():
            raise ReliabilityError(f"the {level} level needs numeric values, got {_show(table.columns[numbers.isna()][0])}")
        if level == "ratio" and (numbers < 0).any():
            raise ReliabilityError("the ratio level needs values >= 0")
        table.columns = numbers.to_numpy(dtype=float)
    return _alpha_from_counts(table, level)


def _alpha_from_counts(counts: pd.DataFrame, level: str) -> float:
    counts = counts[counts.sum(axis=1) >= 2]
    if counts.empty:
        raise ReliabilityError(
            "no unit has ratings from at least 2 raters, so there are no pairable values")
    counts = counts.loc[:, counts.sum(axis=0) > 0]
    if level != "nominal":
        counts = counts.sort_index(axis=1)  # ordinal differences need the values in order
    coincidences = coincidence_matrix(counts.to_numpy())
    delta = difference_matrix(counts.columns.to_numpy(), coincidences.sum(axis=0), level)
    return alpha_from_coincidences(coincidences, delta)


# --------------------------------------------------------------------------------------------
# Kendall's W (Kendall & Babington Smith 1939)
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KendallW:
    """Kendall's W with its chi-square test (chi2 = m(n-1)W on n-1 df)."""

    w: float
    chi2: float
    dof: int
    pvalue: float


def tie_correction(ranks: np.ndarray) -> float:
    """T = sum over raters of sum over tie groups of (t^3 - t); ``ranks`` is targets x raters."""
    total = 0.0
    for column in np.asarray(ranks, dtype=float).T:
        _, sizes = np.unique(column, return_counts=True)
        total += float((sizes.astype(float) ** 3 - sizes).sum())
    return total


def kendall_w_from_ranks(ranks: np.ndarray) -> KendallW:
    """W = 12 S / (m^2 (n^3 - n) - m T) from an n-targets x m-raters array of ranks."""
    r = np.asarray(ranks, dtype=float)
    n, m = r.shape
    rank_sums = r.sum(axis=1)
    s = float(((rank_sums - m * (n + 1) / 2) ** 2).sum())
    w = _ratio(12 * s, m ** 2 * (n ** 3 - n) - m * tie_correction(r))
    chi2 = m * (n - 1) * w
    dof = n - 1
    pvalue = float(stats.chi2.sf(chi2, dof)) if not math.isnan(chi2) else math.nan
    return KendallW(w=w, chi2=chi2, dof=dof, pvalue=pvalue)


def kendall_w(data: pd.DataFrame, targets: Hashable | None = None, raters: Hashable | None = None,
              ratings: Hashable | None = None) -> KendallW:
    """Kendall's coefficient of concordance W, corrected for ties.

    Do the raters put the targets in the same order? Each rater's ratings are turned into
    ranks of the targets (average ranks for ties); W = 1 is identical rankings, 0 no agreement
    (Kendall & Babington Smith 1939, Ann. Math. Stat. 10:275-287; tie correction as in
    Kendall 1948, "Rank Correlation Methods"). The chi-square test m(n-1)W on n-1 df is
    a large-sample approximation. Every rater must rate every target.
    Returns nan for W when every rater ties all targets (no ranking to agree on).
    Without column names ``data`` is a wide table (one row per target, one column per rater).
    """
    data, (targets, raters, ratings) = _long_or_wide(
        data, {"targets": targets, "raters": raters, "ratings": ratings})
    wide = _wide_ratings(data, targets, raters, ratings)
    _require_size(wide)
    _require_complete(wide, "Kendall's W needs every rater to rank every target")
    ranks = stats.rankdata(wide.to_numpy(), axis=0)  # average ranks for ties
    return kendall_w_from_ranks(ranks)


# --------------------------------------------------------------------------------------------
# Plain-language interpretation (bilingual labels)
# --------------------------------------------------------------------------------------------

def _check_value(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ReliabilityError(f"value must be a number, got {value!r}")
    return float(value)


def interpret_icc(value: float) -> dict[str, str]:
    """Koo & Li (2016) label for an ICC: < 0.5 poor, 0.5 to < 0.75 moderate,
    0.75 to 0.9 good, > 0.9 excellent. Returns ``{"sv": ..., "en": ...}``."""
    icc_value = _check_value(value)
    if math.isnan(icc_value):
        return texts("jury.reliability.undefined")
    if icc_value < 0.5:
        return texts("jury.reliability.icc.poor")
    if icc_value < 0.75:
        return texts("jury.reliability.icc.moderate")
    if icc_value <= 0.9:
        return texts("jury.reliability.icc.good")
    return texts("jury.reliability.icc.excellent")


def interpret_alpha(value: float) -> dict[str, str]:
    """Krippendorff's (2004, 2011) rule for alpha: >= 0.800 reliable, 0.667 to < 0.800 only
    tentative conclusions, below 0.667 unreliable. Returns ``{"sv": ..., "en": ...}``."""
    alpha_value = _check_value(value)
    if math.isnan(alpha_value):
        return texts("jury.reliability.undefined")
    if alpha_value >= 0.8:
        return texts("jury.reliability.alpha.reliable")
    if alpha_value >= 0.667:
        return texts("jury.reliability.alpha.tentative")
    return texts("jury.reliability.alpha.unreliable")
