"""award-eval compare: two runs lined up by municipality; criteria that differ are refused."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from award_eval.errors import InputError
from award_eval.run.compare import compare_runs, write_comparison


def make_run(root: Path, name: str, ranking: list[tuple], criteria: dict[str, dict[str, float]],
             version: str = "2026.1") -> Path:
    """A run folder as award-eval run writes it: manifest.json, overall/ranking.csv, criterion_scores.csv."""
    run = root / name
    (run / "overall").mkdir(parents=True)
    (run / "manifest.json").write_text(json.dumps({"criteria_version": version, "synthetic": True, "evaluations": [
        {"id": "overall", "status": "done"}]}), encoding="utf-8")
    pd.DataFrame(ranking, columns=["rank", "code", "name", "score"]).to_csv(run / "overall" / "ranking.csv", index=False)
    rows = [(code, crit, score) for code, scores in criteria.items() for crit, score in scores.items()]
    pd.DataFrame(rows, columns=["code", "criterion", "score"]).to_csv(run / "overall" / "criterion_scores.csv",
                                                                        index=False)
    return run


@pytest.fixture
def two_rounds(tmp_path):
    a = make_run(tmp_path, "2024", [(1, "0181", "Södertälje", 70.0), (2, "0380", "Uppsala", 60.0),
                                    (3, "0120", "Värmdö", 50.0)],
                 {"0181": {"x": 70, "y": 70}, "0380": {"x": 60, "y": 60}, "0120": {"x": 50, "y": 50}})
    b = make_run(tmp_path, "2026", [(1, "0120", "Värmdö", 80.0), (2, "0181", "Södertälje", 65.0),
                                    (3, "2584", "Kiruna", 40.0)],
                 {"0120": {"x": 80, "y": 80}, "0181": {"x": 65, "y": 65}, "2584": {"x": 40, "y": 40}})
    return a, b


def test_changes_in_rank_and_score(two_rounds):
    c = compare_runs(*two_rounds).changes.set_index("code")
    assert c.at["0120", "rank_change"] == 2 and c.at["0120", "score_change"] == pytest.approx(30.0)
    assert c.at["0181", "rank_change"] == -1
    assert pd.isna(c.at["0380", "rank_b"]) and pd.isna(c.at["2584", "rank_a"])  # in one round only
    assert list(c.index[:3]) == ["0120", "0181", "2584"]  # the later round's order first


def test_a_run_against_itself_changes_nothing(demo_cli_run):
    out, res = demo_cli_run
    assert res.returncode == 0, res.stderr
    c = compare_runs(out, out).changes
    n = len(pd.read_csv(out / "overall" / "ranking.csv", dtype={"code": str}))  # every ranked nominee
    assert (c["rank_change"] == 0).all() and (c["score_change"] == 0).all() and len(c) == n == 9


def test_criteria_that_differ_are_refused_unless_mapped(two_rounds, tmp_path):
    a, b = two_rounds
    crit = pd.read_csv(b / "overall" / "criterion_scores.csv", dtype=str)
    crit["criterion"] = crit["criterion"].replace({"y": "y2"})
    crit.to_csv(b / "overall" / "criterion_scores.csv", index=False)
    with pytest.raises(InputError) as err:
        compare_runs(a, b)
    msg = str(err.value)
    assert "\n" not in msg and "only in the first: y" in msg and "only in the second: y2" in msg and "--mapping" in msg
    mapping = tmp_path / "map.csv"
    mapping.write_text("from,to\ny2,y\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "compare", str(a), str(b), "--out",
                          str(tmp_path / "cmp"), "--mapping", str(mapping), "--lang", "en"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    page = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert 'lang="en"' in page and "Värmdö leads the second round (rank 3 in the first)." in page
    assert "Largest climb: Värmdö, up 2 places." in page and "y2 → y" in page


def test_cli_refusal_is_one_line_and_writes_nothing(two_rounds, tmp_path):
    a, _ = two_rounds
    out = tmp_path / "cmp"
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "compare", str(a), str(tmp_path / "nope"),
                          "--out", str(out)], capture_output=True, text=True)
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1 and "not found" in res.stderr
    assert not out.exists()


def test_names_are_escaped(two_rounds, tmp_path):
    a, b = two_rounds
    rk = pd.read_csv(b / "overall" / "ranking.csv", dtype=str)
    rk.loc[0, "name"] = "<script>alert(1)</script>"
    rk.to_csv(b / "overall" / "ranking.csv", index=False)
    write_comparison(compare_runs(a, b), tmp_path / "cmp", "sv")
    page = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;" in page
