"""Normalisation methods on hand-computed cases; directions applied before scaling."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import Normaliser, normalise

X = pd.DataFrame({"x": [2.0, 4.0, 6.0, 10.0]}, index=list("pqrs"))
TIES = pd.DataFrame({"x": [2.0, 4.0, 4.0, 10.0]}, index=list("pqrs"))


def col(method, data=X, **kw):
    return normalise(data, method, **kw)["x"].tolist()


def test_minmax_ranges():
    assert col("minmax") == pytest.approx([0, 25, 50, 100])
    assert col("minmax", normalise_range=(1, 100)) == pytest.approx([1, 1 + 99 / 4, 1 + 99 / 2, 100])


def test_minmax_negative_direction_reverses():
    assert col("minmax", directions={"x": -1}) == pytest.approx([100, 75, 50, 0])


def test_zscore_uses_sample_sd():
    sd = math.sqrt((3.5 ** 2 + 1.5 ** 2 + 0.5 ** 2 + 4.5 ** 2) / 3)
    assert col("zscore") == pytest.approx([(v - 5.5) / sd for v in (2, 4, 6, 10)])


def test_rank_percentile_borda_with_ties():
    assert col("rank") == [1, 2, 3, 4]
    assert col("rank", TIES) == [1, 2.5, 2.5, 4]
    assert col("percentile") == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert col("percentile", TIES) == pytest.approx([0, 1 / 3, 1 / 3, 1])  # ties take the lower rank
    assert col("borda") == [0, 1, 2, 3]
    assert col("borda", TIES) == [0, 1, 1, 3]
    assert col("borda", TIES, directions={"x": -1}) == [3, 1, 1, 0]


def test_distance_to_max_and_fraction_of_max():
    assert col("distance_to_max") == pytest.approx([0, 0.25, 0.5, 1])
    assert col("fraction_of_max") == pytest.approx([0.2, 0.4, 0.6, 1.0])
    with pytest.raises(ValueError, match="fraction_of_max.*'x'|'x'.*values ≥ 0"):
        col("fraction_of_max", directions={"x": -1})


def test_distance_to_target_both_directions():
    # higher is better, target 8, min 2: 1 - (8 - x)/(8 - 2)
    assert col("distance_to_target", targets={"x": 8}) == pytest.approx([0, 1 / 3, 2 / 3, 4 / 3])
    # lower is better, target 3, max 10: in original units 1 - (x - 3)/(10 - 3)
    assert col("distance_to_target", directions={"x": -1}, targets={"x": 3}) == \
        pytest.approx([1 - (v - 3) / 7 for v in (2, 4, 6, 10)])
    with pytest.raises(ValueError, match="Target"):
        col("distance_to_target")


def test_goalposts_default_and_explicit():
    # worst = observed min 2, best = target 8, clipped, on the normalise range
    assert col("goalposts", targets={"x": 8}) == pytest.approx([0, 100 / 3, 200 / 3, 100])
    # lower is better with goalposts (worst 10, best 3) in original units: (10 - x)/7, clipped
    out = col("goalposts", directions={"x": -1}, goalposts={"x": (10, 3)}, normalise_range=(0, 1))
    assert out == pytest.approx([1, 6 / 7, 4 / 7, 0])


def test_fit_on_reference_transform_nominee():
    norm = Normaliser("minmax").fit(X)
    assert norm.transform(pd.DataFrame({"x": [6.0, 12.0]}))["x"].tolist() == pytest.approx([50, 125])
    pct = Normaliser("percentile").fit(X)
    assert pct.transform(pd.DataFrame({"x": [5.0, 99.0]}))["x"].tolist() == pytest.approx([2 / 3, 1.0])


def test_missing_values_stay_missing():
    data = pd.DataFrame({"x": [2.0, np.nan, 6.0, 10.0]})
    for method in ("minmax", "zscore", "rank", "percentile", "borda", "distance_to_max"):
        assert np.isnan(normalise(data, method)["x"].iloc[1]), method


def test_old_positional_call_still_works():
    out = normalise(X, "minmax", {"x": 1}, (0.0, 10.0))
    assert out["x"].tolist() == pytest.approx([0, 2.5, 5, 10])
