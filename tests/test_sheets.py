"""Scoring workbooks: what write_sheets puts in them, and the round trip with the demo jury."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from award_eval import completeness, read_jury_scores, write_sheets
from award_eval.criteria import load_framework
from award_eval.data import load_award_data
from award_eval.io.workbooks import CONFLICTS_SHEET, HEADERS, INFO_SHEET, RUBRIC_SHEET, SCORES_SHEET
from award_eval.jury.sheets import slug
from award_eval.jury.aggregate import criterion_scores
from award_eval.jury.scores import METHODS, jurors_from_scores

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def framework():
    return load_framework(ROOT / "criteria" / "digitaliseringskommun.yaml")


@pytest.fixture(scope="module")
def demo(framework):
    return load_award_data(DEMO, framework)


@pytest.fixture(scope="module")
def demo_jurors(demo):
    return jurors_from_scores(demo.jury_scores, demo.conflicts)


@pytest.fixture(scope="module")
def demo_books(tmp_path_factory, framework, demo, demo_jurors):
    out = tmp_path_factory.mktemp("sheets")
    return write_sheets(framework, demo.nominees, demo_jurors, demo.conflicts, out)


def test_one_workbook_per_juror_named_after_them(demo_books, demo_jurors):
    assert [p.name for p in demo_books] == [f"jury_{slug(j)}.xlsx" for j in demo_jurors["juror"]]
    assert "jury_bjorn-lind.xlsx" in [p.name for p in demo_books]
    wb = load_workbook(demo_books[0])
    assert wb.sheetnames == [SCORES_SHEET, INFO_SHEET, RUBRIC_SHEET, CONFLICTS_SHEET]
    assert (wb[INFO_SHEET]["A1"].value, wb[INFO_SHEET]["B1"].value) == ("Jurymedlem / Juror",
                                                                        demo_jurors["juror"].iloc[0])


def test_scores_sheet_rows_headers_and_anchors(demo_books, framework, demo):
    ws = load_workbook(demo_books[0])[SCORES_SHEET]
    header = [c.value for c in ws[1]]
    assert header[:5] == [HEADERS[k] for k in ("nominee", "name", "criterion", "criterion_label", "anchors")]
    assert header[5] == "Poäng / Score (1–5)" and header[6] == "Kommentar / Comment"
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(demo.nominees) * len(framework.jury_criteria)  # every nominee × jury criterion
    assert [r[0] for r in rows[::6]] == list(demo.nominees["code"])  # codes kept as text, with zeros
    assert [r[2] for r in rows[:6]] == framework.jury_criteria
    first = rows[0]
    assert first[1] == "Värmdö" and first[3] == "Digital strategi och styrning"
    assert first[4].splitlines()[0] == "1 – Ingen samlad strategi; enstaka projekt utan mål."
    assert len(first[4].splitlines()) == 5 and first[5] is None and first[6] is None


def test_score_drop_down_is_limited_to_the_scale(demo_books):
    ws = load_workbook(demo_books[0])[SCORES_SHEET]
    (dv,) = ws.data_validations.dataValidation
    assert (dv.type, dv.formula1, dv.showErrorMessage, dv.allow_blank) == ("list", '"1,2,3,4,5"', True, True)
    assert str(dv.sqref) == f"F2:F{ws.max_row}" and ws.max_row == 1 + 9 * 6  # every score cell, every nominee × criterion
    assert ws.protection.sheet and not ws["F2"].protection.locked and ws["A2"].protection.locked


def test_recused_nominee_left_out_and_listed(demo_books):
    wb = load_workbook(next(p for p in demo_books if p.name == "jury_bjorn-lind.xlsx"))
    codes = [r[0] for r in wb[SCORES_SHEET].iter_rows(min_row=2, values_only=True)]
    assert len(codes) == (9 - 1) * 6 and "2262" not in codes  # nine nominees, one recused
    assert [c.value for c in wb[CONFLICTS_SHEET][2]] == ["2262", "Timrå", "Tidigare anställd i kommunen"]
    other = load_workbook(demo_books[0])[CONFLICTS_SHEET]
    assert other["A3"].value.startswith("Inget anmält jäv")


def test_rubric_sheet_has_both_languages(demo_books, framework):
    ws = load_workbook(demo_books[0])[RUBRIC_SHEET]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6 * 5
    assert rows[0] == ("strategy", "Digital strategi och styrning", "Digital strategy and governance", 1,
                       "Ingen samlad strategi; enstaka projekt utan mål.",
                       "No overall strategy; isolated projects without goals.")


def test_english_labels(tmp_path, framework, demo):
    (path,) = write_sheets(framework, demo.nominees, ["Anna Berg"], None, tmp_path, lang="en")
    row = next(load_workbook(path)[SCORES_SHEET].iter_rows(min_row=2, values_only=True))
    assert row[3] == "Digital strategy and governance" and row[4].startswith("1 – No overall strategy")


def test_same_inputs_same_bytes_and_no_temp_files(tmp_path, framework, demo, demo_jurors, demo_books):
    again = write_sheets(framework, demo.nominees, demo_jurors, demo.conflicts, tmp_path)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in demo_books]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in again)


def test_clashing_file_names_and_bad_juror_lists(tmp_path, framework, demo):
    paths = write_sheets(framework, demo.nominees, ["Åsa Ek", "Asa Ek"], None, tmp_path)
    assert [p.name for p in paths] == ["jury_asa-ek.xlsx", "jury_asa-ek-2.xlsx"]
    with pytest.raises(ValueError, match="unique"):
        write_sheets(framework, demo.nominees, ["A", "A"], None, tmp_path)


def test_unfilled_workbooks_read_as_all_missing(demo_books, framework, demo, demo_jurors):
    scores = read_jury_scores(demo_books, framework, demo.nominees, demo.conflicts, demo_jurors)
    assert scores.empty
    missing = completeness(scores, framework, demo.nominees, demo_jurors, demo.conflicts)
    assert len(missing) == len(demo_jurors) * len(demo.nominees) * len(framework.jury_criteria) - 6  # all but Björn Lind × 2262
    assert (missing["nominee"] == "2062+2034+2039").sum() == len(demo_jurors) * len(framework.jury_criteria)


def fill_from_csv(paths: list[Path], csv_path: Path) -> None:
    """Type the demo CSV's scores and comments into the workbooks, as each juror would."""
    with csv_path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    given = {(r["juror"], r["nominee"], r["criterion"]): r for r in rows}
    for path in paths:
        wb = load_workbook(path)
        juror = wb[INFO_SHEET]["B1"].value
        for cells in wb[SCORES_SHEET].iter_rows(min_row=2):
            r = given[(juror, cells[0].value, cells[2].value)]
            cells[5].value = int(r["score"])
            cells[6].value = r["comment"] or None
        wb.save(path)


def test_round_trip_with_the_demo_jury(tmp_path, framework, demo, demo_jurors):
    books = write_sheets(framework, demo.nominees, demo_jurors, demo.conflicts, tmp_path)
    fill_from_csv(books, DEMO / "jury_scores.csv")
    from_books = read_jury_scores(books, framework, demo.nominees, demo.conflicts, demo_jurors,
                                  require_complete=True)
    from_csv = read_jury_scores(DEMO / "jury_scores.csv", framework, demo.nominees, demo.conflicts,
                                demo_jurors, require_complete=True)
    owed = (len(demo_jurors) * len(demo.nominees) - len(demo.conflicts)) * len(framework.jury_criteria)
    assert len(from_csv) == owed  # complete: every juror × nominee not recused × jury criterion
    pd.testing.assert_frame_equal(from_books, from_csv)
    pd.testing.assert_frame_equal(from_csv, demo.jury_scores)  # load_award_data reads it the same way
    for method in METHODS:
        pd.testing.assert_frame_equal(criterion_scores(from_books, method), criterion_scores(from_csv, method))
