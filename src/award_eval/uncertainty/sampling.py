"""What the Monte Carlo analysis varies: weights, normalisation, and which jurors count.

Weights (within every aggregate, at every level, the top included):

- ``"dirichlet"``: ``w ~ Dirichlet(c · w₀)`` around the framework's weights ``w₀`` (summing to
  1 within the parent) with concentration ``c``: the mean is ``w₀`` and the variance
  ``w₀(1 − w₀)/(c + 1)``, so a large ``c`` keeps the weights near ``w₀`` and ``c = inf`` keeps
  them exactly. With two children ``w₁ ~ Beta(c·w₀₁, c·w₀₂)``. A child of weight 0 stays 0.
- ``"uniform"``: ``w = w₀ · U(1 − spread, 1 + spread)`` per child, renormalised within the parent.
- ``None`` (or ``"nominal"``): the framework's weights.

Leaf values (the matrix the tree aggregates) vary with the normalisation drawn for a sample and
with the jurors counted for it (:class:`JurySampling`); :class:`LeafSource` builds each distinct
variant once and hands out the one a group of samples needs.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from award_eval.choices import RESAMPLES, WEIGHT_SCHEMES
from award_eval.composite.scale import SCALE_MAPS, check_scale, scoring_pipeline
import award_eval.jury as jury_mod
from award_eval.joint import is_joint
from award_eval.uncertainty.model import FlatLeaf, Tree

NO_WEIGHTS = (None, "none", "nominal", "fixed")


def check_weights(weights: str | None, concentration: float, spread: float) -> str | None:
    if weights in NO_WEIGHTS:
        return None
    if weights not in WEIGHT_SCHEMES:
        raise ValueError(f"weights {weights!r} is not one of {', '.join(WEIGHT_SCHEMES)} or None")
    if weights == "dirichlet" and not (concentration > 0):
        raise ValueError(f"concentration must be > 0 (inf keeps the weights), got {concentration!r}")
    if weights == "uniform" and not (0 <= spread < 1):
        raise ValueError(f"spread must be in [0, 1) (a share of each weight), got {spread!r}")
    return weights


def varied_nodes(tree: Tree, weights: str | None, concentration: float, spread: float) -> list:
    """The aggregates whose weights vary: two or more children of positive weight."""
    if weights is None or (weights == "dirichlet" and np.isinf(concentration)) or (
            weights == "uniform" and spread == 0):
        return []
    return [nd for nd in tree.nodes if np.count_nonzero(nd.nominal > 0) >= 2]


def sample_weights(tree: Tree, n: int, rng: np.random.Generator, weights: str | None,
                   concentration: float = 100.0, spread: float = 0.25) -> dict[str, np.ndarray]:
    """``n`` weight sets: aggregate code → n × children, each row summing to 1."""
    out = {nd.code: np.tile(nd.nominal, (n, 1)) for nd in tree.nodes}
    for nd in varied_nodes(tree, weights, concentration, spread):
        pos = np.flatnonzero(nd.nominal > 0)
        w0 = nd.nominal[pos]
        block = np.zeros((n, nd.nominal.size))
        if weights == "dirichlet":
            block[:, pos] = rng.dirichlet(concentration * w0, size=n)
        else:
            raw = w0 * rng.uniform(1 - spread, 1 + spread, size=(n, pos.size))
            block[:, pos] = raw / raw.sum(axis=1, keepdims=True)
        out[nd.code] = block
    return out


def weights_from_uniform(tree: Tree, u: Mapping[str, np.ndarray], weights: str,
                         concentration: float, spread: float, n: int) -> dict[str, np.ndarray]:
    """Weight sets from uniforms in [0, 1] (one column per positive-weight child of each varied
    aggregate), with the same distribution as :func:`sample_weights`: a Dirichlet is the
    normalised vector of independent Gamma(αᵢ) variables, each the inverse CDF of a uniform."""
    out = {nd.code: np.tile(nd.nominal, (n, 1)) for nd in tree.nodes}
    for code, ui in u.items():
        nd = tree.node[code]
        pos = np.flatnonzero(nd.nominal > 0)
        w0 = nd.nominal[pos]
        ui = np.clip(ui, 1e-12, 1 - 1e-12)
        if weights == "dirichlet":
            raw = stats.gamma.ppf(ui, concentration * w0)
        else:
            raw = w0 * (1 - spread + 2 * spread * ui)
        block = np.zeros((n, nd.nominal.size))
        block[:, pos] = raw / raw.sum(axis=1, keepdims=True)
        out[code] = block
    return out


def weights_frame(tree: Tree, weights: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Samples × codes: each code's weight within its parent (leaves, then aggregates)."""
    cols: dict[str, np.ndarray] = {}
    for nd in tree.nodes:
        w = np.asarray(weights[nd.code])
        for i, child in enumerate(nd.children):
            cols[child] = w[:, i]
    frame = pd.DataFrame({c: cols[c] for c in tree.codes})
    frame.index.name = "sample"
    return frame


# --- jurors -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class JurySampling:
    """Which jurors count, varied per sample, for the jury criteria of the matrix.

    ``scores``: long ``juror, nominee, criterion, score`` (as :func:`award_eval.read_jury_scores`
    returns); ``scale``: the rubric ``(min, max)`` (or a criteria ``Scale``), mapped onto 0–100
    by :func:`award_eval.jury.to_percent`; ``resample``: ``"leave_one_out"`` (each sample leaves
    one juror out, every juror equally likely) or ``"bootstrap"`` (each sample draws as many
    jurors as there are, with replacement); ``method``: the per-criterion aggregation of
    :func:`award_eval.jury.criterion_scores` (bootstrap supports ``"mean"`` only). A nominee
    left with no juror for a criterion in a sample has no value there, and the tree skips it.
    """

    scores: pd.DataFrame
    scale: Any = (1, 5)
    resample: str = "leave_one_out"
    method: str = "mean"

    def __post_init__(self) -> None:
        if self.resample not in RESAMPLES:
            raise ValueError(f"jury resample {self.resample!r} is not one of {', '.join(RESAMPLES)}")
        if self.method not in jury_mod.METHODS:
            raise ValueError(f"jury method {self.method!r} is not one of {', '.join(jury_mod.METHODS)}")
        if self.resample == "bootstrap" and self.method != "mean":
            raise ValueError("bootstrap over jurors supports method='mean' (vectorised); use "
                             "resample='leave_one_out' for median, trimmed or zscore")
        missing = {"juror", "nominee", "criterion", "score"} - set(self.scores.columns)
        if missing:
            raise ValueError(f"jury scores need the columns juror, nominee, criterion, score "
                             f"(missing: {', '.join(sorted(missing))})")

    @property
    def scale_range(self) -> tuple[float, float]:
        s = self.scale
        return (float(s.min), float(s.max)) if hasattr(s, "min") and hasattr(s, "max") else (float(s[0]), float(s[1]))

    @property
    def jurors(self) -> list[str]:
        return sorted(self.scores["juror"].astype(str).unique())

    @classmethod
    def coerce(cls, value: Any) -> "JurySampling | None":
        if value is None or isinstance(value, JurySampling):
            return value
        if isinstance(value, pd.DataFrame):
            return cls(scores=value)
        if isinstance(value, Mapping):
            return cls(**dict(value))
        raise TypeError(f"jury must be a JurySampling, a scores DataFrame or a dict, not {type(value).__name__}")

    def percent(self, scores: pd.DataFrame, units: pd.Index, criteria: Sequence[str]) -> np.ndarray:
        """units × criteria on 0–100 from long scores (NaN where no juror scored)."""
        agg = jury_mod.criterion_scores(scores, self.method)
        lo, hi = self.scale_range
        agg = agg.assign(score=(agg["score"] - lo) / (hi - lo) * 100.0)
        wide = agg.pivot(index="nominee", columns="criterion", values="score")
        return wide.reindex(index=units, columns=list(criteria)).to_numpy(dtype=float)


class LeafSource:
    """Leaf matrices for every (normalisation, jurors) variant a sample may draw.

    ``variant(norm, juror)`` is a units × leaves array (``norm`` indexes ``normalisations``,
    -1 = the matrix as given; ``juror`` indexes the left-out juror, -1 = all jurors);
    ``bootstrap(norm, counts)`` is m × units × leaves for per-sample juror counts.
    """

    def __init__(self, tree: Tree, normalised: pd.DataFrame, normalisations: Sequence[str] | None = None,
                 raw: pd.DataFrame | None = None, jury: JurySampling | None = None,
                 normalise_range: tuple[float, float] = (0.0, 100.0)) -> None:
        self.tree = tree
        self.units = normalised.index
        self.base = tree.leaf_values(normalised)
        self.normalisations = list(normalisations or [])
        for m in self.normalisations:
            if m not in SCALE_MAPS:
                raise ValueError(f"normalisation {m!r} is not one of {', '.join(SCALE_MAPS)}")
            check_scale(m, normalise_range)
        self.raw = raw
        self.normalise_range = normalise_range
        self.jury = jury
        self._cache: dict[tuple[int, int], np.ndarray] = {}
        self._blocks: dict[tuple[str, int], np.ndarray] = {}  # normalisation / juror blocks, built once
        self._flat: dict[tuple[int, int, str], FlatLeaf | None] = {}
        self.renormalised_cols = self._renormalised_columns()
        self.jury_cols: list[int] = []
        if jury is not None:
            crits = set(jury.scores["criterion"].astype(str).unique())
            self.jury_cols = [i for i, c in enumerate(tree.leaves) if c in crits]
            if not self.jury_cols:
                raise ValueError("none of the jury scores' criteria is a column of the matrix "
                                 f"(matrix columns: {', '.join(tree.leaves)})")
            self.rest_cols = [i for i in range(len(tree.leaves)) if i not in self.jury_cols]
            self.jurors = jury.jurors
            if len(self.jurors) < 2:
                raise ValueError("varying the jurors needs at least 2 jurors")
            self._prepare_cube()

    # --- normalisation ------------------------------------------------------------------------
    def _renormalised_columns(self) -> list[int]:
        if not self.normalisations:
            return []
        if self.raw is None:
            return list(range(len(self.tree.leaves)))
        cols = [i for i, c in enumerate(self.tree.leaves) if c in self.raw.columns]
        if not cols:
            raise ValueError("raw has none of the framework's indicator columns: nothing to re-normalise")
        names = [self.tree.leaves[i] for i in cols]
        missing = self.units.difference(self.raw.index)
        if len(missing):
            raise ValueError(f"raw has no row for unit(s) {', '.join(map(str, missing[:5]))}: it must "
                             "hold every unit of the matrix (and may hold a larger reference population)")
        numeric = self.raw[names].apply(pd.to_numeric, errors="coerce")
        self._raw_numeric = numeric
        return cols

    def _normalised_block(self, k: int) -> np.ndarray:
        """The re-normalised columns under ``normalisations[k]``, on 0–100 (the one scoring recipe,
        fitted on ``raw``, the reference population): units × renormalised columns."""
        method = self.normalisations[k]
        fw = self.tree.framework
        names = [self.tree.leaves[i] for i in self.renormalised_cols]
        if self.raw is None:
            reference = pd.DataFrame(self.base, index=self.units, columns=self.tree.leaves)[names]
            directions = {c: 1 for c in names}  # already oriented: higher is better
            targets = None
        else:
            reference = self._raw_numeric
            directions = fw.directions.reindex(names).to_dict()
            targets = fw.targets.reindex(names)
        norm = scoring_pipeline(method, directions, self.normalise_range, targets=targets)
        if self.raw is not None:  # a joint nominee's row is scored beside the population, never fitted on (as evaluate)
            reference_fit = reference.loc[[not is_joint(c) for c in reference.index]]
        else:
            reference_fit = reference
        try:
            norm.fit(reference_fit)
        except ValueError as exc:
            raise ValueError(f"re-normalising with {method!r}: {exc}") from None
        return norm.transform(reference.loc[self.units]).to_numpy(dtype=float)

    # --- jurors -------------------------------------------------------------------------------
    def _jury_block(self, left_out: int) -> np.ndarray:
        """units × jury columns with juror ``left_out`` removed (-1: everyone). The mean is the
        juror-weight vector (1 for each juror counted, 0 for the one left out) times the
        per-juror sums over the same times the per-juror counts; other methods go through
        :func:`award_eval.jury.criterion_scores`."""
        if self.jury.method == "mean":
            keep = np.ones((1, len(self.jurors)))
            if left_out >= 0:
                keep[0, left_out] = 0.0
            return self._mean_of(keep, self._sums, self._counts)[0]
        scores = self.jury.scores
        if left_out >= 0:
            scores = scores[scores["juror"].astype(str) != self.jurors[left_out]]
        crits = [self.tree.leaves[i] for i in self.jury_cols]
        return self.jury.percent(scores, self.units, crits)

    def _prepare_cube(self) -> None:
        """Each juror's scores on 0–100 as jurors × (units · jury columns) arrays: the sum and the
        count of their scores per cell (for the leave-one-out mean) and their mean with where
        it exists (for the bootstrap, which draws jurors, each with their mean per cell)."""
        crits = [self.tree.leaves[i] for i in self.jury_cols]
        lo, hi = self.jury.scale_range
        given = self.jury.scores.dropna(subset=["score"])
        j = pd.Index(self.jurors).get_indexer(given["juror"].astype(str))
        u = self.units.get_indexer(given["nominee"])
        c = pd.Index(crits).get_indexer(given["criterion"].astype(str))
        ok = (u >= 0) & (c >= 0)
        cells = len(self.units) * len(crits)
        at = j[ok] * cells + u[ok] * len(crits) + c[ok]
        percent = (given["score"].to_numpy(dtype=float)[ok] - lo) / (hi - lo) * 100.0
        size = len(self.jurors) * cells
        self._sums = np.bincount(at, weights=percent, minlength=size).reshape(len(self.jurors), cells)
        self._counts = np.bincount(at, minlength=size).astype(float).reshape(len(self.jurors), cells)
        self._present = (self._counts > 0).astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            self._filled = np.where(self._counts > 0, self._sums / np.maximum(self._counts, 1.0), 0.0)

    def _mean_of(self, counts: np.ndarray, values: np.ndarray, present: np.ndarray) -> np.ndarray:
        """m × units × jury columns: Σ counts·values / Σ counts·present over the jurors (NaN
        where no counted juror scored)."""
        num = counts @ values
        den = counts @ present
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(den > 0, num / den, np.nan)
        return out.reshape(counts.shape[0], len(self.units), len(self.jury_cols))

    def bootstrap_block(self, counts: np.ndarray) -> np.ndarray:
        """m × units × jury columns: the mean over each sample's drawn jurors (with repeats)."""
        return self._mean_of(counts, self._filled, self._present)

    # --- variants -------------------------------------------------------------------------------
    def variant(self, norm: int = -1, juror: int = -1) -> np.ndarray:
        key = (norm, juror)
        if key not in self._cache:
            leaf = self.base.copy()
            if norm >= 0:
                leaf[:, self.renormalised_cols] = self._block("norm", norm, self._normalised_block)
            if juror >= 0:
                leaf[:, self.jury_cols] = self._block("juror", juror, self._jury_block)
            self._cache[key] = leaf
        return self._cache[key]

    def _block(self, kind: str, i: int, make: Any) -> np.ndarray:
        if (kind, i) not in self._blocks:
            self._blocks[kind, i] = make(i)
        return self._blocks[kind, i]

    def flat(self, norm: int, juror: int, how: str) -> FlatLeaf | None:
        """The variant prepared for one mean (:class:`~.model.FlatLeaf`), or None if it has gaps
        (then the tree is walked level by level)."""
        key = (norm, juror, how)
        if key not in self._flat:
            leaf = self.variant(norm, juror)
            self._flat[key] = None if np.isnan(leaf).any() else FlatLeaf.of(leaf, how)
        return self._flat[key]

    def flat_rest(self, norm: int, how: str) -> FlatLeaf | None:
        """The variant's columns other than the jury's prepared for one mean (the bootstrap
        supplies the jury's per sample), or None if they have gaps."""
        key = (norm, -2, how)
        if key not in self._flat:
            leaf = self.variant(norm, -1)[:, self.rest_cols]
            self._flat[key] = None if np.isnan(leaf).any() else FlatLeaf.of(leaf, how)
        return self._flat[key]

    def bootstrap(self, norm: int, counts: np.ndarray) -> np.ndarray:
        leaf = np.repeat(self.variant(norm, -1)[None, :, :], counts.shape[0], axis=0)
        leaf[:, :, self.jury_cols] = self.bootstrap_block(counts)
        return leaf

    def all_variants(self) -> list[tuple[str, np.ndarray]]:
        """Every fixed variant (for checking values up front), with a name for messages."""
        norms = range(len(self.normalisations)) if self.normalisations else [-1]
        jurors = range(len(self.jurors)) if self.jury is not None and self.jury.resample == "leave_one_out" else [-1]
        out = []
        for a in norms:
            for b in jurors:
                name = []
                if a >= 0:
                    name.append(f"normalised with {self.normalisations[a]}")
                if b >= 0:
                    name.append(f"without juror {self.jurors[b]}")
                out.append((" (" + ", ".join(name) + ")" if name else "", self.variant(a, b)))
        return out
