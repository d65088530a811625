"""The malformed-input corpus of issue #16 as tests: every case ends in one line and exit 2.

Each case breaks one file of a copy of the demo data (or the criteria), runs the real
``award-eval`` command as a subprocess, and checks: exit 2, exactly one line on stderr without a
traceback, the line names the file / row / column / value, nothing was written, and no input was
modified.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from .conftest import BIN, CRITERIA, DEMO

AWARD_EVAL = BIN / "award-eval"


def _demo_count(name: str = "jury_scores.csv") -> int:
    """Data rows of a demo CSV (its banner and header left out): counts derived from the data."""
    lines = (DEMO / name).read_text(encoding="utf-8").splitlines()
    return len([ln for ln in lines if ln and not ln.startswith("#")]) - 1


def _owed_per_juror() -> int:
    """Scores one juror without conflicts owes: every nominee × every jury criterion."""
    import yaml

    criteria = yaml.safe_load(CRITERIA.read_text(encoding="utf-8"))
    return _demo_count("nominees.csv") * sum(n.get("kind") == "jury" for n in criteria["nodes"])


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The installed command, as a user runs it; the timeout is a hang guard, not a timing assert."""
    return subprocess.run([str(AWARD_EVAL), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def tree_digest(*roots: Path) -> dict[str, str]:
    """SHA-256 of every file under ``roots``: the inputs before and after a run must be equal."""
    out = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in files:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def insert_line(path: Path, before: int, line: str) -> None:
    """Insert ``line`` so that it becomes row ``before`` of the file (1-based)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(before - 1, line)
    path.write_text("\n".join(lines), encoding="utf-8")


def nested_criteria(depth: int) -> str:
    """A criteria file whose one pillar holds ``depth`` nested groups, then one indicator."""
    head = CRITERIA.read_text(encoding="utf-8").split("\nnodes:")[0] + "\n"
    nodes = ["nodes:"]
    for i in range(depth):
        parent = f"g{i - 1}" if i else "null"
        nodes.append(f"  - {{id: g{i}, parent: {parent}, label: {{sv: G, en: G}}, weight: 1}}")
    nodes.append(f"  - {{id: leaf, parent: g{depth - 1}, kind: indicator, direction: higher, "
                 "label: {sv: L, en: L}, weight: 1}")
    return head + "\n".join(nodes) + "\n"


BOMB = "".join(f"  - &l{i} [" + ", ".join([f"*l{i - 1}" if i else '"lol"'] * 9) + "]\n" for i in range(9))


@dataclass
class Case:
    """One malformed input: how to break the copy, the command, and words the one line must hold."""

    id: str
    klass: str
    breaks: Callable[[Path, Path], None]  # (data folder copy, criteria copy)
    words: list[str]
    command: str = "validate"  # validate | sheets | validate-scores
    extra: list[str] = field(default_factory=list)


def _criteria_bytes(data: bytes) -> Callable[[Path, Path], None]:
    return lambda d, c: c.write_bytes(data)


def _dir_instead_of(name: str) -> Callable[[Path, Path], None]:
    def breaks(d: Path, c: Path) -> None:
        (d / name).unlink()
        (d / name).mkdir()
        (d / name / "x.csv").write_text("x\n", encoding="utf-8")
    return breaks


CRIT_TEXT = CRITERIA.read_text(encoding="utf-8")
MUNI_ROW = "0120,Värmdö,Stockholms län,A2"
SCORE_ROW = "Anna Berg,0120,strategy,3,"

CASES = [
    # 3. decode, directory, recursion: one line instead of a traceback
    Case("criteria-latin1", "decode", _criteria_bytes(CRIT_TEXT.encode("latin-1", "replace")),
         ["criteria.yaml", "UTF-8", "row"]),
    Case("criteria-utf16", "decode", _criteria_bytes(CRIT_TEXT.encode("utf-16")),
         ["criteria.yaml", "UTF-16"]),
    Case("criteria-is-a-folder", "directory", lambda d, c: (c.unlink(), c.mkdir()),
         ["criteria.yaml", "not a folder"]),
    Case("jury-scores-is-a-folder", "directory", _dir_instead_of("jury_scores.csv"),
         ["jury_scores.csv", "not a folder"]),
    Case("municipalities-is-a-folder", "directory", _dir_instead_of("municipalities.csv"),
         ["municipalities.csv", "not a folder"]),
    Case("criteria-1500-nested-groups", "recursion",
         lambda d, c: c.write_text(nested_criteria(1500), encoding="utf-8"),
         ["criteria.yaml", "at nodes", "at most 1000"]),
    Case("criteria-40-nested-groups", "recursion",
         lambda d, c: c.write_text(nested_criteria(40), encoding="utf-8"),
         ["criteria.yaml", "levels deep", "parent"]),
    Case("criteria-yaml-nested-100000", "recursion",
         lambda d, c: c.write_text("version: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8"),
         ["criteria.yaml", "nest"]),
    # 4. no answer at all: a billion laughs in the criteria's version
    Case("criteria-yaml-bomb", "bomb",
         lambda d, c: c.write_text("lols:\n" + BOMB + CRIT_TEXT.replace("version: ", "version: *l8 #", 1),
                                   encoding="utf-8"),
         ["criteria.yaml", "anchors or aliases", "row 2"]),
    # 5. bad input accepted
    Case("unknown-juror-with-jurors-csv", "stricter",
         lambda d, c: replace_in(d / "jury_scores.csv", SCORE_ROW, "Okänd Person,0120,strategy,3,"),
         ["jury_scores.csv", "row 3", "Okänd Person", "jurors"]),
    Case("require-complete-without-scores", "stricter",
         lambda d, c: replace_in(d / "jury_scores.csv", SCORE_ROW, "Anna Berg,0120,strategy,,"),
         ["jury_scores.csv", "row 3", "'score'", "require_complete"], extra=["--require-complete"]),
    Case("duplicate-score-column", "stricter",
         lambda d, c: replace_in(d / "jury_scores.csv", "juror,nominee,criterion,score,comment",
                                 "juror,nominee,criterion,score,score"),
         ["jury_scores.csv", "row 2", "column 'score'", "repeated"]),
    Case("nul-in-a-name", "size", lambda d, c: replace_in(d / "municipalities.csv", MUNI_ROW,
                                                          "0120,Värm\x00dö,Stockholms län,A2"),
         ["municipalities.csv", "column 'name'", "NUL", "\\x00"]),
    Case("100000-character-name", "size", lambda d, c: replace_in(d / "municipalities.csv", MUNI_ROW,
                                                                  "0120," + "V" * 100_000 + ",Stockholms län,A2"),
         ["municipalities.csv", "column 'name'", "10,000 characters", "VVVV"]),
    Case("300-character-name", "size", lambda d, c: replace_in(d / "municipalities.csv", MUNI_ROW,
                                                               "0120," + "V" * 300 + ",Stockholms län,A2"),
         ["municipalities.csv", "column 'name'", "at most 200"]),
    Case("criteria-label-nul", "size", lambda d, c: replace_in(
        c, "sv: Sveriges Digitaliseringskommun", 'sv: "Sveriges\\0Digitaliseringskommun"'),
         ["criteria.yaml", "row 13", "NUL", "\\x00"]),
    # 6. wrong place in a message
    Case("blank-line-keeps-row-numbers", "rows", lambda d, c: (
        insert_line(d / "jury_scores.csv", 4, ""),
        replace_in(d / "jury_scores.csv", "Anna Berg,0181,strategy,", "Anna Berg,0181,strategy,9#")),
         ["jury_scores.csv", "'score'"]),
    Case("quoted-newline-keeps-row-numbers", "rows", lambda d, c: (
        replace_in(d / "jury_scores.csv", SCORE_ROW + "Stabilt arbete", SCORE_ROW + "\"Stabilt\narbete"),
        replace_in(d / "jury_scores.csv", "arbete i linje med jämförbara kommuner.", "arbete i linje.\""),
        replace_in(d / "jury_scores.csv", "Anna Berg,0181,strategy,", "Anna Berg,0181,strategy,9#")),
         ["jury_scores.csv", "'score'"]),
    Case("unbalanced-quote", "tokenizer",
         lambda d, c: replace_in(d / "jury_scores.csv", SCORE_ROW + "Stabilt", SCORE_ROW + "\"Stabilt"),
         ["jury_scores.csv", "row 3", "column 'comment'", "unbalanced quote"]),
    Case("decimal-comma-in-comma-file", "tokenizer",
         lambda d, c: replace_in(d / "jury_scores.csv", SCORE_ROW, "Anna Berg,0120,strategy,3,5,"),
         ["jury_scores.csv", "row 3", "decimal comma", "3,5"]),
    Case("utf16-csv", "decode", lambda d, c: (d / "nominees.csv").write_bytes(
        (d / "nominees.csv").read_text(encoding="utf-8").encode("utf-16")),
         ["nominees.csv", "UTF-16"]),
    # sheets: a folder that cannot be made
    Case("sheets-out-below-a-file", "permission", lambda d, c: (d / "blocker").write_text("x", encoding="utf-8"),
         ["output folder", "blocker"], command="sheets"),
]


def _row_of(path: Path, needle: str) -> int:
    """The spreadsheet row of the record holding ``needle`` (each record one row, blank lines too)."""
    import csv
    import io

    text = path.read_text(encoding="utf-8")
    for n, rec in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if any(needle in f for f in rec):
            return n
    raise AssertionError(needle)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.klass}:{c.id}" for c in CASES])
def test_malformed_input_is_one_line_and_exit_2(case: Case, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    criteria = tmp_path / "criteria.yaml"
    criteria.write_bytes(CRITERIA.read_bytes())
    case.breaks(data, criteria)
    before = tree_digest(data, criteria)
    out = tmp_path / "out"
    if case.command == "sheets":
        out = data / "blocker" / "sheets"
        res = run_cli("sheets", "--criteria", str(criteria), "--nominees", str(data / "nominees.csv"),
                      "--jurors", str(data / "jurors.csv"), "--out", str(out), cwd=tmp_path)
    else:
        res = run_cli("validate", "--criteria", str(criteria), "--data", str(data), *case.extra, cwd=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    line = lines[0]
    assert line.startswith("award-eval: error: ") and len(line) < 600, line
    for word in case.words:
        assert word in line, (word, line)
    if case.klass == "rows":  # the row is the record's row as a spreadsheet shows it
        assert f"row {_row_of(data / 'jury_scores.csv', '9#')}" in line, line
    assert not out.exists()
    assert tree_digest(data, criteria) == before  # no input modified, nothing written beside them


def test_the_row_numbers_of_the_rows_cases_are_not_the_naive_ones(tmp_path):
    """The two 'rows' cases would be off by one if blank lines or quoted newlines were miscounted."""
    data = tmp_path / "d"
    shutil.copytree(DEMO, data)
    insert_line(data / "jury_scores.csv", 4, "")
    replace_in(data / "jury_scores.csv", "Anna Berg,0181,strategy,", "Anna Berg,0181,strategy,9#")
    from award_eval.io.tables import read_table

    table = read_table(data / "jury_scores.csv", ["score"])
    i = int(table.frame["score"].str.startswith("9#").to_numpy().nonzero()[0][0])
    assert table.row(i) == _row_of(data / "jury_scores.csv", "9#") == table.header_row + 1 + i + 1


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write a read-only folder")
def test_sheets_into_a_read_only_folder_is_one_line(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        res = run_cli("sheets", "--criteria", str(CRITERIA), "--nominees", str(DEMO / "nominees.csv"),
                      "--jurors", str(DEMO / "jurors.csv"), "--out", str(out))
    finally:
        out.chmod(0o755)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "permission" in res.stderr
    assert not list(out.iterdir())


def test_plan_title_yaml_bomb_is_refused(tmp_path):
    """The plan is parsed by the same YAML reader: a bomb in its title is one line, at once."""
    plan = tmp_path / "plan.yaml"
    plan.write_text("lols:\n" + BOMB + "title: *l8\nevaluations: []\n", encoding="utf-8")
    res = run_cli("run", str(plan), "--out", str(tmp_path / "out"), "--quiet")
    assert res.returncode == 2 and "Traceback" not in res.stderr, res.stderr
    assert "anchors or aliases" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_juror_names_that_are_paths_stay_inside_out(tmp_path):
    jurors = tmp_path / "in" / "jurors.csv"
    jurors.parent.mkdir()
    jurors.write_text("juror,email\n../../../evil,\n/etc/passwd,\n..\\..\\win,\n", encoding="utf-8")
    out = tmp_path / "a" / "b" / "out"
    res = run_cli("sheets", "--criteria", str(CRITERIA), "--nominees", str(DEMO / "nominees.csv"),
                  "--register", str(DEMO / "municipalities.csv"), "--jurors", str(jurors), "--out", str(out))
    assert res.returncode == 0, res.stderr
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.xlsx"))
    assert written == sorted(Path("a/b/out") / n for n in ["jury_evil.xlsx", "jury_etc-passwd.xlsx",
                                                           "jury_win.xlsx"])


# --- validate: every bad cell, --scores without jury_scores.csv (issue #14 part 6) ----------------

def _filled_books(tmp_path: Path) -> list[Path]:
    from .test_sheets import fill_from_csv

    out = tmp_path / "sheets"
    res = run_cli("sheets", "--criteria", str(CRITERIA), "--nominees", str(DEMO / "nominees.csv"),
                  "--jurors", str(DEMO / "jurors.csv"), "--out", str(out))
    assert res.returncode == 0, res.stderr
    books = sorted(out.glob("*.xlsx"))
    fill_from_csv(books, DEMO / "jury_scores.csv")
    return books


def _before_any_decision(data: Path) -> None:
    """A new award has no scores yet, and so no stage decided on them: the demo's round decisions
    (which rest on its scores) are taken out of the copy."""
    for path in sorted((data / "decisions").glob("*.csv")):
        path.unlink()


def test_validate_scores_write_without_jury_scores_csv(tmp_path):
    books = _filled_books(tmp_path)
    data = tmp_path / "award"
    shutil.copytree(DEMO, data)
    _before_any_decision(data)
    (data / "jury_scores.csv").unlink()
    target = data / "jury_scores.csv"
    res = run_cli("validate", "--criteria", str(CRITERIA), "--data", str(data), "--scores", *map(str, books),
                  "--write", str(target), cwd=data)
    assert res.returncode == 0, res.stderr
    assert f"Wrote {_demo_count()} scores" in res.stdout and target.exists()
    res = run_cli("validate", "--criteria", str(CRITERIA), "--data", str(data), "--require-complete")
    assert res.returncode == 0 and "complete: 7 jurors" in res.stdout, res.stderr


def test_header_only_jury_scores_is_no_scores_yet(tmp_path):
    data = tmp_path / "award"
    shutil.copytree(DEMO, data)
    _before_any_decision(data)
    (data / "jury_scores.csv").write_text("juror,nominee,criterion,score,comment\n", encoding="utf-8")
    res = run_cli("validate", "--criteria", str(CRITERIA), "--data", str(data))
    assert res.returncode == 0, res.stderr
    assert "0 jury scores" in res.stdout and f"Anna Berg: {_owed_per_juror()} of {_owed_per_juror()}" in res.stdout
    res = run_cli("validate", "--criteria", str(CRITERIA), "--data", str(data), "--require-complete")
    assert res.returncode == 2 and f"{_demo_count()} missing in all" in res.stderr


def test_every_bad_cell_is_listed_then_counted_and_nothing_written(tmp_path):
    bad = tmp_path / "scores.csv"
    text = (DEMO / "jury_scores.csv").read_text(encoding="utf-8")
    text = text.replace(",strategy,3,", ",strategy,7,")  # every 'strategy' score of 3: out of the scale
    bad.write_text(text, encoding="utf-8")
    n_bad = text.count(",strategy,7,")
    assert n_bad > 3
    target = tmp_path / "merged.csv"
    before = bad.read_bytes()
    res = run_cli("validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--scores", str(bad),
                  "--write", str(target))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == n_bad + 1 and lines[-1] == f"award-eval: {n_bad} problems; nothing written"
    assert all("'score'" in ln and "value '7'" in ln for ln in lines[:-1])
    rows = [int(ln.split(", row ")[1].split(",")[0]) for ln in lines[:-1]]
    assert rows == sorted(rows) and len(set(rows)) == n_bad
    assert not target.exists() and bad.read_bytes() == before


def test_problems_over_the_cap_are_counted(tmp_path):
    from award_eval.validation import validate

    bad = tmp_path / "scores.csv"
    text = (DEMO / "jury_scores.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    lines = lines[:2] + [ln.replace(",", ",x", 1) if ln else ln for ln in lines[2:]]  # every nominee wrong
    bad.write_text("\n".join(lines), encoding="utf-8")
    report = validate(CRITERIA, DEMO, scores=[bad], max_problems=5)
    assert not report.ok and len(report.problems) == 5 and report.n_problems == _demo_count() and report.more == _demo_count() - 5
    assert report.written is None


# --- the pieces, through the API -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["V" * 1_000_000, list(range(1_000_000)), {"a": [["x" * 10_000] * 100] * 100},
                                   "=HYPERLINK(\"https://evil.example/x\",\"Värmdö\")" * 10])
def test_a_value_in_a_message_is_cut_to_about_80_characters(value):
    from award_eval.errors import InputError

    message = str(InputError("f.csv", "something shorter", row=3, column="name", value=value))
    shown = message.split("value ", 1)[1].split(" — expected")[0]
    assert len(shown) <= 80 and "\n" not in message


def test_yaml_bomb_and_depth_through_the_api():
    from award_eval.errors import InputError
    from award_eval.io.yaml import parse

    with pytest.raises(InputError, match="anchors or aliases"):
        parse("lols:\n" + BOMB + "title: *l8\n", "plan.yaml")
    with pytest.raises(InputError, match="nested at most"):
        parse("a: " + "[" * 33 + "]" * 33, "plan.yaml")
    assert parse("a: " + "[" * 31 + "]" * 31, "plan.yaml") is not None


def test_validate_returns_a_report_the_cli_only_prints():
    from award_eval import validate

    report = validate(CRITERIA, DEMO, scores=str(DEMO / "jury_scores.csv"), require_complete=True)
    assert report.ok and report.problems == [] and len(report.scores) == _demo_count()
    assert report.lines[-1] == "Jury scores complete: 7 jurors" and report.written is None
    report = validate(CRITERIA, DEMO / "nowhere")
    assert not report.ok and len(report.problems) == 1 and report.n_problems == 1
    assert report.problems[0].endswith("nowhere: an existing data folder")
