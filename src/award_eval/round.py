"""A round of the award: ordered stages, each with its candidates, criteria, ranking and recorded decision.

``round.yaml`` in the award's data folder lists the stages in order::

    stages:
      - id: nominated
        criteria: [broadband, email_help]   # criterion or pillar ids; left out = every criterion
      - id: longlist
      - id: shortlist
      - id: winner

The first stage's candidates are the nominated municipalities (``nominations.csv``; without it, the
nominees of ``nominees.csv``). Every later stage's candidates are the previous stage's advancing set,
read from ``decisions/<previous stage>.csv`` — ``code, advance (yes|no), reason``. A stage without a
decision file is still open: the stages after it have no candidates yet. A stage may have its own
jury scores, ``scores/<stage>.csv`` (``jury_scores.csv``'s columns; e.g. after the site visits);
without it the stage uses ``jury_scores.csv``.

Each stage ranks its candidates on its criteria through the one scoring path
(:func:`award_eval.evaluation.evaluate`, re-aggregated over the stage's criteria). A decision *goes
against the ranking* when a candidate advances while one ranked above it does not: such a decision
needs a reason. Every problem is one :class:`~award_eval.errors.InputError` line.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from award_eval.composite import aggregate_tree
from award_eval.criteria import Framework
from award_eval.data import AwardData, with_joint
from award_eval.errors import InputError
from award_eval.evaluation import Settings, evaluate
from award_eval.io.tables import read_table
from award_eval.jury import read_jury_scores
from award_eval.io.yaml import parse
from award_eval.nominations import load_if_present
from award_eval import screening
from award_eval.preconditions import expected_scores, load_covariates
from award_eval.ranking import rank_scores

FILE = "round.yaml"
DECISIONS_DIR = "decisions"
SCORES_DIR = "scores"
STAGE_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
ADVANCE = {"yes": True, "no": False}


@dataclass(frozen=True)
class Stage:
    """One stage: its candidates (codes), criteria (leaf ids; ``None`` = all) and its decisions.

    ``decisions``: ``code, advance (bool), reason`` in file order, or ``None`` while the stage is open
    (and always for the last stage, whose candidates are the round's outcome).
    """

    id: str
    criteria: tuple[str, ...] | None
    candidates: tuple[str, ...]
    decisions: pd.DataFrame | None = None
    decision_file: Path | None = None
    scores: pd.DataFrame | None = None  # the stage's own jury scores (scores/<stage>.csv); None: jury_scores.csv

    @property
    def advancing(self) -> tuple[str, ...]:
        if self.decisions is None:
            return ()
        return tuple(self.decisions.loc[self.decisions["advance"], "code"])


@dataclass(frozen=True)
class Round:
    """The stages of a round, in order, and the files they were read from."""

    stages: tuple[Stage, ...]
    nominations: pd.DataFrame | None
    files: dict[str, Path]
    data: AwardData  # the award's data, with any joint nomination's unit added (award_eval.data.with_joint)

    def stage(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise InputError(self.files.get(FILE), "the id of a stage of the round: "
                         + ", ".join(s.id for s in self.stages), column="stage", value=stage_id)


def _criteria(path: Path, i: int, value: object, framework: Framework) -> tuple[str, ...] | None:
    """A stage's criteria as leaf ids, in the framework's order (a pillar stands for its leaves)."""
    if value is None:
        return None
    where = f"stages[{i}].criteria"
    if not isinstance(value, list) or not value:
        raise InputError(path, "a non-empty list of criterion or pillar ids", yaml_path=where, value=value)
    chosen: set[str] = set()
    for j, item in enumerate(value):
        if not isinstance(item, str) or item not in framework.by_id:
            raise InputError(path, "a criterion or pillar id of the criteria file", yaml_path=f"{where}[{j}]",
                             value=item)
        chosen |= _leaves_under(framework, item)
    return tuple(n.id for n in framework.leaves() if n.id in chosen)


def _leaves_under(framework: Framework, node_id: str) -> set[str]:
    kids = framework.children(node_id)
    if not kids:
        return {node_id}
    return set().union(*(_leaves_under(framework, k) for k in kids))


def load_round(data_dir: str | Path, framework: Framework, data: AwardData) -> Round | None:
    """The round of an award's data folder (``round.yaml``), or ``None`` when it has none.

    Its ``data`` is ``data`` with the units of joint nominations added; rank its stages with it.

    Checks every decision against its stage's candidates: an unknown code, a code that is not a
    candidate, a repeated code, an ``advance`` other than yes/no, or a candidate without a decision.
    """
    data_dir = Path(data_dir)
    path = data_dir / FILE
    codes = set(data.register["code"]) | set(data.nominees["code"])
    nominations = load_if_present(data_dir, codes, set(data.register["code"]))
    if not path.is_file():
        return None
    if nominations is not None:  # a joint nomination (2062+2034+2039) is a candidate like any other
        data = with_joint(data, nominations["code"], framework)
        codes |= set(nominations["code"])
    doc = parse(path.read_text(encoding="utf-8"), path)
    if not isinstance(doc, dict) or not isinstance(doc.get("stages"), list) or not doc["stages"]:
        raise InputError(path, "a mapping with 'stages': a non-empty list of stages", yaml_path="stages",
                         value=None if not isinstance(doc, dict) else doc.get("stages"))
    specs = []
    for i, entry in enumerate(doc["stages"]):
        if not isinstance(entry, dict) or set(entry) - {"id", "criteria"}:
            raise InputError(path, "a stage: id and optionally criteria", yaml_path=f"stages[{i}]", value=entry)
        sid = entry.get("id")
        if not isinstance(sid, str) or not STAGE_ID.match(sid):
            raise InputError(path, "a stage id: lower-case letters, digits, - or _", yaml_path=f"stages[{i}].id",
                             value=sid)
        if sid in [s[0] for s in specs]:
            raise InputError(path, "each stage id once", yaml_path=f"stages[{i}].id", value=sid)
        specs.append((sid, _criteria(path, i, entry.get("criteria"), framework)))

    files = {FILE: path}
    if nominations is not None:
        files["nominations.csv"] = data_dir / "nominations.csv"
        candidates = tuple(sorted(set(nominations["code"])))
    else:
        candidates = tuple(data.nominees["code"])
    stages = []
    for k, (sid, criteria) in enumerate(specs):
        decision_path = data_dir / DECISIONS_DIR / f"{sid}.csv"
        decisions = None
        last = k == len(specs) - 1
        if not last and decision_path.is_file():
            decisions = load_decisions(decision_path, sid, candidates, codes)
            files[f"{DECISIONS_DIR}/{sid}.csv"] = decision_path
        scores = None
        score_path = data_dir / SCORES_DIR / f"{sid}.csv"
        if score_path.is_file():
            scores = stage_scores(score_path, framework, data, candidates)
            files[f"{SCORES_DIR}/{sid}.csv"] = score_path
        stage = Stage(sid, criteria, candidates, decisions, decision_path if decisions is not None else None, scores)
        stages.append(stage)
        candidates = stage.advancing
    return Round(tuple(stages), nominations, files, data)


def load_decisions(path: Path, stage: str, candidates: tuple[str, ...], known: set[str]) -> pd.DataFrame:
    """``decisions/<stage>.csv``: ``code, advance, reason``; every candidate once, nobody else."""
    table = read_table(path, ["code", "advance"], ["reason"])
    f = table.frame
    if "reason" not in f.columns:
        f = f.assign(reason="")
    cand = set(candidates)
    for i, code in enumerate(f["code"]):
        if code not in known:
            raise table.error(i, "code", code, "a municipality code from the register (municipalities.csv)")
        if code not in cand:
            raise table.error(i, "code", code, f"a candidate of stage {stage!r} ({len(cand)} candidates: "
                              + ", ".join(sorted(cand)[:8]) + (", …" if len(cand) > 8 else "") + ")")
    dup = f["code"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise table.error(i, "code", f["code"].iloc[i], "one decision per candidate (this one is repeated)")
    bad = ~f["advance"].str.lower().isin(ADVANCE)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise table.error(i, "advance", f["advance"].iloc[i], "yes or no")
    missing = sorted(cand - set(f["code"]))
    if missing:
        raise InputError(path, f"a decision for every candidate of stage {stage!r}; none for "
                         + ", ".join(missing), has_value=False)
    out = pd.DataFrame({"code": f["code"], "advance": f["advance"].str.lower().map(ADVANCE).astype(bool),
                        "reason": f["reason"], "row": [table.row(i) for i in range(len(f))]})
    return out.reset_index(drop=True)


def stage_scores(path: Path, framework: Framework, data: AwardData, candidates: tuple[str, ...]) -> pd.DataFrame:
    """``scores/<stage>.csv``: the stage's own jury scores (``jury_scores.csv``'s columns), for its
    candidates only, checked as every score file is (rubric, jurors, recusals)."""
    nominees = candidate_data(data, candidates).nominees
    conflicts = data.conflicts[data.conflicts["nominee"].isin(candidates)].reset_index(drop=True)
    return read_jury_scores([path], framework, nominees, conflicts)


# --- rankings -----------------------------------------------------------------------------------------

def candidate_data(data: AwardData, codes: tuple[str, ...] | list[str]) -> AwardData:
    """``data`` with the stage's candidates as its nominees (register facts joined, jury scores kept
    for the candidates that have them)."""
    codes = list(codes)
    known = data.nominees.set_index("code")
    register = data.with_joint_in_register().register.set_index("code")
    rows = []
    for code in codes:
        if code in known.index:
            rows.append(known.loc[code].to_dict() | {"code": code})
        else:
            rows.append(register.loc[code].to_dict() | {"code": code})
    nominees = pd.DataFrame(rows, columns=list(dict.fromkeys(["code", *data.nominees.columns])))
    nominees = nominees[list(data.nominees.columns)] if len(nominees) else data.nominees.iloc[:0]
    jury = data.jury_scores[data.jury_scores["nominee"].isin(codes)].reset_index(drop=True)
    return dataclasses.replace(data, nominees=nominees.reset_index(drop=True), jury_scores=jury)


def stage_ranking(framework: Framework, data: AwardData, stage: Stage, settings: Settings | None = None
                  ) -> pd.DataFrame:
    """The stage's candidates ranked on its criteria: ``rank, code, name, score, <pillars…>`` (0–100).

    Scored through :func:`award_eval.evaluation.evaluate` on the candidates; a stage with a subset of
    the criteria aggregates that subset up the same tree (weights renormalised over what is present).
    """
    settings = settings or Settings()
    if stage.scores is not None:  # the stage's own scores (e.g. after the site visits)
        data = dataclasses.replace(data, jury_scores=stage.scores)
    if not stage.candidates:
        return pd.DataFrame(columns=["rank", "code", "name", "score", *[p.id for p in framework.pillars]])
    result = evaluate(framework, candidate_data(data, stage.candidates), settings)
    if stage.criteria is None:
        return result.ranking
    leaves = result.criterion_scores.pivot(index="code", columns="criterion", values="score")
    order = [n.id for n in framework.leaves()]
    leaves = leaves.reindex(index=list(stage.candidates), columns=order).astype(float)
    leaves.loc[:, [c for c in order if c not in stage.criteria]] = np.nan
    wide = aggregate_tree(leaves, framework.to_imeta(), settings.aggregation or framework.aggregation)
    names = result.ranking.set_index("code")["name"]
    out = pd.DataFrame({"rank": rank_scores(wide["index"]).to_numpy(), "code": wide.index.to_numpy(),
                        "name": names.reindex(wide.index).to_numpy(), "score": wide["index"].to_numpy()})
    for pillar in framework.pillars:
        out[pillar.id] = wide[pillar.id].to_numpy()
    return out.sort_values(["rank", "code"], kind="stable", na_position="last").reset_index(drop=True)


def against_ranking(ranking: pd.DataFrame, decisions: pd.DataFrame) -> pd.Series:
    """Per decision (aligned with ``decisions``): whether it goes against the stage's ranking.

    Against it: advancing while a candidate ranked strictly above does not advance, or not advancing
    while one ranked strictly below does (a tie is neither). A candidate without a score counts as last.
    """
    ranks = ranking.set_index("code")["rank"].astype("Float64").reindex(decisions["code"])
    ranks = ranks.fillna(np.inf).to_numpy(dtype=float)
    adv = decisions["advance"].to_numpy(dtype=bool)
    if adv.all() or not adv.any():
        return pd.Series(False, index=decisions.index)
    best_out, worst_in = ranks[~adv].min(), ranks[adv].max()
    return pd.Series((adv & (ranks > best_out)) | (~adv & (ranks < worst_in)), index=decisions.index)


def decision_table(ranking: pd.DataFrame, stage: Stage) -> pd.DataFrame:
    """The stage's ranking with its decisions: ``… , advance, against, reason`` (undecided: NA)."""
    out = ranking.copy()
    if stage.decisions is None:
        return out.assign(advance=pd.NA, against=False, reason="")
    dec = stage.decisions.assign(against=against_ranking(ranking, stage.decisions).to_numpy())
    dec = dec.set_index("code")
    return out.assign(advance=out["code"].map(dec["advance"]), against=out["code"].map(dec["against"]).fillna(False),
                      reason=out["code"].map(dec["reason"]).fillna(""))


def check_round(round_: Round, framework: Framework, data: AwardData, settings: Settings | None = None
                ) -> dict[str, pd.DataFrame]:
    """Every decided stage's ranking; a decision against it without a reason is an :class:`InputError`.

    Returns stage id → :func:`decision_table`.
    """
    out = {}
    data = round_.data  # with the units of joint nominations
    for stage in round_.stages:
        table = decision_table(stage_ranking(framework, data, stage, settings), stage)
        if stage.decisions is not None:
            against = against_ranking(table, stage.decisions)
            missing = stage.decisions[against.to_numpy() & (stage.decisions["reason"] == "").to_numpy()]
            if len(missing):
                row = missing.iloc[0]
                rank = table.set_index("code").at[row["code"], "rank"]
                raise InputError(stage.decision_file, f"a reason: {row['code']} (advance "
                                 f"{'yes' if row['advance'] else 'no'}, rank {rank} of {len(table)}) goes against "
                                 f"the ranking of stage {stage.id!r}", row=int(row["row"]), column="reason", value="")
        out[stage.id] = table
    return out


def funnel(round_: Round, names: pd.Series) -> list[dict]:
    """The round as the index shows it: per stage ``id, n, names`` (candidates' names, in code order)."""
    return [{"id": s.id, "n": len(s.candidates), "names": [str(names.get(c, c)) for c in s.candidates],
             "open": s.decisions is None and k < len(round_.stages) - 1}
            for k, s in enumerate(round_.stages)]


# --- the longlist ------------------------------------------------------------------------------------

def longlist_table(nominations: pd.DataFrame, screening_table: pd.DataFrame,
                   expectations: pd.DataFrame | None, register: pd.DataFrame) -> pd.DataFrame:
    """Every nominated municipality: ``code, name, skr_group, nominations, rank, group_rank,
    group_size, score, expected, difference, low, high, verdict`` in screening-rank order.

    ``screening_table``: :func:`award_eval.screening.ranking`; ``expectations``:
    :func:`award_eval.preconditions.expected_scores` (or ``None``).
    """
    counts = nominations.groupby("code", sort=True).size().rename("nominations")
    reg = register.set_index("code")
    out = pd.DataFrame({"code": counts.index, "name": reg["name"].reindex(counts.index).to_numpy(),
                        "skr_group": reg["skr_group"].reindex(counts.index).to_numpy(),
                        "nominations": counts.to_numpy()})
    scr = screening_table.set_index("code")[["rank", "group_rank", "group_size", "score"]]
    out = out.join(scr, on="code")
    cols = ["expected", "difference", "low", "high", "verdict"]
    if expectations is not None:
        out = out.join(expectations.set_index("code")[cols], on="code")
    else:
        out = out.assign(**{c: np.nan for c in cols})
    return out.sort_values(["rank", "code"], kind="stable", na_position="last").reset_index(drop=True)


def expectations(screening_scores: pd.Series, covariates: pd.DataFrame | None, seed: int = 0,
                 joint: pd.DataFrame | None = None) -> pd.DataFrame | None:
    """:func:`award_eval.preconditions.expected_scores` of the screening index, or ``None`` without covariates.

    ``joint``: the joint units (``AwardData.joint``) whose screening scores ``screening_scores`` holds
    (:func:`screening_beside`): each compared on its members' combined covariates."""
    if covariates is None:
        return None
    return expected_scores(screening_scores, covariates, seed=seed, joint=joint)


@dataclass(frozen=True)
class Longlist:
    """The longlist report's content: the nominations, the table, the expectations (or ``None``)."""

    nominations: pd.DataFrame
    table: pd.DataFrame
    expectations: pd.DataFrame | None
    data: AwardData  # with the units of joint nominations (their members: ``data.joint``)


def screening_beside(framework: Framework, data: AwardData, table: pd.DataFrame, index=None, **choices
                     ) -> pd.DataFrame:
    """The screening ranking with every joint nominee placed *beside* the municipalities.

    ``table``: :func:`award_eval.screening.ranking` of the register; ``index``: the screening index it
    was built from, whose choices are reused (else ``choices``). Each joint nominee is scored by
    the index built over the register plus that nominee, then ranked against the register's scores
    (nationally and in its SKR group): its members stay, and nobody else's score or rank moves.
    Without joint nominees ``table`` is returned as it is.
    """
    if not len(data.joint):
        return table
    if index is not None:
        choices = dict(index.choices)
    rows = []
    for unit in data.joint.itertuples(index=False):
        extra = pd.DataFrame([{"code": unit.code, "name": unit.name, "county": unit.county, "skr_group": unit.skr_group}])
        beside = dataclasses.replace(data, register=pd.concat([data.register, extra], ignore_index=True))
        score = screening.screen(framework, beside, **choices).scores.get(unit.code, np.nan)
        if pd.isna(score):
            continue
        group = table[table["skr_group"] == unit.skr_group]
        rows.append({"rank": int((table["score"] > score).sum()) + 1, "code": unit.code, "name": unit.name,
                     "skr_group": unit.skr_group, "score": float(score),
                     "group_rank": int((group["score"] > score).sum()) + 1, "group_size": len(group) + 1,
                     "nominee": True})
    out = pd.concat([table, pd.DataFrame(rows, columns=table.columns)], ignore_index=True)
    return out.astype(table.dtypes.to_dict()).sort_values(["rank", "code"], kind="stable").reset_index(drop=True)


def screening_expectations(framework: Framework, data: AwardData, data_dir: str | Path, seed: int = 0
                           ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The screening ranking of every municipality (:func:`award_eval.screening.ranking`, default
    choices) and each one's result against its preconditions (``None`` without ``covariates.csv``)."""
    index = screening.screen(framework, data, seed=seed)
    table = screening_beside(framework, data, screening.ranking(index, data), seed=seed)
    path = Path(data_dir) / "covariates.csv"
    covariates = load_covariates(path, data.register) if path.is_file() else None
    joint_scores = table.set_index("code")["score"].reindex(data.joint["code"])  # beside the register
    return table, expectations(pd.concat([index.scores, joint_scores]), covariates, seed=seed, joint=data.joint)


def build_longlist(framework: Framework, data: AwardData, data_dir: str | Path, seed: int = 0) -> Longlist:
    """Every nominated municipality (``nominations.csv``), its screening position and preconditions."""
    data_dir = Path(data_dir)
    nominations = load_if_present(data_dir, set(data.register["code"]) | set(data.nominees["code"]),
                                  set(data.register["code"]))
    if nominations is None:
        raise InputError(data_dir / "nominations.csv", "an existing file: the longlist lists the nominations",
                         has_value=False)
    data = with_joint(data, nominations["code"], framework)
    table, expected = screening_expectations(framework, data, data_dir, seed)
    register = data.with_joint_in_register().register
    return Longlist(nominations, longlist_table(nominations, table, expected, register), expected, data)
