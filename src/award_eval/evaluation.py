"""The Evaluation: a frozen recipe (settings) applied to validated inputs gives a Result.

Pure: the same framework, data and settings always give the same Result. Varying a setting is
making a new :class:`Settings` (``dataclasses.replace``), as COINr regenerates an index.

Open indicators are normalised against every municipality in the register (the reference
population), then the nominees are picked out; jury criteria are averaged over the jurors who
scored and mapped from the rubric onto 0–100. Both meet as criterion scores on 0–100 and are
aggregated up the framework tree to the index, which is ranked.

One scale: the indicators go through :func:`~award_eval.composite.scoring_pipeline` (normalise,
then place on 0–100; fitted on the register, applied to the units scored), so every criterion
score, aggregate and the index are on 0–100, higher is better, under every setting the
constants below accept (see ``docs/scale.md``). Anything else is refused by
:func:`check_settings` before computing.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from award_eval.choices import JURY_METHODS, MEANS, NORMALISATIONS
from award_eval.composite import aggregate_tree
from award_eval.composite.scale import check_scale, scoring_pipeline
from award_eval.criteria import Framework
from award_eval.data import AwardData, latest_values
from award_eval.errors import SettingsError
from award_eval.io.files import write_csv
from award_eval.jury_share import blended_index, resolve
from award_eval import jury
from award_eval.ranking import rank_scores

# What an evaluation accepts (read these; do not copy them; declared in award_eval.choices):
# every normalisation with a map onto 0–100 that a criteria file can carry, the means (unit by
# unit: 0–100 in, 0–100 out), every jury method.
AGGREGATIONS: tuple[str, ...] = MEANS


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


def check_settings(settings: Settings) -> None:
    """Refuse, before anything is computed, a setting that is not accepted (one line)."""
    def refuse(name: str, value: object, allowed: tuple[str, ...]) -> SettingsError:
        return SettingsError(f"setting {name}={value!r} is not accepted: expected one of {', '.join(allowed)}")

    if settings.normalisation not in NORMALISATIONS:
        raise refuse("normalisation", settings.normalisation, NORMALISATIONS)
    if settings.aggregation is not None and settings.aggregation not in AGGREGATIONS:
        raise refuse("aggregation", settings.aggregation, AGGREGATIONS)
    if settings.jury_method not in JURY_METHODS:
        raise refuse("jury_method", settings.jury_method, JURY_METHODS)
    try:
        check_scale(settings.normalisation, settings.normalise_range)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting normalise_range={settings.normalise_range!r} is not accepted: {exc}") from None


def indicator_scorer(framework: Framework, settings: Settings):
    """The one scoring recipe for the indicator criteria (unfitted): normalise, then 0–100."""
    ids = framework.indicator_criteria
    return scoring_pipeline(settings.normalisation, {i: framework.by_id[i].sign for i in ids},
                            settings.normalise_range)


def indicator_scores(framework: Framework, data: AwardData, settings: Settings,
                     units: list[str] | None = None) -> pd.DataFrame:
    """Long ``code, criterion, raw, score`` of ``units`` (default: the whole register): the recipe
    fitted on all municipalities of the register, applied to the units."""
    check_settings(settings)
    ids = framework.indicator_criteria
    if not ids:
        return pd.DataFrame(columns=["code", "criterion", "raw", "score"])
    values = latest_values(data.indicators, settings.year).reindex(columns=ids)
    joint = list(data.joint["code"])  # joint nominees: scored beside the population, never fitted on
    base = [c for c in data.register["code"] if c not in set(joint)]
    population = values.reindex(pd.Index(base, name="code"))
    scorer = indicator_scorer(framework, settings).fit(population)
    wide = values.reindex(pd.Index(base + joint if units is None else list(units), name="code"))
    normed = scorer.transform(wide)
    raw = wide.rename_axis("code").reset_index().melt("code", var_name="criterion", value_name="raw")
    score = normed.rename_axis("code").reset_index().melt("code", var_name="criterion", value_name="score")
    return raw.merge(score, on=["code", "criterion"])


def jury_scores(framework: Framework, data: AwardData, settings: Settings) -> pd.DataFrame:
    """Long ``code, criterion, raw, score, n``: jury aggregate on the rubric (raw) and on 0–100."""
    agg = jury.criterion_scores(data.jury_scores, settings.jury_method)
    return pd.DataFrame({"code": agg["nominee"], "criterion": agg["criterion"], "raw": agg["score"],
                         "score": jury.to_percent(agg["score"], framework.scale), "n": agg["n_jurors"]})


def evaluate(framework: Framework, data: AwardData, settings: Settings | None = None, *,
             indicators: pd.DataFrame | None = None) -> Result:
    """Score and rank the nominees on the framework.

    ``indicators``: :func:`indicator_scores` of the same register, indicators and settings for the
    nominees or more units, when already computed (the indicator side is fitted on the register,
    so it does not depend on who else is nominated: the rank-reversal tests evaluate many subsets).
    """
    settings = settings or Settings()
    check_settings(settings)
    method = settings.aggregation or framework.aggregation
    nominees = list(data.nominees["code"])
    if indicators is None:
        ind = indicator_scores(framework, data, settings, units=nominees)
    else:
        ind = indicators[indicators["code"].isin(set(nominees))].reset_index(drop=True)
    ind = ind.assign(kind="indicator", n=pd.NA)
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
    check_settings(settings)
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
