"""The method section and the provenance block every report ends with.

Both are written from records, never from boilerplate: :func:`method_record` captures the
choices an evaluation actually made (normalisation, weights, aggregation, jury aggregation and
bias correction, uncertainty settings, seed, anonymisation) and :func:`method_html` writes them
out in Swedish or English; :func:`provenance_html` shows the run's provenance dict (the same one
``manifest.json`` holds): SHA-256 of every input file, criteria version, seed, package versions,
git commit. All text that comes from files is escaped.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from award_eval.criteria import Framework
from award_eval.data import AwardData
from award_eval.evaluation import Settings
from award_eval.i18n import Lang, check_lang, fmt_int, t
from award_eval.present.tables import Column, Table, esc


def weight_shares(framework: Framework) -> pd.DataFrame:
    """Each criterion's nominal share of the total: its weight among its siblings times its parents'.

    ``criterion, pillar, kind, weight, share`` (share in per cent, summing to 100). Nominal:
    where a value is missing, the weights are renormalised over what is present.
    """
    def share(node_id: str) -> float:
        node = framework.by_id[node_id]
        siblings = framework.children(node.parent)
        own = node.weight / sum(framework.by_id[s].weight for s in siblings)
        return own * (share(node.parent) if node.parent else 1.0)

    rows = [{"criterion": n.id, "pillar": framework.pillar_of(n.id), "kind": n.kind, "weight": n.weight,
             "share": 100.0 * share(n.id)} for n in framework.leaves()]
    return pd.DataFrame(rows, columns=["criterion", "pillar", "kind", "weight", "share"])


def method_record(framework: Framework, data: AwardData | None, settings: Settings, *, kind: str = "ranking",
                  seed: int | None = None, anonymise_jurors: bool = False,
                  uncertainty: dict | None = None, national: bool = False) -> dict[str, Any]:
    """The choices an evaluation made, as plain JSON-able data (what :func:`method_html` writes out).

    ``uncertainty``: the uncertainty analysis's own description of its settings, or ``None`` when
    the evaluation has none. ``national``: the report compares with every municipality (profiles).
    """
    counts: dict[str, Any] = {}
    if data is not None:
        counts = {"municipalities": int(len(data.register)), "nominees": int(len(data.nominees)),
                  "jurors": int(data.jury_scores["juror"].nunique()),
                  "recusals": int(len(data.conflicts)),
                  "indicator_years": sorted(int(y) for y in data.indicators["year"].dropna().unique())}
    return {
        "kind": kind,
        "criteria_version": framework.version,
        "normalisation": settings.normalisation,
        "normalise_range": [float(x) for x in settings.normalise_range],
        "aggregation": settings.aggregation or framework.aggregation,
        "aggregation_from": "settings" if settings.aggregation else "criteria",
        "jury_method": settings.jury_method,
        "year": settings.year,
        "scale": [framework.scale.min, framework.scale.max],
        "n_jury_criteria": len(framework.jury_criteria),
        "n_indicator_criteria": len(framework.indicator_criteria),
        "seed": seed,
        "anonymise_jurors": bool(anonymise_jurors),
        "uncertainty": uncertainty,
        "national": bool(national),
        "counts": counts,
    }


_NORMALISATION = {
    "minmax": {"sv": "min–max-normaliseras till {lo}–{hi}: lägsta värdet bland alla kommuner får {lo}, högsta {hi}",
               "en": "min–max normalised onto {lo}–{hi}: the lowest value among all municipalities scores {lo}, the highest {hi}"},
    "zscore": {"sv": "standardiseras till z-poäng (avståndet från alla kommuners medelvärde, i standardavvikelser) "
                     "och placeras på 0–100 som 50 + 50·z/3: medelvärdet får 50, 3 standardavvikelser under "
                     "eller över får 0 respektive 100 (längre ut hålls vid 0 eller 100)",
               "en": "standardised to z-scores (the distance from the mean of all municipalities, in standard "
                     "deviations) and placed on 0–100 as 50 + 50·z/3: the mean scores 50, 3 standard deviations "
                     "below or above score 0 and 100 (further out is held at 0 or 100)"},
    "rank": {"sv": "ersätts av sin percentilplacering bland alla kommuner, på 0–100: lägst får 0, högst 100 "
                   "(lika värden delar medelplaceringen)",
             "en": "replaced by their percentile rank among all municipalities, on 0–100: the lowest scores 0, "
                   "the highest 100 (ties share the average rank)"},
    "percentile": {"sv": "ersätts av andelen av alla kommuner med ett lägre värde, på 0–100",
                   "en": "replaced by the share of all municipalities with a lower value, on 0–100"},
    "borda": {"sv": "ersätts av antalet kommuner med ett lägre värde, räknat om till 0–100 (lägst 0, högst 100)",
              "en": "replaced by the number of municipalities with a lower value, rescaled onto 0–100 "
                    "(lowest 0, highest 100)"},
    "distance_to_max": {"sv": "mäts som avståndet till det högsta värdet bland alla kommuner, på 0–100 "
                              "(lägst 0, högst 100)",
                        "en": "measured as the distance to the highest value among all municipalities, on 0–100 "
                              "(lowest 0, highest 100)"},
}
_JURY = {
    "mean": {"sv": "medelvärdet av betygen från de jurymedlemmar som bedömt kommunen; ingen korrigering för att "
                   "jurymedlemmar är olika stränga",
             "en": "the mean of the scores of the jurors who scored the nominee; no correction for jurors being "
                   "more or less strict"},
    "median": {"sv": "medianen av betygen från de jurymedlemmar som bedömt kommunen (ett enskilt avvikande betyg "
                     "väger lite); ingen korrigering för stränghet",
               "en": "the median of the scores of the jurors who scored the nominee (a single outlying score "
                     "counts little); no correction for strictness"},
    "trimmed": {"sv": "ett trimmat medelvärde: högsta och lägsta betyg stryks innan medelvärdet tas",
                "en": "a trimmed mean: the highest and lowest scores are dropped before averaging"},
    "zscore": {"sv": "korrigerat för stränghet: varje jurymedlems betyg standardiseras över alla hens betyg "
                     "(z-poäng), medelvärdet tas och förs tillbaka till betygsskalan",
               "en": "corrected for strictness: each juror's scores are standardised over all their scores "
                     "(z-scores), averaged, and mapped back onto the rubric scale"},
}
_AGG = {
    "arithmetic": {"sv": "viktat aritmetiskt medelvärde (en svag punkt kan vägas upp av en stark)",
                   "en": "a weighted arithmetic mean (a weak point can be made up by a strong one)"},
    "geometric": {"sv": "viktat geometriskt medelvärde (en svag punkt vägs bara delvis upp av en stark; "
                        "0 på ett kriterium ger 0)",
                  "en": "a weighted geometric mean (a weak point is only partly made up by a strong one; "
                        "0 on one criterion gives 0)"},
    "harmonic": {"sv": "viktat harmoniskt medelvärde (en svag punkt vägs knappt upp; 0 på ett kriterium ger 0)",
                 "en": "a weighted harmonic mean (a weak point is hardly made up; 0 on one criterion gives 0)"},
}


def _pick(table: dict, key: str, lang: Lang) -> str:
    return table.get(key, {}).get(lang) or str(key)


def weights_table(framework: Framework, lang: Lang = "sv") -> Table:
    """The criteria with their pillar, basis (jury/indicator) and nominal share of the total."""
    w = weight_shares(framework)
    w["criterion"] = [framework.label(c, lang) for c in w["criterion"]]
    w["pillar"] = [framework.label(p, lang) for p in w["pillar"]]
    w["kind"] = [t(f"kind_{k}", lang) for k in w["kind"]]
    cols = [Column("criterion", t("criterion", lang)), Column("pillar", t("pillar", lang)),
            Column("kind", t("kind", lang)), Column("share", t("weight_in_index", lang), "percent", 1)]
    return Table(w, cols, lang, css_class="ae-table compact")


def method_html(record: dict, framework: Framework | None, lang: Lang = "sv") -> str:
    """The method section's body (no heading), written from ``record`` in ``lang``."""
    lang = check_lang(lang)
    sv = lang == "sv"
    lo, hi = (f"{x:g}" for x in record.get("normalise_range", [0, 100]))
    counts = record.get("counts") or {}
    n_units = counts.get("municipalities")
    years = counts.get("indicator_years") or []
    paras: list[str] = []

    n_ind = record.get("n_indicator_criteria", 0)
    if n_ind:
        norm = _pick(_NORMALISATION, record.get("normalisation", "minmax"), lang).format(lo=lo, hi=hi)
        year = record.get("year")
        if year:
            when = f"år {year}" if sv else f"the year {year}"
        else:
            when = "senaste år med värde" if sv else "the latest year with a value"
            if years:
                when += f", {years[0]}" if len(years) == 1 else f", {years[0]}–{years[-1]}"
        ref = (f"alla {fmt_int(n_units, lang)} kommuner i registret" if sv else
               f"all {fmt_int(n_units, lang)} municipalities in the register") if n_units else (
               "alla kommuner i registret" if sv else "all municipalities in the register")
        paras.append(
            (f"<strong>Indikatorer.</strong> De {n_ind} öppna indikatorerna ({esc(when)}) {esc(norm)}. Skalan "
             f"bestäms av {esc(ref)}, inte bara av de nominerade, så en kommuns poäng beror inte på vilka andra "
             f"som nominerats. Indikatorer där lägre är bättre vänds först.") if sv else
            (f"<strong>Indicators.</strong> The {n_ind} open indicators ({esc(when)}) are {esc(norm)}. The scale "
             f"is set by {esc(ref)}, not only by the nominees, so a municipality's score does not depend on who "
             f"else was nominated. Indicators where lower is better are turned round first."))
    n_jury = record.get("n_jury_criteria", 0)
    if n_jury:
        smin, smax = record.get("scale", [1, 5])
        method = _pick(_JURY, record.get("jury_method", "mean"), lang)
        jurors = counts.get("jurors")
        recusals = counts.get("recusals") or 0
        who = (f"{jurors} jurymedlemmar" if sv else f"{jurors} jurors") if jurors else (
            "juryn" if sv else "the jury")
        rec = ""
        if recusals:
            what = (("en anmäld jävssituation" if recusals == 1 else f"{recusals} anmälda jävssituationer") if sv
                    else ("one declared conflict of interest" if recusals == 1 else f"{recusals} declared conflicts of interest"))
            rec = (f" Jäv: {what}. En jävig jurymedlem bedömer inte den kommunen, som då bedöms av de övriga "
                   f"(ett uteblivet betyg räknas aldrig som lågt).") if sv else (
                   f" Conflicts: {what}. A recused juror does not score that nominee, which is scored by the "
                   f"others (a missing score never counts as low).")
        paras.append(
            (f"<strong>Jurybedömning.</strong> De {n_jury} jurykriterierna bedöms av {esc(who)} på skalan "
             f"{smin}–{smax} enligt kriteriernas bedömningsstöd. Per kriterium används {esc(method)}; resultatet "
             f"räknas om till 0–100 ({smin} → 0, {smax} → 100).{esc(rec)}") if sv else
            (f"<strong>Jury assessment.</strong> The {n_jury} jury criteria are scored by {esc(who)} on the scale "
             f"{smin}–{smax} against the criteria's rubric. Per criterion the report uses {esc(method)}; the "
             f"result is mapped onto 0–100 ({smin} → 0, {smax} → 100).{esc(rec)}"))
    agg = _pick(_AGG, record.get("aggregation", "arithmetic"), lang)
    src = ("enligt kriteriefilen" if sv else "as the criteria file sets") if record.get("aggregation_from") == "criteria" \
        else ("vald för denna utvärdering" if sv else "chosen for this evaluation")
    paras.append(
        (f"<strong>Sammanvägning.</strong> Kriteriernas poäng vägs ihop till områden och områdena till en "
         f"totalpoäng med {esc(agg)}, {esc(src)}. Saknas ett värde räknas vikterna om över de övriga. "
         f"Vikterna står i tabellen nedan. Lika totalpoäng delar placering (1, 2, 2, 4).") if sv else
        (f"<strong>Aggregation.</strong> Criterion scores are combined into pillars and the pillars into a total "
         f"score by {esc(agg)}, {esc(src)}. Where a value is missing, the weights are renormalised over the "
         f"rest. The weights are in the table below. Equal totals share a rank (1, 2, 2, 4)."))
    if record.get("national"):
        paras.append(
            ("<strong>Nationell jämförelse.</strong> Placeringen i riket och i kommungruppen bygger på ett "
             "indikatorindex: bara de öppna indikatorerna, som finns för alla kommuner, vägda som ovan. "
             "Jurykriterier finns bara för de nominerade och jämförs med de nominerades median. Kommungrupper "
             "enligt SKR:s indelning 2023.") if sv else
            ("<strong>National comparison.</strong> The national and group ranks use an indicator index: only "
             "the open indicators, which exist for every municipality, weighted as above. Jury criteria exist "
             "only for nominees and are compared with the nominees' median. Municipal groups as SKR's 2023 "
             "classification."))
    unc = record.get("uncertainty")
    if unc:
        items = "; ".join(f"{esc(k)}: {esc(v)}" for k, v in sorted(unc.items()))
        paras.append(("<strong>Osäkerhet.</strong> Placeringsintervallen kommer från en osäkerhetsanalys med "
                      f"följande inställningar: {items}.") if sv else
                     (f"<strong>Uncertainty.</strong> The rank intervals come from an uncertainty analysis with "
                      f"these settings: {items}."))
    else:
        paras.append(("<strong>Osäkerhet.</strong> Ingen osäkerhetsanalys ingår i denna rapport; placeringarna "
                      "visas därför utan intervall.") if sv else
                     ("<strong>Uncertainty.</strong> This report includes no uncertainty analysis, so ranks are "
                      "shown without intervals."))
    extra = []
    if record.get("seed") is not None:
        extra.append(f"slumpfrö {record['seed']}" if sv else f"random seed {record['seed']}")
    if record.get("anonymise_jurors"):
        extra.append("jurymedlemmarnas namn ersatta med J1…Jn" if sv else "jurors' names replaced by J1…Jn")
    if record.get("criteria_version"):
        extra.append(f"kriterier version {record['criteria_version']}" if sv else
                     f"criteria version {record['criteria_version']}")
    if extra:
        paras.append(("<strong>Övrigt.</strong> " if sv else "<strong>Other.</strong> ")
                     + esc("; ".join(extra)) + ".")
    out = "".join(f"<p>{p}</p>" for p in paras)
    if framework is not None:
        out += weights_table(framework, lang)._repr_html_()
    return out


def record_from_parameters(params: dict, framework: Framework | None, data: AwardData | None,
                           kind: str = "other") -> dict:
    """A method record rebuilt from a notebook's parameters, for notebooks that publish none."""
    settings = Settings(normalisation=str(params.get("normalisation", "minmax")),
                        aggregation=None if params.get("aggregation") in (None, "default") else str(params["aggregation"]),
                        jury_method=str(params.get("jury_method", "mean")))
    if framework is None:
        return {"kind": kind, "seed": params.get("seed"), "anonymise_jurors": bool(params.get("anonymise_jurors")),
                "normalisation": settings.normalisation, "jury_method": settings.jury_method}
    return method_record(framework, data, settings, kind=kind, seed=params.get("seed"),
                         anonymise_jurors=bool(params.get("anonymise_jurors")))


PROVENANCE_LABELS = {
    "criteria_version": {"sv": "Kriterier, version", "en": "Criteria version"},
    "plan": {"sv": "Plan", "en": "Plan"},
    "plan_sha256": {"sv": "Planens SHA-256", "en": "Plan SHA-256"},
    "seed": {"sv": "Slumpfrö", "en": "Random seed"},
    "award_eval": {"sv": "award_eval", "en": "award_eval"},
    "git_commit": {"sv": "Git-commit", "en": "Git commit"},
    "synthetic": {"sv": "Data", "en": "Data"},
    "inputs": {"sv": "Indatafiler (SHA-256)", "en": "Input files (SHA-256)"},
    "packages": {"sv": "Programversioner", "en": "Package versions"},
    "not_checkout": {"sv": "ingen (inte en git-utcheckning)", "en": "none (not a git checkout)"},
}


def provenance_html(provenance: dict, lang: Lang = "sv", seed: Any = None) -> str:
    """The provenance block's body: facts, input hashes, package versions (all escaped).

    ``seed`` overrides the plan's seed when the evaluation had its own.
    """
    lang = check_lang(lang)

    def lab(key: str) -> str:
        return PROVENANCE_LABELS[key][lang]

    facts = []
    for key in ("criteria_version", "plan", "plan_sha256"):
        if provenance.get(key):
            facts.append((lab(key), str(provenance[key])))
    s = provenance.get("seed") if seed is None else seed
    if s is not None:
        facts.append((lab("seed"), str(s)))
    if "synthetic" in provenance:
        facts.append((lab("synthetic"), t("synthetic", lang) if provenance["synthetic"] else
                      ("verkliga data" if lang == "sv" else "real data")))
    facts.append((lab("award_eval"), str(provenance.get("award_eval", ""))))
    facts.append((lab("git_commit"), str(provenance.get("git_commit") or lab("not_checkout"))))
    out = ['<dl class="facts">'] + [f"<dt>{esc(k)}</dt><dd><code>{esc(v)}</code></dd>" if k in (
        lab("plan_sha256"), lab("git_commit")) else f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts] + ["</dl>"]
    inputs = provenance.get("inputs") or {}
    if inputs:
        out.append(f"<h3>{esc(lab('inputs'))}</h3><table class=\"ae-table compact hashes\"><thead><tr>"
                   f"<th scope=\"col\">{esc(t('file', lang))}</th><th scope=\"col\">SHA-256</th></tr></thead><tbody>")
        out += [f"<tr><td>{esc(name)}</td><td><code>{esc(digest)}</code></td></tr>" for name, digest in sorted(inputs.items())]
        out.append("</tbody></table>")
    packages = provenance.get("packages") or {}
    if packages:
        out.append(f"<h3>{esc(lab('packages'))}</h3><p class=\"packages\">")
        out.append(", ".join(f"{esc(name)}&nbsp;{esc(ver)}" for name, ver in sorted(packages.items())))
        out.append("</p>")
    return "".join(out)

