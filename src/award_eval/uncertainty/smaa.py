"""Stochastic multicriteria acceptability analysis (SMAA) from a Monte Carlo run's samples.

SMAA (Lahdelma & Salminen 2001; Tervonen & Figueira 2008) reads the same samples as
:func:`~award_eval.uncertainty.monte_carlo` differently: not "what rank is likely for each
nominee" but "how much of the space of reasonable settings gives each nominee each rank".

- **Rank acceptability** ``b[i, r]``: the share of samples in which unit ``i`` takes rank ``r``.
- **Pairwise winning index** ``c[i, k]``: the share of samples in which ``i`` ranks above ``k``.
- **Central weight vector** of ``i``: the mean of the sampled weights over the samples in which
  ``i`` comes first, i.e. the typical weights one would have to hold for ``i`` to win.

Ties are split, never dropped: units tied at rank ``r`` in a sample share the ranks
``r … r+k−1`` equally (``1/k`` each), and a tie between two units counts half a win for each.
So every row and every column of the acceptability table sums to 1, and ``c[i, k] + c[k, i] = 1``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Samples × units × units booleans made at once, at most (bounds memory for large unit counts).
_BUDGET = 1 << 22


def _step(units: int) -> int:
    return max(1, _BUDGET // max(1, units * units))


def rank_acceptability(ranks: pd.DataFrame) -> pd.DataFrame:
    """units × ranks: the share of samples in which each unit takes each rank (ties split).

    ``ranks``: samples × units of competition ranks (1 = best; tied units share the lowest rank,
    as :class:`~award_eval.uncertainty.MonteCarloResult.ranks` holds them).
    """
    r = ranks.to_numpy(dtype=np.int64)
    n, units = r.shape
    out = np.zeros((units, units + 1))
    unit_index = np.broadcast_to(np.arange(units), (n, units))
    step = _step(units)
    for start in range(0, n, step):
        block = r[start:start + step]
        rows = unit_index[: len(block)]
        size = (block[:, :, None] == block[:, None, :]).sum(axis=2)  # tie group size per unit
        for offset in range(int(size.max())):
            take = offset < size
            np.add.at(out, (rows[take], block[take] + offset), 1.0 / size[take])
    frame = pd.DataFrame(out[:, 1:] / n, index=ranks.columns,
                         columns=pd.RangeIndex(1, units + 1, name="rank"))
    return frame


def pairwise_winning(ranks: pd.DataFrame) -> pd.DataFrame:
    """units × units: the share of samples in which the row unit ranks above the column unit.

    A tie counts half for each side, so ``c[i, k] + c[k, i] = 1``; the diagonal is 0.5.
    """
    r = ranks.to_numpy(dtype=np.int64)
    n, units = r.shape
    wins = np.zeros((units, units))
    step = _step(units)
    for start in range(0, n, step):
        block = r[start:start + step]
        above = block[:, :, None] < block[:, None, :]
        tied = block[:, :, None] == block[:, None, :]
        wins += above.sum(axis=0) + 0.5 * tied.sum(axis=0)
    return pd.DataFrame(wins / n, index=ranks.columns, columns=ranks.columns)


def central_weights(ranks: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """units × weight codes: the mean sampled weights over the samples each unit wins.

    ``weights``: samples × codes (each code's weight within its parent, as
    ``MonteCarloResult.weights``). A tie for first gives each tied unit an equal share of that
    sample. Adds ``share_first`` (the unit's first-rank acceptability); a unit that never comes
    first has no central weights (NaN): no setting in the sampled space makes it win.
    """
    first = ranks.to_numpy() == 1
    share = first / first.sum(axis=1, keepdims=True).clip(min=1)
    w = weights.to_numpy(dtype=float)
    total = share.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        central = (share.T @ w) / total[:, None]
    frame = pd.DataFrame(central, index=ranks.columns, columns=weights.columns)
    frame.loc[total == 0, :] = np.nan
    frame.insert(0, "share_first", total / len(ranks))
    return frame


@dataclass(frozen=True)
class SmaaResult:
    """What :func:`smaa` found: ``acceptability`` (units × ranks), ``pairwise`` (units × units),
    ``central_weights`` (units × ``share_first`` + weight codes); rows in the Monte Carlo
    summary's order (nominal rank)."""

    acceptability: pd.DataFrame
    pairwise: pd.DataFrame
    central_weights: pd.DataFrame


def smaa(result) -> SmaaResult:
    """Rank acceptability, pairwise winning indices and central weights of a Monte Carlo result."""
    order = result.summary.index
    ranks = result.ranks[order]
    return SmaaResult(acceptability=rank_acceptability(ranks),
                      pairwise=pairwise_winning(ranks),
                      central_weights=central_weights(ranks, result.weights))
