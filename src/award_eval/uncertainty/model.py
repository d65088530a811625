"""The index as a vectorised function of its settings: many weight sets scored in one pass.

A :class:`Tree` is not a tree type of its own: it is the one framework
(:class:`award_eval.criteria.Framework`, also ``award_eval.composite.Framework``) compiled into
arrays for a fixed set of leaf columns; codes, weights and levels are the framework's.
:meth:`Tree.scores` aggregates leaf values up the tree for ``m`` weight sets at once (one row of
every aggregate's weight array per sample) and returns the top score of every
unit under every sample, ``m × units``. It computes exactly what
:func:`award_eval.composite.aggregate_tree` computes for one weight set — the weighted
arithmetic, geometric or harmonic mean, a missing value skipped and the weights renormalised
over what is present — but as matrix products over samples instead of a loop.

:func:`competition_ranks` ranks every row at once with :func:`award_eval.ranking.rank_scores`'
rule: scores equal to 9 decimals are ties and share the lowest rank (1, 2, 2, 4).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from award_eval.choices import MEANS
from award_eval.composite.aggregate import method_for_level
from award_eval.composite.framework import Framework, as_framework
from award_eval.ranking import TIE_DECIMALS

POSITIVE_ONLY = ("geometric", "harmonic")


@dataclass(frozen=True)
class CompiledNode:
    """One aggregate: its children split into leaf columns and other aggregates."""

    code: str
    level: int
    children: tuple[str, ...]
    nominal: np.ndarray  # (k,) the framework's weights within this parent, summing to 1
    leaf_cols: np.ndarray  # positions of the leaf children among the tree's leaves
    leaf_pos: np.ndarray  # their positions among this node's children
    agg_children: tuple[str, ...]
    agg_pos: np.ndarray


class Tree:
    """The framework compiled for vectorised scoring (``framework`` is the one Framework it was
    compiled from). ``leaves`` are its indicator codes, in order."""

    def __init__(self, framework: Any) -> None:
        fw = as_framework(framework)
        self.framework: Framework = fw
        self.leaves: list[str] = list(fw.indicators)
        self.top: str = fw.top
        leaf_at = {c: i for i, c in enumerate(self.leaves)}
        weights = fw.weights
        nodes = []
        for code in fw.aggregates:
            kids = fw.children(code)
            w = weights.reindex(kids).to_numpy(dtype=float)
            is_leaf = np.array([k in leaf_at for k in kids])
            nodes.append(CompiledNode(
                code=code, level=fw.level_of(code), children=tuple(kids), nominal=w / w.sum(),
                leaf_cols=np.array([leaf_at[k] for k in kids if k in leaf_at], dtype=int),
                leaf_pos=np.flatnonzero(is_leaf), agg_children=tuple(k for k in kids if k not in leaf_at),
                agg_pos=np.flatnonzero(~is_leaf)))
        self.nodes: list[CompiledNode] = nodes
        self.node: dict[str, CompiledNode] = {n.code: n for n in nodes}

    @property
    def codes(self) -> list[str]:
        """Every code that has a weight within a parent: leaves, then aggregates bottom-up (not the top)."""
        return self.leaves + [n.code for n in self.nodes if n.code != self.top]

    def leaf_values(self, frame: pd.DataFrame) -> np.ndarray:
        """``frame``'s leaf columns as a float array (units × leaves), in the tree's order."""
        missing = [c for c in self.leaves if c not in frame.columns]
        if missing:
            raise ValueError(f"the matrix has no column for {', '.join(map(repr, missing))} "
                             f"(the framework's indicators are {', '.join(self.leaves)})")
        return frame[self.leaves].to_numpy(dtype=float)

    def nominal_weights(self, m: int = 1) -> dict[str, np.ndarray]:
        """The framework's weights, repeated for ``m`` samples: code → (m × children)."""
        return {n.code: np.broadcast_to(n.nominal, (m, n.nominal.size)) for n in self.nodes}

    def effective_weights(self, weights: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """Each leaf's weight in the top score (the product of the weights on its path), m × leaves.

        For the arithmetic mean with no missing values the top score is ``leaves @ effective``.
        """
        weights = self.nominal_weights() if weights is None else weights
        m = next(iter(weights.values())).shape[0]
        share = {self.top: np.ones(m)}
        out = np.zeros((m, len(self.leaves)))
        for node in reversed(self.nodes):  # top first
            w = np.asarray(weights[node.code], dtype=float)
            total = w.sum(axis=1, keepdims=True)
            # within the parent (an aggregate whose weights are all 0 passes nothing on), then the path
            w = np.divide(w, total, out=np.zeros_like(w), where=total > 0) * share[node.code][:, None]
            out[:, node.leaf_cols] = w[:, node.leaf_pos]
            for code, pos in zip(node.agg_children, node.agg_pos):
                share[code] = w[:, pos]
        return out

    def check_positive(self, leaf: np.ndarray, method: str | Mapping[int, str], where: str = "") -> None:
        """Raise if a geometric/harmonic mean would meet a value < 0 among the leaves (a 0 gives
        a mean of 0, as :func:`~award_eval.composite.weighted_mean`)."""
        bottom = {method_for_level(method, n.level) for n in self.nodes if n.leaf_cols.size}
        if bottom & set(POSITIVE_ONLY):
            values = leaf[~np.isnan(leaf)]
            if values.size and values.min() < 0:
                how = sorted(bottom & set(POSITIVE_ONLY))[0]
                raise ValueError(f"the {how} mean needs values ≥ 0, but the matrix{where} has values "
                                 f"down to {values.min():g}: place the scores on 0–100 first "
                                 "(award_eval.composite.scoring_pipeline), or leave the method out")

    def scores(self, leaf: np.ndarray, weights: Mapping[str, np.ndarray],
               method: str | Mapping[int, str] = "arithmetic", node: str | None = None) -> np.ndarray:
        """Top scores (or ``node``'s), ``m × units``, for ``m`` weight sets.

        ``leaf``: units × leaves (shared by every sample) or m × units × leaves (one per sample).
        ``weights``: aggregate code → m × children, each row the weights within that aggregate
        (any positive scale; they are renormalised over the children present, as
        :func:`~award_eval.composite.weighted_mean` does). ``method``: one mean for every level
        or ``{level: method}``.
        """
        target = node or self.top
        m = next(iter(weights.values())).shape[0]
        units = leaf.shape[-2]
        if target == self.top and isinstance(method, str) and leaf.ndim == 2 and not np.isnan(leaf).any():
            # one mean at every level and no gaps: the tree collapses to one weighted mean with
            # each leaf's effective weight (the product of the weights on its path)
            if method not in MEANS:
                raise ValueError(f"aggregation {method!r} is not one of {', '.join(MEANS)} "
                                 "(the Monte Carlo analysis varies means)")
            return flat_scores(self.effective_weights(weights), FlatLeaf.of(leaf, method))
        values: dict[str, np.ndarray] = {}
        for nd in self.nodes:
            how = method_for_level(method, nd.level)
            if how not in MEANS:
                raise ValueError(f"aggregation {how!r} is not one of {', '.join(MEANS)} "
                                 "(the Monte Carlo analysis varies means)")
            w = np.asarray(weights[nd.code], dtype=float)
            num = np.zeros((m, units))
            den = np.zeros((m, 1))  # widened to m × units only where a child has gaps
            hits = np.zeros((m, units)) if how in POSITIVE_ONLY else None  # weighted zeros met
            if nd.leaf_cols.size:
                x = leaf[..., nd.leaf_cols]
                wl = w[:, nd.leaf_pos]
                present = ~np.isnan(x)
                t = _transform(x, how, present)
                if x.ndim == 2:
                    num += wl @ t.T
                    den = den + (wl.sum(axis=1)[:, None] if present.all() else wl @ present.T.astype(float))
                else:
                    num += np.einsum("muk,mk->mu", t, wl)
                    den = den + np.einsum("muk,mk->mu", present.astype(float), wl)
                if hits is not None and (x == 0).any():
                    z, pos_w = (x == 0).astype(float), (wl > 0).astype(float)
                    hits += pos_w @ z.T if x.ndim == 2 else np.einsum("muk,mk->mu", z, pos_w)
            for code, pos in zip(nd.agg_children, nd.agg_pos):
                v = values.pop(code)
                wc = w[:, pos][:, None]
                present = ~np.isnan(v)
                num += wc * _transform(v, how, present)
                den = den + (wc if present.all() else wc * present)
                if hits is not None:
                    hits += (wc > 0) * (v == 0)
            values[nd.code] = _finish(num, den, how)
            if hits is not None and hits.any():
                values[nd.code][hits > 0] = 0.0
            values[nd.code] = _within_leaves(values[nd.code], leaf, how)
            if nd.code == target:
                return values[nd.code]
        raise KeyError(f"no aggregate {target!r} in the framework")


@dataclass(frozen=True)
class FlatLeaf:
    """A gap-free units × leaves matrix prepared once for one mean, so that scoring many
    samples is one matrix product: ``t`` the values the mean sums (x, ln x or 1/x; 0 where x is
    0), ``zero`` (leaves × units, float) where x is 0 for a geometric/harmonic mean (None if
    nowhere), ``lo``/``hi`` each unit's least and greatest leaf value."""

    how: str
    t: np.ndarray
    zero: np.ndarray | None
    lo: np.ndarray
    hi: np.ndarray

    @classmethod
    def of(cls, leaf: np.ndarray, how: str) -> "FlatLeaf":
        t = np.ascontiguousarray(_transform(leaf, how, np.ones(leaf.shape, dtype=bool)).T)
        zero = (leaf == 0).T.astype(float) if how in POSITIVE_ONLY and (leaf == 0).any() else None
        return cls(how, t, zero, leaf.min(axis=1), leaf.max(axis=1))


def flat_scores(eff: np.ndarray, flat: FlatLeaf) -> np.ndarray:
    """Top scores (m × units) from effective leaf weights (m × leaves) when one mean holds at
    every level and no value is missing: the tree collapses to one weighted mean."""
    out = _finish(eff @ flat.t, eff.sum(axis=1, keepdims=True), flat.how)
    if flat.zero is not None:  # a weighted 0 makes the mean 0
        out[(eff > 0).astype(float) @ flat.zero > 0] = 0.0
    if flat.how == "arithmetic":
        return out
    return np.minimum(np.maximum(out, flat.lo, out=out), flat.hi, out=out)


def flat_scores_with(eff: np.ndarray, flat: FlatLeaf, cols: Sequence[int], extra: np.ndarray,
                     extra_cols: Sequence[int]) -> np.ndarray:
    """:func:`flat_scores` where the leaves ``extra_cols`` take per-sample values ``extra``
    (m × units × k, no gaps; e.g. a bootstrap of jurors) and ``flat`` holds the other leaves
    ``cols``: their product plus the per-sample part."""
    how = flat.how
    e_rest, e_x = eff[:, cols], eff[:, extra_cols]
    t = _transform(extra, how, np.ones(extra.shape, dtype=bool))
    num = e_rest @ flat.t + np.einsum("muk,mk->mu", t, e_x)
    out = _finish(num, eff.sum(axis=1, keepdims=True), how)
    if how == "arithmetic":
        return out
    hits = np.einsum("muk,mk->mu", (extra == 0).astype(float), (e_x > 0).astype(float))
    if flat.zero is not None:
        hits += (e_rest > 0).astype(float) @ flat.zero
    out[hits > 0] = 0.0  # a weighted 0 makes the mean 0
    lo, hi = np.minimum(flat.lo, extra.min(axis=2)), np.maximum(flat.hi, extra.max(axis=2))
    return np.minimum(np.maximum(out, lo, out=out), hi, out=out)


def _within_leaves(out: np.ndarray, leaf: np.ndarray, how: str) -> np.ndarray:
    """Hold a geometric/harmonic mean's rounding within the unit's least and greatest leaf value
    (every aggregate is a mean of leaves, so it lies between them; exp∘log can overshoot 100)."""
    if how == "arithmetic":
        return out
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a unit with no value: NaN stays NaN
        lo, hi = np.nanmin(leaf, axis=-1), np.nanmax(leaf, axis=-1)
    return np.minimum(np.maximum(out, lo), hi, out=out) if not np.isnan(out).any() else \
        np.where(np.isnan(out), out, np.minimum(np.maximum(out, lo), hi))


def _transform(x: np.ndarray, how: str, present: np.ndarray) -> np.ndarray:
    """The value each mean sums (x, ln x or 1/x), 0 where missing (and where x is 0: the caller
    sets those geometric and harmonic means to 0)."""
    if how == "arithmetic":
        return x if present.all() else np.where(present, x, 0.0)
    present = present & (x != 0)
    safe = np.where(present, x, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.log(safe) if how == "geometric" else 1.0 / safe
    return np.where(present, t, 0.0)


def _finish(num: np.ndarray, den: np.ndarray, how: str) -> np.ndarray:
    """The mean from Σw·t and Σw over the children present (in place in ``num``); NaN where
    nothing is present."""
    empty = den <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if how == "arithmetic":
            np.divide(num, den, out=num)
        elif how == "geometric":
            np.divide(num, den, out=num)
            np.exp(num, out=num)
        else:
            np.divide(den, num, out=num)
    if empty.any():
        num[np.broadcast_to(empty, num.shape)] = np.nan
    return num


def competition_ranks(scores: np.ndarray, decimals: int = TIE_DECIMALS) -> np.ndarray:
    """Ranks of every row of ``scores`` (m × units), higher is better, ties sharing the lowest rank.

    Scores equal to ``decimals`` decimals are ties (as :func:`award_eval.ranking.rank_scores`).
    A unit without a score (NaN) is ranked after every scored unit. Returns int32, m × units.

    One argsort per row, unrounded (rounding is monotone, so this order also sorts the rounded
    scores). Without ties the ranks are the inverse permutation; neighbours (in that order)
    further apart than 2·10^-decimals never round to the same value, so only the few pairs
    closer than that are rounded and compared, and a run of equal rounded scores shares the
    best rank of the run.
    """
    s = np.ascontiguousarray(scores, dtype=float)
    if np.isnan(s).any():
        s = np.where(np.isnan(s), -np.inf, s)
    m, units = s.shape
    order = _sort_order(s)  # ascending: the best unit last
    offset = np.arange(0, m * units, units)[:, None]  # row starts in the flattened array
    flat = (order + offset).ravel()
    value = np.empty((m, units), dtype=np.int32)
    value[:] = np.arange(units, 0, -1, dtype=np.int32)  # the rank at each sorted position
    if units > 1:
        ordered = s.ravel()[flat].reshape(m, units)
        with np.errstate(invalid="ignore"):  # -inf - -inf: NaN, a pair to compare
            gap = np.diff(ordered, axis=1)
            wrong = np.flatnonzero((gap < 0).any(axis=1))
        if wrong.size:  # values closer than the sort key's precision, out of order: sort exactly
            order[wrong] = np.argsort(s[wrong], axis=1)
            flat = (order + offset).ravel()
            ordered[wrong] = np.take_along_axis(s[wrong], order[wrong], axis=1)
            with np.errstate(invalid="ignore"):
                gap[wrong] = np.diff(ordered[wrong], axis=1)
        close = ~(gap > 2.0 * 10.0 ** -decimals)
        at = np.flatnonzero(close)
        r, p = np.divmod(at, units - 1)
        if r.size:
            scale = 10.0 ** decimals
            with np.errstate(invalid="ignore"):
                same = np.rint(ordered[r, p] * scale) == np.rint(ordered[r, p + 1] * scale)
            r, p = r[same], p[same]
        if r.size:
            # a position tied with the next belongs to the next one's run: each run of tied
            # positions takes the rank of the position just after it (the run's best)
            f = r * units + p  # ascending
            start = np.ones(f.size, dtype=bool)
            np.not_equal(f[1:], f[:-1] + 1, out=start[1:])
            run = np.cumsum(start) - 1
            end = np.append(f[:-1][start[1:]], f[-1]) + 1  # the position after each run
            value.ravel()[f] = value.ravel()[end[run]]
    ranks = np.empty(m * units, dtype=np.int32)
    ranks[flat] = value.ravel()
    return ranks.reshape(m, units)


def _sort_order(s: np.ndarray) -> np.ndarray:
    """Each row's positions in ascending order (m × units, int64), nearly: one sort of int64 keys
    (the float's bits made monotone, the lowest bits replaced by the position), which is faster
    than an argsort. Values closer than ~10⁻¹³ of their size may come out swapped; the caller
    checks the order on the float values and sorts those rows exactly."""
    m, units = s.shape
    if units > 4096:
        return np.argsort(s, axis=1)
    low = (1 << max(1, (units - 1).bit_length())) - 1
    bits = s.view(np.int64)
    key = bits >> 63  # -1 for a negative value, whose other bits then count down: flip them
    key &= np.int64(0x7FFFFFFFFFFFFFFF)
    key ^= bits
    key &= ~np.int64(low)
    key |= np.arange(units, dtype=np.int64)
    key.sort(axis=1)
    key &= np.int64(low)
    return key


def rank_histogram(ranks: np.ndarray) -> np.ndarray:
    """units × (units + 1): how often each unit has each rank (column 0 unused)."""
    m, units = ranks.shape
    flat = (ranks + np.arange(0, units * (units + 1), units + 1, dtype=np.int64)).ravel()
    return np.bincount(flat, minlength=units * (units + 1)).reshape(units, units + 1)


def histogram_quantiles(hist: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles of each unit's ranks from its histogram, as ``np.quantile(ranks, q, axis=0)``
    computes them (linear interpolation between order statistics): len(q) × units."""
    n = int(hist[0].sum())
    cum = np.cumsum(hist, axis=1)  # cum[u, r] = #samples with rank ≤ r
    out = np.empty((len(q), hist.shape[0]))
    for i, qi in enumerate(q):
        h = (n - 1) * qi
        lo = int(np.floor(h))
        hi = min(lo + 1, n - 1)
        # the k-th order statistic (0-based) is the smallest rank r with cum[r] > k
        x_lo = (cum > lo).argmax(axis=1)
        x_hi = (cum > hi).argmax(axis=1)
        t, diff = h - lo, (x_hi - x_lo).astype(float)
        out[i] = x_hi - diff * (1 - t) if t >= 0.5 else x_lo + diff * t  # numpy's _lerp
    return out


def chunk_size(units: int, leaves: int = 1, budget: int = 1 << 20) -> int:
    """Samples per chunk so that an m × units array (times the leaves, for per-sample leaf values)
    stays near ``budget`` numbers (8 MB): few enough chunks, bounded memory."""
    return max(1, budget // max(1, units * max(1, leaves)))


def as_method(method: str | Mapping[int, str]) -> str | dict[int, str]:
    """A method as given, with a mapping's levels as ints (hashable key for grouping)."""
    return method if isinstance(method, str) else {int(k): str(v) for k, v in dict(method).items()}


def method_label(method: str | Mapping[int, str]) -> str:
    """A short readable name: ``arithmetic``, or ``2:arithmetic,3:geometric``."""
    if isinstance(method, str):
        return method
    return ",".join(f"{k}:{v}" for k, v in sorted(as_method(method).items()))


def check_methods(methods: Sequence[str | Mapping[int, str]], tree: Tree, what: str = "aggregations") -> list:
    out = [as_method(m) for m in methods]
    if not out:
        raise ValueError(f"{what} must name at least one method")
    for m in out:
        for nd in tree.nodes:
            how = method_for_level(m, nd.level)
            if how not in MEANS:
                raise ValueError(f"{what}: {how!r} is not one of {', '.join(MEANS)}")
    return out
