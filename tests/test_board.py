"""The board's sentences, method sections and audit tables: numbers in words, in each language."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from award_eval.present import board


@pytest.fixture
def agreement():
    return pd.DataFrame({"criterion": ["strategy", "competence", "all"], "n_scores": [55, 55, 110],
                         "n_icc": [7, 7, 14], "icc2k": [0.913, 0.42, 0.83], "alpha": [0.56, 0.81, 0.41],
                         "kendall_w": [np.nan, np.nan, 0.644]})


def test_jury_sentences_say_what_unreliable_means_and_rest_on_numbers(agreement, framework):
    sv = board.jury_sentences(agreement, framework, 7, "sv")
    en = board.jury_sentences(agreement, framework, 7, "en")
    assert "tillförlitliga på 1 av 2 kriterier" in sv[0] and "inte tillförlitliga på 1" in sv[0]
    assert "”Inte tillförlitlig” betyder" in sv[1]
    assert "mellan 0,420 och 0,913" in sv[2] and framework.label("strategy", "sv") in sv[2]
    assert "0,644" in sv[3] and "måttlig" in sv[3] and "”–” per kriterium" in sv[3]
    assert "between 0.420 and 0.913" in en[2] and "0.644" in en[3] and "moderate" in en[3]
    reliable = agreement.assign(alpha=[0.9, 0.85, 0.86])
    assert not any("betyder" in s for s in board.jury_sentences(reliable, framework, 7, "sv"))


def test_uncertainty_sentences_name_the_leader_and_how_sure():
    summary = pd.DataFrame({"nominal": [1, 2, 3], "median": [1.0, 2.0, 3.0], "q05": [1.0, 1.0, 2.0],
                            "q95": [2.0, 3.0, 3.0], "p_first": [0.71, 0.28, 0.01]}, index=["0181", "0380", "1880"])
    names = {"0181": "Södertälje", "0380": "Uppsala", "1880": "Örebro"}
    sv = board.uncertainty_sentences(summary, names, "sv")
    assert sv[0].startswith("Södertälje är etta i 71\u00a0%") and "placering 1–2" in sv[0]
    assert "Uppsala" in sv[1] and "28\u00a0%" in sv[1] and "trolig men inte säker" in sv[2]
    en = board.uncertainty_sentences(summary.assign(p_first=[0.95, 0.05, 0.0]), names, "en")
    assert "95%" in en[0] and "nearly every" in en[2]


@pytest.mark.parametrize("kind", ["jury", "screening", "uncertainty", "profile"])
def test_each_kind_has_its_own_method_section(kind):
    record = {"counts": {"municipalities": 290, "jurors": 7, "recusals": 1}, "scale": [1, 5],
              "n_indicator_criteria": 8, "n_jury_criteria": 6, "jury_method": "mean"}
    params = {"n": 10000, "seed": 42, "impute": "group_mean", "treat": "winsorise", "weights": "dirichlet"}
    sv = board.method_html(kind, record, params, "sv")
    en = board.method_html(kind, record, params, "en")
    for internal in ("group_mean", "winsorise", "minmax", "arithmetic", "dirichlet"):
        assert f"({internal})" not in sv + en  # settings in words, not their ids
    assert sv and en and sv != en and "<table" not in sv  # no copy of the overall weight table
    assert "Ingen osäkerhetsanalys" not in sv
    assert board.method_html("ranking", record, {}, "sv") is None


def test_audit_tables_have_no_codes_flags_or_nan(framework):
    frame = pd.DataFrame({"aggregate": ["culture", "index"], "level": [2, 3], "n_children": [1, 4],
                          "n_units": [290, 290], "alpha": [np.nan, 0.779]})
    table = board.audit_table(frame, framework, "sv", "cronbach")
    text = table._repr_html_()
    assert "Cronbachs α" in text and "0,78" in text and "en enda del" in text
    shown = {cell for row in table.cells() for cell in row} | {c.header for c in table.columns}
    assert not {"NaN", "nan", "None", "True", "False", "n_children", "aggregate"} & shown
    flags = pd.DataFrame({"iCode": ["automation"], "n": [290], "skew": [0.25], "outliers": [False]})
    cells = board.audit_table(flags, framework, "en").cells()[0]
    assert cells[0] == framework.label("automation", "en") and cells[-1] == "no" and cells[2] == "0.25"


def test_downloads_are_escaped_links():
    html = board.downloads_html(["a&b.csv"], "en", "../results.xlsx")
    assert 'href="a&amp;b.csv"' in html and 'href="../results.xlsx"' in html and "workbook" in html
