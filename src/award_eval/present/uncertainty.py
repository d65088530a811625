"""Tables of the uncertainty analysis for people: names for codes, words for inputs, sv/en headers."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from award_eval.i18n import fmt_number, t
from award_eval.present.tables import Table, table
from award_eval.uncertainty.montecarlo import MonteCarloResult

WORDS: dict[str, dict[str, str]] = {
    "nominal": {"sv": "Placering", "en": "Rank"},
    "interval": {"sv": "5–95 %", "en": "5–95 %"},
    "p_first": {"sv": "Etta (%)", "en": "First (%)"},
    "input": {"sv": "Osäker indata", "en": "Uncertain input"},
    "S1": {"sv": "Första ordningen S1", "en": "First order S1"},
    "ST": {"sv": "Totalt ST", "en": "Total ST"},
    "conf": {"sv": "±", "en": "±"},
    "left_out": {"sv": "Utelämnat", "en": "Left out"},
    "level": {"sv": "Nivå", "en": "Level"},
    "mean_abs_change": {"sv": "Medelförflyttning (placeringar)", "en": "Mean rank change"},
    "max_abs_change": {"sv": "Största förflyttning", "en": "Largest rank change"},
    "winner": {"sv": "Etta utan det", "en": "First without it"},
    "weight": {"sv": "Vikt i index (%)", "en": "Weight in index (%)"},
    "current": {"sv": "Nu (0–100)", "en": "Now (0–100)"},
    "needed": {"sv": "Behövs (0–100)", "en": "Needed (0–100)"},
    "increase": {"sv": "Ökning (poäng)", "en": "Increase (points)"},
    "raw_increase": {"sv": "Ökning i egen enhet", "en": "Increase in own unit"},
    "unreachable": {"sv": "räcker inte ens med högsta värdet", "en": "not enough even at the top of the scale"},
    "aggregation": {"sv": "Aggregeringsmetod", "en": "Aggregation method"},
    "normalisation": {"sv": "Normalisering", "en": "Normalisation"},
    "jurors": {"sv": "Vilka jurymedlemmar som räknas", "en": "Which jurors count"},
    "weights_top": {"sv": "Vikter mellan pelarna", "en": "Weights between the pillars"},
    "weights_in": {"sv": "Vikter inom {label}", "en": "Weights within {label}"},
}


def word(key: str, lang: str = "sv") -> str:
    """The analysis's own word for ``key``, else the one every report uses (:data:`award_eval.i18n.LABELS`)."""
    return WORDS[key][lang] if key in WORDS else t(key, lang)


def _label(criteria: Any, code: str, lang: str) -> str:
    if criteria is None:
        return code
    try:
        return criteria.label(code, lang)
    except (KeyError, AttributeError):
        return code


def input_label(name: str, criteria: Any = None, lang: str = "sv", top: str = "index") -> str:
    """Words for a Sobol input: ``weights:services`` → 'Vikter inom Digitala tjänster …'."""
    if name.startswith("weights:"):
        code = name.split(":", 1)[1]
        if code == top:
            return word("weights_top", lang)
        return word("weights_in", lang).format(label=_label(criteria, code, lang))
    return word(name, lang) if name in WORDS else name


def summary_table(result: MonteCarloResult, names: Mapping | pd.Series | None = None,
                  lang: str = "sv") -> pd.DataFrame:
    """The summary for reading: municipality, rank, median, 5–95 % interval, P(first) in %."""
    s = result.summary
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    # word joiners keep "1–2" on one line (a narrow column would break it after the dash)
    interval = [f"{_num(lo, lang)}\u2060–\u2060{_num(hi, lang)}" if lo != hi else _num(lo, lang)
                for lo, hi in zip(s["q05"], s["q95"])]
    table = pd.DataFrame({
        word("name", lang): [names.get(u, u) for u in s.index],
        word("nominal", lang): s["nominal"].to_numpy(),
        word("median", lang): [_num(v, lang) for v in s["median"]],
        word("interval", lang): interval,
        word("p_first", lang): [fmt_number(100 * p, lang, 1) for p in s["p_first"]],  # as the P(first) figure writes it
    })
    return table.set_index(word("name", lang))


def _num(v: float, lang: str = "sv") -> str:
    return fmt_number(v, lang, 0 if float(v).is_integer() else 1)


def as_table(frame: pd.DataFrame, lang: str = "sv", decimals: int = 1) -> Table:
    """A frame of this module as a report table: its index becomes the first column (no empty
    header cell), numbers are written as the report's language writes them."""
    return table(frame.reset_index(), lang, decimals=decimals)


def sobol_table(indices: pd.DataFrame, criteria: Any = None, lang: str = "sv", output: str = "score",
                unit: Any = None, decimals: int = 2, top: str = "index") -> pd.DataFrame:
    """One output's Sobol indices by input, largest total first: S1 ± and ST ±."""
    from award_eval.uncertainty.sensitivity import indices_of

    rows = indices_of(indices, output, unit)
    table = pd.DataFrame({
        word("input", lang): [input_label(i, criteria, lang, top) for i in rows["input"]],
        word("S1", lang): rows["S1"].clip(lower=0).round(decimals).to_numpy(),
        f"{word('S1', lang)} {word('conf', lang)}": rows["S1_conf"].round(decimals).to_numpy(),
        word("ST", lang): rows["ST"].clip(lower=0).round(decimals).to_numpy(),
        f"{word('ST', lang)} {word('conf', lang)}": rows["ST_conf"].round(decimals).to_numpy(),
    })
    return table.set_index(word("input", lang))


def removal_table(removal: pd.DataFrame, criteria: Any = None, names: Mapping | pd.Series | None = None,
                  lang: str = "sv", decimals: int = 2) -> pd.DataFrame:
    """Leave-one-out effects, largest first, with criterion labels and the winner's name."""
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    rows = removal.sort_values(["mean_abs_change", "max_abs_change"], ascending=False, kind="stable")
    table = pd.DataFrame({
        word("left_out", lang): [_label(criteria, c, lang) for c in rows.index],
        word("mean_abs_change", lang): rows["mean_abs_change"].round(decimals).to_numpy(),
        word("max_abs_change", lang): rows["max_abs_change"].to_numpy(),
        word("winner", lang): [names.get(w, w) for w in rows["winner"]],
    })
    return table.set_index(word("left_out", lang))


def what_it_would_take_table(frame: pd.DataFrame, criteria: Any = None, units: Mapping | pd.Series | None = None,
                             lang: str = "sv", decimals: int = 1) -> pd.DataFrame:
    """:func:`~.whatif.what_it_would_take` for reading: labels, % weight, now → needed, the
    increase in points and in the criterion's own unit ('0.6 rubric steps')."""
    units = pd.Series(dict(units) if units is not None else {}, dtype=object)
    own = []
    for crit, row in frame.iterrows():
        if not row["reachable"]:
            own.append(word("unreachable", lang))
        elif "raw_increase" in frame.columns and np.isfinite(row["raw_increase"]):
            own.append(f"{fmt_number(row['raw_increase'], lang, 2, sign=True)} {units.get(crit, '')}".strip())
        else:
            own.append("")
    table = pd.DataFrame({
        word("criterion", lang): [_label(criteria, c, lang) for c in frame.index],
        word("weight", lang): (100 * frame["weight"].astype(float)).round(decimals).to_numpy(),
        word("current", lang): frame["current"].astype(float).round(decimals).to_numpy(),
        word("needed", lang): frame["needed"].astype(float).round(decimals).to_numpy(),
        word("increase", lang): frame["increase"].astype(float).round(decimals).to_numpy(),
        word("raw_increase", lang): own,
    })
    return table.set_index(word("criterion", lang))


def split_list(text: str | None) -> list[str]:
    """A notebook parameter ``"arithmetic, geometric"`` as a list (empty text: empty list)."""
    if text is None:
        return []
    return [part.strip() for part in str(text).split(",") if part.strip()]


def settings_line(result: MonteCarloResult, lang: str = "sv") -> str:
    """One line saying what was varied, for the top of a report."""
    o = result.options
    sv = lang == "sv"
    parts = []
    if o["weights"] == "dirichlet":
        parts.append(f"vikter: Dirichlet kring kriteriefilens vikter (koncentration {o['concentration']:g})" if sv
                     else f"weights: Dirichlet around the criteria file's weights (concentration {o['concentration']:g})")
    elif o["weights"] == "uniform":
        parts.append(f"vikter: ±{100 * o['spread']:.0f} % kring kriteriefilens vikter" if sv
                     else f"weights: ±{100 * o['spread']:.0f} % around the criteria file's weights")
    else:
        parts.append("vikter: fasta" if sv else "weights: fixed")
    sv_means = {"arithmetic": "aritmetiskt", "geometric": "geometriskt", "harmonic": "harmoniskt"}
    means = [sv_means.get(m, m) for m in o["aggregations"]] if sv else o["aggregations"]
    parts.append(("medelvärde: " if sv else "mean: ") + ", ".join(means))
    if o["normalisations"]:
        parts.append(("normalisering: " if sv else "normalisation: ") + ", ".join(o["normalisations"]))
    if o["jury"]:
        how = {"leave_one_out": ("en jurymedlem utelämnad i taget", "one juror left out at a time"),
               "bootstrap": ("jurymedlemmar dragna med återläggning", "jurors drawn with replacement")}
        parts.append(("jury: " if sv else "jury: ") + how[o["jury"]["resample"]][0 if sv else 1])
    head = f"{o['n']:,} simuleringar (frö {o['seed']})" if sv else f"{o['n']:,} simulations (seed {o['seed']})"
    return head.replace(",", "\u00a0" if sv else ",") + " — " + "; ".join(parts) + "."


def what_it_would_take_line(frame: pd.DataFrame, names: Mapping | pd.Series | None = None, lang: str = "sv") -> str:
    """One sentence above the table: who, where they stand, and whom they would catch."""
    names = pd.Series(dict(names) if names is not None else {}, dtype=object)
    a = frame.attrs
    who = names.get(a["unit"], a["unit"])
    if a.get("target_rank") is None:
        return (f"**{who}** är etta: det finns ingen placering att klättra till." if lang == "sv"
                else f"**{who}** is first: there is no rank to climb to.")
    ahead = ", ".join(str(names.get(u, u)) for u in a["ahead"])
    if lang == "sv":
        return (f"**{who}** har placering {a['rank']} med {a['score']:.1f} poäng. För placering "
                f"{a['target_rank']} (delad med {ahead}) krävs {a['target_score']:.1f} poäng.")
    return (f"**{who}** is ranked {a['rank']} with {a['score']:.1f} points. Rank {a['target_rank']} "
            f"(shared with {ahead}) takes {a['target_score']:.1f} points.")
