"""The run's shared precomputation (award_eval.shared): its key, its store, and that it changes no result."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from award_eval.evaluation import Settings
from award_eval.run.batch import result_files
from award_eval.shared import ENV, Shared, compute, input_key, shared

from .conftest import CRITERIA, DEMO, DEMO_EPOCH, ROOT


def frames_equal(a: Shared, b: Shared) -> None:
    pd.testing.assert_frame_equal(a.population, b.population)
    pd.testing.assert_frame_equal(a.result.ranking, b.result.ranking)
    pd.testing.assert_frame_equal(a.result.criterion_scores, b.result.criterion_scores)
    pd.testing.assert_frame_equal(a.expected, b.expected)
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    pd.testing.assert_frame_equal(a.data.register, b.data.register)


def test_key_changes_with_every_input(demo_copy: Path, tmp_path: Path):
    criteria = tmp_path / "criteria.yaml"
    criteria.write_bytes(CRITERIA.read_bytes())
    base = input_key(criteria, demo_copy, Settings(), 42)
    assert input_key(criteria, demo_copy, Settings(), 42) == base  # the same inputs, the same key
    assert input_key(criteria, demo_copy, Settings(), 43) != base  # seed
    assert input_key(criteria, demo_copy, Settings(normalisation="zscore"), 42) != base  # a setting
    assert input_key(criteria, demo_copy, Settings(jury_method="median"), 42) != base
    assert input_key(criteria, demo_copy, Settings(), 42, anonymise_jurors=True) != base
    (demo_copy / "covariates.csv").write_bytes((demo_copy / "covariates.csv").read_bytes() + b"\n")
    changed_data = input_key(criteria, demo_copy, Settings(), 42)
    assert changed_data != base  # a data file
    criteria.write_bytes(criteria.read_bytes() + b"\n# a comment\n")
    assert input_key(criteria, demo_copy, Settings(), 42) not in (base, changed_data)  # the criteria file


def test_store_is_written_once_and_read_back(tmp_path: Path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    direct = shared(CRITERIA, DEMO, Settings(), 42)  # no store: computed here, nothing written
    store = tmp_path / "store"
    first = shared(CRITERIA, DEMO, Settings(), 42, store=store)
    files = sorted(p.name for p in store.glob("*.pkl"))
    assert files == [input_key(CRITERIA, DEMO, Settings(), 42) + ".pkl"]
    stamp = (store / files[0]).stat().st_mtime_ns
    second = shared(CRITERIA, DEMO, Settings(), 42, store=store)
    assert (store / files[0]).stat().st_mtime_ns == stamp  # read, not written again
    frames_equal(direct, first)
    frames_equal(direct, second)
    monkeypatch.setenv(ENV, str(store))  # what a kernel of award-eval run sees
    frames_equal(direct, shared(CRITERIA, DEMO, Settings(), 42))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other_key"])
def test_a_damaged_or_foreign_store_file_is_never_used(tmp_path: Path, damage: str):
    store = tmp_path / "store"
    key = input_key(CRITERIA, DEMO, Settings(), 42)
    path = store / f"{key}.pkl"
    shared(CRITERIA, DEMO, Settings(), 42, store=store)
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a pickle at all")
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    else:  # another input's file under this name (seed 7): its embedded key does not match
        other = tmp_path / "other"
        shared(CRITERIA, DEMO, Settings(), 7, store=other)
        path.write_bytes(next(other.glob("*.pkl")).read_bytes())
    again = shared(CRITERIA, DEMO, Settings(), 42, store=store)
    frames_equal(compute(CRITERIA, DEMO, Settings(), 42), again)
    assert again.seed == 42
    assert path.read_bytes()[:200] == good[:200]  # replaced by a good one


def test_demo_award_is_byte_identical_without_the_shared_store(demo_run_dir: Path, tmp_path: Path):
    """The session's demo run (shared store) against the same plan run with --no-shared."""
    import json

    manifest = json.loads((demo_run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["shared_stores"] == 2  # one for the profiles, one for the stage reports, written by its kernels,
    assert not list((demo_run_dir / ".shared").glob("*.pkl"))  # and removed at its end (local paths inside)
    out = tmp_path / "no-shared"
    env = {**os.environ, "SOURCE_DATE_EPOCH": DEMO_EPOCH}
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "run", "data/demo/plan.yaml", "--out", str(out),
                          "--jobs", "2", "--quiet", "--no-shared"], cwd=ROOT, capture_output=True, text=True,
                         env=env, timeout=1200)
    assert res.returncode == 0, res.stderr[-3000:]
    assert not (out / ".shared").exists()
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["run"]["shared_stores"] == 0
    with_store, without = result_files(demo_run_dir), result_files(out)
    assert sorted(with_store) == sorted(without)
    assert any(name.endswith("report.html") for name in with_store) and "index.html" in with_store
    assert [n for n in with_store if with_store[n] != without[n]] == []


def test_the_stage_reports_share_one_ranked_round(tmp_path: Path):
    """shared_round: computed once into the store, read back equal; a foreign file is never used."""
    from award_eval.shared import compute_round, shared_round

    store = tmp_path / "store"
    first = shared_round(CRITERIA, DEMO, Settings(), 42, store=store)
    files = list(store.glob("*-round.pkl"))
    assert len(files) == 1
    again = shared_round(CRITERIA, DEMO, Settings(), 42, store=store)
    fresh = compute_round(CRITERIA, DEMO, Settings())
    assert set(again.decided) == set(fresh.decided) == {s.id for s in fresh.round.stages}
    for stage, table in fresh.decided.items():
        pd.testing.assert_frame_equal(again.decided[stage], table)
        pd.testing.assert_frame_equal(first.decided[stage], table)
    files[0].write_bytes(b"award-eval-shared\nnot this key\n")  # damaged: recomputed, replaced
    replaced = shared_round(CRITERIA, DEMO, Settings(), 42, store=store)
    pd.testing.assert_frame_equal(replaced.decided["longlist"], fresh.decided["longlist"])
    assert files[0].read_bytes() != b"award-eval-shared\nnot this key\n"
