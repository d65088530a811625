"""A municipality's profile: where it stands nationally and among its peers, criterion by criterion.

Pure functions over an evaluation's inputs; ``notebooks/profile.ipynb`` only displays them.

- **National position** uses the open indicators, which exist for every municipality: each
  indicator criterion normalised against the whole register and aggregated with the criteria
  file's weights (:func:`award_eval.evaluation.population_scores`) into an *indicator index*,
  ranked among all municipalities and within the municipality's SKR group.
- **Peers**: for an indicator criterion, the median of the municipality's SKR group (itself
  included); for a jury criterion, which only nominees have, the median of the nominees.
- **Strengths and weaknesses**: the criteria furthest above and below those medians, in the
  same 0–100 points the scores are in.
- **Jury** (nominees only): each criterion's aggregate, the number of jurors, the lowest and
  highest score, and the comments as the jurors wrote them (names as passed in: anonymise first).
- **How sure** and **what it would take** come from :mod:`award_eval.confidence` and are
  ``None`` until the uncertainty analysis is connected.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from award_eval.criteria import Framework
from award_eval.data import AwardData, latest_values
from award_eval.errors import InputError
from award_eval.evaluation import Result, Settings, evaluate, population_scores
from award_eval.joint import is_joint
from award_eval.ranking import rank_scores
from award_eval.uncertainty import confidence

CRITERIA_COLUMNS = ["criterion", "pillar", "kind", "raw", "unit", "score", "reference", "reference_median",
                    "difference", "group_median", "national_median", "national_rank", "national_n",
                    "group_rank", "group_n"]


@dataclass(frozen=True)
class Position:
    """The indicator index of one municipality and its ranks (competition ranks, 1 = best)."""

    index: float
    national_rank: int | None
    national_n: int
    group_rank: int | None
    group_n: int
    group_median: float
    national_median: float


@dataclass(frozen=True)
class Profile:
    """Everything a profile report shows about one municipality."""

    code: str
    name: str
    county: str
    skr_group: str
    nominee: bool
    position: Position
    criteria: pd.DataFrame  # CRITERIA_COLUMNS, one row per criterion shown, in framework order
    population: pd.DataFrame  # code, name, skr_group, index, national_rank: every municipality
    overall: dict | None  # nominees only: rank, n, score in the evaluation's ranking
    jury: pd.DataFrame | None  # nominees only: criterion, raw, score, n_jurors, low, high
    comments: pd.DataFrame | None  # nominees only: criterion, juror, score, comment
    intervals: pd.DataFrame | None = None  # confidence.rank_intervals row(s) for this nominee
    what_it_would_take: pd.DataFrame | None = None


class Precomputed(Protocol):
    """What :func:`build_profile` reads from a run's precomputation (:class:`award_eval.shared.Shared`)."""

    intervals: pd.DataFrame | None

    def population_for(self, code: str) -> pd.DataFrame: ...

    def peers_for(self, code: str) -> Peers: ...


def _ranks(values: pd.Series) -> pd.Series:
    return rank_scores(values.astype(float))


def municipality(data: AwardData, code: str) -> pd.Series:
    """The register row of ``code`` (kept as text: ``0120``); a clear error if it is not there."""
    code = str(code).strip()
    if code.isdigit() and len(code) < 4:
        code = code.zfill(4)  # papermill's -p turns 0120 into 120: accept it back
    rows = data.register[data.register["code"] == code]
    if rows.empty:
        path = data.files.get("municipalities.csv", "municipalities.csv")
        raise InputError(path, "a municipality code from the register (parameter 'code')", column="code", value=code)
    return rows.iloc[0]


def national_table(population: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """Every municipality's indicator index with its national and SKR-group rank (the same for all
    profiles): ``code, name, skr_group, index, national_rank, group_rank``."""
    pop = register[["code", "name", "skr_group"]].copy()
    pop["index"] = population["index"].reindex(pop["code"]).to_numpy()
    pop["national_rank"] = _ranks(pop["index"]).to_numpy()
    pop["group_rank"] = pop.groupby("skr_group", sort=False)["index"].transform(
        lambda s: _ranks(s).astype("float")).astype("Int64")
    return pop.reset_index(drop=True)


def national_position(population: pd.DataFrame, register: pd.DataFrame, code: str,
                      table: pd.DataFrame | None = None) -> tuple[Position, pd.DataFrame]:
    """The municipality's indicator-index position, and the per-municipality table behind it
    (``table``: :func:`national_table` of the same inputs, when already computed)."""
    pop = national_table(population, register) if table is None else table
    me = pop[pop["code"] == code].iloc[0]
    group = pop[pop["skr_group"] == me["skr_group"]]
    pos = Position(
        index=float(me["index"]),
        national_rank=None if pd.isna(me["national_rank"]) else int(me["national_rank"]),
        national_n=int(pop["index"].notna().sum()),
        group_rank=None if pd.isna(me["group_rank"]) else int(me["group_rank"]),
        group_n=int(group["index"].notna().sum()),
        group_median=float(group["index"].median()),
        national_median=float(pop["index"].median()),
    )
    return pos, pop


@dataclass(frozen=True)
class IndicatorPeers:
    """One indicator criterion's scores compared nationally and within each SKR group (plain dicts
    by code: a run's store is read by every profile, and 200 small Series unpickle slowly)."""

    scores: dict[str, float]
    national_rank: dict[str, int | None]
    national_median: float
    national_n: int
    group_rank: dict[str, int | None]  # by code: the rank within its own SKR group
    group_median: dict[str, float]  # by SKR group
    group_n: dict[str, int]  # by SKR group


@dataclass(frozen=True)
class Peers:
    """What every profile of one register and population looks up: the same for all profiles, so an
    ``award-eval run`` computes it once (:class:`award_eval.shared.Shared`) instead of 290 times."""

    table: pd.DataFrame  # national_table
    raw: pd.DataFrame  # latest indicator values, by code (register order)
    indicators: dict[str, IndicatorPeers]
    group_of: dict[str, str]  # code -> SKR group


def _by_code(ranks: pd.Series) -> dict[str, int | None]:
    return {str(code): None if pd.isna(rank) else int(rank) for code, rank in ranks.items()}


def peers(framework: Framework, data: AwardData, settings: Settings, population: pd.DataFrame) -> Peers:
    """The :class:`Peers` of ``data``'s register, with ``population`` its indicator scores
    (:func:`award_eval.evaluation.population_scores` of the same inputs)."""
    register = data.register.set_index("code")
    groups = {str(g): register.index[register["skr_group"] == g] for g in register["skr_group"].unique()}
    indicators = {}
    for node in framework.leaves():
        if node.kind != "indicator":
            continue
        col = population[node.id].astype(float)
        group_rank: dict[str, int | None] = {}
        medians, counts = {}, {}
        for group, codes in groups.items():
            grp = col.reindex(codes)
            group_rank.update(_by_code(_ranks(grp)))
            medians[group], counts[group] = float(grp.median()), int(grp.notna().sum())
        indicators[node.id] = IndicatorPeers(
            scores={str(c): float(v) for c, v in col.items()}, national_rank=_by_code(_ranks(col)),
            national_median=float(col.median()), national_n=int(col.notna().sum()),
            group_rank=group_rank, group_median=medians, group_n=counts)
    return Peers(table=national_table(population, data.register),
                 raw=latest_values(data.indicators, settings.year).reindex(index=register.index),
                 indicators=indicators, group_of={str(c): str(g) for c, g in register["skr_group"].items()})


def criteria_table(framework: Framework, data: AwardData, settings: Settings, code: str,
                   population: pd.DataFrame, result: Result | None = None, *,
                   peers_: Peers | None = None) -> pd.DataFrame:
    """One row per criterion: the municipality's value and score against its peers (CRITERIA_COLUMNS).

    Indicator criteria are compared with the SKR group's median; jury criteria (nominees only,
    from ``result``) with the nominees' median. ``peers_``: :func:`peers` of the same inputs, when
    already computed.
    """
    known = peers_ if peers_ is not None else peers(framework, data, settings, population)
    group = known.group_of[code]
    raw = known.raw
    jury_long = None
    if result is not None and code in set(result.ranking["code"]):
        jury_long = result.criterion_scores[result.criterion_scores["kind"] == "jury"]
    rows = []
    for node in framework.leaves():
        base = {"criterion": node.id, "pillar": framework.pillar_of(node.id), "kind": node.kind,
                "unit": node.unit}
        if node.kind == "indicator":
            ind = known.indicators[node.id]
            group_median = ind.group_median[group]
            score = ind.scores.get(code, np.nan)
            rows.append({**base, "raw": raw[node.id].get(code, np.nan) if node.id in raw else np.nan,
                         "score": score, "reference": "group", "reference_median": group_median,
                         "difference": score - group_median, "group_median": group_median,
                         "national_median": ind.national_median,
                         "national_rank": ind.national_rank.get(code), "national_n": ind.national_n,
                         "group_rank": ind.group_rank.get(code), "group_n": ind.group_n[group]})
        elif jury_long is not None:
            crit = jury_long[jury_long["criterion"] == node.id].set_index("code")
            if code not in crit.index:
                continue
            score = float(crit.at[code, "score"])
            median = float(crit["score"].median())
            rows.append({**base, "raw": float(crit.at[code, "raw"]), "score": score, "reference": "nominees",
                         "reference_median": median, "difference": score - median, "group_median": np.nan,
                         "national_median": np.nan, "national_rank": pd.NA, "national_n": 0,
                         "group_rank": pd.NA, "group_n": 0})
    frame = pd.DataFrame(rows, columns=CRITERIA_COLUMNS)
    for col in ("national_rank", "group_rank"):
        frame[col] = frame[col].astype("Int64")
    for col in ("national_n", "group_n"):
        frame[col] = frame[col].astype(int)
    return frame


def strengths_weaknesses(criteria: pd.DataFrame, n: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` criteria furthest above their peers' median and the ``n`` furthest below.

    Only criteria strictly above (strengths) or below (weaknesses) count, so a municipality at
    its peers' level everywhere has none. Ties keep the criteria file's order.
    """
    scored = criteria.dropna(subset=["difference"]).reset_index(drop=True)
    scored = scored.assign(_order=range(len(scored)))
    above = scored[scored["difference"] > 0].sort_values(["difference", "_order"], ascending=[False, True])
    below = scored[scored["difference"] < 0].sort_values(["difference", "_order"], ascending=[True, True])
    return (above.head(n).drop(columns="_order").reset_index(drop=True),
            below.head(n).drop(columns="_order").reset_index(drop=True))


def jury_summary(framework: Framework, data: AwardData, result: Result, code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A nominee's jury scores per criterion (aggregate, jurors, lowest–highest) and the comments.

    Comments keep the jurors' own words and the names as ``data`` has them (anonymise first when
    the plan says so); empty comments are left out. Ordered by criterion (file order), then juror.
    """
    order = {c: i for i, c in enumerate(framework.jury_criteria)}
    scores = data.jury_scores[data.jury_scores["nominee"] == code]
    scores = scores.dropna(subset=["score"])
    stats = scores.groupby("criterion", sort=False)["score"].agg(low="min", high="max").reset_index()
    agg = result.criterion_scores[(result.criterion_scores["code"] == code)
                                  & (result.criterion_scores["kind"] == "jury")]
    agg = agg[["criterion", "raw", "score", "n"]].rename(columns={"n": "n_jurors"})
    jury = agg.merge(stats, on="criterion", how="left")
    jury = jury.sort_values("criterion", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    jury["n_jurors"] = jury["n_jurors"].astype(int)
    comments = scores[scores["comment"].fillna("").str.strip() != ""][["criterion", "juror", "score", "comment"]]
    comments = comments.assign(_o=comments["criterion"].map(order)).sort_values(["_o", "juror"], kind="stable")
    return jury, comments.drop(columns="_o").reset_index(drop=True)


def build_profile(framework: Framework, data: AwardData, code: str, settings: Settings | None = None,
                  result: Result | None = None, seed: int = 42, shared: Precomputed | None = None) -> Profile:
    """The profile of municipality ``code`` (any municipality; jury parts only for nominees).

    ``result`` is the nominees' evaluation under the same settings (computed when not given).
    ``shared``: the run's :class:`~award_eval.shared.Shared` for these inputs, whose population
    scores, peers and rank intervals are used instead of computing them again (the same numbers).
    """
    settings = settings or Settings()
    if str(code) in set(data.joint["code"]):  # a joint nominee: shown beside the municipalities
        data = data.with_joint_in_register()
    row = municipality(data, code)
    code = row["code"]
    population = (shared.population_for(code) if shared is not None
                  else population_scores(framework, data, settings))
    known = shared.peers_for(code) if shared is not None else peers(framework, data, settings, population)
    position, pop_table = national_position(population, data.register, code, table=known.table)
    nominee = code in set(data.nominees["code"])
    if nominee and result is None:
        result = evaluate(framework, data, settings)
    criteria = criteria_table(framework, data, settings, code, population, result if nominee else None,
                              peers_=known)
    overall = jury = comments = intervals = wiwt = None
    if nominee and result is not None:
        me = result.ranking[result.ranking["code"] == code].iloc[0]
        overall = {"rank": None if pd.isna(me["rank"]) else int(me["rank"]), "n": int(len(result.ranking)),
                   "score": float(me["score"])}
        if framework.jury_criteria:
            jury, comments = jury_summary(framework, data, result, code)
        all_intervals = (shared.intervals if shared is not None
                         else confidence.check_rank_intervals(confidence.rank_intervals(result, seed)))
        if all_intervals is not None:
            intervals = all_intervals[all_intervals["code"] == code].reset_index(drop=True)
        wiwt = confidence.check_what_it_would_take(confidence.what_it_would_take(result, code, seed))
    return Profile(code=code, name=str(row["name"]), county=str(row["county"]), skr_group=str(row["skr_group"]),
                   nominee=nominee, position=position, criteria=criteria, population=pop_table,
                   overall=overall, jury=jury, comments=comments, intervals=intervals, what_it_would_take=wiwt)


def summary_sentences(profile: Profile, framework: Framework, lang: str = "sv") -> list[str]:
    """The profile's answer in a few plain sentences (no HTML; the caller escapes)."""
    from award_eval.i18n import fmt_int, fmt_number, skr_group_name, t

    p, pos = profile, profile.position
    group = skr_group_name(p.skr_group, lang)  # type: ignore[arg-type]
    municipalities = max(pos.group_n - (1 if is_joint(p.code) else 0), 0)  # a joint nominee is beside its group, not one of it
    out = [t("profile.summary.group", lang, name=p.name, code=p.code, county=p.county, group=group,
             group_n=fmt_int(municipalities, lang))]
    if p.overall:
        o = p.overall
        out.append(t("profile.summary.nominee", lang, name=p.name, rank=o["rank"], n=o["n"],
                     score=fmt_number(o["score"], lang, 1)))
    else:
        out.append(t("profile.summary.not_nominee", lang, name=p.name))
    if pos.national_rank is not None:
        out.append(t("profile.summary.national", lang, name=p.name, rank=fmt_int(pos.national_rank, lang),
                     n=fmt_int(pos.national_n, lang), group_rank=fmt_int(pos.group_rank, lang),
                     group_n=fmt_int(pos.group_n, lang), index=fmt_number(pos.index, lang, 1),
                     group_median=fmt_number(pos.group_median, lang, 1)))
    strong, weak = strengths_weaknesses(p.criteria, 1)
    parts = []
    if len(strong):
        s = strong.iloc[0]
        reference = t("profile.summary.reference.group" if s["reference"] == "group"
                      else "profile.summary.reference.nominees", lang)
        parts.append(t("profile.summary.strength", lang, criterion=framework.label(s["criterion"], lang).lower(),
                       difference=fmt_number(s["difference"], lang, 0, sign=True), reference=reference))
    if len(weak):
        w = weak.iloc[0]
        parts.append(t("profile.summary.weakness", lang, criterion=framework.label(w["criterion"], lang).lower(),
                       difference=fmt_number(w["difference"], lang, 0, sign=True)))
    if parts:
        text = t("profile.summary.and", lang).join(parts)
        out.append(text[0].upper() + text[1:] + ".")
    return out
