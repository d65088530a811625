"""Normalisation of indicators onto a common scale, directions applied first.

:class:`Normaliser` follows scikit-learn's contract: ``fit`` learns the scaling on a reference
population (e.g. all 290 municipalities) and ``transform`` places any units (e.g. the nominees)
on that scale, so a nominee's score does not depend on who else was nominated.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

# name -> (fit(reference column) -> params, apply(column, params, lo, hi) -> column)
NORMALISERS: dict[str, tuple[Callable, Callable]] = {}


def _register(name: str):
    def deco(pair: tuple[Callable, Callable]):
        NORMALISERS[name] = pair
        return pair
    return deco


def _minmax_fit(x: pd.Series) -> dict:
    return {"min": x.min(skipna=True), "max": x.max(skipna=True)}


def _minmax_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    span = p["max"] - p["min"]
    if not np.isfinite(span) or span == 0:
        return pd.Series(np.where(x.isna(), np.nan, (lo + hi) / 2), index=x.index)
    return lo + (x - p["min"]) / span * (hi - lo)


def _zscore_fit(x: pd.Series) -> dict:
    return {"mean": x.mean(skipna=True), "sd": x.std(skipna=True, ddof=1)}


def _zscore_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    if not np.isfinite(p["sd"]) or p["sd"] == 0:
        return pd.Series(np.where(x.isna(), np.nan, 0.0), index=x.index)
    return (x - p["mean"]) / p["sd"]


def _rank_fit(x: pd.Series) -> dict:
    return {"reference": np.sort(x.dropna().to_numpy())}


def _rank_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    """Rank within the reference (1 = lowest), ties sharing the average rank."""
    ref = p["reference"]
    below = np.searchsorted(ref, x.to_numpy(), side="left")
    upto = np.searchsorted(ref, x.to_numpy(), side="right")
    ranks = (below + upto + 1) / 2.0
    return pd.Series(np.where(x.isna(), np.nan, ranks), index=x.index)


_register("minmax")((_minmax_fit, _minmax_apply))
_register("zscore")((_zscore_fit, _zscore_apply))
_register("rank")((_rank_fit, _rank_apply))


def _signs(columns: pd.Index, directions: Mapping[str, int] | pd.Series | None) -> pd.Series:
    if directions is None:
        return pd.Series(1.0, index=columns)
    signs = pd.Series(directions, dtype=float).reindex(columns)
    if signs.isna().any():
        raise ValueError(f"no direction given for: {', '.join(map(str, signs.index[signs.isna()]))}")
    if not signs.isin([1.0, -1.0]).all():
        raise ValueError("directions must be 1 (higher is better) or -1 (lower is better)")
    return signs


class Normaliser(TransformerMixin, BaseEstimator):
    """Scale each indicator column, after multiplying negative-direction indicators by −1.

    Parameters: ``method`` (a key of :data:`NORMALISERS`), ``directions`` (indicator → ±1),
    ``normalise_range`` (target range for min-max).
    """

    def __init__(self, method: str = "minmax", directions: Mapping[str, int] | None = None,
                 normalise_range: tuple[float, float] = (0.0, 100.0)) -> None:
        self.method = method
        self.directions = directions
        self.normalise_range = normalise_range

    def fit(self, X: pd.DataFrame, y: object = None) -> "Normaliser":
        if self.method not in NORMALISERS:
            raise ValueError(f"normalisation {self.method!r} is not one of {', '.join(NORMALISERS)}")
        self.signs_ = _signs(X.columns, self.directions)
        fit, _ = NORMALISERS[self.method]
        oriented = X.astype(float) * self.signs_
        self.params_ = {col: fit(oriented[col]) for col in X.columns}
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        _, apply = NORMALISERS[self.method]
        lo, hi = self.normalise_range
        oriented = X[list(self.feature_names_in_)].astype(float) * self.signs_
        return pd.DataFrame({col: apply(oriented[col], self.params_[col], lo, hi) for col in oriented.columns},
                            index=X.index)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return self.feature_names_in_


def normalise(data: pd.DataFrame, method: str = "minmax", directions: Mapping[str, int] | None = None,
              normalise_range: tuple[float, float] = (0.0, 100.0),
              reference: pd.DataFrame | None = None) -> pd.DataFrame:
    """Normalise units × indicators; the scaling is learnt on ``reference`` (default: ``data``)."""
    norm = Normaliser(method, directions, normalise_range)
    norm.fit(data if reference is None else reference)
    return norm.transform(data)
