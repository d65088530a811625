"""How sure a ranking is, as reports show it: the hooks to the uncertainty analysis.

Reports show a nominee's *rank interval* (and chance of winning) and *what it would take* to
move up only when the uncertainty analysis has produced them. That analysis (Monte Carlo over
weights, normalisation, aggregation and jurors) belongs to :mod:`award_eval.uncertainty`, which
is written separately; until it is connected, both hooks return ``None`` and the reports leave
the sections out, saying nothing they cannot back.

Connecting it means filling in the two functions below and nothing else: every notebook and
table already calls them, checks the columns with :func:`check_rank_intervals` /
:func:`check_what_it_would_take`, and renders what comes back.

Contract
--------
``rank_intervals(result, seed)`` → ``None`` or a DataFrame, one row per nominee:
    ``code`` (str), ``rank_low``, ``rank_high`` (int: the interval, e.g. the 5th–95th percentile
    of the simulated ranks), ``rank_median`` (float), ``p_first`` (float 0–1: the share of
    simulations in which it ranks first), plus ``attrs["settings"]``: a dict describing the
    analysis (number of runs, what was varied, interval level) that the method section prints.
``what_it_would_take(result, code, seed)`` → ``None`` or a DataFrame, one row per criterion
    where a feasible change exists: ``criterion`` (id), ``current``, ``needed`` (0–100 criterion
    scores), ``target_rank`` (int) — the smallest change in that criterion alone that would lift
    the nominee to ``target_rank``, all else fixed.
"""
from __future__ import annotations

import pandas as pd

from .evaluation import Result

RANK_INTERVAL_COLUMNS = ("code", "rank_low", "rank_high", "rank_median", "p_first")
WHAT_IT_WOULD_TAKE_COLUMNS = ("criterion", "current", "needed", "target_rank")


def rank_intervals(result: Result, seed: int = 42) -> pd.DataFrame | None:
    """Each nominee's rank interval and chance of winning; ``None`` until uncertainty is connected.

    Hook: return ``award_eval.uncertainty``'s result here (see the module docstring's contract).
    """
    return None


def what_it_would_take(result: Result, code: str, seed: int = 42) -> pd.DataFrame | None:
    """Per criterion, the score a nominee would need to move up; ``None`` until connected (hook)."""
    return None


def _check(frame: pd.DataFrame | None, columns: tuple[str, ...], what: str) -> pd.DataFrame | None:
    if frame is None:
        return None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks the column(s) {', '.join(missing)}; expected {', '.join(columns)}")
    return frame


def check_rank_intervals(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """``frame`` unchanged if it has the rank-interval columns (``None`` passes); else ValueError."""
    return _check(frame, RANK_INTERVAL_COLUMNS, "rank intervals")


def check_what_it_would_take(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    return _check(frame, WHAT_IT_WOULD_TAKE_COLUMNS, "what-it-would-take table")
