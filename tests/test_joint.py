"""Joint nominees (member codes joined by '+'): loading, combine rules, evaluation beside the population."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from award_eval import cli
from award_eval.criteria import load_framework
from award_eval.data import latest_values, load_award_data
from award_eval.errors import InputError
from award_eval.evaluation import evaluate
from award_eval.joint import combine_values, is_joint, members

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CRITERIA = ROOT / "criteria" / "digitaliseringskommun.yaml"
JOINT = "2062+2034+2039"  # Mora, Orsa, Älvdalen: 2023's joint nomination


@pytest.fixture(scope="module")
def framework():
    return load_framework(CRITERIA)


def _folder(tmp_path: Path, line: str | None = None, header: str | None = None, scored: bool = True) -> Path:
    """A copy of the demo (which has the joint nominee); ``line`` replaces its row in nominees.csv
    (``None``: the row left out), ``header`` replaces the header (every other row gets an empty cell),
    ``scored=False`` leaves its jury scores out."""
    folder = Path(shutil.copytree(DEMO, tmp_path / "demo"))
    path = folder / "nominees.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert sum(row.startswith(JOINT + ",") for row in lines) == 1  # the demo's joint nominee
    rows = [row for row in lines if not row.startswith(JOINT + ",")]
    if header:
        rows = [rows[0], header] + [row + "," for row in rows[2:]]
    path.write_text("\n".join(rows + ([line] if line is not None else [])) + "\n", encoding="utf-8")
    if line is None or not scored:
        scores = folder / "jury_scores.csv"
        kept = [row for row in scores.read_text(encoding="utf-8").splitlines() if f",{JOINT}," not in row]
        scores.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def joint_data(framework):
    return load_award_data(DEMO, framework)


@pytest.mark.parametrize("rule, expected", [("sum", np.nan), ("mean", 2.0), ("min", 1.0), ("max", 3.0),
                                            ("population_weighted", (1 * 10 + 3 * 30) / 40)])
def test_combine_rules_skip_a_missing_member_except_sum(rule, expected):
    values, weights = np.array([1.0, np.nan, 3.0]), np.array([10.0, 20.0, 30.0])
    assert combine_values(values, rule, weights) == pytest.approx(expected, nan_ok=True)
    assert combine_values(np.array([1.0, 2.0]), "sum") == 3.0


def test_population_weighted_without_population_is_the_mean():
    assert combine_values(np.array([1.0, 3.0]), "population_weighted", None) == 2.0
    with pytest.raises(ValueError, match="not one of"):
        combine_values(np.array([1.0]), "median")


def test_joint_codes():
    assert is_joint(JOINT) and not is_joint("2062") and not is_joint("2062+") and members(JOINT) == ["2062", "2034", "2039"]


def test_a_joint_nominee_loads_with_its_members_named(joint_data):
    row = joint_data.nominees.set_index("code").loc[JOINT]
    assert row["name"] == "Mora + Orsa + Älvdalen" and row["county"] == "Dalarnas län"
    assert list(joint_data.joint["members"].iloc[0]) == ["2062", "2034", "2039"]
    assert len(joint_data.register) == 290  # the members stay; the joint nominee is not a municipality


def test_a_given_name_keeps_the_members_named(tmp_path, framework):
    folder = _folder(tmp_path, f"{JOINT},Nominerade tillsammans,Norra Dalarna", header="code,motivation,name")
    data = load_award_data(folder, framework)
    assert data.nominees.set_index("code").at[JOINT, "name"] == "Norra Dalarna (Mora + Orsa + Älvdalen)"


@pytest.mark.parametrize("line, expected", [
    ("2062+9999", "(9999 is not in municipalities.csv)"),
    ("2062+2062", "each member once"),
    ("2062+", "a municipality code from the register"),
])
def test_a_bad_joint_code_is_one_line(tmp_path, framework, line, expected):
    with pytest.raises(InputError) as exc:
        load_award_data(_folder(tmp_path, line + ",x"), framework)
    message = str(exc.value)
    assert "nominees.csv, row 11, column 'code'" in message and expected in message and "\n" not in message


def test_the_joint_values_follow_the_rule_and_population(joint_data, framework):
    """Per indicator and year: the population-weighted mean of the members with a value that year."""
    long = joint_data.indicators
    cov = pd.read_csv(DEMO / "covariates.csv", comment="#", dtype={"code": str}).set_index("code")["population"]
    codes = members(JOINT)
    for (indicator, year), rows in long[long["code"].isin(codes)].groupby(["indicator", "year"]):
        vals = rows.set_index("code")["value"].reindex(codes)
        present = vals.notna()
        expected = np.average(vals[present], weights=cov.reindex(codes)[present])
        got = long[(long["code"] == JOINT) & (long["indicator"] == indicator) & (long["year"] == year)]["value"]
        assert got.item() == pytest.approx(expected)
    assert latest_values(long).loc[JOINT].notna().all()


def test_a_sum_rule_from_the_criteria_file(tmp_path, joint_data):
    path = tmp_path / "criteria.yaml"
    text = CRITERIA.read_text(encoding="utf-8").replace("- id: automation\n", "- id: automation\n  combine: sum\n")
    path.write_text(text, encoding="utf-8")
    fw = load_framework(path)
    data = load_award_data(Path(joint_data.files["nominees.csv"]).parent, fw)
    long = data.indicators[(data.indicators["indicator"] == "automation") & (data.indicators["year"] == 2023)]
    by = long.set_index("code")["value"]
    assert by[JOINT] == pytest.approx(by[members(JOINT)].sum())


def test_combine_on_a_jury_criterion_is_refused(tmp_path):
    path = tmp_path / "criteria.yaml"
    path.write_text(CRITERIA.read_text(encoding="utf-8").replace("- id: strategy\n", "- id: strategy\n  combine: sum\n"),
                    encoding="utf-8")
    with pytest.raises(InputError, match="combine belongs to indicator criteria"):
        load_framework(path)


def test_the_joint_nominee_is_ranked_beside_the_others_who_do_not_move(tmp_path, framework):
    """Open data is normalised on the register alone: adding the joint nominee (without jury scores,
    which would change the jurors' bias correction) moves nobody else's score."""
    plain = evaluate(framework, load_award_data(_folder(tmp_path), framework)).ranking
    unscored = _folder(tmp_path / "unscored", f"{JOINT},Nominerade tillsammans", scored=False)
    joint = evaluate(framework, load_award_data(unscored, framework)).ranking
    assert JOINT in set(joint["code"]) and len(joint) == len(plain) + 1
    same = joint[joint["code"] != JOINT].set_index("code")
    pd.testing.assert_series_equal(same["score"], plain.set_index("code")["score"].reindex(same.index))
    assert joint.set_index("code").at[JOINT, "name"] == "Mora + Orsa + Älvdalen"
    assert 0 <= joint.set_index("code").at[JOINT, "score"] <= 100


def test_validate_sheets_and_conflicts_take_a_joint_nominee(tmp_path, capsys):
    folder = _folder(tmp_path, f"{JOINT},Nominerade tillsammans", scored=False)
    with (folder / "conflicts.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"Anna Berg,{JOINT},Bor i Orsa\n")
    assert cli.main(["validate", "--criteria", str(CRITERIA), "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "9 nominees" in out and "Scores still owed" in out
    assert cli.main(["sheets", "--criteria", str(CRITERIA), "--nominees", str(folder / "nominees.csv"),
                     "--jurors", str(folder / "jurors.csv"), "--out", str(tmp_path / "sheets")]) == 0
    import openpyxl

    def text(name):
        book = openpyxl.load_workbook(tmp_path / "sheets" / name, read_only=True)
        return " ".join(str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c)

    assert "Mora + Orsa + Älvdalen" in text("jury_carin-ek.xlsx")
    anna = text("jury_anna-berg.xlsx")  # recused: listed as a conflict, not to score
    assert anna.count(JOINT) == 1


def test_the_demo_joint_nominees_workbook_rows_exist_and_validate(tmp_path, framework, joint_data):
    """Every juror's workbook lists the joint nominee (its members named); filled in from the demo's
    scores, the workbooks read back complete, the joint nominee's scores the same as jury_scores.csv's."""
    from award_eval import read_jury_scores, write_sheets
    import openpyxl

    from .test_sheets import fill_from_csv

    books = write_sheets(framework, joint_data.nominees, joint_data.jurors, joint_data.conflicts, tmp_path)
    assert len(books) == len(joint_data.jurors)
    for book in books:
        rows = list(openpyxl.load_workbook(book, read_only=True).worksheets[0].iter_rows(min_row=2, values_only=True))
        own = [r for r in rows if r[0] == JOINT]
        assert len(own) == len(framework.jury_criteria) and {r[1] for r in own} == {"Mora + Orsa + Älvdalen"}
    fill_from_csv(books, DEMO / "jury_scores.csv")
    scores = read_jury_scores(books, framework, joint_data.nominees, joint_data.conflicts, joint_data.jurors,
                              require_complete=True)
    pd.testing.assert_frame_equal(scores, joint_data.jury_scores)
    assert (scores["nominee"] == JOINT).sum() == len(joint_data.jurors) * len(framework.jury_criteria)
    res = cli.main(["validate", "--criteria", str(CRITERIA), "--data", str(DEMO), "--scores", *map(str, books),
                    "--require-complete"])
    assert res == 0


def test_screening_places_the_joint_nominee_beside_the_municipalities(joint_data, framework):
    from award_eval import screening
    from award_eval.round import screening_beside

    index = screening.screen(framework, joint_data, seed=1)
    table = screening.ranking(index, joint_data)
    beside = screening_beside(framework, joint_data, table, index)
    assert len(beside) == len(table) + 1 and set(members(JOINT)) <= set(beside["code"])  # the members stay
    pd.testing.assert_frame_equal(beside[beside["code"] != JOINT].reset_index(drop=True), table)  # nobody moves
    row = beside.set_index("code").loc[JOINT]
    assert row["nominee"] and row["rank"] == (table["score"] > row["score"]).sum() + 1
    assert row["group_size"] == (table["skr_group"] == row["skr_group"]).sum() + 1


def test_a_joint_profile_is_beside_the_population_and_says_so(joint_data, framework):
    from award_eval.present.round import profile_section
    from award_eval.profile import build_profile

    profile = build_profile(framework, joint_data, JOINT)
    assert profile.nominee and profile.overall["n"] == 9 and profile.name == "Mora + Orsa + Älvdalen"
    assert len(profile.population) == 291 and set(members(JOINT)) <= set(profile.population["code"])
    folder = Path(joint_data.files["nominees.csv"]).parent
    text = " ".join(repr(p) for p in profile_section(framework, joint_data, folder, JOINT, profile.name, "en"))
    assert "joint nomination of Mora, Orsa, Älvdalen" in text and "(291 units)" in text


def test_a_plan_id_for_a_joint_nominee(tmp_path):
    from award_eval.run.plan import load_plan

    folder = DEMO
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"award: x\ndefaults:\n  criteria: {CRITERIA}\n  data_dir: {folder}\nevaluations:\n"
                    f"  - id: 'profile-{{code}}'\n    notebook: {ROOT / 'notebooks' / 'profile.ipynb'}\n"
                    "    foreach: nominees\n    as: code\n", encoding="utf-8")
    ids = [s.id for s in load_plan(plan).evaluations]
    assert "profile-2062-2034-2039" in ids and len(ids) == 9
