"""Screening of units by data coverage: drop units with too few indicators present.

A unit ranked on a handful of its indicators is not comparable with one measured on all of them
(COINr's ``Screen(dat_thresh = …)``). COINr's other rules are options: ``nonzero_thresh`` (its
``unit_screen = "byzeros"``/``"byNAandzeros"``: the share of indicators that are not zero, a
missing value counting as not zero, must reach the threshold) and ``force`` (its ``Force``
table: unit → True to keep it, False to drop it, whatever the rules say).
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def coverage(data: pd.DataFrame) -> pd.Series:
    """Share of columns present (not NaN) per row, in [0, 1]."""
    if data.shape[1] == 0:
        return pd.Series(1.0, index=data.index, name="coverage")
    return data.notna().mean(axis=1).rename("coverage")


def nonzero_share(data: pd.DataFrame) -> pd.Series:
    """Share of columns that are not zero per row (a missing value is not a zero), as COINr."""
    if data.shape[1] == 0:
        return pd.Series(1.0, index=data.index, name="nonzero")
    return (1.0 - (data == 0).sum(axis=1) / data.shape[1]).rename("nonzero")


def screen_units(data: pd.DataFrame, min_coverage: float | None,
                 observed: pd.DataFrame | None = None, *, nonzero_thresh: float | None = None,
                 force: Mapping[object, bool] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the rows whose coverage is at least ``min_coverage``.

    Coverage is measured on ``observed`` when given (e.g. the values before imputation, so that
    imputed cells do not count as present), otherwise on ``data``. Returns the kept rows and a
    table ``unit, coverage, kept`` for every unit (plus ``nonzero`` with ``nonzero_thresh`` and
    ``forced`` with ``force``).
    """
    for name, value in (("min_coverage", min_coverage), ("nonzero_thresh", nonzero_thresh)):
        if value is not None and not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    basis = data if observed is None else observed.reindex(index=data.index, columns=data.columns)
    cov = coverage(basis)
    kept = cov >= (0.0 if min_coverage is None else float(min_coverage)) - 1e-12
    table = pd.DataFrame({"unit": data.index, "coverage": cov.to_numpy()})
    if nonzero_thresh is not None:
        nz = nonzero_share(basis)
        kept &= nz >= float(nonzero_thresh) - 1e-12
        table["nonzero"] = nz.to_numpy()
    if force is not None:
        unknown = [u for u in force if u not in data.index]
        if unknown:
            raise ValueError(f"force names unit(s) not in the data: {', '.join(map(str, unknown[:5]))}")
        forced = data.index.isin(list(force))
        decided = [bool(force[u]) if f else bool(k) for u, f, k in zip(data.index, forced, kept)]
        kept = pd.Series(decided, index=data.index)
        table["forced"] = forced
    table["kept"] = kept.to_numpy()
    return data.loc[kept.to_numpy()], table
