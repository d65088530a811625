"""results.xlsx: the run's results in one workbook, matching the CSV files cell for cell."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from award_eval.run.report.workbook import HEADER_ROW, SHEETS, WORKBOOK, _set, find_csv, read_csv


@pytest.fixture(scope="module")
def demo_run(demo_run_dir):
    return demo_run_dir


def test_every_sheet_matches_its_csv(demo_run):
    from award_eval.run.plan import load_plan

    from tests.conftest import DEMO

    ids = [s.id for s in load_plan(DEMO / "plan.yaml").evaluations]
    wb = load_workbook(demo_run / WORKBOOK)
    assert [ws.title for ws in wb.worksheets] == ["Rangordning", "Poäng per kriterium", "Juryns samstämmighet",
                                                   "Osäkerhet", "Screening"]
    for sheet, ws in zip(SHEETS, wb.worksheets):
        csv = read_csv(find_csv(demo_run, ids, sheet.csv))
        assert "SYNTETISKA" in ws.cell(1, 1).value  # the demo's data are synthetic
        assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
        rows = list(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True))
        assert len(rows) == len(csv), sheet.key
        for j, (col, _, fmt) in enumerate(c for c in sheet.columns if c[0] in csv.columns):
            for i, value in enumerate(csv[col]):
                got = rows[i][j]
                if fmt == "text":
                    assert got is None or isinstance(got, str), (sheet.key, col, i, got)
                    if col in ("code", "name"):
                        assert got == value, (sheet.key, col, i)
                elif value is None or (isinstance(value, float) and math.isnan(value)):
                    assert got is None, (sheet.key, col, i, got)  # empty, never "NaN"
                else:
                    assert got == pytest.approx(float(value)), (sheet.key, col, i)
        texts = [v for row in rows for v in row if isinstance(v, str)]
        assert not {"NaN", "nan", "None", "True", "False"} & set(texts), sheet.key
    # number formats: Excel shows 0,75 in Swedish and 0.75 in English from the same cell
    ranking = wb.worksheets[0]
    assert ranking.cell(HEADER_ROW + 1, 4).number_format == "0.0"
    assert ranking.cell(HEADER_ROW, 4).value == "Totalpoäng (0–100)"


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    wb = Workbook()
    ws = wb.active
    for i, text in enumerate(["=HYPERLINK(\"http://x\")", "+46 8", "-1", "@SUM(A1)", "\tx", "plain"], start=1):
        _set(ws.cell(i, 1), text, "text")
    wb.save(tmp_path / "x.xlsx")
    back = load_workbook(tmp_path / "x.xlsx").active
    assert [back.cell(i, 1).value for i in range(1, 7)][:4] == ["=HYPERLINK(\"http://x\")", "+46 8", "-1", "@SUM(A1)"]
    assert all(back.cell(i, 1).data_type == "s" for i in range(1, 7))


def test_the_workbook_is_reproducible(demo_run, tmp_path, monkeypatch):
    from award_eval.run.context import prepare
    from award_eval.run.plan import load_plan
    from award_eval.run.report.workbook import write_workbook

    from tests.conftest import DEMO

    import shutil

    ctx = prepare(load_plan(DEMO / "plan.yaml"))
    copy = tmp_path / "run"
    shutil.copytree(demo_run, copy)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    first = write_workbook(copy, ctx).read_bytes()
    assert write_workbook(copy, ctx).read_bytes() == first
    screening = pd.read_excel(copy / WORKBOOK, sheet_name=None, header=HEADER_ROW - 1, dtype=str)["Screening"]
    assert screening.shape[0] == 291 and "2062+2034+2039" in set(screening.iloc[:, 1])  # the joint nominee beside the 290
