"""Uncertainty of a ranking: Monte Carlo over settings, sensitivity, and what it would take.

- :func:`monte_carlo` — ranks under many sampled settings (weights, aggregation, normalisation,
  jurors), vectorised over samples; each unit's rank interval and chance of coming first.
- :func:`sobol` — first-order and total Sobol indices of each uncertain input (SALib);
  :func:`remove_one` — how far ranks move when one criterion is left out.
- :func:`what_it_would_take` — the smallest gain on each criterion that moves a nominee up a rank.
- :func:`rank_interval` / :func:`describe_rank_interval` — one nominee's line, for a profile.
- :func:`demo_inputs` — an award's nominees × criteria matrix and what varies it.

See ``docs/uncertainty.md``.
"""
from __future__ import annotations

from award_eval.uncertainty.demo import AwardInputs, demo_inputs
from award_eval.uncertainty.model import Tree, competition_ranks
from award_eval.uncertainty.montecarlo import (
           MonteCarloResult,
           describe_rank_interval,
           monte_carlo,
           rank_interval,
)
from award_eval.uncertainty.sampling import JurySampling
from award_eval.uncertainty.sensitivity import remove_one, sobol
from award_eval.uncertainty.smaa import SmaaResult, smaa
from award_eval.uncertainty.whatif import what_it_would_take

__all__ = ["AwardInputs", "JurySampling", "MonteCarloResult", "SmaaResult", "smaa", "Tree", "competition_ranks", "demo_inputs",
           "describe_rank_interval", "monte_carlo", "rank_interval", "remove_one", "sobol",
           "what_it_would_take"]
