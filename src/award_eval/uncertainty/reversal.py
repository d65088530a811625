"""Rank reversal: does the ranking of the others depend on who else is nominated?

Wang & Triantaphyllou (2008, "Ranking irregularities when evaluating alternatives by using some
ELECTRE methods", Omega 36) give three test criteria for a multicriteria method:

1. the best alternative must not change when a non-optimal alternative is replaced by a worse
   copy of itself;
2. when the problem is decomposed into pairs, the pairwise preferences must be transitive;
3. the ranking put together from the decomposed problems must equal the ranking of the whole.

Plus the plain one an award must pass: removing a nominee must not change the order of the
others. The indicator side fits its normalisation on the whole register, not on the nominees, so
it cannot reverse ranks; jury scores standardised per juror (``jury_method: zscore``) are computed
over the nominees each juror scored, and can. :func:`rank_reversal` runs every test with the
chosen settings and says which pass.
"""
from __future__ import annotations

import dataclasses
from itertools import combinations, permutations

import pandas as pd

from award_eval.data import AwardData
from award_eval.evaluation import Settings, evaluate, indicator_scores

TESTS = ("worse_copy", "transitivity", "decomposition", "removal")
COLUMNS = ["test", "passed", "checked", "failures", "example"]


def _subset(data: AwardData, codes: list[str]) -> AwardData:
    keep = set(codes)
    return dataclasses.replace(
        data, nominees=data.nominees[data.nominees["code"].isin(keep)].reset_index(drop=True),
        jury_scores=data.jury_scores[data.jury_scores["nominee"].isin(keep)].reset_index(drop=True),
        conflicts=data.conflicts[data.conflicts["nominee"].isin(keep)].reset_index(drop=True))


def _order(framework, data: AwardData, settings: Settings, indicators: pd.DataFrame | None = None) -> list[str]:
    """Nominee codes best first (ties by code, as the ranking lists them)."""
    return list(evaluate(framework, data, settings, indicators=indicators).ranking["code"])


def _scores(framework, data: AwardData, settings: Settings, indicators: pd.DataFrame | None = None) -> pd.Series:
    return evaluate(framework, data, settings, indicators=indicators).scores.set_index("code")["index"]


def _worse_copy(data: AwardData, code: str, low: float) -> AwardData | None:
    """``code``'s jury scores each one rubric step lower (never below the scale): worse on the
    jury criteria, equal on the indicators. None when no score can go lower."""
    js = data.jury_scores
    mine = (js["nominee"] == code) & js["score"].notna() & (js["score"] > low)
    if not mine.any():
        return None
    lowered = js.copy()
    lowered.loc[mine, "score"] = (lowered.loc[mine, "score"] - 1).clip(lower=low)
    return dataclasses.replace(data, jury_scores=lowered)


def _same_relative_order(full: list[str], part: list[str]) -> bool:
    keep = set(part)
    return [c for c in full if c in keep] == part


def rank_reversal(framework, data: AwardData, settings: Settings | None = None) -> pd.DataFrame:
    """The four tests on the nominees, one row each: ``test, passed, checked, failures, example``.

    ``checked``: how many cases the test ran; ``example``: the first failing case, if any
    (nominee codes), else empty.
    """
    settings = settings or Settings()
    # every case changes the nominees or their jury scores, never the register: the indicator
    # scores (fitted on the register) are computed once for all nominees and looked up
    ind = indicator_scores(framework, data, settings, units=list(data.nominees["code"]))
    full = _order(framework, data, settings, ind)
    rows = []

    # 1. a non-winner replaced by a worse copy: the winner and the others' order stay
    checked, failures, example = 0, 0, ""
    for code in full[1:]:
        worse = _worse_copy(data, code, float(framework.scale.min))
        if worse is None:
            continue
        checked += 1
        after = _order(framework, worse, settings, ind)
        others_before = [c for c in full if c != code]
        if after[0] != full[0] or [c for c in after if c != code] != others_before:
            failures += 1
            example = example or code
    rows.append(("worse_copy", failures == 0, checked, failures, example))

    # 2–3. decomposed into pairs: transitive, and together they give the whole ranking
    better: dict[tuple[str, str], bool] = {}
    for a, b in combinations(sorted(full), 2):
        s = _scores(framework, _subset(data, [a, b]), settings, ind)
        better[(a, b)] = bool(s[a] > s[b])
        better[(b, a)] = bool(s[b] > s[a])
    intransitive = [(a, b, c) for a, b, c in permutations(full, 3)
                    if better[(a, b)] and better[(b, c)] and not better[(a, c)]
                    and not _tied(better, a, c)]
    rows.append(("transitivity", not intransitive, len(full) * (len(full) - 1) * (len(full) - 2),
                 len(intransitive), " > ".join(intransitive[0]) if intransitive else ""))
    wins = {c: sum(better[(c, o)] for o in full if o != c) for c in full}
    combined = sorted(full, key=lambda c: (-wins[c], full.index(c)))
    mismatch = [c for c, d in zip(combined, full) if c != d]
    rows.append(("decomposition", not mismatch, len(full), len(mismatch), mismatch[0] if mismatch else ""))

    # 4. a nominee removed: the others keep their order
    checked, failures, example = 0, 0, ""
    for code in full:
        rest = [c for c in full if c != code]
        if not rest:
            continue
        checked += 1
        if not _same_relative_order(full, _order(framework, _subset(data, rest), settings, ind)):
            failures += 1
            example = example or code
    rows.append(("removal", failures == 0, checked, failures, example))
    return pd.DataFrame(rows, columns=COLUMNS)


def _tied(better: dict[tuple[str, str], bool], a: str, c: str) -> bool:
    return not better[(a, c)] and not better[(c, a)]
