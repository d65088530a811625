"""Screening: the indicator-only framework, national and peer-group ranks, the shortlist."""
from __future__ import annotations

import pandas as pd

from award_eval import screening


def test_indicator_framework_keeps_only_indicator_branches(framework):
    fw = screening.indicator_framework(framework)
    assert set(fw.indicators) == set(framework.indicator_criteria)
    # leadership and collaboration have only jury criteria: they are not in the screening index
    assert "leadership" not in fw.codes and "collaboration" not in fw.codes
    assert fw.top == "index"


def test_screening_ranks_all_municipalities_with_peer_ranks(framework, demo_data):
    table = screening.ranking(screening.screen(framework, demo_data), demo_data)
    assert len(table) == 290 and table["rank"].min() == 1
    assert table["nominee"].sum() == len(demo_data.nominees) - len(demo_data.joint)  # a joint nominee is no municipality
    # within each group, group ranks follow national ranks and run 1..size
    for group, part in table.groupby("skr_group"):
        part = part.sort_values("rank")
        assert part["group_rank"].tolist() == sorted(part["group_rank"])
        assert part["group_rank"].min() == 1 and (part["group_size"] == len(part)).all()


def test_shortlist_top_n_plus_group_leaders():
    table = pd.DataFrame({"rank": [1, 2, 3, 4, 5], "code": list("abcde"), "skr_group": ["A1", "A1", "A1", "B3", "C9"],
                          "group_rank": [1, 2, 3, 1, 1]})
    assert screening.shortlist(table, 2)["code"].tolist() == ["a", "b"]
    assert screening.shortlist(table, 2, per_group=1)["code"].tolist() == ["a", "b", "d", "e"]


def test_screening_is_deterministic(framework, demo_data):
    a = screening.ranking(screening.screen(framework, demo_data, impute="iterative", seed=3), demo_data)
    b = screening.ranking(screening.screen(framework, demo_data, impute="iterative", seed=3), demo_data)
    pd.testing.assert_frame_equal(a, b)
