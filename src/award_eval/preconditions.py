"""Results "given the municipality's preconditions", as a number.

The jury of Sveriges Digitaliseringskommun weighs results "given the municipality's
preconditions". :func:`expected_scores` makes that a number: a scikit-learn model predicts each
municipality's open-data index from structural covariates (population, density, tax capacity,
SKR group, …), and the municipality's actual index is set against that expectation
("12 points above comparable municipalities").

Cross-fitting: the municipalities are split into ``folds``; each fold's expectations come from a
model fitted on the other folds only, so no municipality's own result enters its own
expectation. The uncertainty of a difference is the spread of the out-of-fold residuals: a
difference inside ±1.96 residual standard deviations is "as expected".

A joint nominee (``2062+2034+2039``) is never a training row (it would count its members twice):
its covariates are combined from its members' (:func:`award_eval.joint.combine_covariates`) and
its expectation comes from a model fitted on every municipality except its members, so neither
the joint nominee nor any of its members predicts it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from award_eval.io.tables import read_table
from award_eval.joint import combine_covariates

COLUMNS = ["code", "actual", "expected", "difference", "low", "high", "verdict"]
#: Covariates that are counts or per-area figures, modelled on a log scale.
LOG_COVARIATES = ("population", "density")
Z = 1.959964  # the normal 97.5 % quantile: a 95 % interval


def load_covariates(path: str | Path, register: pd.DataFrame) -> pd.DataFrame:
    """``covariates.csv``: ``code`` plus numeric columns, one row per municipality of the register.

    Returns a frame indexed by ``code`` (register order) with the numeric covariates and the
    register's ``skr_group``.
    """
    table = read_table(path, ["code"])
    frame = table.frame
    codes = set(register["code"])
    for i, code in enumerate(frame["code"]):
        if code not in codes:
            raise table.error(i, "code", code, "a municipality code from the register")
    if frame["code"].duplicated().any():
        i = int(np.flatnonzero(frame["code"].duplicated())[0])
        raise table.error(i, "code", frame["code"].iloc[i], "each municipality once")
    out = pd.DataFrame(index=pd.Index(frame["code"], name="code"))
    for col in frame.columns.drop("code"):
        values = pd.to_numeric(frame[col].str.replace(",", ".", regex=False).replace("", None), errors="coerce")
        bad = values.isna() & frame[col].ne("")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise table.error(i, col, frame[col].iloc[i], "a number")
        if col in LOG_COVARIATES and (values <= 0).any():
            i = int(np.flatnonzero((values <= 0).to_numpy())[0])
            raise table.error(i, col, frame[col].iloc[i], "a positive number")
        out[col] = values.to_numpy()
    out = out.reindex(register["code"])
    out["skr_group"] = register.set_index("code")["skr_group"].reindex(out.index).to_numpy()
    return out


def model(covariates: pd.DataFrame) -> Pipeline:
    """Ridge regression on the covariates (log scale for counts), SKR group one-hot encoded."""
    numeric = [c for c in covariates.columns if c != "skr_group"]
    logged = [c for c in numeric if c in LOG_COVARIATES]
    plain = [c for c in numeric if c not in LOG_COVARIATES]
    parts = []
    if logged:
        parts.append(("log", Pipeline([("log", FunctionTransformer(np.log10)), ("scale", StandardScaler())]), logged))
    if plain:
        parts.append(("scale", StandardScaler(), plain))
    if "skr_group" in covariates.columns:
        parts.append(("group", OneHotEncoder(handle_unknown="ignore"), ["skr_group"]))
    return Pipeline([("features", ColumnTransformer(parts)),
                     ("ridge", RidgeCV(alphas=np.logspace(-2, 3, 11)))])


def expected_scores(scores: pd.Series, covariates: pd.DataFrame, *, folds: int = 5, seed: int = 0,
                    joint: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each municipality's actual index against what comparable municipalities reach.

    ``scores``: code → open-data index (0–100); ``covariates``: as :func:`load_covariates`.
    Municipalities lacking a score or a covariate are left out of the fit and get no expectation.
    Returns ``COLUMNS``: the out-of-fold ``expected`` index, ``difference`` = actual − expected,
    its 95 % interval ``low``–``high`` (± 1.96 out-of-fold residual SD) and ``verdict``
    (``above``, ``below`` or ``as_expected``: whether the interval excludes 0).

    ``joint``: joint units (:data:`award_eval.joint.COLUMNS`) whose scores ``scores`` may hold; each
    gets a row after the municipalities', expected by a model fitted on every usable municipality
    but its members (none of them predicts it), with the same interval half-width.
    """
    if folds < 2:
        raise ValueError(f"folds must be at least 2 (got {folds}): a municipality may not predict itself")
    frame = covariates.join(scores.rename("actual"), how="inner")
    usable = frame.dropna()
    if len(usable) < 2 * folds:
        raise ValueError(f"{len(usable)} municipalities with a score and every covariate; need at least {2 * folds}")
    X, y = usable.drop(columns="actual"), usable["actual"].to_numpy(dtype=float)
    expected = np.empty(len(usable))
    for train, test in KFold(n_splits=folds, shuffle=True, random_state=seed).split(X):
        fitted = model(X).fit(X.iloc[train], y[train])
        expected[test] = fitted.predict(X.iloc[test])
    difference = y - expected
    half = Z * float(np.std(difference, ddof=1))
    out = pd.DataFrame({"code": usable.index, "actual": y, "expected": expected, "difference": difference,
                        "low": difference - half, "high": difference + half})
    out["verdict"] = np.where(out["low"] > 0, "above", np.where(out["high"] < 0, "below", "as_expected"))
    out = out.set_index("code").reindex(frame.index).rename_axis("code").reset_index()
    if joint is not None and len(joint):
        out = pd.concat([out, _joint_expected(scores, covariates, joint, usable.drop(columns="actual"), y, half)],
                        ignore_index=True)
    return out[COLUMNS]


def _joint_expected(scores: pd.Series, covariates: pd.DataFrame, joint: pd.DataFrame, X: pd.DataFrame,
                    y: np.ndarray, half: float) -> pd.DataFrame:
    """The joint units' rows: each from a model fitted on ``X``/``y`` without the unit's members."""
    combined = combine_covariates(covariates, joint)
    rows = []
    for unit in joint.itertuples(index=False):
        actual = float(scores.get(unit.code, np.nan))
        features = combined.loc[[unit.code]]
        expected = np.nan
        if not features.isna().any(axis=None):
            keep = ~X.index.isin(list(unit.members))
            expected = float(model(X).fit(X[keep], y[keep]).predict(features)[0])
        difference = actual - expected
        verdict = (None if np.isnan(difference) else
                   "above" if difference - half > 0 else "below" if difference + half < 0 else "as_expected")
        rows.append({"code": unit.code, "actual": actual, "expected": expected, "difference": difference,
                     "low": difference - half, "high": difference + half, "verdict": verdict})
    return pd.DataFrame(rows, columns=COLUMNS)
