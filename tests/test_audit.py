"""Audit tables on hand-computed cases."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from award_eval.composite import (
    Framework,
    audit,
    correlation_flags,
    correlation_matrix,
    cronbach_alpha,
    cronbach_by_aggregate,
    distribution,
    indicator_coverage,
    pca_explained,
    unit_coverage,
)

TREE = pd.DataFrame({
    "Level": [1, 1, 1, 1, 2, 2, 3], "iCode": ["a", "b", "c", "d", "P", "Q", "T"], "iName": list("abcdPQT"),
    "Direction": 1, "Weight": 1, "Parent": ["P", "P", "Q", "Q", "T", "T", None],
    "Type": ["Indicator"] * 4 + ["Aggregate"] * 3})


def test_coverage_tables():
    data = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan, np.nan, 1.0]}, index=["x", "y", "z"])
    units = unit_coverage(data).set_index("unit")
    assert units["n_present"].tolist() == [1, 0, 2]
    assert units["coverage"].tolist() == [0.5, 0.0, 1.0]
    inds = indicator_coverage(data).set_index("iCode")
    assert inds["coverage"].tolist() == pytest.approx([2 / 3, 1 / 3])


def test_distribution_flags_outliers():
    data = pd.DataFrame({"ok": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
                         "out": [1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]})
    out = distribution(data).set_index("iCode")
    assert out["outliers"].to_dict() == {"ok": False, "out": True}
    assert out.loc["ok", "skew"] == pytest.approx(0.0)
    assert out.loc["out", "max"] == 100


def test_cronbach_alpha_by_hand():
    # var(x1) = var(x2) = 5/3; sum (2, 5, 5, 8) has var 6 -> alpha = 2 (1 - (10/3)/6) = 8/9
    items = pd.DataFrame({"x1": [1.0, 2, 3, 4], "x2": [1.0, 3, 2, 4]})
    assert cronbach_alpha(items) == pytest.approx(8 / 9)
    # parallel items: var 1 each, sum var 4 -> alpha = 2 (1 - 2/4) = 1
    assert cronbach_alpha(pd.DataFrame({"x1": [1.0, 2, 3], "x2": [2.0, 3, 4]})) == pytest.approx(1.0)
    assert np.isnan(cronbach_alpha(items[["x1"]]))


def test_pca_explained_two_variables():
    # correlation .8 -> eigenvalues 1.8 and .2
    out = pca_explained(pd.DataFrame({"x1": [1.0, 2, 3, 4], "x2": [1.0, 3, 2, 4]}))
    assert out["eigenvalue"].tolist() == pytest.approx([1.8, 0.2])
    assert out["explained"].tolist() == pytest.approx([0.9, 0.1])
    assert out["cumulative"].tolist() == pytest.approx([0.9, 1.0])


def test_correlation_flags_between_siblings():
    fw = Framework.from_imeta(TREE)
    values = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 3, 2, 4],  # r = .8
                           "c": [1.0, 2, 3, 4], "d": [4.0, 3, 2, 1]})  # r = -1
    flags = correlation_flags(values, fw)
    assert list(flags.columns) == ["parent", "level", "code_1", "code_2", "r", "n", "collinear", "negative"]
    ab = flags[(flags["code_1"] == "a") & (flags["code_2"] == "b")].iloc[0]
    assert ab["r"] == pytest.approx(0.8) and not ab["collinear"] and not ab["negative"]
    cd = flags[(flags["code_1"] == "c")].iloc[0]
    assert cd["r"] == pytest.approx(-1.0) and cd["collinear"] and cd["negative"]
    assert len(flags) == 2  # P and Q are not in values: no pair at level 2
    assert correlation_matrix(values).loc["a", "b"] == pytest.approx(0.8)


def test_cronbach_by_aggregate_and_audit_of_raw_data():
    fw = Framework.from_imeta(TREE)
    data = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 3, 2, 4], "c": [1.0, 2, 3, 4], "d": [2.0, 3, 4, 5]})
    table = cronbach_by_aggregate(data, fw).set_index("aggregate")
    assert table.loc["P", "alpha"] == pytest.approx(8 / 9)
    assert table.loc["Q", "alpha"] == pytest.approx(1.0)
    report = audit(data, fw)
    assert report.unit_coverage["coverage"].tolist() == [1.0] * 4
    assert set(report.pca["aggregate"]) == {"P", "Q", "T"}
