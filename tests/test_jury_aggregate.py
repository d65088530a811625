"""Aggregation, bias correction and disagreement of jury scores, on tiny hand-built panels.

Every expected value is worked out by hand in the comments beside it.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from award_eval import jury


def panel(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """A long score frame from (juror, nominee, criterion, score) tuples."""
    frame = pd.DataFrame(rows, columns=["juror", "nominee", "criterion", "score"])
    return frame.assign(score=frame["score"].astype(float), comment="")


def one_pair(values: list[float], nominee: str = "N1", criterion: str = "c1") -> pd.DataFrame:
    """Scores of jurors J1, J2, … on one nominee × criterion."""
    return panel([(f"J{i + 1}", nominee, criterion, v) for i, v in enumerate(values)])


def result_of(scores: pd.DataFrame, method: str, nominee: str = "N1", criterion: str = "c1", **kw) -> float:
    out = jury.criterion_scores(scores, method, **kw)
    row = out[(out["nominee"] == nominee) & (out["criterion"] == criterion)]
    assert len(row) == 1
    return float(row["score"].iloc[0])


# --- mean, median, trimmed --------------------------------------------------------------------

def test_mean_and_median_by_hand():
    scores = one_pair([1, 2, 2, 5])
    assert result_of(scores, "mean") == pytest.approx(2.5)  # (1 + 2 + 2 + 5) / 4 = 10 / 4
    assert result_of(scores, "median") == pytest.approx(2.0)  # middle two of 1 2 2 5: (2 + 2) / 2


@pytest.mark.parametrize("n, k", [(1, 0), (3, 0), (4, 0), (5, 1), (6, 1), (7, 2), (9, 2)])
def test_trim_count_follows_diving(n, k):
    assert jury.trim_count(n) == k


@pytest.mark.parametrize("values, expected", [
    ([1, 2, 4, 5], 3.0),               # 4 scores: nothing dropped, (1+2+4+5)/4 = 12/4
    ([5, 3, 1, 4, 3], 10 / 3),         # 5: drop one each end → 3 3 4, 10/3
    ([1, 2, 3, 4, 4, 5], 3.25),        # 6: drop 1 and 5 → 2 3 4 4, 13/4
    ([3, 5, 1, 3, 2, 5, 4], 10 / 3),   # 7: sorted 1 2 3 3 4 5 5, drop two each end → 3 3 4, 10/3
    ([1, 1, 2, 3, 4, 5, 5, 5], 3.5),   # 8: drop 1 1 and 5 5 → 2 3 4 5, 14/4
])
def test_trimmed_mean_by_hand(values, expected):
    assert result_of(one_pair(values), "trimmed") == pytest.approx(expected)


def test_output_columns_sorted_and_counted():
    scores = panel([("A", "N2", "c1", 3), ("A", "N1", "c2", 4), ("B", "N1", "c2", 2), ("A", "N1", "c1", 5)])
    for method in jury.METHODS:
        out = jury.criterion_scores(scores, method)
        assert list(out.columns) == ["nominee", "criterion", "score", "n_jurors"]
        assert list(zip(out["nominee"], out["criterion"])) == [("N1", "c1"), ("N1", "c2"), ("N2", "c1")]
        assert list(out["n_jurors"]) == [1, 2, 1]


def test_result_does_not_depend_on_row_order():
    rng = np.random.default_rng(7)
    rows = [(f"J{j}", f"N{n}", c, float(rng.integers(1, 6))) for j in range(7) for n in range(4) for c in "ab"]
    scores = panel(rows)
    shuffled = scores.sample(frac=1, random_state=3).reset_index(drop=True)
    for method in jury.METHODS:
        pd.testing.assert_frame_equal(jury.criterion_scores(scores, method),
                                      jury.criterion_scores(shuffled, method))


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="not one of"):
        jury.criterion_scores(one_pair([3]), "mode")


# --- zscore ------------------------------------------------------------------------------------

def test_zscore_by_hand():
    # A: N1=2, N2=4 → mean 3, SD 1 (ddof 0) → z = −1, +1
    # B: N1=3, N2=5 → mean 4, SD 1           → z = −1, +1
    # pooled raw 2 4 3 5: mean 3.5; squared deviations 2.25 .25 .25 2.25 = 5, /4 = 1.25 → SD √1.25
    # N1: 3.5 + √1.25 · (−1) ≈ 2.382;  N2: 3.5 + √1.25 · (+1) ≈ 4.618
    scores = panel([("A", "N1", "c", 2), ("A", "N2", "c", 4), ("B", "N1", "c", 3), ("B", "N2", "c", 5)])
    assert result_of(scores, "zscore", "N1", "c") == pytest.approx(3.5 - math.sqrt(1.25))
    assert result_of(scores, "zscore", "N2", "c") == pytest.approx(3.5 + math.sqrt(1.25))


def test_zscore_removes_a_lenient_jurors_offset():
    # B is A plus 2 everywhere: the same judgement, shifted. Mean and zscore then both keep A's
    # order, but zscore puts B's scores on the same footing: z(A) = z(B) for every nominee.
    a = [("A", f"N{i}", "c", v) for i, v in enumerate([1, 2, 3], start=1)]
    b = [("B", f"N{i}", "c", v + 2) for i, v in enumerate([1, 2, 3], start=1)]
    z = jury.standardised(panel(a + b).sort_values(["juror", "nominee"]).reset_index(drop=True))
    assert list(z[:3]) == pytest.approx(list(z[3:]))  # (1,2,3) and (3,4,5) both → −1.2247, 0, 1.2247


def test_zscore_is_clipped_to_the_raw_range_unless_asked_not_to():
    # A: 3 3 3 5 → mean 3.5, SD √.75 = .866 → z(N4) = 1.5/.866 = 1.732
    # B: 1 2 4 5 → mean 3,   SD √2.5 = 1.581 → z(N4) = 2/1.581 = 1.265
    # mean z(N4) = (1.732 + 1.265)/2 = 1.4985
    # pooled raw 3 3 3 5 1 2 4 5: mean 26/8 = 3.25; squared deviations sum 13.5, /8 = 1.6875 → SD 1.299
    # N4 = 3.25 + 1.299 · 1.4985 = 5.197 > 5 = the highest raw score → clipped to 5
    rows = [("A", f"N{i}", "c", v) for i, v in enumerate([3, 3, 3, 5], start=1)]
    rows += [("B", f"N{i}", "c", v) for i, v in enumerate([1, 2, 4, 5], start=1)]
    scores = panel(rows)
    mean_z = (1.5 / math.sqrt(0.75) + 2 / math.sqrt(2.5)) / 2
    unclipped = 3.25 + math.sqrt(1.6875) * mean_z
    assert unclipped == pytest.approx(5.197, abs=1e-3)
    assert result_of(scores, "zscore", "N4", "c", clip=False) == pytest.approx(unclipped)
    assert result_of(scores, "zscore", "N4", "c") == 5.0


# --- the juror with SD 0 -------------------------------------------------------------------------

def test_constant_juror_contributes_the_panel_mean_in_zscore():
    # A: N1=2, N2=4 (z −1, +1); B: N1=3, N2=5 (z −1, +1); C: 3, 3 → SD 0 → z 0, 0 (the choice)
    # pooled raw 2 4 3 5 3 3: mean 20/6 = 3.3333; squared deviations
    #   1.7778 .4444 .1111 2.7778 .1111 .1111 = 5.3333, /6 = .8889 → SD .9428
    # N1: mean z = (−1 − 1 + 0)/3 = −2/3 → 3.3333 − .9428 · 2/3 = 2.7048;  N2: 3.3333 + .6285 = 3.9618
    scores = panel([("A", "N1", "c", 2), ("A", "N2", "c", 4), ("B", "N1", "c", 3), ("B", "N2", "c", 5),
                    ("C", "N1", "c", 3), ("C", "N2", "c", 3)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division-by-zero warning either
        out = jury.criterion_scores(scores, "zscore")
    sd = math.sqrt(sum((x - 20 / 6) ** 2 for x in [2, 4, 3, 5, 3, 3]) / 6)
    assert sd == pytest.approx(0.9428, abs=1e-4)
    assert list(out["score"]) == pytest.approx([20 / 6 - sd * 2 / 3, 20 / 6 + sd * 2 / 3])
    assert out["score"].notna().all()
    assert out.attrs["constant_jurors"] == ["C"]


def test_constant_jurors_are_reported():
    scores = panel([("A", "N1", "c", 2), ("A", "N2", "c", 4), ("C", "N1", "c", 3), ("C", "N2", "c", 3),
                    ("C", "N1", "d", 3)])
    report = jury.constant_jurors(scores)
    assert report.to_dict("records") == [{"juror": "C", "n_scores": 3, "score": 3.0}]
    assert jury.constant_jurors(scores[scores["juror"] == "A"]).empty


# --- recusal -------------------------------------------------------------------------------------

def recusal_panels() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Jurors A–E score N1 and N2; E is recused from N1 (no row). Returns (recused, absent, as-1)."""
    base = [("A", 4, 3), ("B", 4, 2), ("C", 5, 3), ("D", 3, 3), ("E", None, 5)]
    rows = []
    for juror, n1, n2 in base:
        if n1 is not None:
            rows.append((juror, "N1", "c1", n1))
        rows.append((juror, "N2", "c1", n2))
    recused = panel(rows)
    absent = recused[recused["juror"] != "E"].reset_index(drop=True)  # E not on the jury at all
    counted_low = panel(rows + [("E", "N1", "c1", 1)])  # what must NOT happen: absence as a 1
    return recused, absent, counted_low


@pytest.mark.parametrize("method", ["mean", "median", "trimmed"])
def test_recused_nominee_is_scored_as_if_the_juror_were_absent(method):
    # N1 is scored by A–D only: mean (4+4+5+3)/4 = 4; median of 3 4 4 5 = 4; trimmed (4 scores) = 4
    recused, absent, counted_low = recusal_panels()
    assert result_of(recused, method) == result_of(absent, method) == pytest.approx(4.0)
    assert jury.criterion_scores(recused, method)["n_jurors"].tolist() == [4, 5]
    # counting E's absence as a 1 would have cost N1: mean 17/5 = 3.4, median 4, trimmed (5 → drop
    # one each end of 1 3 4 4 5) = 11/3 = 3.667
    assert result_of(counted_low, method) <= result_of(recused, method)
    if method != "median":
        assert result_of(counted_low, method) < result_of(recused, method)


def test_recused_nominee_in_zscore_averages_only_the_jurors_who_scored():
    # z-scores are per juror, so N1's mean z is over A–D exactly as when E is absent; only the
    # pooled mean/SD used to map back include E's N2 score.
    recused, absent, _ = recusal_panels()
    z_recused = recused.assign(z=jury.standardised(recused))
    z_absent = absent.assign(z=jury.standardised(absent))
    n1 = lambda f: f[f["nominee"] == "N1"].set_index("juror")["z"].sort_index()  # noqa: E731
    pd.testing.assert_series_equal(n1(z_recused), n1(z_absent))
    raw = recused["score"]
    expected = raw.mean() + raw.std(ddof=0) * n1(z_recused).mean()
    assert result_of(recused, "zscore", clip=False) == pytest.approx(expected)


# --- disagreement and juror severity -------------------------------------------------------------

def test_disagreement_by_hand():
    # N1: 1 3 4 → mean 8/3; sample SD: squared deviations 2.778 .111 1.778 = 4.667, /2 → √2.333 = 1.5275
    scores = panel([("A", "N1", "c", 1), ("B", "N1", "c", 3), ("C", "N1", "c", 4),
                    ("A", "N2", "c", 3), ("B", "N2", "c", 4)])
    out = jury.disagreement(scores)
    n1 = out.iloc[0]
    assert (n1["nominee"], n1["n_jurors"], n1["min"], n1["max"], n1["range"]) == ("N1", 3, 1.0, 4.0, 3.0)
    assert n1["mean"] == pytest.approx(8 / 3)
    assert n1["sd"] == pytest.approx(math.sqrt(7 / 3))


def test_disagreements_lists_pairs_at_or_above_the_threshold():
    scores = panel([("A", "N1", "c", 1), ("B", "N1", "c", 3), ("C", "N1", "c", 4),   # range 3
                    ("A", "N2", "c", 3), ("B", "N2", "c", 4),                          # range 1
                    ("A", "N3", "c", 2), ("B", "N3", "c", 4), ("C", "N3", "c", 4)])   # range 2
    hot = jury.disagreements(scores)
    assert list(hot["nominee"]) == ["N1", "N3"]  # range ≥ 2, largest first
    assert hot.iloc[0]["lowest"] == "A" and hot.iloc[0]["highest"] == "C"
    assert hot.iloc[1]["highest"] == "B; C"
    # by SD: N1 √(7/3) = 1.53, N3 √(4/3) = 1.15, N2 √.5 = .71
    assert list(jury.disagreements(scores, threshold=1.2, by="sd")["nominee"]) == ["N1"]
    assert jury.disagreements(scores, threshold=4).empty


def test_juror_severity_by_hand():
    # A 1 2 3, B 2 3 4, C 3 4 5 on N1–N3.
    # A vs others' mean: N1 (2+3)/2 = 2.5, N2 3.5, N3 4.5 → offsets −1.5 each → severity −1.5
    # B vs 2, 3, 4 → 0;  C vs 1.5, 2.5, 3.5 → +1.5;  all three order the nominees as the others → 1
    rows = [(j, f"N{i}", "c", base + i) for j, base in [("A", 0), ("B", 1), ("C", 2)] for i in (1, 2, 3)]
    out = jury.juror_severity(panel(rows))
    assert list(out.columns) == ["juror", "n_scores", "n_compared", "mean_score", "severity", "consistency"]
    assert list(out["juror"]) == ["A", "B", "C"]
    assert list(out["severity"]) == pytest.approx([-1.5, 0.0, 1.5])
    assert list(out["consistency"]) == pytest.approx([1.0, 1.0, 1.0])
    assert list(out["n_compared"]) == [3, 3, 3]


def test_juror_severity_flags_a_juror_against_the_panel():
    # D scores 5 3 1 where A (1 2 3) and B (2 3 4) rise: others' mean 1.5 2.5 3.5
    # offsets 3.5 .5 −2.5 → severity 1.5/3 = .5; D falls as they rise → Spearman and Pearson −1
    rows = [(j, f"N{i}", "c", v) for j, vals in [("A", [1, 2, 3]), ("B", [2, 3, 4]), ("D", [5, 3, 1])]
            for i, v in zip((1, 2, 3), vals)]
    for method in ("spearman", "pearson"):
        d = jury.juror_severity(panel(rows), method=method).set_index("juror").loc["D"]
        assert d["severity"] == pytest.approx(0.5)
        assert d["consistency"] == pytest.approx(-1.0)


def test_juror_severity_of_a_constant_juror_has_no_correlation():
    rows = [(j, f"N{i}", "c", v) for j, vals in [("A", [1, 2, 3]), ("C", [3, 3, 3])]
            for i, v in zip((1, 2, 3), vals)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = jury.juror_severity(panel(rows)).set_index("juror")
    assert math.isnan(out.loc["C", "consistency"])
    assert out.loc["C", "severity"] == pytest.approx(1.0)  # (3−1 + 3−2 + 3−3)/3
