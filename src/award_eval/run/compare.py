"""Two rounds side by side: each municipality's change in rank and score between two runs.

:func:`compare_runs` reads the ranking of one evaluation in each run folder (``ranking.csv`` and
``criterion_scores.csv``, as ``award-eval run`` writes them) and lines them up by municipality
code. Scores can only be compared when both rounds scored the same criteria tree: when the
criteria differ, the comparison is refused with the ids that differ, unless a mapping file says
which criterion of the second round stands for which of the first (``from,to``; ``to`` empty:
dropped).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import jinja2
import pandas as pd

from award_eval.errors import InputError
from award_eval.i18n import Lang, check_lang, fmt_int, fmt_number, t
from award_eval.io.files import atomic_write_text, write_csv
from award_eval.io.tables import read_table

COLUMNS = ["code", "name", "rank_a", "rank_b", "rank_change", "score_a", "score_b", "score_change"]
CRITERION_COLUMNS = ["code", "criterion", "score_a", "score_b", "score_change"]


@dataclass(frozen=True)
class Comparison:
    """``changes`` (one row per municipality in either run, ``COLUMNS``), ``criteria`` (long
    per-criterion changes), and what each run is (``runs``: name, evaluation, criteria version,
    synthetic)."""

    changes: pd.DataFrame
    criteria: pd.DataFrame
    runs: tuple[dict, dict]
    mapped: dict[str, str | None]

    @property
    def synthetic(self) -> bool:
        return any(r["synthetic"] for r in self.runs)


def _manifest(run: Path) -> dict:
    path = run / "manifest.json"
    if not run.is_dir():
        raise InputError(run, "a run folder written by `award-eval run` (not found)", has_value=False)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "the run's manifest.json (not found: is this a run folder?)", has_value=False) from None
    except (OSError, ValueError) as exc:
        raise InputError(path, f"a readable JSON manifest ({type(exc).__name__})", has_value=False) from None


def _ranking_evaluation(run: Path, manifest: dict, wanted: str | None) -> str:
    """The evaluation to compare: ``wanted``, else the run's first ranking evaluation."""
    done = [e["id"] for e in manifest.get("evaluations", []) if e.get("status") in ("done", "skipped")]
    if wanted is not None:
        if wanted not in done or not (run / wanted / "ranking.csv").is_file():
            raise InputError(run / "manifest.json", f"a completed evaluation with a ranking (have: "
                             f"{', '.join(i for i in done if (run / i / 'ranking.csv').is_file()) or 'none'})",
                             column="evaluation", value=wanted)
        return wanted
    for ev in done:
        if (run / ev / "ranking.csv").is_file() and (run / ev / "criterion_scores.csv").is_file():
            return ev
    raise InputError(run / "manifest.json", "a completed evaluation with ranking.csv and criterion_scores.csv",
                     has_value=False)


def _read(run: Path, evaluation: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    ranking = read_table(run / evaluation / "ranking.csv", ["rank", "code", "name", "score"]).frame
    crit = read_table(run / evaluation / "criterion_scores.csv", ["code", "criterion", "score"]).frame
    for frame, cols in ((ranking, ["rank", "score"]), (crit, ["score"])):
        for c in cols:
            frame[c] = pd.to_numeric(frame[c].replace("", None), errors="coerce")
    return ranking, crit[["code", "criterion", "score"]]


def read_mapping(path: str | Path) -> dict[str, str | None]:
    """A mapping file ``from,to``: a criterion id of the second run and the first run's id it
    stands for (empty ``to``: the criterion is dropped from the comparison)."""
    table = read_table(path, ["from", "to"])
    out: dict[str, str | None] = {}
    for i, row in table.frame.iterrows():
        if row["from"] in out:
            raise table.error(i, "from", row["from"], "each criterion id once")
        out[row["from"]] = row["to"] or None
    return out


def compare_runs(run_a: str | Path, run_b: str | Path, *, evaluation: str | None = None,
                 mapping: dict[str, str | None] | None = None) -> Comparison:
    """Line up the rankings of two runs (A the earlier round, B the later)."""
    run_a, run_b = Path(run_a), Path(run_b)
    man_a, man_b = _manifest(run_a), _manifest(run_b)
    ev_a = _ranking_evaluation(run_a, man_a, evaluation)
    ev_b = _ranking_evaluation(run_b, man_b, evaluation)
    rank_a, crit_a = _read(run_a, ev_a)
    rank_b, crit_b = _read(run_b, ev_b)
    mapping = dict(mapping or {})
    if mapping:
        crit_b = crit_b.assign(criterion=crit_b["criterion"].map(lambda c: mapping.get(c, c)))
        crit_b = crit_b[crit_b["criterion"].notna()]
    ids_a, ids_b = set(crit_a["criterion"]), set(crit_b["criterion"])
    if ids_a != ids_b:
        only_a, only_b = sorted(ids_a - ids_b), sorted(ids_b - ids_a)
        raise InputError(run_b / ev_b / "criterion_scores.csv",
                         "the same criteria as the first run; they differ in structure (only in the first: "
                         f"{', '.join(only_a) or 'none'}; only in the second: {', '.join(only_b) or 'none'}): "
                         "give --mapping FILE with columns from,to", has_value=False)
    a = rank_a.set_index("code")[["name", "rank", "score"]]
    b = rank_b.set_index("code")[["name", "rank", "score"]]
    codes = sorted(set(a.index) | set(b.index))
    out = pd.DataFrame({"code": codes})
    out["name"] = [b["name"].get(c) if c in b.index else a["name"].get(c) for c in codes]
    out["rank_a"] = a["rank"].reindex(codes).to_numpy()
    out["rank_b"] = b["rank"].reindex(codes).to_numpy()
    out["rank_change"] = out["rank_a"] - out["rank_b"]  # positive: moved up
    out["score_a"] = a["score"].reindex(codes).to_numpy()
    out["score_b"] = b["score"].reindex(codes).to_numpy()
    out["score_change"] = out["score_b"] - out["score_a"]
    for c in ("rank_a", "rank_b", "rank_change"):
        out[c] = out[c].astype("Int64")
    out = out.sort_values(["rank_b", "rank_a", "code"], na_position="last", kind="stable").reset_index(drop=True)
    crit = crit_a.rename(columns={"score": "score_a"}).merge(
        crit_b.rename(columns={"score": "score_b"}), on=["code", "criterion"], how="outer")
    crit["score_change"] = crit["score_b"] - crit["score_a"]
    crit = crit.sort_values(["code", "criterion"], kind="stable").reset_index(drop=True)[CRITERION_COLUMNS]
    runs = tuple({"name": run.name, "evaluation": ev, "criteria_version": man.get("criteria_version"),
                  "synthetic": bool(man.get("synthetic"))}
                 for run, ev, man in ((run_a, ev_a, man_a), (run_b, ev_b, man_b)))
    return Comparison(out[COLUMNS], crit, runs, mapping)


def _signed(value, lang: Lang, decimals: int) -> str:
    if pd.isna(value):
        return "–"
    if decimals == 0:
        v = int(value)
        return "±0" if v == 0 else (f"+{fmt_int(v, lang)}" if v > 0 else fmt_number(v, lang, 0))
    return fmt_number(value, lang, decimals, sign=True)


def render_comparison(comparison: Comparison, lang: Lang = "sv") -> str:
    """The comparison as an HTML page (every value escaped by the template)."""
    lang = check_lang(lang)
    env = jinja2.Environment(loader=jinja2.PackageLoader("award_eval", "templates"), autoescape=True)
    rows = [{"name": r.name, "code": r.code,
             "rank_a": "–" if pd.isna(r.rank_a) else fmt_int(r.rank_a, lang),
             "rank_b": "–" if pd.isna(r.rank_b) else fmt_int(r.rank_b, lang),
             "rank_change": _signed(r.rank_change, lang, 0),
             "score_a": "–" if pd.isna(r.score_a) else fmt_number(r.score_a, lang, 1),
             "score_b": "–" if pd.isna(r.score_b) else fmt_number(r.score_b, lang, 1),
             "score_change": _signed(r.score_change, lang, 1)} for r in comparison.changes.itertuples()]
    a, b = comparison.runs
    moved = comparison.changes.dropna(subset=["rank_change"])
    up = moved.sort_values("rank_change", ascending=False, kind="stable").head(1)
    lead = [t("compare.sentence.leader", lang, name=r.name, rank_a=_signed(r.rank_a, lang, 0).lstrip("+"))
            for r in comparison.changes.head(1).itertuples() if not pd.isna(r.rank_b)]
    if not up.empty and int(up.iloc[0]["rank_change"]) > 0:
        lead.append(t("compare.sentence.up", lang, name=up.iloc[0]["name"], n=int(up.iloc[0]["rank_change"])))
    style = (files("award_eval") / "templates" / "report.css").read_text(encoding="utf-8")
    return env.get_template("compare.html.j2").render(
        lang=lang, css=style, rows=rows, a=a, b=b, sentences=lead, synthetic=comparison.synthetic,
        mapped=comparison.mapped, T={k: t(f"compare.page.{k}", lang) for k in WORDS})


WORDS = ("title", "intro", "caption", "name", "rank_a", "rank_b", "rank_change", "score_a", "score_b",
         "score_change", "synthetic", "downloads", "csv_changes", "csv_criteria", "mapped", "runs")


def write_comparison(comparison: Comparison, out_dir: str | Path, lang: Lang = "sv") -> list[Path]:
    """``changes.csv``, ``criterion_changes.csv`` and ``compare.html`` in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [write_csv(comparison.changes, out / "changes.csv"),
            write_csv(comparison.criteria, out / "criterion_changes.csv"),
            atomic_write_text(out / "compare.html", render_comparison(comparison, lang))]
