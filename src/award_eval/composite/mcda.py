"""Multi-criteria decision methods: TOPSIS, VIKOR and Copeland, written from their papers.

Each takes a decision matrix (alternatives × criteria, a DataFrame), criterion ``weights``
(relative; rescaled to sum to 1) and, for TOPSIS and VIKOR, which criteria are ``benefit``
criteria (higher is better; the others are costs). A missing value is skipped: that
alternative's weights are renormalised over the criteria it has, and ideals are taken over the
values present.

- TOPSIS (Hwang & Yoon 1981, *Multiple Attribute Decision Making*): normalise each column
  (vector normalisation ``r = x / sqrt(Σ x²)``), weight it, and score each alternative by its
  relative closeness ``C = D⁻ / (D⁺ + D⁻)`` to the ideal, D⁺ and D⁻ being Euclidean distances to
  the ideal and anti-ideal points.
- VIKOR (Opricovic & Tzeng 2004, EJOR 156:445–455): with ``f*`` the best and ``f⁻`` the worst
  value of each criterion, ``S = Σ w (f* − f)/(f* − f⁻)`` (group utility), ``R = max w (f* − f)/(f* − f⁻)``
  (individual regret) and ``Q = v (S − S*)/(S⁻ − S*) + (1 − v)(R − R*)/(R⁻ − R*)``; lower is better.
- Copeland (as in the OECD/JRC Handbook, Munda & Nardo 2009): the weighted outranking matrix
  ``e_ab = Σ w [a better than b] + ½ Σ w [tied]``, and the score = pairwise wins − pairwise losses.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

TOPSIS_NORMALISATIONS = ("vector", "minmax", None)


def _weights(matrix: pd.DataFrame, weights: pd.Series | Mapping | Sequence[float] | None) -> np.ndarray:
    if weights is None:
        w = np.ones(matrix.shape[1])
    elif isinstance(weights, (pd.Series, Mapping)):
        s = pd.Series(weights, dtype=float)
        missing = matrix.columns.difference(s.index)
        if len(missing):
            raise ValueError(f"no weight given for criteria: {', '.join(map(str, missing))}")
        w = s.reindex(matrix.columns).to_numpy()
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != (matrix.shape[1],):
            raise ValueError(f"expected {matrix.shape[1]} weights, got {w.size}")
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights must be finite, ≥ 0, and not all 0")
    return w / w.sum()


def _benefit(matrix: pd.DataFrame, benefit: pd.Series | Mapping | Sequence[bool] | bool) -> np.ndarray:
    if isinstance(benefit, (bool, np.bool_)):
        return np.full(matrix.shape[1], bool(benefit))
    if isinstance(benefit, (pd.Series, Mapping)):
        s = pd.Series(benefit)
        missing = matrix.columns.difference(s.index)
        if len(missing):
            raise ValueError(f"benefit not given for criteria: {', '.join(map(str, missing))}")
        return s.reindex(matrix.columns).astype(bool).to_numpy()
    b = np.asarray(benefit, dtype=bool)
    if b.shape != (matrix.shape[1],):
        raise ValueError(f"expected {matrix.shape[1]} benefit flags, got {b.size}")
    return b


def _row_weights(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weights per alternative renormalised over its present criteria (rows without any: NaN)."""
    present = ~np.isnan(x)
    wp = np.where(present, w, 0.0)
    total = wp.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, wp / total, np.nan)


def _matrix(matrix: pd.DataFrame | Sequence) -> pd.DataFrame:
    """A DataFrame as it is; an array-like decision matrix as one with columns 0, 1, …."""
    if isinstance(matrix, pd.DataFrame):
        return matrix
    arr = np.asarray(matrix, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"a decision matrix must be 2-D (alternatives × criteria), got {arr.ndim}-D")
    return pd.DataFrame(arr)


def topsis(matrix: pd.DataFrame, weights: pd.Series | Mapping | Sequence[float] | None = None,
           benefit: pd.Series | Mapping | Sequence[bool] | bool = True,
           normalisation: str | None = "vector", return_ideals: bool = False
           ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """TOPSIS: ``d_best`` (D⁺), ``d_worst`` (D⁻) and ``closeness`` (C, in [0, 1], higher is better).

    ``normalisation``: ``"vector"`` (Hwang & Yoon), ``"minmax"`` ((x − min)/(max − min)) or ``None``
    (values already on a common scale). When D⁺ + D⁻ = 0 (all criteria constant), C = 0.5.
    ``return_ideals=True`` also returns the ideal and anti-ideal points (rows ``ideal``,
    ``anti_ideal`` × criteria, weighted normalised values, as scikit-criteria's ``ideal``/``anti_ideal``;
    the weights are those of an alternative with every criterion present).
    """
    matrix = _matrix(matrix)
    if normalisation not in TOPSIS_NORMALISATIONS:
        raise ValueError(f"normalisation {normalisation!r} is not one of {TOPSIS_NORMALISATIONS}")
    x = matrix.to_numpy(dtype=float)
    w, b = _weights(matrix, weights), _benefit(matrix, benefit)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalisation == "vector":
            norm = np.sqrt(np.nansum(x ** 2, axis=0))
            r = x / np.where(norm > 0, norm, 1.0)
        elif normalisation == "minmax":
            lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
            r = (x - lo) / np.where(hi > lo, hi - lo, 1.0)
        else:
            r = x
    col_max, col_min = np.nanmax(r, axis=0), np.nanmin(r, axis=0)
    ideal = np.where(b, col_max, col_min)
    anti = np.where(b, col_min, col_max)
    wr = _row_weights(x, w)
    d_best = np.sqrt(np.nansum((wr * (r - ideal)) ** 2, axis=1))
    d_worst = np.sqrt(np.nansum((wr * (r - anti)) ** 2, axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        closeness = np.where(d_best + d_worst > 0, d_worst / (d_best + d_worst), 0.5)
    empty = np.isnan(x).all(axis=1)
    d_best[empty] = d_worst[empty] = closeness[empty] = np.nan
    result = pd.DataFrame({"d_best": d_best, "d_worst": d_worst, "closeness": closeness}, index=matrix.index)
    if not return_ideals:
        return result
    points = pd.DataFrame([w * ideal, w * anti], index=["ideal", "anti_ideal"], columns=matrix.columns)
    return result, points


def vikor(matrix: pd.DataFrame, weights: pd.Series | Mapping | Sequence[float] | None = None,
          benefit: pd.Series | Mapping | Sequence[bool] | bool = True, v: float = 0.5) -> pd.DataFrame:
    """VIKOR: ``S`` (group utility), ``R`` (individual regret) and ``Q`` (compromise); lower is better.

    ``v`` weighs the strategy of the majority of criteria (S) against regret (R). A criterion with
    ``f* = f⁻`` contributes 0; when all S (or all R) are equal that term of Q is 0.
    """
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"v must lie in [0, 1], got {v!r}")
    matrix = _matrix(matrix)
    x = matrix.to_numpy(dtype=float)
    w, b = _weights(matrix, weights), _benefit(matrix, benefit)
    col_max, col_min = np.nanmax(x, axis=0), np.nanmin(x, axis=0)
    best = np.where(b, col_max, col_min)
    worst = np.where(b, col_min, col_max)
    span = best - worst
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(span != 0, (best - x) / np.where(span != 0, span, 1.0), 0.0)
    d = np.where(np.isnan(x), np.nan, d)
    wd = _row_weights(x, w) * d
    empty = np.isnan(x).all(axis=1)
    S = np.where(empty, np.nan, np.nansum(wd, axis=1))
    R = np.where(empty, np.nan, np.nanmax(np.where(np.isnan(wd), -np.inf, wd), axis=1))

    def scaled(z: np.ndarray) -> np.ndarray:
        lo, hi = np.nanmin(z), np.nanmax(z)
        return np.where(np.isnan(z), np.nan, (z - lo) / (hi - lo) if hi > lo else 0.0)

    Q = v * scaled(S) + (1 - v) * scaled(R)
    return pd.DataFrame({"S": S, "R": R, "Q": Q}, index=matrix.index)


def vikor_compromise(result: pd.DataFrame, dq: float | None = None) -> dict:
    """Opricovic & Tzeng's (2004, section 3, step 5) conditions on a :func:`vikor` result.

    With a′ and a″ the first and second by Q: C1 *acceptable advantage* Q(a″) − Q(a′) ≥ DQ,
    ``DQ = 1/(J − 1)`` for J alternatives (unless ``dq`` is given); C2 *acceptable stability*
    a′ is also first by S or by R. The compromise set is {a′} when both hold; {a′, a″} when
    only C2 fails; when C1 fails, a′, a″, …, a⁽ᴹ⁾ with M the largest position for which
    Q(a⁽ᴹ⁾) − Q(a′) < DQ. Returns ``best, C1, C2, DQ, advantage, compromise`` (a list of labels).
    Ties are broken by row order; alternatives without Q are left out.
    """
    scored = result.dropna(subset=["Q"])
    j = len(scored)
    if j < 2:
        raise ValueError(f"the VIKOR conditions need at least 2 alternatives with a Q, got {j}")
    DQ = 1.0 / (j - 1) if dq is None else float(dq)
    order = scored["Q"].sort_values(kind="stable")
    first, second = order.index[0], order.index[1]
    advantage = float(order.iloc[1] - order.iloc[0])
    c1 = advantage >= DQ - 1e-12
    c2 = bool(first in scored.index[scored["S"] == scored["S"].min()]
              or first in scored.index[scored["R"] == scored["R"].min()])
    if c1 and c2:
        compromise = [first]
    elif not c1:
        compromise = list(order.index[(order - order.iloc[0]).to_numpy() < DQ - 1e-12])
    else:
        compromise = [first, second]
    def plain(label: object) -> object:
        return label.item() if isinstance(label, np.generic) else label

    return {"best": plain(first), "C1": bool(c1), "C2": c2, "DQ": DQ, "advantage": advantage,
            "compromise": [plain(a) for a in compromise]}


def outranking_matrix(matrix: pd.DataFrame, weights: pd.Series | Mapping | Sequence[float] | None = None,
                      benefit: pd.Series | Mapping | Sequence[bool] | bool = True) -> pd.DataFrame:
    """Weighted outranking matrix: ``e[a, b]`` = weight share of criteria where a beats b, ties ½.

    Only criteria present for both a and b count, with their weights renormalised; the diagonal
    is 0. Without missing values ``e[a, b] + e[b, a] = 1``.
    """
    matrix = _matrix(matrix)
    x = matrix.to_numpy(dtype=float)
    w, b = _weights(matrix, weights), _benefit(matrix, benefit)
    x = np.where(b, x, -x)
    a, c = x[:, None, :], x[None, :, :]
    both = ~np.isnan(a) & ~np.isnan(c)
    wins = np.where(both & (a > c), w, 0.0).sum(axis=2)
    ties = np.where(both & (a == c), w, 0.0).sum(axis=2)
    total = np.where(both, w, 0.0).sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(total > 0, (wins + 0.5 * ties) / total, np.nan)
    np.fill_diagonal(e, 0.0)
    return pd.DataFrame(e, index=matrix.index, columns=matrix.index)


def copeland(matrix: pd.DataFrame, weights: pd.Series | Mapping | Sequence[float] | None = None,
             benefit: pd.Series | Mapping | Sequence[bool] | bool = True) -> pd.Series:
    """Copeland scores: for each alternative, pairwise majority wins minus losses (ties count 0).

    ``a`` beats ``b`` when ``e[a, b] > e[b, a]`` in :func:`outranking_matrix`. Alternatives with no
    values get NaN.
    """
    matrix = _matrix(matrix)
    e = outranking_matrix(matrix, weights, benefit).to_numpy()
    diff = e - e.T
    score = np.nansum(np.sign(diff), axis=1)
    score = np.where(matrix.isna().all(axis=1).to_numpy(), np.nan, score)
    return pd.Series(score, index=matrix.index, name="copeland")
