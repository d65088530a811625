"""Audit of the data and the framework: the Handbook's step 4 (multivariate analysis).

Tidy DataFrames out: coverage per unit and per indicator, distribution flags (skewness and
kurtosis by the JRC rule), correlations with collinearity and negative-correlation flags between
siblings, Cronbach's alpha and PCA explained variance for each aggregate's children.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from award_eval.composite.framework import Framework, as_framework
from award_eval.composite.treat import kurtosis, passes, skewness


def unit_coverage(data: pd.DataFrame) -> pd.DataFrame:
    """``unit, n_present, n_indicators, coverage`` (share of indicators present)."""
    present = data.notna().sum(axis=1)
    return pd.DataFrame({"unit": data.index, "n_present": present.to_numpy(),
                         "n_indicators": data.shape[1],
                         "coverage": (present / max(data.shape[1], 1)).to_numpy()})


def indicator_coverage(data: pd.DataFrame) -> pd.DataFrame:
    """``iCode, n_present, n_units, coverage`` (share of units with a value)."""
    present = data.notna().sum(axis=0)
    return pd.DataFrame({"iCode": data.columns, "n_present": present.to_numpy(),
                         "n_units": data.shape[0], "coverage": (present / max(data.shape[0], 1)).to_numpy()})


def distribution(data: pd.DataFrame, skew_threshold: float = 2.0, kurt_threshold: float = 3.5) -> pd.DataFrame:
    """Per indicator: ``iCode, n, mean, sd, min, max, skew, kurtosis, outliers``.

    ``outliers`` is True when the indicator fails the JRC rule (|skew| ≥ 2 and kurtosis ≥ 3.5).
    """
    rows = []
    for col in data.columns:
        x = data[col].astype(float)
        sk, ku = skewness(x), kurtosis(x)
        rows.append({"iCode": col, "n": int(x.notna().sum()), "mean": x.mean(), "sd": x.std(ddof=1),
                     "min": x.min(), "max": x.max(), "skew": sk, "kurtosis": ku,
                     "outliers": bool(not (np.isnan(sk) or np.isnan(ku)) and not passes(x, skew_threshold, kurt_threshold))})
    return pd.DataFrame(rows, columns=["iCode", "n", "mean", "sd", "min", "max", "skew", "kurtosis", "outliers"])


def correlation_matrix(data: pd.DataFrame, method: str = "pearson") -> pd.DataFrame:
    """Pairwise-complete correlation matrix of the columns (``pearson`` or ``spearman``)."""
    return data.astype(float).corr(method=method)


def correlation_flags(values: pd.DataFrame, framework: Any, high: float = 0.9, low: float = -0.4,
                      method: str = "pearson") -> pd.DataFrame:
    """Correlations between siblings (children of the same aggregate), one row per pair.

    ``values`` is units × codes (e.g. an index's ``aggregated``: oriented, normalised indicators
    and aggregates). Columns: ``parent, level, code_1, code_2, r, n, collinear, negative`` with
    ``collinear`` = |r| > ``high`` and ``negative`` = r < ``low`` (COINr's ``get_corr_flags``
    defaults 0.9 and −0.4).
    """
    fw = as_framework(framework)
    rows = []
    for parent in fw.aggregates:
        kids = [k for k in fw.children(parent) if k in values.columns]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                pair = values[[a, b]].astype(float).dropna()
                r = pair[a].corr(pair[b], method=method) if len(pair) > 2 else np.nan
                rows.append({"parent": parent, "level": fw.level_of(a), "code_1": a, "code_2": b, "r": r,
                             "n": len(pair), "collinear": bool(abs(r) > high) if np.isfinite(r) else False,
                             "negative": bool(r < low) if np.isfinite(r) else False})
    return pd.DataFrame(rows, columns=["parent", "level", "code_1", "code_2", "r", "n", "collinear", "negative"])


CRONBACH_NAN_POLICIES = ("listwise", "pairwise")


def _items_wide(values: Any, items: str | None, scores: str | None, subject: str | None) -> pd.DataFrame:
    """Units × items: ``values`` as it is (wide; any 2-D array-like), or pivoted from a long frame
    with the ``items``, ``scores`` and ``subject`` columns (pingouin's arguments)."""
    names = {"items": items, "scores": scores, "subject": subject}
    given = [k for k, v in names.items() if v is not None]
    if given and len(given) < 3:
        raise ValueError("give all of items, scores and subject (a long frame) or none (a wide one)")
    if not given:
        return values if isinstance(values, pd.DataFrame) else pd.DataFrame(np.asarray(values, dtype=float))
    missing = [f"{k}={v!r}" for k, v in names.items() if v not in values.columns]
    if missing:
        raise ValueError(f"column(s) not in data: {', '.join(missing)}")
    if values.duplicated(subset=[subject, items]).any():
        raise ValueError(f"each ({subject}, {items}) pair may occur only once")
    return values.pivot(index=subject, columns=items, values=scores)


def _cronbach(x: pd.DataFrame, nan_policy: str) -> tuple[float, int, int]:
    """(alpha, n units, k items) under ``nan_policy``."""
    if nan_policy not in CRONBACH_NAN_POLICIES:
        raise ValueError(f"nan_policy {nan_policy!r} is not one of {', '.join(CRONBACH_NAN_POLICIES)}")
    x = x.astype(float)
    if nan_policy == "listwise":
        x = x.dropna()
    else:
        x = x.dropna(how="all")
    k = x.shape[1]
    if k < 2 or len(x) < 2:
        return float("nan"), len(x), k
    if nan_policy == "listwise":
        total = x.sum(axis=1).var(ddof=1)
        item_var = x.var(ddof=1).sum()
    else:  # pairwise-complete covariances (pingouin's default, psych's use="pairwise")
        cov = x.cov()
        total, item_var = float(cov.to_numpy().sum()), float(np.trace(cov.to_numpy()))
    if not np.isfinite(total) or total == 0:
        return float("nan"), len(x), k
    return float(k / (k - 1) * (1 - item_var / total)), len(x), k


def cronbach_alpha(values: pd.DataFrame, items: str | None = None, scores: str | None = None,
                   subject: str | None = None, *, nan_policy: str = "listwise") -> float:
    """Cronbach's alpha over complete rows: k/(k−1)·(1 − Σ var_j / var(Σ_j x_j)), sample variances.

    ``values`` is units × items (any 2-D array-like), or a long frame with ``items``, ``scores``
    and ``subject`` columns (pingouin's arguments). ``nan_policy="pairwise"`` uses the
    pairwise-complete covariance matrix instead, k/(k−1)·(1 − tr C / ΣC) (pingouin's default).
    """
    return _cronbach(_items_wide(values, items, scores, subject), nan_policy)[0]


def cronbach_ci(values: pd.DataFrame, items: str | None = None, scores: str | None = None,
                subject: str | None = None, *, nan_policy: str = "listwise", ci: float = 0.95) -> pd.Series:
    """Cronbach's alpha with Feldt's confidence interval (Feldt, Woodruff & Salih 1987):
    ``1 − (1 − α)·F_{(1∓ci)/2}(n − 1, (n − 1)(k − 1))`` (upper-tail quantiles), as pingouin.

    Returns ``alpha, ci_low, ci_high, n, k``; ``n`` counts the units used (listwise: complete
    rows; pairwise: rows with any value, as pingouin).
    """
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must lie in (0, 1), got {ci!r}")
    alpha, n, k = _cronbach(_items_wide(values, items, scores, subject), nan_policy)
    low = high = float("nan")
    if np.isfinite(alpha):
        df1, df2 = n - 1, (n - 1) * (k - 1)
        low = float(1 - (1 - alpha) * stats.f.isf((1 - ci) / 2, df1, df2))
        high = float(1 - (1 - alpha) * stats.f.isf((1 + ci) / 2, df1, df2))
    return pd.Series({"alpha": alpha, "ci_low": low, "ci_high": high, "n": n, "k": k})


def _children(values: pd.DataFrame, fw: Framework, code: str) -> pd.DataFrame:
    return values[[k for k in fw.children(code) if k in values.columns]]


def cronbach_by_aggregate(values: pd.DataFrame, framework: Any) -> pd.DataFrame:
    """``aggregate, level, n_children, n_units, alpha`` for every aggregate's children."""
    fw = as_framework(framework)
    rows = []
    for code in fw.aggregates:
        kids = _children(values, fw, code)
        rows.append({"aggregate": code, "level": fw.level_of(code), "n_children": kids.shape[1],
                     "n_units": len(kids.dropna()), "alpha": cronbach_alpha(kids)})
    return pd.DataFrame(rows, columns=["aggregate", "level", "n_children", "n_units", "alpha"])


def pca_explained(values: pd.DataFrame) -> pd.DataFrame:
    """Eigenvalues of the correlation matrix over complete rows: ``component, eigenvalue, explained,
    cumulative`` (explained = eigenvalue / number of varying columns)."""
    x = values.astype(float).dropna()
    x = x.loc[:, x.std(ddof=1) > 0] if len(x) > 1 else x.iloc[:, :0]
    if x.shape[1] < 1 or len(x) < 2:
        return pd.DataFrame(columns=["component", "eigenvalue", "explained", "cumulative"])
    eig = np.sort(np.linalg.eigvalsh(np.atleast_2d(np.corrcoef(x.to_numpy(), rowvar=False))))[::-1]
    share = eig / eig.sum()
    return pd.DataFrame({"component": np.arange(1, len(eig) + 1), "eigenvalue": eig,
                         "explained": share, "cumulative": np.cumsum(share)})


def pca_by_aggregate(values: pd.DataFrame, framework: Any) -> pd.DataFrame:
    """``aggregate, level, component, eigenvalue, explained, cumulative`` for every aggregate."""
    fw = as_framework(framework)
    parts = []
    for code in fw.aggregates:
        part = pca_explained(_children(values, fw, code))
        part.insert(0, "level", fw.level_of(code))
        part.insert(0, "aggregate", code)
        parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["aggregate", "level", "component", "eigenvalue", "explained", "cumulative"])


@dataclass(frozen=True, eq=False)
class Audit:
    """The audit tables of an index (see :func:`audit`)."""

    unit_coverage: pd.DataFrame
    indicator_coverage: pd.DataFrame
    distribution: pd.DataFrame
    correlation: pd.DataFrame
    correlation_flags: pd.DataFrame
    cronbach: pd.DataFrame
    pca: pd.DataFrame


def audit(index: Any, framework: Any = None) -> Audit:
    """Audit a :class:`~.pipeline.CompositeIndex`, or raw data (units × columns) with a framework.

    For an index: coverage of the observed values (before imputation), distributions of the
    data entering treatment, and correlations, alpha and PCA on the normalised (oriented)
    indicators and the aggregates. For raw data: all on the indicators, oriented by direction,
    with aggregates computed as the framework's arithmetic means of min-max scores.
    """
    if hasattr(index, "aggregated"):
        fw = index.framework
        observed, before_treat, values = index.observed, index.screened, index.aggregated
    else:
        if framework is None:
            raise ValueError("audit(data, framework): a framework is needed for raw data")
        from award_eval.composite.pipeline import build_index

        built = build_index(index, framework)
        fw = built.framework
        observed, before_treat, values = built.observed, built.screened, built.aggregated
    return Audit(unit_coverage=unit_coverage(observed), indicator_coverage=indicator_coverage(observed),
                 distribution=distribution(before_treat),
                 correlation=correlation_matrix(values[fw.indicators]),
                 correlation_flags=correlation_flags(values, fw), cronbach=cronbach_by_aggregate(values, fw),
                 pca=pca_by_aggregate(values, fw))
