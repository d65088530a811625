"""Which uncertain input moves the ranking: Sobol indices, and leaving one criterion out.

:func:`sobol` treats each uncertain input of :func:`~.montecarlo.monte_carlo` as a group of
uniform factors — the weights within each aggregate (one group per aggregate; a Dirichlet is
drawn exactly, as normalised inverse-CDF Gamma variables), the aggregation, the normalisation,
the jurors — samples them with SALib's Saltelli scheme on a scrambled Sobol' sequence, scores
the whole design in one vectorised pass, and has SALib estimate, for each unit's rank and for
the nominal winner's score, the first-order index S1 (the share of the output's variance the
input explains on its own) and the total index ST (its share including every interaction),
with bootstrap confidence intervals (Saltelli et al. 2010; Jansen 1999).

:func:`remove_one` drops one criterion (or aggregate) at a time — its weight set to 0, its
siblings' weights renormalised — and reports how far the ranks move.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from award_eval.uncertainty.model import Tree, competition_ranks, method_label
from award_eval.uncertainty.montecarlo import Draws, prepare, score_draws
from award_eval.uncertainty.sampling import (
    JurySampling,
    varied_nodes,
    weights_from_uniform,
)

SOBOL_COLUMNS = ["output", "unit", "input", "S1", "S1_conf", "ST", "ST_conf"]
UNUSED = "(unused)"
#: An output whose spread is at most this share of its magnitude is constant (float noise, not variance).
CONSTANT_RTOL = 1e-9


def is_constant(y: np.ndarray, rtol: float = CONSTANT_RTOL) -> bool:
    """Whether ``y`` is constant up to float noise: max − min ≤ ``rtol`` · max |y|.

    A unit best on every criterion scores 100 under every weight set, give or take ~1e-13 of
    rounding in the weighted sum; an exact test would hand that noise to SALib, whose indices of
    noise are meaningless (S1 > 1), where 0 is right.
    """
    y = np.asarray(y, dtype=float)
    return bool(np.ptp(y) <= rtol * np.max(np.abs(y)))


def _factors(tree: Tree, src, methods: Sequence, weights: str | None, concentration: float,
             spread: float) -> tuple[list[str], list[str]]:
    """Factor names and their groups (one group per uncertain input)."""
    names: list[str] = []
    groups: list[str] = []
    for nd in varied_nodes(tree, weights, concentration, spread):
        for child, w in zip(nd.children, nd.nominal):
            if w > 0:
                names.append(f"{nd.code}:{child}")
                groups.append(f"weights:{nd.code}")
    if len(methods) > 1:
        names.append("aggregation")
        groups.append("aggregation")
    if len(src.normalisations) > 1:
        names.append("normalisation")
        groups.append("normalisation")
    if src.jury is not None:
        if src.jury.resample == "leave_one_out":
            names.append("jurors")
            groups.append("jurors")
        else:
            names += [f"juror draw {i + 1}" for i in range(len(src.jurors))]
            groups += ["jurors"] * len(src.jurors)
    return names, groups


def _redraw_discrete(x: np.ndarray, names: list[str], groups: list[str], n: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Give the discrete factors (aggregation, normalisation, jurors) independent uniforms.

    In a scrambled Sobol' sequence the leading bit of every dimension is the same van der Corput
    bit up to a flip, so ``floor(2u)`` in the A and B halves of the design is either always equal
    or always different: a two-level choice would never (or always) change between A and AB.
    Pseudo-random A and B columns for those factors keep Saltelli's design (A, AB_1…AB_G, B per
    base row) and its estimators valid; the weights keep the Sobol' points.
    """
    discrete = [i for i, name in enumerate(names) if ":" not in name and name != UNUSED]
    if not discrete:
        return x
    order = list(dict.fromkeys(groups))
    step = len(order) + 2
    x = x.copy()
    for i in discrete:
        a, b = rng.random(n), rng.random(n)
        g = order.index(groups[i])
        block = np.tile(a[:, None], (1, step))
        block[:, g + 1] = b  # AB_g takes this factor from B
        block[:, step - 1] = b  # B
        x[:, i] = block.ravel()
    return x


def _choice(u: np.ndarray, k: int) -> np.ndarray:
    return np.minimum((u * k).astype(np.int64), k - 1)


def _draws_from(x: np.ndarray, names: list[str], tree: Tree, src, methods: Sequence, weights: str | None,
                concentration: float, spread: float) -> Draws:
    """The settings a design matrix of uniforms stands for (same distributions as monte_carlo)."""
    n = x.shape[0]
    col = {name: i for i, name in enumerate(names)}
    u: dict[str, list[int]] = {}  # aggregate code → its weight factors' columns
    for name, i in col.items():
        if ":" in name:
            u.setdefault(name.split(":", 1)[0], []).append(i)
    w = weights_from_uniform(tree, {code: x[:, idx] for code, idx in u.items()}, weights or "uniform",
                             concentration, spread, n)
    agg = _choice(x[:, col["aggregation"]], len(methods)) if "aggregation" in col else np.zeros(n, dtype=np.int64)
    k = len(src.normalisations)
    if "normalisation" in col:
        norm = _choice(x[:, col["normalisation"]], k)
    else:
        norm = np.full(n, 0 if k == 1 else -1, dtype=np.int64)
    left_out = np.full(n, -1, dtype=np.int64)
    counts = None
    if src.jury is not None:
        j = len(src.jurors)
        if src.jury.resample == "leave_one_out":
            left_out = _choice(x[:, col["jurors"]], j)
        else:
            drawn = _choice(x[:, [col[f"juror draw {i + 1}"] for i in range(j)]], j)
            counts = np.zeros((n, j), dtype=np.int64)
            np.add.at(counts, (np.repeat(np.arange(n), j), drawn.ravel()), 1)
    return Draws(w, agg, norm, left_out, counts)


def sobol(normalised: pd.DataFrame, framework: Any, *, n: int = 512, seed: int = 0,
          weights: str | None = "dirichlet", concentration: float = 100.0,
          aggregations: Sequence[str | Mapping[int, str]] = ("arithmetic",),
          normalisations: Sequence[str] | None = None, raw: pd.DataFrame | None = None,
          jury: JurySampling | pd.DataFrame | Mapping | None = None, spread: float = 0.25,
          normalise_range: tuple[float, float] = (0.0, 100.0), units: Sequence | None = None,
          num_resamples: int = 100, conf_level: float = 0.95) -> pd.DataFrame:
    """First-order and total Sobol indices of each uncertain input on each unit's rank and on
    the nominal winner's score.

    The uncertain inputs and their distributions are those of :func:`~.montecarlo.monte_carlo`
    with the same arguments. ``n`` (a power of 2) is the base sample: the model is evaluated
    ``n · (inputs + 2)`` times. ``units`` limits the rank outputs (default: every unit).

    Returns a tidy frame ``output, unit, input, S1, S1_conf, ST, ST_conf``: ``output`` is
    ``"rank"`` (one block per unit) or ``"score"`` (the nominal winner's score); ``input`` is
    ``weights:<aggregate>``, ``aggregation``, ``normalisation`` or ``jurors``; ``*_conf`` is the
    half-width of the bootstrap confidence interval at ``conf_level``. An output that never
    changes (within a relative tolerance, :func:`is_constant`) gets indices 0. Indices are estimates: small negative values mean 0.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    n = int(n)
    if n < 2 or n & (n - 1):
        raise ValueError(f"n must be a power of 2 (the Sobol' sequence's balance), got {n}")
    tree, src, methods, weights = prepare(
        normalised, framework, weights=weights, concentration=concentration, spread=spread,
        aggregations=aggregations, normalisations=normalisations, raw=raw, jury=jury,
        normalise_range=normalise_range)
    names, groups = _factors(tree, src, methods, weights, float(concentration), float(spread))
    if not names:
        raise ValueError("nothing varies: give weights, more than one aggregation or normalisation, or jury")
    if len(set(groups)) == 1:
        # SALib's sampler ignores a single group (one AB block per factor) while its analysis
        # keeps it: a factor the model never reads makes two groups (its indices are 0, dropped)
        names, groups = names + [UNUSED], groups + [UNUSED]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": groups}
    rng = np.random.default_rng(seed)
    sample_rng, analyse_rng = rng.spawn(2)
    x = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=sample_rng)
    x = _redraw_discrete(x, names, groups, n, sample_rng)
    draws = _draws_from(x, names, tree, src, methods, weights, float(concentration), float(spread))

    all_units = normalised.index
    nominal = competition_ranks(tree.scores(src.base, tree.nominal_weights(1), methods[0]))[0]
    winner = int(np.lexsort((np.arange(len(all_units)), nominal))[0])
    wanted = list(all_units) if units is None else list(units)
    unknown = [u for u in wanted if u not in all_units]
    if unknown:
        raise ValueError(f"units not in the matrix: {', '.join(map(str, unknown))}")
    pos = all_units.get_indexer(wanted)
    ranks = np.empty((draws.n, len(pos)))
    score = np.empty(draws.n)
    for rows, scores in score_draws(tree, src, methods, draws):
        ranks[rows] = competition_ranks(scores)[:, pos]
        score[rows] = scores[:, winner]

    analyse_seed = int(analyse_rng.integers(1, 2**31 - 1))  # SALib seeds its bootstrap with an int
    order = list(dict.fromkeys(groups))
    rows_out = []
    outputs = [("rank", u, ranks[:, i]) for i, u in enumerate(wanted)] + [("score", all_units[winner], score)]
    for output, unit, y in outputs:
        if is_constant(y):
            si = {k: np.zeros(len(order)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                warnings.simplefilter("ignore", UserWarning)
                si = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=num_resamples,
                                           conf_level=conf_level, seed=analyse_seed)
        for g, name in enumerate(order):
            if name == UNUSED:
                continue
            rows_out.append({"output": output, "unit": unit, "input": name, "S1": float(si["S1"][g]),
                             "S1_conf": float(si["S1_conf"][g]), "ST": float(si["ST"][g]),
                             "ST_conf": float(si["ST_conf"][g])})
    out = pd.DataFrame(rows_out, columns=SOBOL_COLUMNS)
    out.attrs.update({"n": n, "evaluations": draws.n, "winner": all_units[winner], "seed": seed,
                      "aggregations": [method_label(m) for m in methods], "conf_level": conf_level})
    return out


def remove_one(normalised: pd.DataFrame, framework: Any, *,
               aggregation: str | Mapping[int, str] = "arithmetic", codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Leave each criterion out in turn (weight 0, siblings renormalised) and see the ranks move.

    ``codes``: what to leave out (default: every indicator, then every aggregate below the top).
    Returns, indexed by ``code`` in the order given, ``level``, ``mean_abs_change`` (mean over
    units of |rank without − nominal rank|), ``max_abs_change``, ``winner`` (first without it;
    ties: the first in the matrix order) and ``winner_changed``.
    """
    tree = Tree(framework)
    leaf = tree.leaf_values(normalised)
    tree.check_positive(leaf, aggregation)
    codes = tree.codes if codes is None else list(codes)
    parent = {child: nd for nd in tree.nodes for child in nd.children}
    unknown = [c for c in codes if c not in parent]
    if unknown:
        raise ValueError(f"cannot leave out {', '.join(map(repr, unknown))}: not an indicator or "
                         f"aggregate below the top (codes: {', '.join(tree.codes)})")
    m = len(codes)
    w = {nd.code: np.tile(nd.nominal, (m, 1)) for nd in tree.nodes}
    for i, code in enumerate(codes):
        nd = parent[code]
        w[nd.code][i, nd.children.index(code)] = 0.0
    nominal = competition_ranks(tree.scores(leaf, tree.nominal_weights(1), aggregation))[0]
    without = competition_ranks(tree.scores(leaf, w, aggregation))
    change = np.abs(without - nominal[None, :])
    units = normalised.index
    first = [units[int(np.flatnonzero(r == 1)[0])] for r in without]
    winner = units[int(np.lexsort((np.arange(len(units)), nominal))[0])]
    fw = tree.framework
    return pd.DataFrame({
        "level": [fw.level_of(c) for c in codes],
        "mean_abs_change": change.mean(axis=1), "max_abs_change": change.max(axis=1).astype(int),
        "winner": first, "winner_changed": [f != winner for f in first],
    }, index=pd.Index(codes, name="code"))


def indices_of(indices: pd.DataFrame, output: str = "score", unit: Any = None) -> pd.DataFrame:
    """One output's rows of a :func:`sobol` table, largest total index first (for ``rank``:
    ``unit``'s rows, by default the nominal winner's)."""
    rows = indices[indices["output"] == output]
    if unit is not None:
        rows = rows[rows["unit"] == unit]
    elif output == "rank":
        rows = rows[rows["unit"] == indices.attrs.get("winner", rows["unit"].iloc[0])]
    rows = rows.sort_values("ST", ascending=False, kind="stable")
    return rows
