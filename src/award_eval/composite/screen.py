"""Screening of units by data coverage: drop units with too few indicators present.

A unit ranked on a handful of its indicators is not comparable with one measured on all of them
(COINr's ``Screen(dat_thresh = …)``).
"""
from __future__ import annotations

import pandas as pd


def coverage(data: pd.DataFrame) -> pd.Series:
    """Share of columns present (not NaN) per row, in [0, 1]."""
    if data.shape[1] == 0:
        return pd.Series(1.0, index=data.index, name="coverage")
    return data.notna().mean(axis=1).rename("coverage")


def screen_units(data: pd.DataFrame, min_coverage: float | None,
                 observed: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the rows whose coverage is at least ``min_coverage``.

    Coverage is measured on ``observed`` when given (e.g. the values before imputation, so that
    imputed cells do not count as present), otherwise on ``data``. Returns the kept rows and a
    table ``unit, coverage, kept`` for every unit.
    """
    if min_coverage is not None and not 0.0 <= float(min_coverage) <= 1.0:
        raise ValueError(f"min_coverage must lie in [0, 1], got {min_coverage!r}")
    basis = data if observed is None else observed.reindex(index=data.index, columns=data.columns)
    cov = coverage(basis)
    kept = cov >= (0.0 if min_coverage is None else float(min_coverage)) - 1e-12
    table = pd.DataFrame({"unit": data.index, "coverage": cov.to_numpy(), "kept": kept.to_numpy()})
    return data.loc[kept.to_numpy()], table
