"""The names of every method a setting or notebook parameter can choose, declared once.

The modules that implement the methods (``composite``, ``jury``, ``uncertainty``,
``evaluation``) and the plan check (:mod:`award_eval.parameters`) both read these tuples, so
``award-eval run`` checks a plan without importing scikit-learn or scipy. Nothing is imported
here. Add a method here and in the module that implements it; the tests check that each
implementing module accepts exactly these names.
"""
from __future__ import annotations

#: how the jury's scores are aggregated per nominee and criterion (jury.aggregate)
JURY_METHODS: tuple[str, ...] = ("mean", "median", "trimmed", "zscore")

#: weighted means, unit by unit (composite.aggregate, uncertainty.model)
MEANS: tuple[str, ...] = ("arithmetic", "geometric", "harmonic")
#: how a composite index aggregates its columns: the means and the MCDA methods (composite.aggregate)
COMPOSITE_AGGREGATIONS: tuple[str, ...] = MEANS + ("copeland", "topsis", "vikor")

#: missing-value imputations by column (composite.impute)
IMPUTATIONS: tuple[str, ...] = ("mean", "median", "group_mean", "group_median", "knn", "iterative")
#: outlier treatments (composite.treat)
TREATMENTS: tuple[str, ...] = ("winsorise",)

#: every normalisation with a map onto 0–100, in the order of composite.scale.SCALE_MAPS
SCALE_METHODS: tuple[str, ...] = ("minmax", "goalposts", "zscore", "rank", "borda", "percentile",
                                  "distance_to_target", "distance_to_max", "fraction_of_max", "sum", "vector")
#: What an evaluation accepts: every normalisation with a map onto 0–100 that a criteria file can
#: carry (goalposts and distance_to_target need a Target per indicator, which criteria files do
#: not have; fraction_of_max needs values ≥ 0 after orientation, which a lower-is-better indicator
#: of positive values does not have, and so do sum and vector, which need a cost convention
#: criteria files cannot state).
NORMALISATIONS: tuple[str, ...] = tuple(m for m in SCALE_METHODS
                                        if m not in ("goalposts", "distance_to_target", "fraction_of_max", "sum",
                                                     "vector"))

#: random weights of a Monte Carlo analysis (uncertainty.sampling)
WEIGHT_SCHEMES: tuple[str, ...] = ("dirichlet", "uniform")
#: how a Monte Carlo analysis resamples the jurors (uncertainty.sampling)
RESAMPLES: tuple[str, ...] = ("leave_one_out", "bootstrap")
