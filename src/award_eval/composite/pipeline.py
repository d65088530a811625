"""The composite-indicator pipeline: one call from raw indicators to ranked index, every step recorded.

``build_index(data, framework, **choices)`` runs, in this order,
denominate → impute → screen → treat → normalise → weight → aggregate, and returns a
:class:`CompositeIndex`: the data after each step, the per-step record, and the choices. As in
COINr, the choices are the whole recipe: ``index.rebuild(normalise="zscore")`` regenerates the
index with one choice changed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from award_eval.composite.aggregate import AGGREGATIONS, MEANS, aggregate_tree
from award_eval.composite.denominate import denominate as _denominate
from award_eval.composite.framework import Framework, as_framework
from award_eval.composite.impute import (
    GROUP_METHODS,
    IMPUTATIONS,
    Imputer,
    imputed_cells,
)
from award_eval.composite.normalise import NORMALISERS
from award_eval.composite.scale import check_scale, scoring_pipeline
from award_eval.composite.peers import peer_ranks
from award_eval.composite.screen import screen_units
from award_eval.composite.treat import TREATMENTS, Treater
from award_eval.composite.weights import WEIGHTINGS, derive_weights, given_weights
from award_eval.errors import InputError
from award_eval.ranking import rank_scores

DEFAULT_CHOICES: dict[str, Any] = {
    "denominate": False,
    "impute": None,
    "impute_by": None,
    "min_coverage": None,
    "screen_on": "observed",
    "treat": None,
    "normalise": "minmax",
    "normalise_range": (0.0, 100.0),
    "weights": None,
    "aggregate": "arithmetic",
    "seed": 0,
    "dat_thresh": None,
}
SCREEN_BASES = ("observed", "imputed")


@dataclass(frozen=True, eq=False)
class CompositeIndex:
    """A built index: inputs, choices, the data after each step, and the record of every step.

    Frames are units × codes, indexed by unit. ``normalised`` is what the normalisation computes
    (COINr's values: a z-score, a rank, …); ``scaled`` is the same placed on 0–100 (see
    :mod:`.scale`), what is weighted and aggregated. ``aggregated`` holds the scaled indicators and
    every aggregate (bottom-up); ``ranks`` ranks the top aggregate (ties share the lowest rank).
    """

    data: pd.DataFrame
    framework: Framework
    choices: dict[str, Any]
    record: list[dict[str, Any]]
    observed: pd.DataFrame  # indicators after denomination, before imputation
    imputed: pd.DataFrame
    screened: pd.DataFrame  # the units kept by screening: what treatment receives
    treated: pd.DataFrame
    normalised: pd.DataFrame
    weights: pd.Series
    aggregated: pd.DataFrame
    ranks: pd.Series
    coverage: pd.DataFrame  # unit, coverage, kept
    imputed_cells: pd.DataFrame  # unit, iCode, value
    treatment: pd.DataFrame | None = None  # per indicator (see Treater.report_)
    treated_points: pd.DataFrame | None = None  # unit, iCode, treatment, before, after
    fitted: dict[str, Any] = field(default_factory=dict)  # the fitted imputer, treater, normaliser, scorer
    scaled: pd.DataFrame | None = None  # the normalised indicators on 0–100 (what is aggregated)

    @property
    def scores(self) -> pd.Series:
        """The top-level scores."""
        return self.aggregated[self.framework.top].rename("score")

    def results(self) -> pd.DataFrame:
        """Tidy ranking: ``unit, rank, score`` and every aggregate, best first (ties by unit)."""
        out = pd.DataFrame({"unit": self.aggregated.index, "rank": self.ranks.to_numpy(),
                            "score": self.scores.to_numpy()})
        for code in self.framework.aggregates:
            if code != self.framework.top:
                out[code] = self.aggregated[code].to_numpy()
        return out.sort_values(["rank", "unit"], kind="stable", na_position="last").reset_index(drop=True)

    def top(self, n: int = 3) -> list[str]:
        """The ``n`` best units (ties broken by unit code)."""
        return list(self.results()["unit"].head(n))

    def peer_ranks(self, by: str) -> pd.DataFrame:
        """National rank beside the rank within the groups of the data column ``by``."""
        if by not in self.data.columns:
            raise ValueError(f"no data column {by!r} to group by")
        return peer_ranks(self.scores, self.data.loc[self.scores.index, by])

    def score(self, data: pd.DataFrame) -> pd.DataFrame:
        """Place other units (e.g. nominees) on this index's scale, scikit-learn style.

        The steps learnt on this index's units (imputation values, treatment bounds, normalisation
        parameters, weights) are applied to ``data`` unchanged, so a unit's score does not depend
        on which other units are scored. Returns units × codes like ``aggregated``. Screening is
        not applied. Only the means can score units one by one: Copeland, TOPSIS and VIKOR
        compare units with each other, so rebuild the index with those units instead.
        """
        methods = [self.choices["aggregate"]] if isinstance(self.choices["aggregate"], str) \
            else list(self.choices["aggregate"].values())
        relative = sorted(set(methods) - set(MEANS))
        if relative:
            raise ValueError(f"aggregation {', '.join(relative)} ranks units against each other; "
                             "rebuild the index with these units instead of scoring them")
        fw, c = self.framework, self.choices
        x = _numeric(data, fw.indicators, "an indicator")
        mapping = {k: str(v) for k, v in fw.denominators.items()} if c["denominate"] else {}
        if mapping:
            dens = _numeric(data, sorted(set(mapping.values())), "a denominator")
            x = _denominate(pd.concat([x, dens], axis=1), mapping)[fw.indicators]
        if "imputer" in self.fitted:
            groups = data[c["impute_by"]] if c["impute"] in GROUP_METHODS else None
            x = self.fitted["imputer"].transform(x, groups=groups)
        if "treater" in self.fitted:
            x = self.fitted["treater"].transform(x)
        scaled = self.fitted["scorer"].transform(x)
        return aggregate_tree(scaled, fw, c["aggregate"], weights=self.weights,
                              dat_thresh=c.get("dat_thresh"))[fw.codes]

    def rebuild(self, **changed: Any) -> "CompositeIndex":
        """The same index with some choices changed (the others as recorded)."""
        unknown = sorted(set(changed) - set(DEFAULT_CHOICES))
        if unknown:
            raise TypeError(f"unknown choice(s): {', '.join(unknown)}; choices are {', '.join(DEFAULT_CHOICES)}")
        return build_index(self.data, self.framework, **{**self.choices, **changed})


def _numeric(data: pd.DataFrame, columns: list[str], what: str) -> pd.DataFrame:
    """The named columns as floats; names the unit, column and value of the first bad cell."""
    for col in columns:
        if col not in data.columns:
            raise InputError(None, f"a data column named {col!r} ({what} of the framework)",
                             column=col, has_value=False)
    out = {}
    for col in columns:
        raw = data[col]
        num = pd.to_numeric(raw, errors="coerce")
        bad = raw.notna() & num.isna()
        if bad.any():
            unit = raw.index[bad.to_numpy()][0]
            raise InputError(None, f"a number (unit {unit!r})", column=col, value=raw[unit])
        out[col] = num.astype(float)
    return pd.DataFrame(out, index=data.index)


def _weights_choice(weights: Any) -> Any:
    """Plain-data form of the weights choice (a dict for user-given weights)."""
    if weights is None or isinstance(weights, str):
        return weights
    if isinstance(weights, pd.DataFrame):
        return {str(k): float(v) for k, v in zip(weights["iCode"], weights["Weight"])}
    return {str(k): float(v) for k, v in pd.Series(weights, dtype=float).items()}


def _check_choices(c: dict[str, Any], framework: Framework, data: pd.DataFrame) -> None:
    if c["impute"] is not None and c["impute"] not in IMPUTATIONS:
        raise ValueError(f"impute {c['impute']!r} is not one of None, {', '.join(IMPUTATIONS)}")
    if c["impute"] in GROUP_METHODS:
        if c["impute_by"] is None:
            raise ValueError(f"impute={c['impute']!r} needs impute_by=<group column>")
        if c["impute_by"] not in data.columns:
            raise InputError(None, f"a data column named {c['impute_by']!r} (impute_by)",
                             column=c["impute_by"], has_value=False)
    if c["screen_on"] not in SCREEN_BASES:
        raise ValueError(f"screen_on {c['screen_on']!r} is not one of {', '.join(SCREEN_BASES)}")
    if c["treat"] is not None and c["treat"] not in TREATMENTS:
        raise ValueError(f"treat {c['treat']!r} is not one of None, {', '.join(TREATMENTS)}")
    if c["normalise"] not in NORMALISERS:
        raise ValueError(f"normalise {c['normalise']!r} is not one of {', '.join(NORMALISERS)}")
    lo, hi = c["normalise_range"]
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"normalise_range must be (low, high) with low < high, got {c['normalise_range']!r}")
    check_scale(c["normalise"], c["normalise_range"])
    methods = [c["aggregate"]] if isinstance(c["aggregate"], str) else list(dict(c["aggregate"]).values())
    for m in methods:
        if m not in AGGREGATIONS:
            raise ValueError(f"aggregate {m!r} is not one of {', '.join(AGGREGATIONS)}")
    if not isinstance(c["aggregate"], str):
        missing = [lv for lv in framework.levels[1:] if lv not in {int(k) for k in c["aggregate"]}]
        if missing:
            raise ValueError(f"aggregate mapping has no method for level(s) {missing}")
    if isinstance(c["weights"], str) and c["weights"] not in WEIGHTINGS:
        raise ValueError(f"weights {c['weights']!r} is not one of None, {', '.join(WEIGHTINGS)}, or a Series")


def build_index(data: pd.DataFrame, framework: Any, *, denominate: bool = False,
                impute: str | None = None, impute_by: str | None = None,
                min_coverage: float | None = None, screen_on: str = "observed",
                treat: str | None = None, normalise: str = "minmax",
                normalise_range: tuple[float, float] = (0.0, 100.0),
                weights: str | pd.Series | pd.DataFrame | Mapping[str, float] | None = None,
                aggregate: str | Mapping[int, str] = "arithmetic", seed: int = 0,
                dat_thresh: float | None = None) -> CompositeIndex:
    """Build a composite index from ``data`` (units × columns, indexed by unit code).

    ``framework`` is a composite :class:`Framework`, an award criteria Framework, an iMeta table
    or its path. Columns other than the indicators (names, groups, denominators) are ignored
    unless a step names them. Choices (see ``docs/composite.md`` for every formula):

    - ``denominate``: divide each indicator that has a Denominator by that column.
    - ``impute`` (None, mean, median, group_mean, group_median, knn, iterative) and
      ``impute_by`` (the group column of the group methods); ``seed`` fixes ``iterative``.
    - ``min_coverage``: drop units with a smaller share of indicators present; ``screen_on``
      ``"observed"`` counts values before imputation (default), ``"imputed"`` after it (COINr).
    - ``treat``: None or ``"winsorise"`` (the JRC rule, falling back to a log transform).
    - ``normalise`` (a key of :data:`NORMALISERS`) and ``normalise_range`` (minmax, goalposts).
    - ``weights``: None (the framework's), ``"equal"``, ``"pca"``, ``"entropy"``, ``"critic"``,
      or user weights (Series/mapping iCode → weight, or DataFrame ``iCode, Weight``).
    - ``aggregate``: one method or ``{level: method}``; see :data:`AGGREGATIONS`.
    - ``dat_thresh`` (COINr): an aggregate is NaN for a unit with a smaller share of its children present.
    """
    fw = as_framework(framework)
    choices: dict[str, Any] = {
        "denominate": bool(denominate), "impute": impute, "impute_by": impute_by,
        "min_coverage": None if min_coverage is None else float(min_coverage), "screen_on": screen_on,
        "treat": treat, "normalise": normalise,
        "normalise_range": (float(normalise_range[0]), float(normalise_range[1])),
        "weights": _weights_choice(weights),
        "aggregate": aggregate if isinstance(aggregate, str) else {int(k): v for k, v in dict(aggregate).items()},
        "seed": int(seed),
        "dat_thresh": None if dat_thresh is None else float(dat_thresh),
    }
    if not data.index.is_unique:
        dup = data.index[data.index.duplicated()][0]
        raise InputError(None, "one row per unit (the index must be unique)", column=data.index.name, value=dup)
    _check_choices(choices, fw, data)
    indicators = fw.indicators
    record: list[dict[str, Any]] = []

    # 1. denominate
    x = _numeric(data, indicators, "an indicator")
    mapping = {k: str(v) for k, v in fw.denominators.items()} if denominate else {}
    if mapping:
        dens = _numeric(data, sorted(set(mapping.values())), "a denominator")
        x = _denominate(pd.concat([x, dens], axis=1), mapping)[indicators]
    record.append({"step": "denominate", "choices": {"denominate": choices["denominate"]},
                   "result": {"denominated": mapping}})
    observed = x.copy()

    # 2. impute
    cells = pd.DataFrame(columns=["unit", "iCode", "value"])
    fitted: dict[str, Any] = {}
    if impute is not None:
        groups = data[impute_by] if impute in GROUP_METHODS else None
        fitted["imputer"] = imp = Imputer(impute, random_state=choices["seed"])
        x = imp.fit_transform(x, groups=groups)
        cells = imputed_cells(observed, x)
    record.append({"step": "impute",
                   "choices": {"impute": impute, "impute_by": impute_by if impute in GROUP_METHODS else None,
                               "seed": choices["seed"] if impute == "iterative" else None},
                   "result": {"missing_before": int(observed.isna().sum().sum()), "filled": len(cells),
                              "missing_after": int(x.isna().sum().sum())}})

    imputed = x

    # 3. screen
    x, cov = screen_units(x, min_coverage, observed if screen_on == "observed" else None)
    dropped = [str(u) for u in cov.loc[~cov["kept"], "unit"]]
    record.append({"step": "screen", "choices": {"min_coverage": choices["min_coverage"], "screen_on": screen_on},
                   "result": {"kept": len(x), "dropped": dropped}})
    screened = x

    # 4. treat
    report = points = None
    targets = fw.targets
    if treat is not None:
        fitted["treater"] = treater = Treater().fit(x)
        x, report, points = treater.transform(x), treater.report_, treater.points_
        targets = treater.transform_values(targets)
        by_kind = {k: list(report.loc[report["treatment"] == k, "iCode"]) for k in ("winsorise", "log", "skipped")}
        result = {"winsorised": {c: int(n) for c, n in zip(report["iCode"], report["n_winsorised"]) if n > 0},
                  "log": by_kind["log"], "skipped": by_kind["skipped"],
                  "still_failing": list(report.loc[~report["passed_after"], "iCode"])}
    else:
        result = {}
    record.append({"step": "treat", "choices": {"treat": treat}, "result": result})
    treated = x

    # 5. normalise, then place on 0–100: the one scoring recipe, fitted on the units kept
    fitted["scorer"] = scorer = scoring_pipeline(normalise, fw.directions, choices["normalise_range"],
                                                 targets=targets).fit(x)
    fitted["normaliser"] = scorer.named_steps["normalise"]
    normalised = fitted["normaliser"].transform(x)
    scaled = scorer.named_steps["scale"].transform(normalised)
    record.append({"step": "normalise", "choices": {"normalise": normalise,
                                                    "normalise_range": list(choices["normalise_range"])},
                   "result": {"directions_reversed": [c for c, d in fw.directions.items() if d < 0]}})

    # 6. weight
    if weights is None:
        w = fw.weights
    elif isinstance(weights, str):
        w = derive_weights(scaled, fw, weights, choices["aggregate"])
    else:
        w = given_weights(weights, fw)
    w = w.copy()
    w[fw.top] = 1.0
    record.append({"step": "weight", "choices": {"weights": choices["weights"]},
                   "result": {"weights": {str(k): float(v) for k, v in w.items()}}})

    # 7. aggregate
    aggregated = aggregate_tree(scaled, fw, choices["aggregate"], weights=w, dat_thresh=choices["dat_thresh"])
    aggregated = aggregated[fw.codes]
    ranks = rank_scores(aggregated[fw.top])
    record.append({"step": "aggregate", "choices": {"aggregate": choices["aggregate"],
                                                    "dat_thresh": choices["dat_thresh"]},
                   "result": {"top": fw.top, "units": int(aggregated[fw.top].notna().sum())}})

    return CompositeIndex(
        data=data.copy(), framework=fw, choices=choices, record=record, observed=observed,
        imputed=imputed,
        screened=screened, treated=treated, normalised=normalised, weights=w, aggregated=aggregated,
        ranks=ranks, coverage=cov, imputed_cells=cells, treatment=report, treated_points=points,
        fitted=fitted, scaled=scaled)

