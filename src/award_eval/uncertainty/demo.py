"""The award's inputs for the uncertainty analysis: nominees × criteria, as the evaluation scores them.

:func:`demo_inputs` builds what :func:`~.montecarlo.monte_carlo` needs from an award's criteria
and data folder: the indicator criteria normalised against all municipalities of the register
and the jury criteria as the jurors' aggregate mapped onto 0–100 — exactly the criterion scores
of :func:`award_eval.evaluation.evaluate`, so the nominal ranking is the evaluation's — with the
raw indicator values of every municipality (to re-normalise from), the jury scores (to resample
jurors from) and the composite framework of the criteria file.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from award_eval.composite.framework import Framework as CompositeFramework
from award_eval.criteria import Framework
from award_eval.data import AwardData, latest_values
from award_eval.evaluation import Settings, indicator_scores, jury_scores
from award_eval.i18n import t
from award_eval.joint import is_joint
from award_eval.uncertainty.sampling import JurySampling


@dataclass(frozen=True)
class AwardInputs:
    """``matrix``: nominees × criteria on 0–100 (criteria in framework order); ``framework``: the
    composite framework; ``raw``: every municipality × indicator criteria (latest year);
    ``jury``: the jurors to resample; ``names``: code → municipality name; ``per_point``:
    criterion → one matrix point in the criterion's own unit (rubric steps for jury criteria, the
    indicator's unit under minmax; NaN otherwise); ``units``: criterion → that unit's name;
    ``aggregation``: the criteria file's aggregation (the nominal one)."""

    matrix: pd.DataFrame
    framework: CompositeFramework
    raw: pd.DataFrame
    jury: JurySampling | None
    names: pd.Series
    per_point: pd.Series
    units: pd.Series
    aggregation: str
    criteria: Framework


def demo_inputs(framework: Framework, data: AwardData, *, normalisation: str = "minmax",
                jury_method: str = "mean", jury_resample: str | None = "leave_one_out",
                year: int | None = None, lang: str = "en") -> AwardInputs:
    """The nominees' criterion scores and what varies them, for an award's framework and data.

    ``jury_resample``: ``"leave_one_out"``, ``"bootstrap"`` (``jury_method`` mean only) or None
    (the jurors do not vary). ``lang`` is the language of the composite framework's names.
    """
    settings = Settings(normalisation=normalisation, jury_method=jury_method, year=year)
    nominees = list(data.nominees["code"])
    leaves = [n.id for n in framework.leaves()]
    ind = indicator_scores(framework, data, settings, units=nominees)  # the one recipe, as evaluate
    jur = jury_scores(framework, data, settings)
    long = pd.concat([jur[["code", "criterion", "score"]], ind[["code", "criterion", "score"]]], ignore_index=True)
    matrix = long.pivot(index="code", columns="criterion", values="score").reindex(index=nominees, columns=leaves)
    matrix = matrix.astype(float)
    matrix.index.name = "code"
    matrix.columns.name = None

    ids = framework.indicator_criteria
    register = list(data.register["code"])  # a joint profile's data has its joint nominee in the register already
    joint = [c for c in data.joint["code"] if c in set(nominees) and c not in set(register)]
    raw = latest_values(data.indicators, year).reindex(columns=ids).reindex(register + joint)  # beside, as evaluate
    raw.index.name = "code"
    raw.columns.name = None

    jury = None
    if jury_resample is not None and framework.jury_criteria and len(data.jury_scores):
        jury = JurySampling(scores=data.jury_scores, scale=framework.scale, resample=jury_resample,
                            method=jury_method)

    scale = framework.scale
    per_point, unit_names = {}, {}
    for node in framework.leaves():
        if node.kind == "jury":
            per_point[node.id] = (scale.max - scale.min) / 100.0
            unit_names[node.id] = t("uncertainty.unit.rubric_steps", lang)
        else:
            col = raw[node.id].reindex([c for c in register if not is_joint(c)]).astype(float)  # the municipalities' span
            span = col.max() - col.min()
            lo, hi = settings.normalise_range
            per_point[node.id] = (span / (hi - lo) * node.sign) if normalisation == "minmax" and span > 0 else np.nan
            unit_names[node.id] = node.unit or ""
    names = data.nominees.set_index("code")["name"] if "name" in data.nominees.columns else \
        data.register.set_index("code")["name"].reindex(nominees)
    return AwardInputs(matrix=matrix, framework=CompositeFramework.from_criteria(framework, lang), raw=raw,
                       jury=jury, names=names.rename("name"), per_point=pd.Series(per_point, name="per_point"),
                       units=pd.Series(unit_names, name="unit"), aggregation=framework.aggregation,
                       criteria=framework)
