"""Reading jury scores back: workbooks and CSVs (plain and as Swedish Excel saves them), the
checks with their one-line errors (one test per error), jurors, and completeness."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from award_eval import (
    InputError,
    completeness,
    completeness_summary,
    load_jurors,
    read_jury_scores,
)
from award_eval.criteria import load_framework
from award_eval.data import load_jury_scores
from award_eval.io.tables import read_table
from award_eval.io.workbooks import SCORES_SHEET
from award_eval.jury.sheets import write_sheets
from award_eval.jury.scores import jurors_from_scores

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "jury"
CRITERIA = ["strategy", "competence", "eservices", "innovation_work", "collaboration_work", "data_law"]
HEADER = "juror,nominee,criterion,score,comment\n"


@pytest.fixture(scope="module")
def framework():
    return load_framework(ROOT / "criteria" / "digitaliseringskommun.yaml")


@pytest.fixture(scope="module")
def nominees():
    return pd.DataFrame({"code": ["0120", "1430", "2262"], "name": ["Värmdö", "Munkedal", "Timrå"]})


@pytest.fixture(scope="module")
def conflicts():
    return pd.DataFrame({"juror": ["Björn Lind"], "nominee": ["2262"], "reason": ["Tidigare anställd"]})


@pytest.fixture(scope="module")
def jurors():
    return load_jurors(FIXTURES / "jurors.csv")


@pytest.fixture
def books(tmp_path, framework, nominees, jurors, conflicts):
    """Fresh workbooks for Åsa Öberg and Björn Lind (recused from 2262)."""
    return write_sheets(framework, nominees, jurors, conflicts, tmp_path / "sheets")


def fill(path: Path, score=lambda nominee, criterion: 3, edit=None) -> Path:
    """Fill a workbook's score column with openpyxl; ``edit(ws)`` may then spoil it."""
    wb = load_workbook(path)
    ws = wb[SCORES_SHEET]
    for row in ws.iter_rows(min_row=2):
        row[5].value = score(row[0].value, row[2].value)
    if edit is not None:
        edit(ws)
    wb.save(path)
    return path


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def read(paths, framework, nominees, conflicts=None, jurors=None, **kw):
    return read_jury_scores(paths, framework, nominees, conflicts=conflicts, jurors=jurors, **kw)


# --- what reads -----------------------------------------------------------------------------------

def test_filled_workbooks_read_back(books, framework, nominees, conflicts, jurors):
    fill(books[0], lambda n, c: 4)
    fill(books[1], lambda n, c: 2)
    scores = read(books, framework, nominees, conflicts, jurors)
    assert list(scores.columns) == ["juror", "nominee", "criterion", "score", "comment"]
    assert len(scores) == 3 * 6 + 2 * 6  # Björn Lind has no rows for 2262
    assert set(scores.loc[scores["juror"] == "Björn Lind", "nominee"]) == {"0120", "1430"}
    assert set(scores.loc[scores["juror"] == "Åsa Öberg", "score"]) == {4.0}
    assert list(scores["criterion"][:6]) == CRITERIA  # framework order within juror × nominee


def test_swedish_excel_csv_reads_like_plain_csv(tmp_path, framework, nominees, jurors):
    # cp1252, ';', CRLF, decimal comma, quoted ';' and '"', the code 0120 saved as 120
    excel = read(FIXTURES / "excel_export_cp1252.csv", framework, nominees, jurors=jurors)
    plain = write_csv(tmp_path / "plain.csv", HEADER +
                      'Åsa Öberg,0120,strategy,3.5,Tydlig riktning; men liten skala\n'
                      'Åsa Öberg,0120,competence,4,"Citat ""så här"""\n'
                      'Björn Lind,0120,strategy,2,\n'
                      'Björn Lind,1430,eservices,5,Föredömligt\n')
    pd.testing.assert_frame_equal(excel, read(plain, framework, nominees, jurors=jurors))
    assert excel.loc[excel["criterion"] == "strategy", "score"].tolist() == [2.0, 3.5]
    assert 'Citat "så här"' in excel["comment"].tolist()


def test_utf8_bom_semicolon_csv(tmp_path, framework, nominees):
    path = write_csv(tmp_path / "bom.csv", "\ufeffjuror;nominee;criterion;score;comment\r\n"
                     "Åsa Öberg;0120;strategy;4,0;ok\r\n", "utf-8")
    scores = read(path, framework, nominees)
    assert scores.iloc[0][["juror", "score"]].tolist() == ["Åsa Öberg", 4.0]


def test_read_table_notes_of_an_excel_export_lose_their_padding():
    table = read_table(FIXTURES / "excel_export_cp1252.csv", ["juror"])
    assert table.notes == ("Exempel / example",)
    assert table.row(0) == 3


def test_mixed_utf8_and_cp1252_is_reported(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("juror\nÅsa\n".encode("utf-8") + "Björn\n".encode("cp1252"))
    with pytest.raises(InputError, match="UTF-8 or Windows-1252"):
        read_table(path, ["juror"])


def test_empty_score_cell_is_missing_not_an_error(tmp_path, framework, nominees):
    path = write_csv(tmp_path / "s.csv", HEADER + "Åsa Öberg,0120,strategy,,\nÅsa Öberg,0120,competence,3,\n")
    scores = read(path, framework, nominees)
    assert scores["criterion"].tolist() == ["competence"]


def test_load_jury_scores_uses_the_same_reader(tmp_path, framework, nominees, conflicts):
    path = write_csv(tmp_path / "s.csv", HEADER + "Åsa Öberg,0120,strategy,4,bra\n")
    pd.testing.assert_frame_equal(load_jury_scores(path, framework, nominees, conflicts),
                                  read(path, framework, nominees, conflicts))


# --- one test per error ---------------------------------------------------------------------------

def raises(match: str, *args, **kw) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        read(*args, **kw)
    assert "\n" not in str(info.value)  # one line
    return info.value


def test_error_score_out_of_scale_in_workbook(books, framework, nominees, conflicts):
    fill(books[0], edit=lambda ws: setattr(ws["F9"], "value", 6))
    err = raises("a number from 1 to 5", [books[0]], framework, nominees, conflicts)
    assert (err.sheet, err.row, err.column, err.value) == (SCORES_SHEET, 9, "F: Poäng / Score (1–5)", 6)
    assert books[0].name in str(err) and "row 9" in str(err)


def test_error_score_not_a_number_in_cp1252_csv(tmp_path, framework, nominees):
    path = write_csv(tmp_path / "export.csv", "# anteckning;;;;\r\njuror;nominee;criterion;score;comment\r\n"
                     "Åsa Öberg;0120;strategy;3,5;\r\nÅsa Öberg;0120;competence;tre;\r\n", "cp1252")
    err = raises("not text", path, framework, nominees)
    assert (err.row, err.column, err.value) == (4, "score", "tre")  # note row 1, header row 2


def test_error_score_not_a_number_in_workbook(books, framework, nominees, conflicts):
    fill(books[0], edit=lambda ws: setattr(ws["F2"], "value", "bra"))
    err = raises("not text", [books[0]], framework, nominees, conflicts)
    assert (err.row, err.value) == (2, "bra")


def test_error_unknown_nominee(tmp_path, framework, nominees):
    path = write_csv(tmp_path / "s.csv", HEADER + "Åsa Öberg,0120,strategy,3,\nÅsa Öberg,0180,strategy,3,\n")
    err = raises("the code of a nominee: 0120, 1430, 2262", path, framework, nominees)
    assert (err.row, err.column, err.value) == (3, "nominee", "0180")


def test_error_unknown_criterion_in_workbook(books, framework, nominees, conflicts):
    fill(books[1], edit=lambda ws: setattr(ws["C4"], "value", "eservice"))
    err = raises("a jury criterion id", [books[1]], framework, nominees, conflicts)
    assert (err.sheet, err.row, err.column, err.value) == (SCORES_SHEET, 4, "C: Kriterium-id / Criterion id",
                                                           "eservice")


def test_error_unknown_juror_in_csv(tmp_path, framework, nominees, jurors):
    path = write_csv(tmp_path / "s.csv", HEADER + "Asa Oberg,0120,strategy,3,\n")
    err = raises("a juror of the jurors list", path, framework, nominees, jurors=jurors)
    assert (err.row, err.column, err.value) == (2, "juror", "Asa Oberg")


def test_error_unknown_juror_of_a_workbook_points_at_the_info_sheet(books, framework, nominees, conflicts):
    fill(books[0])
    others = pd.DataFrame({"juror": ["Björn Lind"]})
    err = raises("a juror of the jurors list", [books[0]], framework, nominees, conflicts, others)
    assert (err.sheet, err.row, err.column, err.value) == ("Info", 1, "B", "Åsa Öberg")


def test_error_duplicate_in_one_file(tmp_path, framework, nominees):
    path = write_csv(tmp_path / "s.csv", HEADER + "Åsa Öberg,0120,strategy,3,\nÅsa Öberg,0120,competence,3,\n"
                     "Åsa Öberg,120,strategy,4,\n")
    err = raises("one score per juror × nominee × criterion", path, framework, nominees)
    assert err.row == 4 and "s.csv, row 2" in str(err)


def test_error_duplicate_across_files(books, tmp_path, framework, nominees, conflicts):
    fill(books[0])
    extra = write_csv(tmp_path / "late.csv", HEADER + "Åsa Öberg,1430,data_law,5,sent by e-mail\n")
    err = raises("already scored 1430/data_law at", [books[0], extra], framework, nominees, conflicts)
    assert err.file == extra and err.row == 2
    assert books[0].name in str(err) and "row 13" in str(err)  # 0120: rows 2–7, 1430: rows 8–13


def test_error_score_for_a_recused_nominee(tmp_path, framework, nominees, conflicts):
    path = write_csv(tmp_path / "s.csv", HEADER + "Björn Lind,0120,strategy,3,\nBjörn Lind,2262,strategy,5,\n")
    err = raises("recused", path, framework, nominees, conflicts)
    assert (err.row, err.column, err.value) == (3, "nominee", "2262")


def test_error_empty_workbook_sheet(books, framework, nominees, conflicts):
    fill(books[0], edit=lambda ws: ws.delete_rows(2, ws.max_row))
    err = raises("the sheet is empty", [books[0]], framework, nominees, conflicts)
    assert (err.sheet, err.row) == (SCORES_SHEET, 2)


def test_error_empty_csv(tmp_path, framework, nominees):
    path = write_csv(tmp_path / "s.csv", HEADER)
    assert raises("the sheet is empty", path, framework, nominees).row == 2


def test_error_missing_score_when_complete_is_required(books, framework, nominees, conflicts, jurors):
    fill(books[0])
    fill(books[1], lambda n, c: None if (n, c) == ("1430", "eservices") else 3)
    err = raises("require_complete", books, framework, nominees, conflicts, jurors, require_complete=True)
    assert (err.file, err.sheet, err.row) == (books[1], SCORES_SHEET, 10)  # 1430 from row 8; eservices 3rd
    assert "1 missing in all" in str(err)


def test_error_missing_row_when_complete_is_required(tmp_path, framework, nominees, jurors):
    path = write_csv(tmp_path / "s.csv", HEADER + "".join(
        f"Åsa Öberg,{n},{c},3,\n" for n in ("0120", "1430", "2262") for c in CRITERIA[:-1]))
    err = raises("nominee 0120, criterion 'data_law', which has no row", path, framework, nominees,
                 jurors=jurors[jurors["juror"] == "Åsa Öberg"], require_complete=True)
    assert err.file == path


def test_error_missing_column(tmp_path, framework, nominees):
    path = write_csv(tmp_path / "s.csv", "juror;nominee;kriterium;score\nÅsa Öberg;0120;strategy;3\n")
    assert raises("a column named 'criterion'", path, framework, nominees).row == 1


def test_error_not_a_scoring_workbook(tmp_path, framework, nominees):
    from openpyxl import Workbook
    path = tmp_path / "other.xlsx"
    Workbook().save(path)
    raises("a sheet named 'Poäng \\(Scores\\)'", path, framework, nominees)
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    raises("an Excel workbook", tmp_path / "broken.xlsx", framework, nominees)
    raises("a scoring workbook \\(.xlsx\\) or a CSV", tmp_path / "scores.ods", framework, nominees)


# --- jurors and completeness ----------------------------------------------------------------------

def test_load_jurors(tmp_path):
    jurors = load_jurors(FIXTURES / "jurors.csv")
    assert jurors.to_dict("records") == [{"juror": "Åsa Öberg", "email": "asa.oberg@example.se"},
                                         {"juror": "Björn Lind", "email": ""}]
    dup = write_csv(tmp_path / "j.csv", "juror\nA\nB\nA\n")
    with pytest.raises(InputError, match="repeated") as info:
        load_jurors(dup)
    assert info.value.row == 4


def test_jurors_from_scores_include_those_with_only_conflicts(conflicts):
    scores = pd.DataFrame({"juror": ["Åsa Öberg"], "nominee": ["0120"], "criterion": ["strategy"],
                           "score": [3.0], "comment": [""]})
    assert jurors_from_scores(scores, conflicts)["juror"].tolist() == ["Björn Lind", "Åsa Öberg"]


def test_completeness_lists_missing_and_never_recused(books, framework, nominees, conflicts, jurors):
    fill(books[0], lambda n, c: 3 if n == "0120" else None)
    fill(books[1], lambda n, c: 4)
    scores = read(books, framework, nominees, conflicts, jurors)
    missing = completeness(scores, framework, nominees, jurors, conflicts)
    assert list(missing.columns) == ["juror", "nominee", "criterion"]
    assert len(missing) == 12 and set(missing["juror"]) == {"Åsa Öberg"}
    assert missing[["nominee", "criterion"]].iloc[0].tolist() == ["1430", "strategy"]
    summary = completeness_summary(scores, framework, nominees, jurors, conflicts).set_index("juror")
    assert summary.loc["Björn Lind"].tolist() == [12, 12, 0, 1, True]  # expected, scored, missing, recused
    assert summary.loc["Åsa Öberg"].tolist() == [18, 6, 12, 0, False]
