"""Denomination: divide size-dependent indicators by a size column (population, area, GDP …).

So that a large municipality is not ranked high merely for being large (COINr's ``Denominate``).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from award_eval.errors import InputError


def denominate(data: pd.DataFrame, denominators: Mapping[str, str] | pd.Series,
               scale: float = 1.0) -> pd.DataFrame:
    """Return ``data`` with each named indicator divided by its denominator column (times ``scale``).

    ``denominators`` maps indicator → column of ``data``. Other columns are returned unchanged. A
    zero or missing denominator gives a missing value (not ±inf): the ratio is undefined there.
    """
    mapping = dict(pd.Series(denominators, dtype=object).dropna())
    out = data.copy()
    for indicator, column in mapping.items():
        for name in (indicator, column):
            if name not in data.columns:
                raise InputError(None, f"a data column named {name!r} (to denominate {indicator!r})",
                                 column=name, has_value=False)
        den = pd.to_numeric(data[column], errors="coerce").astype(float)
        den = den.where(den != 0)
        ratio = data[indicator].astype(float) / den * scale
        out[indicator] = ratio.replace([np.inf, -np.inf], np.nan)
    return out
