"""The Evaluation: a frozen recipe (settings) applied to validated inputs gives a Result.

Pure: the same framework, data and settings always give the same Result. Varying a setting is
making a new :class:`Settings` (``dataclasses.replace``), as COINr regenerates an index.

Open indicators are normalised against every municipality in the register (the reference
population), then the nominees are picked out; jury criteria are averaged over the jurors who
scored and mapped from the rubric onto 0–100. Both meet as criterion scores on 0–100 and are
aggregated up the framework tree to the index, which is ranked.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from award_eval.composite import aggregate_tree, normalise
from award_eval.criteria import Framework
from award_eval.data import AwardData, latest_values
from award_eval.io.files import write_csv
from award_eval.jury_share import blended_index, resolve
from award_eval import jury
from award_eval.ranking import rank_scores


@dataclass(frozen=True)
class Settings:
    """The choices of an evaluation. ``aggregation=None`` takes the criteria file's."""

    normalisation: str = "minmax"
    normalise_range: tuple[float, float] = (0.0, 100.0)
    aggregation: str | None = None
    jury_method: str = "mean"
    year: int | None = None
    jury_share: float | None = None  # 0–1; None: the criteria file's (award_eval.jury_share)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Result:
    """What an evaluation produced: tidy frames plus the recipe that made them."""

    framework: Framework
    settings: Settings
    criterion_scores: pd.DataFrame  # long: code, criterion, kind, raw, score, n
    scores: pd.DataFrame  # wide: code × every node id + "index", on 0–100
    ranking: pd.DataFrame  # rank, code, name, score, <pillar ids…>
    extra: dict = field(default_factory=dict)  # "data": the AwardData it was computed from


def indicator_scores(framework: Framework, data: AwardData, settings: Settings) -> pd.DataFrame:
    """Long ``code, criterion, raw, score``: indicators normalised against all municipalities."""
    ids = framework.indicator_criteria
    if not ids:
        return pd.DataFrame(columns=["code", "criterion", "raw", "score"])
    wide = latest_values(data.indicators, settings.year).reindex(columns=ids)
    directions = {i: framework.by_id[i].sign for i in ids}
    joint = list(data.joint["code"])
    if joint:  # joint nominees beside the population: fitted on the register, applied to them too
        base = [c for c in data.register["code"] if c not in set(joint)]
        reference = wide.reindex(base)
        wide = wide.reindex(base + joint)
        normed = normalise(wide, settings.normalisation, directions, settings.normalise_range, reference=reference)
        if settings.normalisation == "minmax":  # beyond the population's range: held at its end
            lo, hi = sorted(settings.normalise_range)
            normed.loc[joint] = normed.loc[joint].clip(lo, hi)
    else:
        wide = wide.reindex(data.register["code"])
        normed = normalise(wide, settings.normalisation, directions, settings.normalise_range)
    raw = wide.rename_axis("code").reset_index().melt("code", var_name="criterion", value_name="raw")
    score = normed.rename_axis("code").reset_index().melt("code", var_name="criterion", value_name="score")
    return raw.merge(score, on=["code", "criterion"])


def jury_scores(framework: Framework, data: AwardData, settings: Settings) -> pd.DataFrame:
    """Long ``code, criterion, raw, score, n``: jury aggregate on the rubric (raw) and on 0–100."""
    agg = jury.criterion_scores(data.jury_scores, settings.jury_method)
    return pd.DataFrame({"code": agg["nominee"], "criterion": agg["criterion"], "raw": agg["score"],
                         "score": jury.to_percent(agg["score"], framework.scale), "n": agg["n_jurors"]})


def evaluate(framework: Framework, data: AwardData, settings: Settings | None = None) -> Result:
    """Score and rank the nominees on the framework."""
    settings = settings or Settings()
    method = settings.aggregation or framework.aggregation
    nominees = list(data.nominees["code"])
    ind = indicator_scores(framework, data, settings)
    ind = ind[ind["code"].isin(nominees)].assign(kind="indicator", n=pd.NA)
    jur = jury_scores(framework, data, settings).assign(kind="jury")
    long = pd.concat([jur, ind], ignore_index=True)[["code", "criterion", "kind", "raw", "score", "n"]]
    order = {c: i for i, c in enumerate(n.id for n in framework.leaves())}
    long = long.sort_values(["code", "criterion"], key=lambda s: s.map(order) if s.name == "criterion" else s,
                            kind="stable").reset_index(drop=True)

    leaves = long.pivot(index="code", columns="criterion", values="score")
    leaves = leaves.reindex(index=nominees, columns=list(order)).astype(float)
    wide = aggregate_tree(leaves, framework.to_imeta(), method)
    wide.index.name = "code"
    share, _ = resolve(framework, settings.jury_share)
    if share is not None:
        wide["index"] = blended_index(leaves, framework, method, share)

    ranks = rank_scores(wide["index"])
    names = data.nominees.set_index("code")["name"]
    ranking = pd.DataFrame({"rank": ranks.to_numpy(), "code": wide.index.to_numpy(),
                            "name": names.reindex(wide.index).to_numpy(), "score": wide["index"].to_numpy()})
    for pillar in framework.pillars:
        ranking[pillar.id] = wide[pillar.id].to_numpy()
    ranking = ranking.sort_values(["rank", "code"], kind="stable").reset_index(drop=True)
    return Result(framework, settings, long, wide.reset_index(), ranking, extra={"data": data})


def population_scores(framework: Framework, data: AwardData, settings: Settings | None = None) -> pd.DataFrame:
    """Every municipality of the register on the open indicators alone: units × nodes, 0–100.

    The national comparison a profile needs: indicator criteria normalised against the whole
    register (as :func:`evaluate` does), aggregated up the same tree with the same weights. Jury
    criteria exist only for nominees, so they are left out here and a pillar with no indicator is
    empty (NaN); ``index`` is the *indicator index*, over the pillars that have indicators. Index:
    ``code`` in register order.
    """
    settings = settings or Settings()
    method = settings.aggregation or framework.aggregation
    order = [n.id for n in framework.leaves()]
    long = indicator_scores(framework, data, settings)
    leaves = (long.pivot(index="code", columns="criterion", values="score")
              .reindex(index=list(data.register["code"]), columns=order).astype(float))
    wide = aggregate_tree(leaves, framework.to_imeta(), method)
    wide.index.name = "code"
    return wide



def write_result(result: "Result", output_dir: str | Path) -> list[Path]:
    """Write ``ranking.csv`` and ``criterion_scores.csv`` into ``output_dir``."""
    out = Path(output_dir)
    return [write_csv(result.ranking, out / "ranking.csv"),
            write_csv(result.criterion_scores, out / "criterion_scores.csv")]
