"""The round's last gaps: the winner stage's report, and a bad decision file stopping a run before it starts."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from award_eval.criteria import load_framework
from award_eval.data import load_award_data
from award_eval.errors import InputError
from award_eval.present.round import stage_parts
from award_eval.present.tables import Table
from award_eval.round import check_round, load_round
from award_eval.run.plan import check_parameters, load_plan

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CRITERIA = ROOT / "criteria" / "digitaliseringskommun.yaml"
COMMENT = "# SYNTHETIC DEMONSTRATION DATA — a test's copy\n"


@pytest.fixture(scope="module")
def framework():
    return load_framework(CRITERIA)


@pytest.fixture
def folder(tmp_path):
    """A copy of the demo data folder whose plan points at this repository's notebooks and criteria."""
    folder = Path(shutil.copytree(DEMO, tmp_path / "data" / "demo"))
    plan = (folder / "plan.yaml").read_text(encoding="utf-8").replace("../../", f"{ROOT.as_posix()}/")
    (folder / "plan.yaml").write_text(plan, encoding="utf-8")
    return folder


def _parts(framework, folder: Path, stage: str, lang: str = "sv"):
    data = load_award_data(folder, framework)
    round_ = load_round(folder, framework, data)
    parts, table = stage_parts(round_, stage, check_round(round_, framework, data), framework, lang)
    return parts, table, " ".join(p.text for p in parts if not isinstance(p, Table))


def test_the_winner_stage_shows_the_winner_the_decision_and_the_shortlist(framework):
    parts, table, text = _parts(framework, DEMO, "winner")
    assert text.startswith("Vinnare Juryn utsåg Södertälje bland de 4 kandidaterna i steget Kortlista.")
    assert "Södertälje var på plats 1 av 4 i steget Kortlista; beslutet följer rangordningen." in text
    assert "Steget vinnaren valdes ur: Kortlista" in text
    assert set(table["code"]) == {"0181", "0380", "1430", "1880"} and table["rank"].is_monotonic_increasing
    assert list(table.loc[table["advance"] == True, "code"]) == ["0181"]  # noqa: E712 - a nullable column
    view = next(p for p in parts if isinstance(p, Table))
    assert "Vinnare" in [c.header for c in view.columns] and "Går vidare" not in [c.header for c in view.columns]
    _, _, english = _parts(framework, DEMO, "winner", "en")
    assert "The jury chose Södertälje from the 4 candidates of the stage Shortlist." in english


def test_a_winner_against_the_ranking_is_shown_with_its_reason(framework, folder):
    (folder / "decisions" / "shortlist.csv").write_text(
        COMMENT + "code,advance,reason\n0181,no,Platsbesöket visade svagare effekter\n"
        "0380,yes,Uppsala & co: störst nytta för invånarna <vid besöket>\n1430,no,\n1880,no,\n", encoding="utf-8")
    parts, table, text = _parts(framework, folder, "winner")
    assert "Juryn utsåg Uppsala" in text
    assert ("Uppsala var på plats 2 av 4 i steget Kortlista: beslutet går mot rangordningen. Juryns motivering: "
            "Uppsala & co: störst nytta för invånarna <vid besöket>") in text
    html = "".join(p._repr_html_() for p in parts)
    assert "&lt;vid besöket&gt;" in html and "<vid" not in html  # the jury's text is escaped
    against = table.set_index("code")["against"]
    assert against["0380"] and against["0181"] and not against["1430"]
    view = next(p for p in parts if isinstance(p, Table))
    assert sorted(view.row_classes.values()) == ["against", "against"]


def test_an_undecided_final_stage_says_so(framework, folder):
    (folder / "decisions" / "shortlist.csv").unlink()
    _, table, text = _parts(framework, folder, "winner")
    assert "Vinnaren är inte utsedd än: steget Kortlista (4 kandidater) är inte beslutat." in text
    assert table["advance"].isna().all()


def test_other_stages_show_their_ranking_and_decisions(framework):
    parts, table, text = _parts(framework, DEMO, "longlist")
    assert text.startswith("Långlista 9 kandidater; 4 går vidare; 2 beslut går mot rangordningen")  # the joint nominee too
    assert len(table) == 9 and isinstance(parts[-1], Table)


# --- a bad decision file stops `award-eval run` before anything runs --------------------------------------

BROKEN = {
    "unknown code": ("longlist", "0181,yes,", "9999,yes,", "row 4, column 'code': value '9999'", "from the register"),
    "not a candidate": ("longlist", "0181,yes,", "0114,yes,", "row 4, column 'code': value '0114'",
                        "a candidate of stage 'longlist'"),
    "bad advance": ("shortlist", "0380,no,", "0380,kanske,", "row 4, column 'advance': value 'kanske'", "yes or no"),
    "missing reason": ("longlist", "Stora effekter för en liten kommun; juryn vill se dem på plats", "",
                       "row 7, column 'reason'", "goes against the ranking of stage 'longlist'"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_bad_decision_file_stops_the_run_before_anything_runs(folder, tmp_path, case):
    stage, old, new, where, expected = BROKEN[case]
    path = folder / "decisions" / f"{stage}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    out = tmp_path / "out"
    if case == "bad advance":  # an existing out folder is left as it was
        out.mkdir()
        (out / "keep.txt").write_text("mine", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "run", str(folder / "plan.yaml"), "--out", str(out),
                          "--jobs", "1"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 2, res.stderr[-2000:]
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr and res.stdout == ""
    line = res.stderr.strip()
    assert f"decisions/{stage}.csv, {where}" in line and expected in line
    if case == "bad advance":
        assert [p.name for p in out.iterdir()] == ["keep.txt"]
    else:
        assert not out.exists()
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before  # no input modified


def test_the_round_check_is_part_of_checking_a_plan(folder):
    (folder / "decisions" / "longlist.csv").write_text(COMMENT + "code,advance,reason\n0181,ja,\n", encoding="utf-8")
    plan = load_plan(folder / "plan.yaml")  # the plan file itself is fine
    with pytest.raises(InputError, match=r"longlist.csv, row 3, column 'advance': value 'ja'"):
        check_parameters(plan)
    (folder / "round.yaml").unlink()  # without a round there is nothing to check
    check_parameters(load_plan(folder / "plan.yaml"))


# --- the demo run: the winner's report, the funnel's links ---------------------------------------------------

def _soup(path: Path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_demo_run_has_a_winner_report_and_the_funnel_links_every_stage(demo_run_dir):
    funnel = _soup(demo_run_dir / "index.html").find(id="round")
    links = [(a.get_text(strip=True), a["href"]) for a in funnel.find_all("a")]
    assert links == [("Nominerade", "stage-nominated/report.html"), ("Långlista", "stage-longlist/report.html"),
                     ("Kortlista", "stage-shortlist/report.html"), ("Vinnare", "stage-winner/report.html")]
    english = _soup(demo_run_dir / "index.en.html").find(id="round")
    assert [a["href"] for a in english.find_all("a")][-1] == "stage-winner-en/report.html"
    for _, href in links:
        assert (demo_run_dir / href).is_file()
    report = _soup(demo_run_dir / "stage-winner" / "report.html")
    assert report.find("h1").get_text(strip=True) == "Steg: Vinnare"
    text = report.get_text(" ")
    assert "Juryn utsåg Södertälje bland de 4 kandidaterna i steget Kortlista." in text
    rows = report.select("table.ranking tbody tr")
    assert len(rows) == 4 and "Södertälje" in rows[0].get_text() and "ja" in rows[0].get_text()
    english_report = _soup(demo_run_dir / "stage-winner-en" / "report.html").get_text(" ")
    assert "The jury chose Södertälje from the 4 candidates of the stage Shortlist." in english_report
