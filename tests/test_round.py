"""A round of the award: nominations, stages with recorded decisions, the longlist, `validate` and `sheets --stage`."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from award_eval import cli
from award_eval.criteria import load_framework
from award_eval.data import load_award_data
from award_eval.errors import InputError
from award_eval.nominations import load_nominations, nominations_of
from award_eval.present.round import nominations_html, precondition_sentence, stage_view
from award_eval.round import (
    against_ranking,
    build_longlist,
    check_round,
    decision_table,
    funnel,
    load_round,
    stage_ranking,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CRITERIA = ROOT / "criteria" / "digitaliseringskommun.yaml"
HEADER = "code,nominator,proudest,effect,lessons,date\n"


@pytest.fixture(scope="module")
def framework():
    return load_framework(CRITERIA)


@pytest.fixture(scope="module")
def data(framework):
    return load_award_data(DEMO, framework)


@pytest.fixture
def folder(tmp_path):
    """A copy of the demo data folder, to break."""
    return Path(shutil.copytree(DEMO, tmp_path / "demo"))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- nominations ----------------------------------------------------------------------------------------

def test_demo_nominations_several_per_municipality(data):
    noms = load_nominations(DEMO / "nominations.csv", data.register["code"], set(data.register["code"]))
    assert list(noms.columns) == ["code", "nominator", "proudest", "effect", "lessons", "date"]
    counts = noms.groupby("code").size()
    assert counts.max() > 1 and set(data.nominees["code"]) <= set(counts.index)
    own = nominations_of(noms, "0120")
    assert len(own) == counts["0120"] and own["date"].is_monotonic_increasing


@pytest.mark.parametrize("row, column, expected", [
    ("9999,Invånare,A,B,C,2026-01-02", "code", "municipality code"),
    ("0120,,A,B,C,2026-01-02", "nominator", "non-empty"),
    ("0120,Invånare,,B,C,2026-01-02", "proudest", "non-empty"),
    ("0120,Invånare,A,B,C,2026-13-02", "date", "YYYY-MM-DD"),
    ("0120,Invånare,A,B,C,2/1/2026", "date", "YYYY-MM-DD"),
])
def test_a_bad_nomination_is_one_line_naming_row_and_column(tmp_path, data, row, column, expected):
    path = _write(tmp_path / "nominations.csv", HEADER + "0181,Invånare,A,B,C,2026-01-01\n" + row + "\n")
    with pytest.raises(InputError) as exc:
        load_nominations(path, data.register["code"])
    message = str(exc.value)
    assert "\n" not in message and "row 3" in message and f"column {column!r}" in message and expected in message


def test_nomination_texts_are_escaped_in_html():
    noms = pd.DataFrame([{"code": "0120", "nominator": "<b>Eve</b>", "proudest": "<script>alert(1)</script>",
                          "effect": "A & B", "lessons": "x", "date": "2026-01-01"}])
    html = nominations_html(noms, "en").html
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;Eve" in html and "A &amp; B" in html
    assert "What it is proudest of" in html


# --- stages and decisions ---------------------------------------------------------------------------------

def test_demo_round_is_a_funnel(framework, data):
    round_ = load_round(DEMO, framework, data)
    sizes = [(s.id, len(s.candidates)) for s in round_.stages]
    assert sizes == [("nominated", 19), ("longlist", len(data.nominees)), ("shortlist", 4), ("winner", 1)]
    assert "2062+2034+2039" in round_.stages[1].candidates  # the joint nominee is on the longlist
    assert set(round_.stages[1].candidates) == set(data.nominees["code"])
    # each stage's candidates are the previous stage's advancing set
    for before, after in zip(round_.stages, round_.stages[1:]):
        assert after.candidates == before.advancing
    names = data.register.set_index("code")["name"]
    assert funnel(round_, names)[-1]["names"] == ["Södertälje"]


def test_no_round_file_means_no_round(tmp_path, framework, data, folder):
    (folder / "round.yaml").unlink()
    assert load_round(folder, framework, data) is None


def test_stage_ranking_on_every_criterion_is_the_overall_ranking(framework, data):
    from award_eval.evaluation import evaluate

    round_ = load_round(DEMO, framework, data)
    ranking = stage_ranking(framework, data, round_.stage("longlist"))
    overall = evaluate(framework, data).ranking
    pd.testing.assert_frame_equal(ranking.reset_index(drop=True), overall.reset_index(drop=True))


def test_stage_on_a_subset_ranks_on_that_subset_only(framework, data):
    round_ = load_round(DEMO, framework, data)
    stage = round_.stage("nominated")
    ranking = stage_ranking(framework, round_.data, stage)  # the round's data: with the joint nomination
    assert len(ranking) == 19 and ranking["score"].between(0, 100).all()
    assert "Mora + Orsa + Älvdalen" in set(ranking["name"])  # the joint nomination, its members named
    assert ranking["leadership"].isna().all()  # a pillar of jury criteria only: not in this stage


@pytest.mark.parametrize("ranks, advance, against", [
    ([1, 2, 3, 4], [True, True, False, False], [False, False, False, False]),
    ([1, 2, 3, 4], [True, False, True, False], [False, True, True, False]),
    ([1, 1, 3, 4], [True, False, False, False], [False, False, False, False]),  # a tie at the cut
    ([1, 2, 3, 4], [True, True, True, True], [False, False, False, False]),
])
def test_against_ranking(ranks, advance, against):
    codes = ["a", "b", "c", "d"]
    ranking = pd.DataFrame({"rank": ranks, "code": codes})
    decisions = pd.DataFrame({"code": codes, "advance": advance, "reason": ""})
    assert against_ranking(ranking, decisions).tolist() == against


def test_demo_decisions_against_the_ranking_show_their_reason(framework, data):
    tables = check_round(load_round(DEMO, framework, data), framework, data)
    longlist = tables["longlist"].set_index("code")
    assert longlist.at["1430", "against"] and longlist.at["1430", "advance"]
    assert "Munkedal" in longlist.at["0120", "reason"] and longlist.at["0120", "against"]
    html = stage_view(tables["longlist"], framework, "en")._repr_html_()
    assert html.count('class="against"') == 2 and "juryn vill se dem på plats" in html


@pytest.mark.parametrize("stage, old, new, column, expected", [
    ("longlist", "", "9999,yes,x\n", "code", "municipality code from the register"),
    ("longlist", "", "0160,yes,x\n", "code", "a candidate of stage 'longlist'"),  # nominated, not on the longlist
    ("shortlist", "0181,yes,", "0181,maybe,", "advance", "yes or no"),
    ("shortlist", "", "0181,no,x\n", "code", "one decision per candidate"),
])
def test_a_bad_decision_is_one_line(framework, folder, stage, old, new, column, expected):
    path = folder / "decisions" / f"{stage}.csv"
    text = path.read_text(encoding="utf-8")
    _write(path, text.replace(old, new) if old else text + new)
    with pytest.raises(InputError) as exc:
        load_round(folder, framework, load_award_data(folder, framework))
    message = str(exc.value)
    assert "\n" not in message and expected in message and f"{stage}.csv, row " in message
    assert f"column {column!r}" in message


def test_a_candidate_without_a_decision_is_an_error(framework, folder):
    path = folder / "decisions" / "shortlist.csv"
    _write(path, "".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]))
    with pytest.raises(InputError, match="a decision for every candidate of stage 'shortlist'; none for 1880"):
        load_round(folder, framework, load_award_data(folder, framework))


def test_a_decision_against_the_ranking_needs_a_reason(framework, folder):
    path = folder / "decisions" / "longlist.csv"
    _write(path, path.read_text(encoding="utf-8").replace(",Stora effekter för en liten kommun; juryn vill se dem på plats", ","))
    data = load_award_data(folder, framework)
    with pytest.raises(InputError) as exc:
        check_round(load_round(folder, framework, data), framework, data)
    message = str(exc.value)
    assert "row 7" in message and "column 'reason'" in message and f"1430 (advance yes, rank 5 of {len(data.nominees)})" in message


def test_validate_rejects_a_bad_decision_file_in_one_line_exit_2(folder, capsys):
    path = folder / "decisions" / "shortlist.csv"
    _write(path, path.read_text(encoding="utf-8") + "0120,yes,\n")
    code = cli.main(["validate", "--criteria", str(CRITERIA), "--data", str(folder)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "shortlist.csv, row 7, column 'code'" in err
    assert "a candidate of stage 'shortlist'" in err


def test_validate_prints_the_funnel(capsys, data):
    assert cli.main(["validate", "--criteria", str(CRITERIA), "--data", str(DEMO)]) == 0
    assert f"Round: nominated 19 → longlist {len(data.nominees)} → shortlist 4 → winner 1" in capsys.readouterr().out


def test_sheets_for_a_stage_list_its_candidates_only(tmp_path):
    out = tmp_path / "sheets"
    assert cli.main(["sheets", "--criteria", str(CRITERIA), "--nominees", str(DEMO / "nominees.csv"),
                     "--jurors", str(DEMO / "jurors.csv"), "--stage", "shortlist", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(sorted(out.glob("*.xlsx"))[0], read_only=True)
    text = " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert "Södertälje" in text and "Uppsala" in text and "Timrå" not in text and "Kiruna" not in text


def test_sheets_for_an_unknown_stage_is_one_line(tmp_path, capsys):
    code = cli.main(["sheets", "--criteria", str(CRITERIA), "--nominees", str(DEMO / "nominees.csv"),
                     "--jurors", str(DEMO / "jurors.csv"), "--stage", "final", "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "nominated, longlist, shortlist, winner" in err


# --- the longlist and preconditions -----------------------------------------------------------------------

def test_longlist_has_every_nominated_municipality_with_screening_and_preconditions(framework, data):
    longlist = build_longlist(framework, data, DEMO, seed=42)
    table = longlist.table
    assert set(table["code"]) == set(longlist.nominations["code"]) and len(table) == 19
    assert table["nominations"].sum() == len(longlist.nominations)
    assert table["rank"].is_monotonic_increasing and (table["group_rank"] <= table["group_size"]).all()
    assert table["expected"].notna().all() and (table["low"] < table["difference"]).all()  # the joint nominee too
    joint = table.set_index("code").loc["2062+2034+2039"]
    assert joint["name"] == "Mora + Orsa + Älvdalen" and joint["nominations"] == 2 and joint["rank"] > 0
    row = table.iloc[0]
    assert pytest.approx(row["difference"]) == row["score"] - row["expected"]
    sentence = precondition_sentence(row, row["name"], "en")
    assert sentence.startswith(f"{row['name']}: ") and "comparable municipalities" in sentence


def test_the_round_files_are_marked_synthetic():
    """The demo round's files come from data/demo/generate.py (a generator of their own) and say so."""
    for name in ("nominations.csv", "decisions/nominated.csv"):
        assert (DEMO / name).read_text(encoding="utf-8").startswith("# SYNTHETIC DEMONSTRATION DATA")
    assert "SYNTHETIC DEMONSTRATION DATA" in (DEMO / "round.yaml").read_text(encoding="utf-8")


def test_decision_table_of_an_open_stage_has_no_decisions(framework, data):
    round_ = load_round(DEMO, framework, data)
    winner = round_.stage("winner")
    table = decision_table(stage_ranking(framework, data, winner), winner)
    assert table["advance"].isna().all() and not table["against"].any()


# --- the demo run: funnel, stage reports, longlist, profiles ----------------------------------------------

@pytest.fixture(scope="module")
def demo_out(demo_cli_run):
    out, res = demo_cli_run
    assert res.returncode == 0, res.stderr[-3000:]
    return out


def _soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_demo_index_shows_the_funnel(demo_out):
    funnel_ = _soup(demo_out / "index.html").find(id="round")
    stages = [li.get_text(" ", strip=True) for li in funnel_.find_all("li")]
    assert [s.split(" (")[0] for s in stages] == ["Nominerade", "Långlista", "Kortlista", "Vinnare"]
    assert "(19 kandidater)" in stages[0] and "Mora + Orsa + Älvdalen" in stages[0] and "(4 kandidater)" in stages[2] and stages[3].endswith("(1 kandidat) : Södertälje")
    assert "Munkedal" in stages[2] and "Timrå" not in stages[2]
    english = _soup(demo_out / "index.en.html").find(id="round").get_text(" ", strip=True)
    assert "Shortlist (4 candidates)" in english


def test_demo_stage_report_shows_decisions_against_the_ranking_with_their_reason(demo_out, data):
    report = _soup(demo_out / "stage-longlist" / "report.html")
    assert report.find("h1").get_text(strip=True) == "Steg: Långlista"
    rows = report.select("table.ranking tr.against")
    assert [r.find_all("td")[1].get_text() for r in rows] == ["Värmdö", "Munkedal"]
    assert "juryn vill se dem på plats" in rows[1].get_text()
    ranking = pd.read_csv(demo_out / "stage-longlist" / "stage_ranking.csv", dtype={"code": str})
    assert len(ranking) == len(data.nominees) and ranking["advance"].sum() == 4
    joint = ranking.set_index("code").loc["2062+2034+2039"]  # on the longlist, not advancing, with its reason
    assert joint["name"] == "Mora + Orsa + Älvdalen" and not joint["advance"]
    assert "Ett lovande samarbete" in report.get_text(" ")


def test_demo_longlist_and_profiles_show_nominations_and_preconditions(demo_out):
    longlist = pd.read_csv(demo_out / "longlist" / "longlist.csv", dtype={"code": str})
    assert len(longlist) == 19 and longlist["expected"].notna().sum() == 19
    nominated = _soup(demo_out / "stage-nominated" / "report.html").get_text(" ")
    assert "Mora + Orsa + Älvdalen" in nominated and "Juryns urval" in nominated  # it advanced to the longlist
    text = _soup(demo_out / "longlist" / "report.html").get_text(" ")
    assert "Nomineringar" in text and "poäng över jämförbara kommuner" in text
    profile = _soup(demo_out / "profile-1430" / "report.html")
    headings = [h.get_text(strip=True) for h in profile.find_all("h2")]
    assert "Nomineringar" in headings and "Resultat givet förutsättningarna" in headings
    assert "Handläggningstiden har ungefär halverats." in profile.get_text(" ")
    assert "&amp; nattillsyn" in (demo_out / "profile-0181" / "report.html").read_text(encoding="utf-8")


JOINT = "2062+2034+2039"
MEMBERS = ("Mora (2062)", "Orsa (2034)", "Älvdalen (2039)")


@pytest.mark.parametrize("folder_name, lang", [("overall", "sv"), ("overall-en", "en")])
def test_demo_overall_ranking_has_the_joint_nominee_with_its_members_named(demo_out, folder_name, lang):
    report = _soup(demo_out / folder_name / "report.html")
    rows = [[td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in report.select("table.ranking tbody tr")]
    names = [r[1] for r in rows]
    ranking = pd.read_csv(demo_out / folder_name / "ranking.csv", dtype={"code": str})
    assert JOINT in set(ranking["code"]) and names == list(ranking["name"])  # every nominee, in rank order
    assert "Mora + Orsa + Älvdalen" in names
    lead = " ".join(p.get_text(" ", strip=True) for p in report.select("p.lead"))
    note = next(s for s in lead.split(". ") if "Mora + Orsa + Älvdalen" in s and "2062" in s)
    assert all(m in note for m in MEMBERS) and ("gemensam nominering" if lang == "sv" else "joint nomination") in note


def test_demo_joint_profile_names_its_members_and_shows_its_nominations_escaped(demo_out):
    path = demo_out / "profile-2062-2034-2039" / "report.html"
    profile = _soup(path)
    assert profile.find("h1").get_text(strip=True) == "Profil: Mora + Orsa + Älvdalen"
    text = profile.get_text(" ")
    assert "gemensam nominering av Mora, Orsa, Älvdalen" in text and "(291 enheter)" in text  # beside the population
    assert "hör till kommungruppen C9 Landsbygdskommuner med besöksnäring (21 kommuner)" in text  # its members' group
    nominations = pd.read_csv(DEMO / "nominations.csv", comment="#", dtype=str)
    own = nominations[nominations["code"] == JOINT]
    assert len(own) == 2
    for field in ("proudest", "effect", "lessons"):
        assert all(value in text for value in own[field])
    raw = path.read_text(encoding="utf-8")
    assert "Gemensam IT-drift &amp; support" in raw and "Gemensam IT-drift & support" not in raw  # escaped
    english = _soup(demo_out / "profile-2062-2034-2039-en" / "report.html").get_text(" ")
    assert "joint nomination of Mora, Orsa, Älvdalen" in english and own["proudest"].iloc[0] in english


def test_validate_before_the_jury_has_scored(folder, capsys):
    """A round's first stages come before any scores: no jury_scores.csv yet, even no nominees yet."""
    (folder / "jury_scores.csv").unlink()
    for stage in ("longlist", "shortlist"):  # later decisions would now go against a ranking without the jury
        (folder / "decisions" / f"{stage}.csv").unlink()
    assert cli.main(["validate", "--criteria", str(CRITERIA), "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "0 jury scores" in out and "Scores still owed" in out and "(longlist: not decided yet" in out
    (folder / "nominees.csv").write_text("code\n", encoding="utf-8")
    (folder / "conflicts.csv").unlink()
    (folder / "decisions" / "nominated.csv").unlink()
    assert cli.main(["validate", "--criteria", str(CRITERIA), "--data", str(folder)]) == 0
    assert "(nominated: not decided yet, no decisions/nominated.csv)" in capsys.readouterr().out


def test_a_stage_with_its_own_scores(framework, folder):
    """scores/<stage>.csv: the shortlist re-scored after the site visits ranks on those scores."""
    lines = (DEMO / "jury_scores.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    shortlist = {"0181", "0380", "1430", "1880"}
    rows = [l for l in lines[2:] if l.split(",")[1] in shortlist]
    low = [",".join(f[:3] + ["1"] + f[4:]) if f[1] == "0181" else ",".join(f) for f in (r.split(",") for r in rows)]
    (folder / "scores").mkdir()
    (folder / "scores" / "shortlist.csv").write_text(lines[1] + "".join(low), encoding="utf-8")
    data = load_award_data(folder, framework)
    assert "scores/shortlist.csv" in data.files  # its hash counts
    round_ = load_round(folder, framework, data)
    stage = round_.stage("shortlist")
    assert stage.scores is not None and set(stage.scores["nominee"]) == shortlist
    ranking = stage_ranking(framework, round_.data, stage)
    assert ranking["code"].iloc[-1] == "0181"  # scored 1 everywhere after the visit
    longlist = stage_ranking(framework, round_.data, round_.stage("longlist"))
    assert longlist["code"].iloc[0] == "0181"  # the longlist still ranks on jury_scores.csv
    with pytest.raises(InputError, match=r"decisions/shortlist.csv, row 3, column 'reason'.*0181 \(advance yes, rank 4 of 4\)"):
        check_round(round_, framework, data)  # the winner now goes against the shortlist's ranking


def test_stage_scores_are_checked(framework, folder):
    (folder / "scores").mkdir()
    (folder / "scores" / "shortlist.csv").write_text("juror,nominee,criterion,score,comment\n"
                                                     "Anna Berg,2262,strategy,3,\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_round(folder, framework, load_award_data(folder, framework))
    assert "scores/shortlist.csv" in str(exc.value) and "column 'nominee'" in str(exc.value)


def test_user_text_never_becomes_a_formula_in_our_csvs():
    from award_eval.nominations import spreadsheet_safe

    frame = pd.DataFrame({"code": ["0120", "2062+2034+2039"], "text": ["=HYPERLINK(\"x\")", "+46 lyckat"],
                          "n": [1, 2]})
    out = spreadsheet_safe(frame)
    assert out["text"].tolist() == ["'=HYPERLINK(\"x\")", "'+46 lyckat"] and out["code"].tolist() == frame["code"].tolist()
    assert out["n"].tolist() == [1, 2] and frame["text"].iloc[0].startswith("=")  # the input is not changed
