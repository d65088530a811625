"""Composite indicators: the OECD/JRC Handbook's construction steps, as COINr implements them.

``build_index(data, framework, **choices)`` runs denominate → impute → screen → treat →
normalise → weight → aggregate and records every step; each step is also usable on its own
(scikit-learn style where it learns from a reference population). A framework's structure is a
COINr-style iMeta table; :class:`Framework` is the one framework type,
:class:`award_eval.criteria.Framework` (``from_imeta``, ``from_yaml``, ``from_criteria``). Every
aggregated score is on 0–100 (:mod:`.scale`). See ``docs/composite.md`` and ``docs/scale.md``.
"""
from __future__ import annotations

from award_eval.composite.aggregate import (
    AGGREGATIONS,
    aggregate_group,
    aggregate_tree,
    weighted_mean,
)
from award_eval.composite.audit import (
    Audit,
    audit,
    correlation_flags,
    correlation_matrix,
    cronbach_alpha,
    cronbach_by_aggregate,
    cronbach_ci,
    distribution,
    indicator_coverage,
    pca_by_aggregate,
    pca_explained,
    unit_coverage,
)
from award_eval.composite.denominate import denominate
from award_eval.composite.framework import Framework, as_framework
from award_eval.composite.impute import IMPUTATIONS, Imputer, impute, imputed_cells
from award_eval.composite.mcda import copeland, outranking_matrix, topsis, vikor, vikor_compromise
from award_eval.composite.normalise import NORMALISERS, Normaliser, normalise
from award_eval.composite.peers import peer_ranks
from award_eval.composite.pipeline import DEFAULT_CHOICES, CompositeIndex, build_index
from award_eval.composite.scale import SCALE, SCALE_MAPS, OntoScale, scoring_pipeline
from award_eval.composite.screen import coverage, screen_units
from award_eval.composite.treat import (
    Treater,
    kurtosis,
    log_ct,
    passes,
    skewness,
    treat,
    winsorise,
)
from award_eval.composite.weights import (
    WEIGHTINGS,
    critic_weights,
    derive_weights,
    entropy_weights,
    given_weights,
    pca_weights,
)

__all__ = [
    "AGGREGATIONS", "Audit", "CompositeIndex", "DEFAULT_CHOICES", "Framework", "IMPUTATIONS", "Imputer",
    "NORMALISERS", "Normaliser", "OntoScale", "SCALE", "SCALE_MAPS", "Treater", "WEIGHTINGS", "aggregate_group", "aggregate_tree", "as_framework",
    "audit", "build_index", "copeland", "correlation_flags", "correlation_matrix", "coverage",
    "critic_weights", "cronbach_alpha", "cronbach_by_aggregate", "cronbach_ci", "denominate", "derive_weights",
    "distribution", "entropy_weights", "given_weights", "impute", "imputed_cells", "indicator_coverage",
    "kurtosis", "log_ct", "normalise", "outranking_matrix", "passes", "pca_by_aggregate", "pca_explained",
    "pca_weights", "peer_ranks", "screen_units", "scoring_pipeline", "skewness", "topsis", "treat", "unit_coverage",
    "vikor", "vikor_compromise",
    "weighted_mean", "winsorise",
]
