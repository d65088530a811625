"""Composite indicators: normalise, weight and aggregate indicators up a framework tree.

The steps follow the OECD/JRC Handbook and COINr. A framework's structure is passed as a
COINr-style iMeta table (columns ``iCode, Parent, Weight, Type``; see
:meth:`award_eval.criteria.Framework.to_imeta`).
"""
from __future__ import annotations

from .aggregate import aggregate_tree, weighted_mean
from .normalise import NORMALISERS, Normaliser, normalise

__all__ = ["NORMALISERS", "Normaliser", "aggregate_tree", "normalise", "weighted_mean"]
