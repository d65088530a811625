"""Uncertainty of a ranking: Monte Carlo over settings, sensitivity, and what it would take.

See ``docs/uncertainty.md``.
"""
from __future__ import annotations

from .model import Tree, competition_ranks
from .montecarlo import MonteCarloResult, describe_rank_interval, monte_carlo, rank_interval
from .sampling import JurySampling

__all__ = ["JurySampling", "MonteCarloResult", "Tree", "competition_ranks", "describe_rank_interval",
           "monte_carlo", "rank_interval"]
