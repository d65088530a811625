"""Weights: the framework's, equal, user-given, or derived from the data (PCA, entropy, CRITIC).

Weights are relative within each parent. Data-driven weights are computed for each aggregate
from its children's values over the units with all of them present: at the bottom from the
normalised indicators, higher up from the aggregates just computed with those weights (bottom-up,
with the chosen aggregation). Within each parent they sum to 1.

- ``pca``: the squared loadings of the first principal component of the children's correlation
  matrix (they sum to 1). COINr's ``get_PCA`` takes the raw loadings, which can be negative and
  flip sign; squaring keeps the "maximal explained variance" reading without either problem.
- ``entropy``: Shannon entropy weights — ``p = x/Σx`` per column, ``E = −Σ p ln p / ln n``,
  weight ∝ ``1 − E`` (needs values ≥ 0; a column that varies more carries more weight).
- ``critic``: CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995) — on each column min-max scaled
  to [0, 1], weight ∝ ``σ · Σ_k (1 − r_jk)``: contrast times conflict with the other columns.
  :func:`critic_weights` also takes scikit-criteria's options: ``scale=False`` (σ of the values
  as they are) and ``correlation="spearman"``.

A group whose weights cannot be derived (one child, fewer than 2 complete units, or all
contributions 0) gets equal weights.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from award_eval.composite.aggregate import aggregate_group, method_for_level
from award_eval.composite.framework import Framework

WEIGHTINGS = ("equal", "pca", "entropy", "critic")


def _equal(columns: pd.Index) -> pd.Series:
    return pd.Series(1.0 / len(columns), index=columns)


def _normalised(raw: pd.Series) -> pd.Series:
    total = raw.sum()
    return raw / total if np.isfinite(total) and total > 0 else _equal(raw.index)


def pca_weights(values: pd.DataFrame) -> pd.Series:
    """Squared first-PC loadings of the correlation matrix over complete rows (sum to 1)."""
    x = values.dropna()
    sd = x.std(ddof=1)
    varying = sd[sd > 0].index
    if len(varying) < 2 or len(x) < 2:
        return _equal(values.columns)
    z = (x[varying] - x[varying].mean()) / sd[varying]
    corr = np.corrcoef(z.to_numpy(), rowvar=False)
    eigval, eigvec = np.linalg.eigh(corr)
    loading = eigvec[:, int(np.argmax(eigval))]
    return pd.Series(loading ** 2, index=varying).reindex(values.columns, fill_value=0.0)


def entropy_weights(values: pd.DataFrame) -> pd.Series:
    """Shannon entropy weights (values ≥ 0 required): weight ∝ 1 − E_j."""
    if (values < 0).any().any():
        raise ValueError("entropy weights need values ≥ 0: normalise with minmax (or another "
                         "non-negative method) first")
    div = {}
    for col in values.columns:
        x = values[col].dropna().to_numpy(dtype=float)
        if len(x) < 2 or x.sum() <= 0:
            div[col] = 0.0
            continue
        p = x / x.sum()
        nz = p[p > 0]
        div[col] = 1.0 + float((nz * np.log(nz)).sum()) / np.log(len(x))
    return _normalised(pd.Series(div, dtype=float).clip(lower=0.0))


CRITIC_CORRELATIONS = ("pearson", "spearman")


def critic_weights(values: pd.DataFrame, scale: bool = True, correlation: str = "pearson") -> pd.Series:
    """CRITIC weights over complete rows: ∝ σ_j Σ_k (1 − r_jk) on columns scaled to [0, 1].

    ``scale=False`` takes σ on the values as given; ``correlation`` is ``pearson`` or ``spearman``
    (scikit-criteria's ``critic_weights(scale=, correlation=)``). Array-likes are taken as a table.
    """
    if correlation not in CRITIC_CORRELATIONS:
        raise ValueError(f"correlation {correlation!r} is not one of {', '.join(CRITIC_CORRELATIONS)}")
    values = values if isinstance(values, pd.DataFrame) else pd.DataFrame(np.asarray(values, dtype=float))
    x = values.astype(float).dropna()
    if len(x) < 2:
        return _equal(values.columns)
    if scale:
        span = x.max() - x.min()
        scaled = (x - x.min()) / span.where(span > 0, 1.0)
    else:
        scaled = x
    sigma = scaled.std(ddof=1)
    corr = scaled.corr(method=correlation).fillna(0.0)
    conflict = (1.0 - corr).sum(axis=1)
    return _normalised((sigma * conflict).fillna(0.0))


DERIVERS = {"pca": pca_weights, "entropy": entropy_weights, "critic": critic_weights}


def given_weights(weights: pd.Series | pd.DataFrame | Mapping[str, float], framework: Framework) -> pd.Series:
    """User weights (a Series/mapping iCode → weight, or a DataFrame with iCode, Weight) over the
    framework's; every named code must be in the framework."""
    if isinstance(weights, pd.DataFrame):
        if not {"iCode", "Weight"} <= set(weights.columns):
            raise ValueError("a weights DataFrame needs the columns iCode and Weight")
        weights = pd.Series(weights["Weight"].to_numpy(), index=weights["iCode"].to_numpy())
    given = pd.Series(weights, dtype=float)
    base = framework.weights
    unknown = given.index.difference(base.index)
    if len(unknown):
        raise ValueError(f"weights name codes that are not in the framework: {', '.join(map(str, unknown))}")
    if not np.all(np.isfinite(given)) or (given < 0).any():
        raise ValueError("weights must be finite numbers ≥ 0")
    return given.reindex(base.index).fillna(base)


def derive_weights(values: pd.DataFrame, framework: Framework, method: str,
                   aggregate: str | Mapping[int, str] = "arithmetic") -> pd.Series:
    """Weights for every code (iCode → weight within its parent) by ``method`` (see module docstring).

    ``values`` are the normalised indicators (units × indicators); aggregates are computed
    bottom-up with ``aggregate`` so that higher levels weigh their children's actual scores.
    """
    if method not in WEIGHTINGS:
        raise ValueError(f"weights {method!r} is not one of {', '.join(WEIGHTINGS)}, None, or a Series/DataFrame")
    w = framework.weights.copy()
    w[framework.top] = 1.0
    scores = values[framework.indicators].copy()
    for code in framework.aggregates:
        kids = framework.children(code)
        cols = pd.Index(kids)
        if method == "equal" or len(kids) == 1:
            derived = _equal(cols)
        else:
            derived = DERIVERS[method](scores[kids])
        w[kids] = derived.reindex(cols).to_numpy()
        if code != framework.top:
            how = method_for_level(aggregate, framework.level_of(code))
            scores[code] = aggregate_group(scores[kids], w[kids], how)
    return w
