"""Imputation of missing indicator values.

:class:`Imputer` follows scikit-learn's contract: ``fit`` learns on a reference population (the
means, the group means, or a fitted KNN/iterative model) and ``transform`` fills the gaps of any
units. Methods:

- ``mean`` / ``median``: the indicator's mean/median over the reference.
- ``group_mean`` / ``group_median``: the indicator's mean/median over the reference units of the
  same group (COINr's ``i_mean_grp`` / ``i_median_grp``); a gap stays missing when the group has
  no value for that indicator or the unit has no group.
- ``knn``: scikit-learn's ``KNNImputer`` (mean of the ``n_neighbors`` nearest units by
  NaN-Euclidean distance) on indicators standardised by the reference mean and SD, so that an
  indicator in large units does not dominate the distance; values are mapped back afterwards.
- ``iterative``: scikit-learn's ``IterativeImputer`` (chained BayesianRidge regressions) on the
  same standardised values, with a fixed ``random_state`` so the result is deterministic.
- ``row_mean`` / ``row_median``: by row, as COINr's ``Impute(impute_by = "row")``: a gap takes the
  mean/median of the unit's other indicators, each first min-max scaled to [0, 1] on the
  reference (``directions`` turning lower-is-better indicators round; ``normalise_first=False``
  skips the scaling, COINr's option) and mapped back into the indicator's units.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning

from award_eval.choices import IMPUTATIONS

GROUP_METHODS = ("group_mean", "group_median")
# By row: Imputer/impute only for now (build_index would need to pass the framework's directions).
ROW_METHODS = ("row_mean", "row_median")


def _check_groups(X: pd.DataFrame, groups: pd.Series | None, method: str) -> pd.Series:
    if groups is None:
        raise ValueError(f"imputation {method!r} needs the group of each unit (impute_by=<column>)")
    groups = pd.Series(groups)
    missing = X.index.difference(groups.index)
    if len(missing):
        raise ValueError(f"no group given for units: {', '.join(map(str, missing[:5]))}")
    return groups.reindex(X.index)


class Imputer(TransformerMixin, BaseEstimator):
    """Fill missing values of units × indicators. See the module docstring for the methods."""

    def __init__(self, method: str = "mean", n_neighbors: int = 5, random_state: int = 0,
                 max_iter: int = 10, directions: dict | None = None, normalise_first: bool = True) -> None:
        self.method = method
        self.n_neighbors = n_neighbors
        self.random_state = random_state
        self.max_iter = max_iter
        self.directions = directions
        self.normalise_first = normalise_first

    def _row_scaled(self, X: pd.DataFrame) -> pd.DataFrame:
        if not self.normalise_first:
            return X
        return (X * self.signs_ - self.low_) / self.span_

    def _row_unscaled(self, Z: pd.DataFrame) -> pd.DataFrame:
        if not self.normalise_first:
            return Z
        return (Z * self.span_ + self.low_) * self.signs_

    def fit(self, X: pd.DataFrame, y: object = None, groups: pd.Series | None = None) -> "Imputer":
        if self.method not in IMPUTATIONS + ROW_METHODS:
            raise ValueError(f"imputation {self.method!r} is not one of {', '.join(IMPUTATIONS + ROW_METHODS)}")
        X = X.astype(float)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        stat = "median" if self.method.endswith("median") else "mean"
        if self.method in ("mean", "median"):
            self.fill_ = getattr(X, stat)(skipna=True)
        elif self.method in GROUP_METHODS:
            g = _check_groups(X, groups, self.method)
            self.group_fill_ = X.groupby(g.to_numpy(), dropna=True).agg(stat)
        elif self.method in ROW_METHODS:
            signs = pd.Series(self.directions or {}, dtype=float).reindex(X.columns).fillna(1.0)
            if not signs.isin([1.0, -1.0]).all():
                raise ValueError("directions must be 1 (higher is better) or -1 (lower is better)")
            self.signs_ = signs
            oriented = X * signs
            self.low_ = oriented.min()
            span = oriented.max() - self.low_
            self.span_ = span.where(span > 0, 1.0)
        else:
            self.center_ = X.mean(skipna=True)
            sd = X.std(skipna=True, ddof=1)
            self.scale_ = sd.where((sd > 0) & sd.notna(), 1.0)
            Z = ((X - self.center_) / self.scale_).to_numpy(dtype=float, copy=True)
            self.model_ = self._model()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                self.model_.fit(Z)
            self.converged_ = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        return self

    def _model(self):
        if self.method == "knn":
            from sklearn.impute import KNNImputer

            return KNNImputer(n_neighbors=self.n_neighbors, keep_empty_features=True)
        from sklearn.experimental import enable_iterative_imputer  # noqa: F401
        from sklearn.impute import IterativeImputer

        return IterativeImputer(random_state=self.random_state, max_iter=self.max_iter,
                                keep_empty_features=True)

    def transform(self, X: pd.DataFrame, groups: pd.Series | None = None) -> pd.DataFrame:
        cols = list(self.feature_names_in_)
        X = X[cols].astype(float)
        if self.method in ("mean", "median"):
            return X.fillna(self.fill_)
        if self.method in GROUP_METHODS:
            g = _check_groups(X, groups, self.method)
            fill = self.group_fill_.reindex(g.to_numpy())
            fill.index = X.index
            return X.fillna(fill)
        if self.method in ROW_METHODS:
            Z = self._row_scaled(X)
            row = Z.mean(axis=1) if self.method == "row_mean" else Z.median(axis=1)
            filled = Z.apply(lambda col: col.fillna(row))
            return X.fillna(self._row_unscaled(filled))
        Z = ((X - self.center_) / self.scale_).to_numpy(dtype=float, copy=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            filled = self.model_.transform(Z)
        out = pd.DataFrame(filled, index=X.index, columns=cols) * self.scale_ + self.center_
        empty = self.center_.isna()  # an indicator with no reference value cannot be imputed
        out.loc[:, empty[empty].index] = np.nan
        return out.where(X.isna(), X)

    def fit_transform(self, X: pd.DataFrame, y: object = None, groups: pd.Series | None = None) -> pd.DataFrame:
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return self.feature_names_in_


def impute(data: pd.DataFrame, method: str = "mean", groups: pd.Series | None = None, *,
           n_neighbors: int = 5, random_state: int = 0,
           reference: pd.DataFrame | None = None, reference_groups: pd.Series | None = None,
           directions: dict | None = None, normalise_first: bool = True) -> pd.DataFrame:
    """Fill gaps in units × indicators; the imputer learns on ``reference`` (default: ``data``)."""
    imp = Imputer(method, n_neighbors=n_neighbors, random_state=random_state, directions=directions,
                  normalise_first=normalise_first)
    if reference is None:
        return imp.fit_transform(data, groups=groups)
    imp.fit(reference, groups=reference_groups)
    return imp.transform(data, groups=groups)


def imputed_cells(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Tidy ``unit, iCode, value`` of the cells that were missing before and are filled after."""
    filled = before.isna() & after.reindex_like(before).notna()
    rows = [(u, c, float(after.at[u, c])) for c in before.columns for u in before.index[filled[c].to_numpy()]]
    return pd.DataFrame(rows, columns=["unit", "iCode", "value"])
