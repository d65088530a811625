"""Normalisation of indicators onto a common scale, directions applied first.

:class:`Normaliser` follows scikit-learn's contract: ``fit`` learns the scaling on a reference
population (e.g. all 290 municipalities) and ``transform`` places any units (e.g. the nominees)
on that scale, so a nominee's score does not depend on who else was nominated.

Every method first multiplies a negative-direction indicator by −1 (COINr's
``Normalise.numeric``), so that higher is better afterwards; targets and goalposts are oriented
the same way. With ``x`` the oriented values of the reference and ``[lo, hi] = normalise_range``:

==================== ==================================================== =====================
method               formula                                              COINr
==================== ==================================================== =====================
minmax               lo + (x − min)/(max − min)·(hi − lo)                 ``n_minmax(l_u)``
zscore               (x − mean)/sd  (sd with n − 1)                       ``n_zscore(c(0, 1))``
rank                 rank, 1 = lowest, ties share the average rank        (``n_rank`` uses min)
percentile           #{reference < x}/(n − 1), clipped to [0, 1]          ``n_prank``
borda                #{reference < x}                                     ``n_borda``
goalposts            lo + (hi − lo)·clip((x − worst)/(best − worst), 0, 1) ``n_goalposts``
distance_to_target   1 − (t − x)/(t − min)                                ``n_dist2targ``
distance_to_max      1 − (max − x)/(max − min)                            ``n_dist2max``
fraction_of_max      x / max  (oriented values must be ≥ 0)               ``n_fracmax``
sum                  x / Σ x  (values ≥ 0)                                pymcdm ``sum_normalization``
vector               x / √(Σ x²)  (values ≥ 0)                            pymcdm ``vector_normalization``
==================== ==================================================== =====================

``t`` is the indicator's Target; the goalposts are ``worst`` = the reference minimum (after
orientation) unless given, and ``best`` = the Target unless given. A constant indicator gives
the midpoint of the range (minmax, goalposts' fallback), 0 (zscore) or 1 (distance_to_max),
where COINr gives NaN.

Peer conventions offered as options (the defaults are award_eval's own and unchanged):

- ``cost`` — how a lower-is-better indicator is turned round. ``"negate"`` (default, COINr):
  multiply by −1, then scale. ``"complement"`` (pymcdm ``max_normalization``/``vector_normalization``
  with ``cost=True``): scale the raw values, then take ``lo + hi − r`` (``1 − x/max``, ``1 − x/‖x‖``).
  ``"reciprocal"`` (pymcdm ``sum_normalization`` cost, scikit-criteria ``InvertMinimize``): scale
  ``1/x`` (``(1/x)/Σ(1/x)``; ``fraction_of_max`` becomes ``min/x``). The ratio methods (sum, vector,
  fraction_of_max) need values ≥ 0 and so need ``"complement"`` or ``"reciprocal"`` for a cost
  indicator.
- ``goalposts_form`` — ``"worst_best"`` (default): each pair is ``(worst, best)`` in the data's units;
  ``"lower_upper"`` (COINr's ``goalpost_lower``, ``goalpost_upper`` with ``Direction``): the pair is
  ``(lower, upper)`` and the direction says which end is best. A pair that contradicts the
  indicator's direction (e.g. worst above best for a higher-is-better indicator) is an error.
- ``sd_ddof`` — zscore's SD: 1 (default, sample SD, COINr's ``sd``) or 0 (population SD, as
  scikit-learn's ``StandardScaler`` and scikit-criteria's ``StandarScaler``).
- ``normalise_range`` is honoured by minmax and goalposts only; any other range than the default
  (0, 100) with another method is an error rather than silently ignored.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

# name -> (fit(oriented reference column, info) -> params, apply(column, params, lo, hi) -> column)
# info carries the oriented "target", "worst" and "best" of the column (NaN when not given).
NORMALISERS: dict[str, tuple[Callable, Callable]] = {}


def _register(name: str):
    def deco(pair: tuple[Callable, Callable]):
        NORMALISERS[name] = pair
        return pair
    return deco


def _like(x: pd.Series, values: Any) -> pd.Series:
    """A float Series on ``x``'s index, NaN wherever ``x`` is NaN."""
    return pd.Series(np.where(x.isna(), np.nan, values), index=x.index, dtype=float)


def _minmax_fit(x: pd.Series, info: dict) -> dict:
    return {"min": x.min(skipna=True), "max": x.max(skipna=True)}


def _minmax_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    span = p["max"] - p["min"]
    if not np.isfinite(span) or span == 0:
        return _like(x, (lo + hi) / 2)
    return lo + (x - p["min"]) / span * (hi - lo)


def _zscore_fit(x: pd.Series, info: dict) -> dict:
    # summed in sorted order, so that the scale (to the last bit) never depends on the row order
    v = np.sort(x.dropna().to_numpy(dtype=float))
    ddof = int(info.get("ddof", 1))
    if len(v) == 0:
        return {"mean": np.nan, "sd": np.nan}
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=ddof)) if len(v) > ddof else np.nan}


def _zscore_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    if not np.isfinite(p["sd"]) or p["sd"] == 0:
        return _like(x, 0.0)
    return (x - p["mean"]) / p["sd"]


def _reference_fit(x: pd.Series, info: dict) -> dict:
    return {"reference": np.sort(x.dropna().to_numpy())}


def _rank_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    """Rank within the reference (1 = lowest), ties sharing the average rank."""
    ref = p["reference"]
    below = np.searchsorted(ref, x.to_numpy(), side="left")
    upto = np.searchsorted(ref, x.to_numpy(), side="right")
    return _like(x, (below + upto + 1) / 2.0)


def _borda_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    """Number of reference values strictly below (= rank with ties at the minimum, minus 1)."""
    return _like(x, np.searchsorted(p["reference"], x.to_numpy(), side="left").astype(float))


def _percentile_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    n = len(p["reference"])
    if n < 2:
        return _like(x, 0.5)
    below = np.searchsorted(p["reference"], x.to_numpy(), side="left")
    return _like(x, np.clip(below / (n - 1), 0.0, 1.0))


def _need(info: dict, key: str, what: str) -> float:
    value = info.get(key, np.nan)
    if value is None or not np.isfinite(value):
        raise ValueError(f"needs a {what}")
    return float(value)


def _goalposts_fit(x: pd.Series, info: dict) -> dict:
    best = _need(info, "best", "Target (the upper goalpost) in the iMeta table")
    worst = info.get("worst", np.nan)
    worst = float(x.min(skipna=True)) if worst is None or not np.isfinite(worst) else float(worst)
    if best == worst:
        raise ValueError(f"has equal goalposts ({worst} and {best})")
    return {"worst": worst, "best": best}


def _goalposts_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    share = ((x - p["worst"]) / (p["best"] - p["worst"])).clip(0.0, 1.0)
    return lo + share * (hi - lo)


def _dist2targ_fit(x: pd.Series, info: dict) -> dict:
    target = _need(info, "target", "Target in the iMeta table")
    low = float(x.min(skipna=True))
    if target == low:
        raise ValueError(f"has its Target equal to the lowest value ({target}): no distance to scale by")
    return {"target": target, "min": low}


def _dist2targ_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    return 1 - (p["target"] - x) / (p["target"] - p["min"])


def _dist2max_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    span = p["max"] - p["min"]
    if not np.isfinite(span) or span == 0:
        return _like(x, 1.0)
    return 1 - (p["max"] - x) / span


def _fracmax_fit(x: pd.Series, info: dict) -> dict:
    present = x.dropna()
    if present.empty or (present < 0).any() or present.max() <= 0:
        raise ValueError("needs values ≥ 0 (after directions are applied) with a positive maximum; "
                         "fraction_of_max suits positive-direction, positive-valued indicators")
    return {"max": float(present.max())}


def _fracmax_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    return x / p["max"]


_register("minmax")((_minmax_fit, _minmax_apply))
_register("zscore")((_zscore_fit, _zscore_apply))
_register("rank")((_reference_fit, _rank_apply))
_register("percentile")((_reference_fit, _percentile_apply))
_register("borda")((_reference_fit, _borda_apply))
_register("goalposts")((_goalposts_fit, _goalposts_apply))
_register("distance_to_target")((_dist2targ_fit, _dist2targ_apply))
_register("distance_to_max")((_minmax_fit, _dist2max_apply))
_register("fraction_of_max")((_fracmax_fit, _fracmax_apply))


def _nonnegative(x: pd.Series, method: str) -> pd.Series:
    present = x.dropna()
    if present.empty or (present < 0).any() or present.sum() <= 0:
        raise ValueError(f"needs values ≥ 0 (after directions are applied) with a positive total; "
                         f"for a lower-is-better indicator pass cost='complement' or cost='reciprocal' "
                         f"({method} is a ratio scale)")
    return present


def _sum_fit(x: pd.Series, info: dict) -> dict:
    return {"total": float(_nonnegative(x, "sum").sum())}


def _sum_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    return x / p["total"]


def _vector_fit(x: pd.Series, info: dict) -> dict:
    return {"norm": float(np.sqrt((_nonnegative(x, "vector") ** 2).sum()))}


def _vector_apply(x: pd.Series, p: dict, lo: float, hi: float) -> pd.Series:
    return x / p["norm"]


_register("sum")((_sum_fit, _sum_apply))
_register("vector")((_vector_fit, _vector_apply))

# Methods whose output is placed on ``normalise_range``; the others have a scale of their own.
RANGED = ("minmax", "goalposts")
DEFAULT_RANGE = (0.0, 100.0)
COSTS = ("negate", "complement", "reciprocal")
# Methods that take a cost convention other than "negate" (scale-free on the raw values).
COST_METHODS = ("minmax", "fraction_of_max", "sum", "vector")
GOALPOST_FORMS = ("worst_best", "lower_upper")


def _signs(columns: pd.Index, directions: Mapping[str, int] | pd.Series | None) -> pd.Series:
    if directions is None:
        return pd.Series(1.0, index=columns)
    signs = pd.Series(directions, dtype=float).reindex(columns)
    if signs.isna().any():
        raise ValueError(f"no direction given for: {', '.join(map(str, signs.index[signs.isna()]))}")
    if not signs.isin([1.0, -1.0]).all():
        raise ValueError("directions must be 1 (higher is better) or -1 (lower is better)")
    return signs


def _frame(X: Any) -> pd.DataFrame:
    """A DataFrame as it is; an array-like (2-D array, list of rows) as one with columns 0, 1, …."""
    if isinstance(X, pd.DataFrame):
        return X
    arr = np.asarray(X, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D table of units × indicators, got {arr.ndim} dimension(s)")
    return pd.DataFrame(arr)


def _per_column(values: Mapping | pd.Series | None, columns: pd.Index) -> pd.Series:
    if values is None:
        return pd.Series(np.nan, index=columns, dtype=float)
    return pd.Series(values, dtype=float).reindex(columns)


class Normaliser(TransformerMixin, BaseEstimator):
    """Scale each indicator column, after multiplying negative-direction indicators by −1.

    Parameters: ``method`` (a key of :data:`NORMALISERS`), ``directions`` (indicator → ±1),
    ``normalise_range`` (target range of minmax and goalposts), ``targets`` (indicator → Target,
    in the data's units, for goalposts and distance_to_target), ``goalposts`` (indicator →
    ``(worst, best)`` in the data's units, overriding the defaults of the goalposts method;
    ``(lower, upper)`` with ``goalposts_form="lower_upper"``, as COINr), ``cost`` (how a
    lower-is-better indicator is turned round: ``negate``, ``complement``, ``reciprocal``; see the
    module docstring). Array-likes (a 2-D array, a list of rows) are taken as a DataFrame with
    columns 0, 1, ….
    """

    def __init__(self, method: str = "minmax", directions: Mapping[str, int] | None = None,
                 normalise_range: tuple[float, float] = (0.0, 100.0),
                 targets: Mapping[str, float] | None = None,
                 goalposts: Mapping[str, tuple[float, float]] | None = None,
                 cost: str = "negate", goalposts_form: str = "worst_best", sd_ddof: int = 1) -> None:
        self.method = method
        self.directions = directions
        self.normalise_range = normalise_range
        self.targets = targets
        self.goalposts = goalposts
        self.cost = cost
        self.goalposts_form = goalposts_form
        self.sd_ddof = sd_ddof

    def _check(self) -> None:
        if self.method not in NORMALISERS:
            raise ValueError(f"normalisation {self.method!r} is not one of {', '.join(NORMALISERS)}")
        rng = tuple(float(v) for v in self.normalise_range)
        if self.method not in RANGED and rng != DEFAULT_RANGE:
            raise ValueError(f"normalise_range={self.normalise_range!r} cannot be honoured by normalisation "
                             f"{self.method!r} (only {', '.join(RANGED)} scale onto a range)")
        if self.cost not in COSTS:
            raise ValueError(f"cost {self.cost!r} is not one of {', '.join(COSTS)}")
        if self.cost != "negate" and self.method not in COST_METHODS:
            raise ValueError(f"cost={self.cost!r} applies to {', '.join(COST_METHODS)}, not {self.method!r}")
        if self.sd_ddof not in (0, 1):
            raise ValueError(f"sd_ddof must be 0 (population SD) or 1 (sample SD), got {self.sd_ddof!r}")
        if self.sd_ddof != 1 and self.method != "zscore":
            raise ValueError(f"sd_ddof={self.sd_ddof!r} applies to zscore, not {self.method!r}")
        if self.goalposts_form not in GOALPOST_FORMS:
            raise ValueError(f"goalposts_form {self.goalposts_form!r} is not one of {', '.join(GOALPOST_FORMS)}")

    def _goalposts(self, signs: pd.Series) -> dict:
        """(worst, best) per indicator in the data's units; a pair contradicting the direction raises."""
        out = {}
        for col, pair in (self.goalposts or {}).items():
            pair = tuple(float(v) for v in pair)
            if len(pair) != 2:
                raise ValueError(f"goalposts of indicator {col!r} must be 2 numbers, got {len(pair)} "
                                 "(COINr's scaling factor is normalise_range=(0, factor) here)")
            sign = float(signs.get(col, 1.0))
            if self.goalposts_form == "lower_upper":
                lower, upper = pair
                if not lower < upper:
                    raise ValueError(f"goalposts of indicator {col!r} given as (lower, upper) = {pair} "
                                     "need lower < upper")
                worst, best = (lower, upper) if sign > 0 else (upper, lower)
            else:
                worst, best = pair
                if np.isfinite(worst) and np.isfinite(best) and (best - worst) * sign < 0:
                    raise ValueError(
                        f"goalposts of indicator {col!r} (worst, best) = {pair} contradict its direction "
                        f"{int(sign):+d} ({'higher' if sign > 0 else 'lower'} is better); pass "
                        "goalposts_form='lower_upper' if they are COINr's (lower, upper)")
            out[col] = (worst, best)
        return out

    def _cost_columns(self, columns: pd.Index) -> list:
        if self.cost == "negate":
            return []
        return [c for c in columns if self.signs_[c] < 0]

    def _prepared(self, X: pd.DataFrame) -> pd.DataFrame:
        """Values the method scales: oriented by −1 (negate), raw (complement) or 1/raw (reciprocal)."""
        raw = X.astype(float)
        out = raw * self.signs_
        for col in self._cost_columns(raw.columns):
            if self.cost == "complement":
                out[col] = raw[col]
            else:
                present = raw[col].dropna()
                if (present <= 0).any():
                    raise ValueError(f"cost='reciprocal' of indicator {col!r} needs values > 0, "
                                     f"found {present.min():g}")
                out[col] = 1.0 / raw[col]
        return out

    def fit(self, X: pd.DataFrame, y: object = None) -> "Normaliser":
        self._check()
        X = _frame(X)
        self.signs_ = _signs(X.columns, self.directions)
        fit, _ = NORMALISERS[self.method]
        oriented = self._prepared(X)
        targets = _per_column(self.targets, X.columns) * self.signs_
        gp = self._goalposts(self.signs_)
        self.params_ = {}
        for col in X.columns:
            worst, best = gp.get(col, (np.nan, np.nan))
            info = {"target": targets[col], "worst": worst * self.signs_[col], "ddof": self.sd_ddof,
                    "best": best * self.signs_[col] if np.isfinite(best) else targets[col]}
            try:
                self.params_[col] = fit(oriented[col], info)
            except ValueError as exc:
                raise ValueError(f"normalisation {self.method!r} of indicator {col!r} {exc}") from None
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        _, apply = NORMALISERS[self.method]
        lo, hi = self.normalise_range
        X = _frame(X)
        oriented = self._prepared(X[list(self.feature_names_in_)])
        out = pd.DataFrame({col: apply(oriented[col], self.params_[col], lo, hi) for col in oriented.columns},
                           index=X.index)
        if self.cost == "complement":
            for col in self._cost_columns(out.columns):
                out[col] = lo + hi - out[col] if self.method in RANGED else 1.0 - out[col]
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return self.feature_names_in_


def normalise(data: pd.DataFrame, method: str = "minmax", directions: Mapping[str, int] | None = None,
              normalise_range: tuple[float, float] = (0.0, 100.0),
              reference: pd.DataFrame | None = None, *,
              targets: Mapping[str, float] | None = None,
              goalposts: Mapping[str, tuple[float, float]] | None = None,
              cost: str = "negate", goalposts_form: str = "worst_best", sd_ddof: int = 1) -> pd.DataFrame:
    """Normalise units × indicators; the scaling is learnt on ``reference`` (default: ``data``)."""
    norm = Normaliser(method, directions, normalise_range, targets, goalposts, cost, goalposts_form, sd_ddof)
    norm.fit(data if reference is None else reference)
    return norm.transform(data)
