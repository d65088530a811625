"""How sure a ranking is, as reports show it: the hooks to the uncertainty analysis.

Reports show a nominee's *rank interval* (and chance of winning) and *what it would take* to
move up only when the uncertainty analysis has produced them. That analysis (Monte Carlo over
weights, normalisation, aggregation and jurors) belongs to :mod:`award_eval.uncertainty`, which
is connected here. A Result made by :func:`award_eval.evaluation.evaluate` carries its inputs
(``result.extra["data"]``); without them both hooks return ``None`` and the reports leave the
sections out, saying nothing they cannot back.

The profile's interval is a lighter run than the uncertainty report's (weights drawn from a
Dirichlet around the nominal ones, concentration 100, and one juror left out at a time; 2,000
samples), so that a profile for every nominee stays cheap; ``settings`` in the attrs say so.

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

from award_eval.evaluation import Result

RANK_INTERVAL_COLUMNS = ("code", "rank_low", "rank_high", "rank_median", "p_first")
WHAT_IT_WOULD_TAKE_COLUMNS = ("criterion", "current", "needed", "target_rank")


SAMPLES = 2000
CONCENTRATION = 100.0


def _inputs(result: Result):
    data = result.extra.get("data")
    if data is None:
        return None
    from award_eval.uncertainty import demo_inputs

    return demo_inputs(result.framework, data, normalisation=result.settings.normalisation,
                       jury_method=result.settings.jury_method, year=result.settings.year)


def rank_intervals(result: Result, seed: int = 42, n: int = SAMPLES) -> pd.DataFrame | None:
    """Each nominee's 5–95 % rank interval, median rank and chance of winning (Monte Carlo)."""
    inputs = _inputs(result)
    if inputs is None or len(inputs.matrix) < 2:
        return None
    from award_eval.uncertainty import monte_carlo

    jury = inputs.jury
    mc = monte_carlo(inputs.matrix, inputs.framework, n=n, seed=seed, weights="dirichlet",
                     concentration=CONCENTRATION, aggregations=(inputs.aggregation,), jury=jury)
    s = mc.summary
    out = pd.DataFrame({"code": s.index.astype(str), "rank_low": s["q05"].round().astype(int).to_numpy(),
                        "rank_high": s["q95"].round().astype(int).to_numpy(),
                        "rank_median": s["median"].astype(float).to_numpy(),
                        "p_first": s["p_first"].astype(float).to_numpy()})
    # codes, not words: the method section writes them in the report's language
    out.attrs["settings"] = {"samples": n, "seed": seed, "weights": "dirichlet", "concentration": CONCENTRATION,
                             "jurors": "leave_one_out" if jury is not None else "fixed",
                             "interval": "5–95 %"}
    return out


def what_it_would_take(result: Result, code: str, seed: int = 42) -> pd.DataFrame | None:
    """Per criterion, the 0–100 score the nominee would need, that criterion alone, to move up one rank."""
    inputs = _inputs(result)
    if inputs is None or code not in inputs.matrix.index:
        return None
    from award_eval.uncertainty import what_it_would_take as wiwt

    table = wiwt(inputs.matrix, inputs.framework, code, aggregation=inputs.aggregation)
    if table.attrs.get("target_rank") is None:
        return None
    reachable = table[table["reachable"].astype(bool)]
    return pd.DataFrame({"criterion": reachable.index.astype(str),
                         "current": reachable["current"].astype(float).to_numpy(),
                         "needed": reachable["needed"].astype(float).to_numpy(),
                         "target_rank": int(table.attrs["target_rank"])})


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
