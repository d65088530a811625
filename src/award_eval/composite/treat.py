"""Outlier treatment: the JRC/COINr default rule, one indicator at a time.

An indicator *passes* when ``|skewness| < 2`` **or** ``kurtosis < 3.5`` (sample skewness G1 and
excess kurtosis G2, the bias-corrected estimators of e1071's ``type = 2`` and Excel, i.e.
``scipy.stats.skew/kurtosis(bias=False)``). While it fails, the most extreme value(s) on the side
of the skew (positive skew: the maximum; negative: the minimum; tied values all at once) are
replaced by the next value, until it passes or at least ``winmax`` (5) points have been replaced.
If it still fails, the treatment starts again from the original values and applies
``log(x − min + 0.01·(max − min))`` instead (COINr's ``log_CT``).

:class:`Treater` learns the treatment on a reference population (``fit``) and applies it to any
units (``transform``): winsorisation becomes clipping to the learnt bounds, the log transform
uses the reference's min and max.

Options (COINr's ``Treat`` specs): ``second="log"`` makes the second step a plain natural log
``ln x`` (values must be > 0) instead of ``log_CT``; ``force`` sets an indicator's treatment
whatever the rule says (COINr's ``indiv_specs``): ``"winsorise"`` replaces exactly ``winmax``
points on the side of the skew, ``"log"`` applies the second step, ``"none"`` leaves it as it is.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from award_eval.choices import TREATMENTS

SECOND_STEPS = ("log_ct", "log")
FORCED = ("winsorise", "log", "none")


def _values(x: pd.Series | np.ndarray) -> np.ndarray:
    v = np.asarray(x, dtype=float)
    return v[~np.isnan(v)]


def skewness(x: pd.Series | np.ndarray) -> float:
    """Sample skewness G1 = g1·√(n(n−1))/(n−2) (e1071 type 2; scipy ``skew(bias=False)``).

    NaN skipped; NaN with fewer than 3 values or no spread.
    """
    v = _values(x)
    n = len(v)
    if n < 3 or np.ptp(v) == 0:
        return float("nan")
    d = v - v.mean()
    m2, m3 = (d ** 2).mean(), (d ** 3).mean()
    return float(m3 / m2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: pd.Series | np.ndarray) -> float:
    """Sample excess kurtosis G2 = ((n+1)·g2 + 6)(n−1)/((n−2)(n−3)) (e1071 type 2; scipy
    ``kurtosis(bias=False)``). NaN skipped; NaN with fewer than 4 values or no spread."""
    v = _values(x)
    n = len(v)
    if n < 4 or np.ptp(v) == 0:
        return float("nan")
    d = v - v.mean()
    g2 = (d ** 4).mean() / (d ** 2).mean() ** 2 - 3.0
    return float(((n + 1) * g2 + 6) * (n - 1) / ((n - 2) * (n - 3)))


def passes(x: pd.Series | np.ndarray, skew_threshold: float = 2.0, kurt_threshold: float = 3.5) -> bool:
    """The JRC rule: ``|skew| < skew_threshold or kurtosis < kurt_threshold``."""
    return bool(abs(skewness(x)) < skew_threshold or kurtosis(x) < kurt_threshold)


def winsorise(x: pd.Series, winmax: int = 5, skew_threshold: float = 2.0,
              kurt_threshold: float = 3.5, forced: bool = False) -> tuple[pd.Series, list]:
    """Winsorise ``x`` until it passes or ``winmax`` points are treated; returns (x, treated labels).

    Each round replaces every value equal to the extreme on the side of the current skew by the
    nearest other value; the count is of distinct points ever replaced (ties count each).
    ``forced``: keep going until ``winmax`` points are treated, whether or not ``x`` passes.
    """
    x = pd.Series(x, dtype=float)
    v = x.to_numpy(dtype=float, copy=True)
    present = ~np.isnan(v)
    treated = np.zeros(len(v), dtype=bool)
    while (forced or not passes(v, skew_threshold, kurt_threshold)) and treated.sum() < winmax:
        sk = skewness(v)
        if forced and np.isnan(sk):
            break  # no spread left to treat
        high = sk >= 0
        extreme = np.nanmax(v) if high else np.nanmin(v)
        at = present & (v == extreme)
        rest = v[present & ~at]
        if rest.size == 0:
            break
        v[at] = rest.max() if high else rest.min()
        treated |= at
    return pd.Series(v, index=x.index, name=x.name), list(x.index[treated])


def log_ct(x: pd.Series, lo: float | None = None, hi: float | None = None) -> pd.Series:
    """``log(x − lo + 0.01·(hi − lo))`` with lo, hi the min and max of ``x`` unless given.

    Values below ``lo`` (possible when applying a reference's lo to other units) are set to ``lo``
    first so the logarithm is defined.
    """
    x = pd.Series(x, dtype=float)
    lo = x.min() if lo is None else lo
    hi = x.max() if hi is None else hi
    return np.log(x.clip(lower=lo) - lo + 0.01 * (hi - lo))


class Treater(TransformerMixin, BaseEstimator):
    """Learn the per-indicator treatment on a reference; apply it to any units.

    After ``fit``: ``report_`` (one row per indicator: ``iCode, n, skew, kurtosis, passed,
    treatment, n_winsorised, skew_after, kurtosis_after, passed_after``) and ``params_``.
    ``treatment`` is ``none``, ``winsorise``, ``log`` or ``skipped`` (too few values or no spread).
    """

    def __init__(self, winmax: int = 5, skew_threshold: float = 2.0, kurt_threshold: float = 3.5,
                 second: str = "log_ct", force: dict[str, str] | None = None) -> None:
        self.winmax = winmax
        self.skew_threshold = skew_threshold
        self.kurt_threshold = kurt_threshold
        self.second = second
        self.force = force

    def _second(self, x: pd.Series) -> tuple[pd.Series, dict]:
        """The second step on the reference column: (treated values, params)."""
        if self.second == "log":
            present = x.dropna()
            if (present <= 0).any():
                raise ValueError(f"second='log' of indicator {x.name!r} needs values > 0, found "
                                 f"{present.min():g}; use second='log_ct'")
            return np.log(x), {"kind": "ln"}
        return log_ct(x), {"kind": "log", "min": float(x.min()), "max": float(x.max())}

    def fit(self, X: pd.DataFrame, y: object = None) -> "Treater":
        if self.second not in SECOND_STEPS:
            raise ValueError(f"second {self.second!r} is not one of {', '.join(SECOND_STEPS)}")
        force = dict(self.force or {})
        unknown = [c for c in force if c not in X.columns]
        if unknown:
            raise ValueError(f"force names indicator(s) not in the data: {', '.join(map(str, unknown))}")
        bad = {c: k for c, k in force.items() if k not in FORCED}
        if bad:
            c, k = next(iter(bad.items()))
            raise ValueError(f"force[{c!r}] = {k!r} is not one of {', '.join(FORCED)}")
        X = X.astype(float)
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.params_: dict[str, dict] = {}
        rows, points = [], []
        for col in X.columns:
            x = X[col]
            sk, ku = skewness(x), kurtosis(x)
            row = {"iCode": col, "n": int(x.notna().sum()), "skew": sk, "kurtosis": ku}
            log_params = None
            if col in force:
                kind = force[col]
                if kind == "winsorise":
                    out, treated = winsorise(x, self.winmax, self.skew_threshold, self.kurt_threshold, forced=True)
                elif kind == "log":
                    (out, log_params), treated = self._second(x), list(x.index[x.notna()])
                else:
                    out, treated = x, []
            elif np.isnan(sk) or np.isnan(ku):
                kind, out, treated = "skipped", x, []
            elif passes(x, self.skew_threshold, self.kurt_threshold):
                kind, out, treated = "none", x, []
            else:
                out, treated = winsorise(x, self.winmax, self.skew_threshold, self.kurt_threshold)
                kind = "winsorise"
                if not passes(out, self.skew_threshold, self.kurt_threshold):
                    kind, treated = "log", list(x.index[x.notna()])
                    out, log_params = self._second(x)
            if kind == "winsorise":
                self.params_[col] = {"kind": kind, "lower": float(out.min()), "upper": float(out.max())}
            elif kind == "log":
                self.params_[col] = log_params
            else:
                self.params_[col] = {"kind": kind}
            after = self._apply(x, self.params_[col])
            row.update({"passed": bool(passes(x, self.skew_threshold, self.kurt_threshold)) if col in force
                        else bool(kind in ("none", "skipped")), "treatment": kind,
                        "n_winsorised": len(treated) if kind == "winsorise" else 0,
                        "skew_after": skewness(after), "kurtosis_after": kurtosis(after),
                        "passed_after": kind == "skipped" or passes(after, self.skew_threshold, self.kurt_threshold)})
            if force:
                row["forced"] = col in force
            rows.append(row)
            for unit in treated:
                points.append({"unit": unit, "iCode": col, "treatment": kind,
                               "before": float(x[unit]), "after": float(after[unit])})
        self.report_ = pd.DataFrame(rows, columns=["iCode", "n", "skew", "kurtosis", "passed", "treatment",
                                                   "n_winsorised", "skew_after", "kurtosis_after", "passed_after"]
                                    + (["forced"] if force else []))
        self.points_ = pd.DataFrame(points, columns=["unit", "iCode", "treatment", "before", "after"])
        return self

    @staticmethod
    def _apply(x: pd.Series, p: dict) -> pd.Series:
        if p["kind"] == "winsorise":
            return x.clip(lower=p["lower"], upper=p["upper"])
        if p["kind"] == "log":
            return log_ct(x, p["min"], p["max"])
        if p["kind"] == "ln":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.log(x.where(x > 0))  # a unit outside the log's domain gets NaN
        return x

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        X = X[list(self.feature_names_in_)].astype(float)
        return pd.DataFrame({c: self._apply(X[c], self.params_[c]) for c in X.columns}, index=X.index)

    def transform_values(self, values: pd.Series) -> pd.Series:
        """Map per-indicator scalars (e.g. targets) through the monotone part of the treatment.

        A log-treated indicator's value goes through the same log; winsorisation leaves scalars
        as they are (a target is not an outlier).
        """
        out = {}
        for code, v in pd.Series(values, dtype=float).items():
            p = self.params_.get(code, {"kind": "none"})
            if p["kind"] == "ln":
                out[code] = float(np.log(v)) if np.isfinite(v) and v > 0 else np.nan
                continue
            if p["kind"] != "log":
                out[code] = v
                continue
            arg = v - p["min"] + 0.01 * (p["max"] - p["min"])
            out[code] = float(np.log(arg)) if np.isfinite(arg) and arg > 0 else np.nan
        return pd.Series(out, dtype=float)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return self.feature_names_in_


def treat(data: pd.DataFrame, winmax: int = 5, skew_threshold: float = 2.0,
          kurt_threshold: float = 3.5, *, second: str = "log_ct",
          force: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treat every column of ``data``; returns the treated data and the per-indicator report."""
    t = Treater(winmax, skew_threshold, kurt_threshold, second, force).fit(data)
    return t.transform(data), t.report_
