"""The one scale: every criterion score that is aggregated is on 0–100, higher is better.

A normaliser (:class:`~.normalise.Normaliser`) computes what its method computes — a z-score, a
rank, a share — as COINr does. :class:`OntoScale` then places that value on 0–100 by a fixed,
monotone map per method (``SCALE_MAPS``; the reasons are in ``docs/scale.md``):

==================== ====================================================================
method               onto 0–100
==================== ====================================================================
minmax, goalposts    as computed (their ``normalise_range`` must lie within 0–100)
zscore               50 + 50 · clip(z, −3, 3) / 3   (the mean → 50, ±3 SD → 0 and 100)
rank                 100 · (r − 1)/(n − 1)          (percentile rank: worst → 0, best → 100)
borda                100 · b/(n − 1)                (the same, ties at the lower rank)
percentile           100 · p
distance_to_target   100 · clip(v, 0, 1)
distance_to_max      100 · v
fraction_of_max      100 · clip(v, 0, 1)
sum, vector          100 · clip(v, 0, 1)            (shares and unit-vector parts lie in 0–1)
==================== ====================================================================

``n`` is the number of units with a value in the reference population the normaliser was
fitted on. :func:`scoring_pipeline` is the one recipe every score goes through —
``Pipeline([normalise, scale])``, fitted on the reference population (all municipalities) and
applied to any units (the nominees): the evaluation, the national comparison, the composite
pipeline and the Monte Carlo analysis all call it.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

from award_eval.composite.normalise import Normaliser

SCALE: tuple[float, float] = (0.0, 100.0)
Z_CLIP = 3.0
RANGE_METHODS = ("minmax", "goalposts")


def _as_computed(x: pd.DataFrame, n: pd.Series) -> pd.DataFrame:
    return x.clip(*SCALE)


def _zscore(x: pd.DataFrame, n: pd.Series) -> pd.DataFrame:
    return 50.0 + 50.0 * x.clip(-Z_CLIP, Z_CLIP) / Z_CLIP


def _by_count(offset: float) -> Callable[[pd.DataFrame, pd.Series], pd.DataFrame]:
    """100 · (x − offset)/(n − 1), 50 when the reference has one unit: rank (offset 1), borda (0)."""
    def scale(x: pd.DataFrame, n: pd.Series) -> pd.DataFrame:
        span = (n.reindex(x.columns).astype(float) - 1.0).where(lambda s: s > 0)
        out = (x - offset) / span * 100.0
        return out.where(span.notna() | x.isna(), 50.0).clip(*SCALE)
    return scale


def _share(x: pd.DataFrame, n: pd.Series) -> pd.DataFrame:
    return 100.0 * x.clip(0.0, 1.0)


# normalisation method -> its map onto 0–100 (values, reference counts per column) -> values
SCALE_MAPS: dict[str, Callable[[pd.DataFrame, pd.Series], pd.DataFrame]] = {
    "minmax": _as_computed,
    "goalposts": _as_computed,
    "zscore": _zscore,
    "rank": _by_count(1.0),
    "borda": _by_count(0.0),
    "percentile": _share,
    "distance_to_target": _share,
    "distance_to_max": _share,
    "fraction_of_max": _share,
    "sum": _share,
    "vector": _share,
}


class OntoScale(TransformerMixin, BaseEstimator):
    """Place a normaliser's output on 0–100 (higher is better) by the map of its ``method``.

    ``fit`` learns, from the normalised reference population, how many units each column has
    (what rank and borda are divided by); ``transform`` applies the method's map.
    """

    def __init__(self, method: str = "minmax", normalise_range: tuple[float, float] = SCALE) -> None:
        self.method = method
        self.normalise_range = normalise_range

    def fit(self, X: pd.DataFrame, y: object = None) -> "OntoScale":
        check_scale(self.method, self.normalise_range)
        self.n_ = X.notna().sum()
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return SCALE_MAPS[self.method](X.astype(float), self.n_)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return self.feature_names_in_


def check_scale(method: str, normalise_range: tuple[float, float] = SCALE) -> None:
    """Refuse a normalisation with no map onto 0–100, or a range that leaves 0–100."""
    if method not in SCALE_MAPS:
        raise ValueError(f"normalisation {method!r} is not one of {', '.join(SCALE_MAPS)}")
    lo, hi = (float(v) for v in normalise_range)
    if method in RANGE_METHODS and not (SCALE[0] <= lo < hi <= SCALE[1]):
        raise ValueError(f"normalise_range {tuple(normalise_range)!r} must lie within 0–100 (low < high), "
                         "the scale every criterion score is on")


def scoring_pipeline(method: str = "minmax", directions: Mapping[str, int] | pd.Series | None = None,
                     normalise_range: tuple[float, float] = SCALE,
                     targets: Mapping[str, float] | pd.Series | None = None,
                     goalposts: Mapping[str, tuple[float, float]] | None = None) -> Pipeline:
    """The one scoring recipe: normalise, then place on 0–100. Fit it on the reference population,
    transform any units (pandas in, pandas out)."""
    check_scale(method, normalise_range)
    return Pipeline([("normalise", Normaliser(method, directions, normalise_range, targets, goalposts)),
                     ("scale", OntoScale(method, normalise_range))])
