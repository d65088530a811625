"""Nothing we write runs as a formula (OWASP CSV/formula injection), and no formula is read back.

Workbooks: text is stored as text cells whatever it starts with. CSV: text starting with ``=``,
``+``, ``-`` (not a number), ``@``, a tab or a CR gets a leading ``'``, which our own reader takes
off again. Reading a returned workbook, a formula cell (cached value or not) or merged cells over
the score columns are refused with one line naming the cell.
"""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from award_eval import load_award_data, load_framework
from award_eval.evaluation import evaluate, write_result
from award_eval.io.files import csv_safe_text, is_formula_like, write_csv
from award_eval.io.tables import read_table
from award_eval.io.workbooks import SCORES_SHEET
from award_eval.jury.scores import read_jury_scores, scores_to_csv

from .conftest import BIN, CRITERIA, DEMO

PAYLOADS = ['=HYPERLINK("https://evil.example/x","{}")', "=cmd|' /C calc'!A0 {}", "+{}", "-{}", "@SUM({})",
            "\t{}", "\r{}"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "award-eval"), *args], capture_output=True, text=True, timeout=300)


def _rewrite_csv(path: Path, columns: list[str], make) -> None:
    """Rewrite ``columns`` of a data CSV (notes kept) with ``make(i, old)``, quoting as needed."""
    lines = path.read_text(encoding="utf-8").split("\n")
    notes = [ln for ln in lines if ln.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(ln for ln in lines if not ln.startswith("#")))))
    for i, row in enumerate(rows):
        for c in columns:
            row[c] = make(i, row[c])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text("".join(n + "\n" for n in notes) + buf.getvalue(), encoding="utf-8")


def _payload(i: int, old: str) -> str:
    return PAYLOADS[i % len(PAYLOADS)].format(old)


@pytest.fixture
def formula_award(tmp_path: Path) -> tuple[Path, Path]:
    """A data folder and criteria file where every name, label, anchor and comment is a formula payload."""
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    _rewrite_csv(data / "municipalities.csv", ["name"], lambda i, old: "=" + _payload(i, old).lstrip("=+-@\t\r"))
    _rewrite_csv(data / "nominees.csv", ["motivation"], _payload)
    _rewrite_csv(data / "conflicts.csv", ["reason"], _payload)
    _rewrite_csv(data / "jury_scores.csv", ["comment"], lambda i, old: "=" + old if old else old)
    text = CRITERIA.read_text(encoding="utf-8").split("\n")
    out = []
    for line in text:  # every label and anchor text (sv:/en: values) starts with '='
        head, sep, value = line.partition(": ")
        if sep and head.strip() in ("sv", "en") and value:
            value = value.strip("'\"").replace("'", "''")
            line = f"{head}: '=HYPERLINK(\"https://evil.example\",\"{value}\")'"
        out.append(line)
    criteria = tmp_path / "criteria.yaml"
    criteria.write_text("\n".join(out), encoding="utf-8")
    return data, criteria


def test_workbooks_of_formula_names_have_no_formula_cell(formula_award, tmp_path):
    data, criteria = formula_award
    out = tmp_path / "sheets"
    res = run_cli("sheets", "--criteria", str(criteria), "--nominees", str(data / "nominees.csv"),
                  "--jurors", str(data / "jurors.csv"), "--out", str(out))
    assert res.returncode == 0, res.stderr
    books = sorted(out.glob("*.xlsx"))
    assert len(books) == 7
    texts = 0
    for book in books:
        wb = load_workbook(book)
        cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], book
        texts += sum(1 for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK("))
        names = [c.value for c in wb[SCORES_SHEET]["B"][1:]]
        assert all(n.startswith("=") for n in names)  # kept as the letters typed
    assert texts > 7 * 48  # names, labels, anchors: all there, all text


def test_returned_workbooks_of_formula_names_read_back(formula_award, tmp_path):
    """The payload-named workbooks, filled in, read back to the CSV's scores (comments as typed)."""
    from award_eval.io.workbooks import INFO_SHEET, put

    data, criteria = formula_award
    out = tmp_path / "sheets"
    assert run_cli("sheets", "--criteria", str(criteria), "--nominees", str(data / "nominees.csv"),
                   "--jurors", str(data / "jurors.csv"), "--out", str(out)).returncode == 0
    books = sorted(out.glob("*.xlsx"))
    given = {(r["juror"], r["nominee"], r["criterion"]): r
             for r in read_table(data / "jury_scores.csv", ["juror"]).frame.to_dict("records")}
    for book in books:  # typed in as a juror types text (Excel: a leading apostrophe), not as formulas
        wb = load_workbook(book)
        juror = wb[INFO_SHEET]["B1"].value
        ws = wb[SCORES_SHEET]
        for r, cells in enumerate(ws.iter_rows(min_row=2), start=2):
            rec = given[(juror, cells[0].value, cells[2].value)]
            ws.cell(row=r, column=6, value=int(rec["score"]))
            if rec["comment"]:
                put(ws, r, 7, rec["comment"])
        wb.save(book)
    framework = load_framework(criteria)
    award = load_award_data(data, framework)
    from_books = read_jury_scores(books, framework, award.nominees, award.conflicts, award.jurors)
    pd.testing.assert_frame_equal(from_books, award.jury_scores)
    assert award.jury_scores["comment"].str.startswith("=").sum() > 100


def test_result_csvs_carry_no_formula(formula_award, tmp_path):
    data, criteria = formula_award
    framework = load_framework(criteria)
    award = load_award_data(data, framework)
    paths = write_result(evaluate(framework, award), tmp_path / "result")
    names = [rec["name"] for rec in csv.DictReader(io.StringIO(paths[0].read_text(encoding="utf-8")))]
    assert len(names) == len(award.nominees) and all(n.startswith("'=") for n in names), names
    for path in paths:
        for rec in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            assert not any(is_formula_like(v) for v in rec), rec
    back = read_table(paths[0], ["name"]).frame["name"]
    assert back.str.startswith("=").all()  # our reader takes the quote off again


@pytest.mark.parametrize("value, written", [
    ("=1+1", "'=1+1"), ("+46 70 123", "'+46 70 123"), ("-x", "'-x"), ("@A1", "'@A1"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("-3.5", "-3.5"), ("-3,5", "-3,5"), ("+7", "+7"), ("Värmdö", "Värmdö"),
    ("", ""), ("a=b", "a=b"),
])
def test_csv_safe_text(value, written):
    assert csv_safe_text(value) == written


def test_write_csv_escapes_text_not_numbers(tmp_path):
    frame = pd.DataFrame({"name": ["=SUM(A1)", "-x", "ok"], "score": [-1.5, 2.0, 3.0], "n": [-1, 2, 3]})
    path = write_csv(frame, tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8") == ("name,score,n\n'=SUM(A1),-1.500000,-1\n'-x,2.000000,2\n"
                                                 "ok,3.000000,3\n")
    assert list(read_table(path, ["name"]).frame["name"]) == ["=SUM(A1)", "-x", "ok"]


def test_scores_to_csv_round_trip_with_formula_comments(framework, demo_data, tmp_path):
    scores = demo_data.jury_scores.copy()
    scores.loc[0, "comment"] = '=HYPERLINK("https://evil.example","klicka")'
    scores.loc[1, "comment"] = "@cmd"
    text = scores_to_csv(scores)
    assert "\n" + scores.loc[0, "juror"] + ",0120,strategy,3,\"'=HYPERLINK(" in text
    path = tmp_path / "jury_scores.csv"
    path.write_text(text, encoding="utf-8")
    back = read_jury_scores(path, framework, demo_data.nominees, demo_data.conflicts)
    pd.testing.assert_frame_equal(back, scores)


# --- reading workbooks back: formulas and merged cells refused ------------------------------------

@pytest.fixture
def books(tmp_path):
    from .test_sheets import fill_from_csv

    out = tmp_path / "sheets"
    assert run_cli("sheets", "--criteria", str(CRITERIA), "--nominees", str(DEMO / "nominees.csv"),
                   "--jurors", str(DEMO / "jurors.csv"), "--out", str(out)).returncode == 0
    paths = sorted(out.glob("*.xlsx"))
    fill_from_csv(paths, DEMO / "jury_scores.csv")
    return paths


def _validate(paths: list[Path]) -> subprocess.CompletedProcess:
    return run_cli("validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--scores", *map(str, paths))


@pytest.mark.parametrize("formula", ["=2+2", "=SUM(F3:F4)", "=NOSUCHFUNC()"])
def test_a_formula_in_a_score_cell_is_refused(books, formula):
    """With or without a cached value (openpyxl saves none): one line naming sheet, row and column."""
    wb = load_workbook(books[0])
    wb[SCORES_SHEET]["F5"] = formula
    wb.save(books[0])
    res = _validate(books)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    line = res.stderr.strip()
    assert books[0].name in line and "Poäng (Scores)" in line and "row 5" in line and "column 'F: " in line
    assert formula in line and "not a formula" in line


def test_a_formula_with_a_cached_value_is_refused_too(books, tmp_path):
    """Excel saves the formula and its value; the value must not slip through as a typed score."""
    import zipfile

    src = books[0]
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    start = sheet.index('<c r="F3"')
    end = sheet.index("</c>", start) + 4
    sheet = sheet[:start] + '<c r="F3" s="4"><f>1+2</f><v>3</v></c>' + sheet[end:]
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(src, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    res = _validate(books)
    assert res.returncode == 2 and "row 3" in res.stderr and "=1+2" in res.stderr and "not a formula" in res.stderr


def test_merged_score_cells_are_refused(books):
    wb = load_workbook(books[0])
    ws = wb[SCORES_SHEET]
    ws.protection.sheet = False
    ws.merge_cells("F3:F6")
    wb.save(books[0])
    res = _validate(books)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "F3:F6" in res.stderr and "row 3" in res.stderr and "unmerge" in res.stderr


def test_a_zip_bomb_workbook_is_refused_unread(tmp_path):
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * (1024 * 1024)
            for _ in range(300):
                fh.write(block)
    assert path.stat().st_size < 1024 * 1024
    res = _validate([path])
    assert res.returncode == 2 and "unpacks to 300 MB" in res.stderr and "Traceback" not in res.stderr
