"""Monte Carlo over the settings of an index: how sure is the ranking, and who could win?

:func:`monte_carlo` draws ``n`` settings — weights, aggregation, normalisation, jurors — scores
every unit under each, ranks them, and summarises each unit's rank: the nominal rank, the median
and the 5–95 % interval, and the probability of coming first. The weight and aggregation part is
vectorised over samples (matrix products, no Python loop over samples) and evaluated in chunks,
so memory stays bounded however many samples are drawn.

The nominal ranking is the matrix as given, the framework's weights and the first aggregation of
the list: what the jury would announce.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from award_eval.i18n import t
from award_eval.uncertainty.model import (
    Tree,
    check_methods,
    chunk_size,
    competition_ranks,
    flat_scores,
    flat_scores_with,
    histogram_quantiles,
    method_label,
    rank_histogram,
)
from award_eval.uncertainty.sampling import (
    JurySampling,
    LeafSource,
    check_weights,
    sample_weights,
    weights_frame,
)

SUMMARY_COLUMNS = ["nominal", "median", "q05", "q95", "p_first"]
QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class Draws:
    """The sampled settings, one row per sample (before scoring)."""

    weights: dict[str, np.ndarray]  # aggregate code → samples × children
    aggregation: np.ndarray  # index into the methods list
    normalisation: np.ndarray  # index into the normalisations list, -1 = as given
    left_out: np.ndarray  # leave-one-out: index of the juror left out, -1 = all jurors
    counts: np.ndarray | None  # bootstrap: samples × jurors, how often each juror is drawn

    @property
    def n(self) -> int:
        return len(self.aggregation)


@dataclass(frozen=True)
class MonteCarloResult:
    """What :func:`monte_carlo` found.

    ``ranks``: samples × units, integer competition ranks (1 = best, ties share the lowest).
    ``summary``: per unit (best nominal rank first) ``nominal, median, q05, q95, p_first``.
    ``weights``: samples × codes, each code's weight within its parent. ``settings``: per sample
    the ``aggregation``, ``normalisation`` and ``jurors`` used. ``juror_counts``: samples ×
    jurors under bootstrap (else None). ``nominal_scores``: the nominal top scores.
    ``winner_scores``: per sample, the score of the nominal winner.
    """

    ranks: pd.DataFrame
    summary: pd.DataFrame
    weights: pd.DataFrame
    settings: pd.DataFrame
    juror_counts: pd.DataFrame | None
    nominal_scores: pd.Series
    winner_scores: pd.Series
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ranks)

    @property
    def winner(self) -> str:
        """The nominal winner (the first unit of the summary)."""
        return self.summary.index[0]

    def rank_interval(self, code: Any) -> dict[str, Any]:
        return rank_interval(self, code)

    def rank_probabilities(self) -> pd.DataFrame:
        """units × ranks: the share of samples in which each unit has each rank (rows in summary order)."""
        ranks = self.ranks.to_numpy()
        units = ranks.shape[1]
        out = rank_histogram(ranks)[:, 1:]
        frame = pd.DataFrame(out / len(ranks), index=self.ranks.columns,
                             columns=pd.RangeIndex(1, units + 1, name="rank"))
        return frame.loc[self.summary.index]


def rank_interval(result: MonteCarloResult, code: Any) -> dict[str, Any]:
    """One unit's line of the summary, as plain numbers: for a profile report.

    Returns ``unit, nominal, median, q05, q95, p_first, n`` (``n`` = samples drawn).
    """
    if code not in result.summary.index:
        raise KeyError(f"{code!r} is not a unit of this analysis (units: "
                       f"{', '.join(map(str, result.summary.index[:10]))}{', …' if len(result.summary) > 10 else ''})")
    row = result.summary.loc[code]
    return {"unit": code, "nominal": int(row["nominal"]), "median": float(row["median"]),
            "q05": float(row["q05"]), "q95": float(row["q95"]), "p_first": float(row["p_first"]),
            "n": result.n}


def describe_rank_interval(interval: Mapping[str, Any], lang: str = "sv") -> str:
    """One sentence for a profile, e.g. 'Placering 2; placering 1–3 i 90 % av simuleringarna;
    etta i 34 % av dem.' (the 5–95 % interval, widened to whole ranks)."""
    lo, hi = int(np.floor(interval["q05"])), int(np.ceil(interval["q95"]))
    span = f"{lo}" if lo == hi else f"{lo}–{hi}"
    pct = f"{100 * interval['p_first']:.0f}"
    return t("uncertainty.rank_interval.sentence", lang, nominal=interval["nominal"], span=span, percent=pct)


def _draws(tree: Tree, src: LeafSource, n: int, rng: np.random.Generator, weights: str | None,
           concentration: float, spread: float, n_methods: int) -> Draws:
    """Every sample's settings, drawn up front from independent streams of ``rng``."""
    r_w, r_a, r_n, r_j = rng.spawn(4)
    w = sample_weights(tree, n, r_w, weights, concentration, spread)
    agg = r_a.integers(n_methods, size=n) if n_methods > 1 else np.zeros(n, dtype=np.int64)
    k = len(src.normalisations)
    norm = r_n.integers(k, size=n) if k else np.full(n, -1, dtype=np.int64)
    left_out = np.full(n, -1, dtype=np.int64)
    counts = None
    if src.jury is not None:
        j = len(src.jurors)
        if src.jury.resample == "leave_one_out":
            left_out = r_j.integers(j, size=n)
        else:
            counts = r_j.multinomial(j, np.full(j, 1.0 / j), size=n)
    return Draws(w, agg, norm, left_out, counts)


def score_draws(tree: Tree, src: LeafSource, methods: Sequence, draws: Draws,
                chunk: int | None = None) -> Iterator[tuple[slice, np.ndarray]]:
    """Scores of every unit under every draw, chunk by chunk: ``(rows, chunk × units)``.

    Within a chunk the samples are grouped by their discrete settings (aggregation,
    normalisation, left-out juror): a loop over the few distinct settings, each group scored
    for all its samples at once. Where one mean holds at every level and the variant has no
    gap, a group is one matrix product of its samples' effective leaf weights with the variant
    prepared once for that mean (:meth:`LeafSource.flat`); otherwise the tree is walked.
    """
    units = len(src.units)
    per_sample = len(src.jury_cols) if draws.counts is not None else 1
    chunk = chunk or chunk_size(units, per_sample)
    n_norm, n_jur = len(src.normalisations) + 1, (len(src.jurors) if src.jury is not None else 0) + 1
    for start in range(0, draws.n, chunk):
        rows = slice(start, min(start + chunk, draws.n))
        # one integer per distinct setting; a stable sort gathers each group's samples in order
        key = (draws.aggregation[rows] * n_norm + draws.normalisation[rows] + 1) * n_jur + draws.left_out[rows] + 1
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        out = np.empty((key.size, units))
        eff = None
        for idx in np.split(order, bounds):
            k = int(key[idx[0]])
            a, b, c = k // (n_norm * n_jur), (k // n_jur) % n_norm - 1, k % n_jur - 1
            method = methods[a]
            flat = src.flat(b, c, method) if draws.counts is None and isinstance(method, str) else None
            if flat is not None:
                if eff is None:
                    eff = tree.effective_weights({code: arr[rows] for code, arr in draws.weights.items()})
                out[idx] = flat_scores(eff[idx], flat)
                continue
            if draws.counts is not None and isinstance(method, str) and src.rest_cols:
                rest = src.flat_rest(b, method)
                jury = src.bootstrap_block(draws.counts[rows][idx])
                if rest is not None and not np.isnan(jury).any():
                    if eff is None:
                        eff = tree.effective_weights({code: arr[rows] for code, arr in draws.weights.items()})
                    out[idx] = flat_scores_with(eff[idx], rest, src.rest_cols, jury, src.jury_cols)
                    continue
            w = {code: arr[rows][idx] for code, arr in draws.weights.items()}
            if draws.counts is not None:
                leaf = src.bootstrap(b, draws.counts[rows][idx])
            else:
                leaf = src.variant(b, c)
            out[idx] = tree.scores(leaf, w, method)
        yield rows, out


def _check_values(tree: Tree, src: LeafSource, methods: Sequence) -> None:
    """Fail before sampling if a geometric/harmonic mean would meet a value ≤ 0 in any variant."""
    for method in methods:
        for where, leaf in src.all_variants():
            tree.check_positive(leaf, method, where + f" (aggregation {method_label(method)})")
        if src.jury is not None and src.jury.resample == "bootstrap":
            present = src._present.astype(bool)
            single = np.where(present, src._filled, np.nan).reshape(len(src.jurors), len(src.units), -1)
            leaf = src.variant(-1, -1).copy()
            for j in range(single.shape[0]):
                leaf[:, src.jury_cols] = single[j]
                tree.check_positive(leaf, method, f" (a bootstrap of juror {src.jurors[j]}'s scores)")


def prepare(normalised: pd.DataFrame, framework: Any, *, weights: str | None, concentration: float,
            spread: float, aggregations: Sequence, normalisations: Sequence[str] | None,
            raw: pd.DataFrame | None, jury: Any, normalise_range: tuple[float, float]
            ) -> tuple[Tree, LeafSource, list, str | None]:
    """Check the inputs and compile the tree and the leaf variants (shared with :mod:`.sensitivity`)."""
    if not isinstance(normalised, pd.DataFrame):
        raise TypeError(f"normalised must be a DataFrame (units × indicators), not {type(normalised).__name__}")
    if not normalised.index.is_unique:
        dup = normalised.index[normalised.index.duplicated()][0]
        raise ValueError(f"normalised has unit {dup!r} more than once: one row per unit")
    if len(normalised) < 1:
        raise ValueError("normalised has no units")
    if isinstance(aggregations, (str, Mapping)):
        aggregations = [aggregations]
    if isinstance(normalisations, str):
        normalisations = [normalisations]
    tree = Tree(framework)
    methods = check_methods(aggregations, tree)
    weights = check_weights(weights, float(concentration), float(spread))
    src = LeafSource(tree, normalised, normalisations, raw, JurySampling.coerce(jury), normalise_range)
    _check_values(tree, src, methods)
    return tree, src, methods, weights


def monte_carlo(normalised: pd.DataFrame, framework: Any, *, n: int = 10_000, seed: int = 0,
                weights: str | None = "dirichlet", concentration: float = 100.0,
                aggregations: Sequence[str | Mapping[int, str]] = ("arithmetic",),
                normalisations: Sequence[str] | None = None, raw: pd.DataFrame | None = None,
                jury: JurySampling | pd.DataFrame | Mapping | None = None, spread: float = 0.25,
                normalise_range: tuple[float, float] = (0.0, 100.0)) -> MonteCarloResult:
    """Rank every unit under ``n`` sampled settings and summarise each unit's ranks.

    ``normalised``: units × indicators (as ``build_index(...).normalised``; other columns are
    ignored). ``framework``: a composite :class:`~award_eval.composite.Framework` (or anything
    :func:`~award_eval.composite.as_framework` accepts). What varies per sample:

    - ``weights``: ``"dirichlet"`` around the framework's weights within every aggregate
      (``concentration``; ``inf`` keeps them), ``"uniform"`` (each weight × U(1 ± ``spread``),
      renormalised), or ``None``.
    - ``aggregations``: a list of means (``arithmetic``, ``geometric``, ``harmonic``, or a
      ``{level: mean}`` mapping), one drawn per sample with equal probability.
    - ``normalisations``: a list of :data:`~award_eval.composite.NORMALISERS`, one drawn per
      sample; the columns of ``raw`` (a reference population × raw indicators, holding every unit)
      are re-normalised from it, fitted on all its rows, directions and targets from the framework,
      into ``normalise_range``; without ``raw`` every column is re-normalised from ``normalised``.
      Columns not in ``raw`` (e.g. jury criteria) keep their values.
    - ``jury``: a :class:`~.sampling.JurySampling` (or its fields as a dict): leave one juror out
      or bootstrap the jurors, for the jury criteria among the matrix columns.

    Randomness comes only from ``numpy.random.default_rng(seed)``: the same inputs and seed give
    the same result. ``p_first`` splits a tie for first equally between the tied units, so it
    sums to 1 over the units. Quantiles are numpy's (linear interpolation).
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    tree, src, methods, weights = prepare(
        normalised, framework, weights=weights, concentration=concentration, spread=spread,
        aggregations=aggregations, normalisations=normalisations, raw=raw, jury=jury,
        normalise_range=normalise_range)
    units = normalised.index
    nominal_scores = tree.scores(src.base, tree.nominal_weights(1), methods[0])[0]
    if np.isnan(nominal_scores).all():
        raise ValueError("no unit has a score: the matrix has no values on the framework's indicators")
    nominal_ranks = competition_ranks(nominal_scores[None, :])[0]
    winner = int(np.lexsort((np.arange(len(units)), nominal_ranks))[0])

    rng = np.random.default_rng(seed)
    draws = _draws(tree, src, n, rng, weights, float(concentration), float(spread), len(methods))
    ranks = np.empty((n, len(units)), dtype=np.int32)
    winner_scores = np.empty(n)
    p_first = np.zeros(len(units))
    hist = np.zeros((len(units), len(units) + 1), dtype=np.int64)
    # many small products: BLAS threads cost more than they give (and disturb a shared machine)
    with threadpool_limits(1, user_api="blas"):
        for rows, scores in score_draws(tree, src, methods, draws):
            r = competition_ranks(scores)
            ranks[rows] = r
            winner_scores[rows] = scores[:, winner]
            hist += rank_histogram(r)
            first = r == 1
            tied = first.sum(axis=1)
            if (tied == 1).all():
                p_first += first.sum(axis=0)
            else:  # a tie for first: each tied unit gets an equal share of the sample
                p_first += (first / tied[:, None]).sum(axis=0)
    p_first /= n

    summary = _summary(units, nominal_ranks, hist, p_first)
    name = units.name or "unit"
    rank_frame = pd.DataFrame(ranks, columns=units.rename(name), copy=False)  # no second copy of the ranks
    rank_frame.index.name = "sample"
    options = {"n": n, "seed": seed, "weights": weights, "concentration": float(concentration),
               "spread": float(spread), "aggregations": [method_label(m) for m in methods],
               "normalisations": list(src.normalisations) or None, "raw": raw is not None,
               "jury": None if src.jury is None else {"resample": src.jury.resample, "method": src.jury.method,
                                                       "jurors": len(src.jurors)},
               "normalise_range": tuple(normalise_range)}
    return MonteCarloResult(
        ranks=rank_frame, summary=summary, weights=weights_frame(tree, draws.weights),
        settings=_settings_frame(draws, methods, src),
        juror_counts=None if draws.counts is None else pd.DataFrame(
            draws.counts, columns=pd.Index(src.jurors, name="juror")).rename_axis("sample"),
        nominal_scores=pd.Series(nominal_scores, index=units.rename(name), name="score"),
        winner_scores=pd.Series(winner_scores, name=f"score of {units[winner]}").rename_axis("sample"),
        options=options)


def _summary(units: pd.Index, nominal: np.ndarray, hist: np.ndarray, p_first: np.ndarray) -> pd.DataFrame:
    q = histogram_quantiles(hist, QUANTILES)
    summary = pd.DataFrame({"nominal": nominal.astype(int), "median": q[1], "q05": q[0], "q95": q[2],
                            "p_first": p_first}, index=units.rename(units.name or "unit"))
    order = np.lexsort((np.arange(len(units)), nominal))
    return summary.iloc[order][SUMMARY_COLUMNS]


def _settings_frame(draws: Draws, methods: Sequence, src: LeafSource) -> pd.DataFrame:
    labels = [method_label(m) for m in methods]
    agg = pd.Categorical.from_codes(draws.aggregation, categories=labels)
    norms = list(src.normalisations)
    if norms:
        normalisation = pd.Categorical.from_codes(draws.normalisation, categories=norms)
    else:
        normalisation = pd.Categorical(["as given"] * draws.n, categories=["as given"])
    if src.jury is None:
        jurors = pd.Categorical(["all"] * draws.n, categories=["all"])
    elif draws.counts is None:
        jurors = pd.Categorical.from_codes(draws.left_out, categories=[f"without {j}" for j in src.jurors])
    else:
        jurors = pd.Categorical(["bootstrap"] * draws.n, categories=["bootstrap"])
    frame = pd.DataFrame({"aggregation": agg, "normalisation": normalisation, "jurors": jurors})
    frame.index.name = "sample"
    return frame
