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
from award_eval.i18n import Lang, check_lang, fmt_int, fmt_percent, has, t
from award_eval.jury_share import nominal_share, resolve
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
                  uncertainty: dict | None = None, national: bool = False,
                  reversal: Any = None) -> dict[str, Any]:
    """The choices an evaluation made, as plain JSON-able data (what :func:`method_html` writes out).

    ``uncertainty``: the uncertainty analysis's own description of its settings, or ``None`` when
    the evaluation has none. ``national``: the report compares with every municipality (profiles).
    ``reversal``: :func:`award_eval.uncertainty.reversal.rank_reversal`'s table, when it was run.
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
        "jury_share": resolve(framework, getattr(settings, "jury_share", None))[0],
        "jury_share_from": resolve(framework, getattr(settings, "jury_share", None))[1],
        "jury_share_nominal": nominal_share(framework),
        "year": settings.year,
        "scale": [framework.scale.min, framework.scale.max],
        "n_jury_criteria": len(framework.jury_criteria),
        "n_indicator_criteria": len(framework.indicator_criteria),
        "seed": seed,
        "anonymise_jurors": bool(anonymise_jurors),
        "uncertainty": uncertainty,
        "national": bool(national),
        "reversal": None if reversal is None else [
            {"test": str(r.test), "passed": bool(r.passed), "checked": int(r.checked), "failures": int(r.failures),
             "example": str(r.example)} for r in reversal.itertuples()],
        "counts": counts,
    }


def _known(prefix: str, name: object, lang: Lang, **fields: object) -> str:
    """The catalogue text ``prefix + name`` (e.g. ``method.normalisation.minmax``); ``name`` itself when unknown."""
    key = f"{prefix}{name}"
    return t(key, lang, **fields) if has(key) else str(name)


def weights_table(framework: Framework, lang: Lang = "sv") -> Table:
    """The criteria with their pillar, basis (jury/indicator) and nominal share of the total."""
    w = weight_shares(framework)
    w["criterion"] = [framework.label(c, lang) for c in w["criterion"]]
    w["pillar"] = [framework.label(p, lang) for p in w["pillar"]]
    w["kind"] = [t(f"table.basis.{k}", lang) for k in w["kind"]]
    cols = [Column("criterion", t("table.criterion", lang)), Column("pillar", t("table.pillar", lang)),
            Column("kind", t("table.basis", lang)), Column("share", t("table.weight_in_index", lang), "percent", 1)]
    return Table(w, cols, lang, css_class="ae-table compact")


def reversal_sentence(rows: list[dict], lang: Lang = "sv") -> str:
    """The rank-reversal verdict: whether the ranking passes Wang & Triantaphyllou's tests, and which failed."""
    failed = [r for r in rows if not r["passed"]]
    names = ", ".join(t(f"method.reversal.test.{r['test']}", lang) for r in rows)
    if not failed:
        return esc(t("method.reversal.passed", lang, tests=names))
    which = "; ".join(t("method.reversal.failure", lang, test=t(f"method.reversal.test.{r['test']}", lang),
                        failures=r["failures"], checked=r["checked"]) for r in failed)
    return esc(t("method.reversal.failed", lang, failed=which))


def method_html(record: dict, framework: Framework | None, lang: Lang = "sv") -> str:
    """The method section's body (no heading), written from ``record`` in ``lang``."""
    lang = check_lang(lang)

    def para(heading: str, text: str, **fields: object) -> str:  # catalogue texts are trusted HTML; fields escaped
        return f"<strong>{t(heading, lang)}</strong> " + t(text, lang, **{k: esc(v) for k, v in fields.items()})

    lo, hi = (f"{x:g}" for x in record.get("normalise_range", [0, 100]))
    counts = record.get("counts") or {}
    n_units = counts.get("municipalities")
    years = counts.get("indicator_years") or []
    paras: list[str] = []

    n_ind = record.get("n_indicator_criteria", 0)
    if n_ind:
        norm = _known("method.normalisation.", record.get("normalisation", "minmax"), lang, lo=lo, hi=hi)
        year = record.get("year")
        if year:
            when = t("method.when.year", lang, year=year)
        else:
            when = t("method.when.latest", lang)
            if years:
                when += f", {years[0]}" if len(years) == 1 else f", {years[0]}–{years[-1]}"
        ref = (t("method.reference.counted", lang, n=fmt_int(n_units, lang)) if n_units else
               t("method.reference.all", lang))
        paras.append(para("method.heading.indicators", "method.paragraph.indicators", n=n_ind, when=when, normalisation=norm, reference=ref))
    n_jury = record.get("n_jury_criteria", 0)
    if n_jury:
        smin, smax = record.get("scale", [1, 5])
        method = _known("method.jury_method.", record.get("jury_method", "mean"), lang)
        jurors = counts.get("jurors")
        recusals = counts.get("recusals") or 0
        who = t("method.jurors.counted", lang, n=jurors) if jurors else t("method.jurors.all", lang)
        rec = ""
        if recusals:
            what = (t("method.conflicts.one", lang) if recusals == 1 else
                    t("method.conflicts.many", lang, n=recusals))
            rec = " " + t("method.conflicts.sentence", lang, what=what)
        paras.append(para("method.heading.jury", "method.paragraph.jury", n=n_jury, who=who, smin=smin, smax=smax, method=method, conflicts=rec))
    agg = _known("method.aggregation.", record.get("aggregation", "arithmetic"), lang)
    src = t("method.aggregation_from.criteria" if record.get("aggregation_from") == "criteria"
            else "method.aggregation_from.settings", lang)
    paras.append(para("method.heading.aggregation", "method.paragraph.aggregation", aggregation=agg, source=src))
    if n_jury and n_ind and "jury_share_from" in record:
        share = record["jury_share"] if record["jury_share"] is not None else record["jury_share_nominal"]
        paras.append(para("method.heading.jury_share", f"method.jury_share.{record['jury_share_from']}",
                          share=fmt_percent(100 * share, lang, 0)))
    if record.get("national"):
        paras.append(para("method.heading.national", "method.paragraph.national"))
    unc = record.get("uncertainty")
    if unc:
        paras.append(para("method.heading.uncertainty", "method.paragraph.uncertainty", settings=uncertainty_settings(unc, lang)))
    else:
        paras.append(f"<strong>{t('method.heading.uncertainty', lang)}</strong> "
                     + t("method.paragraph.no_uncertainty", lang))
    reversal = record.get("reversal")
    if reversal:
        paras.append(f"<strong>{t('method.heading.reversal', lang)}</strong> " + reversal_sentence(reversal, lang))
    extra = []
    if record.get("seed") is not None:
        extra.append(t("method.other.seed", lang, seed=record["seed"]))
    if record.get("anonymise_jurors"):
        extra.append(t("method.other.anonymised", lang))
    if record.get("criteria_version"):
        extra.append(t("method.other.criteria_version", lang, version=record["criteria_version"]))
    if extra:
        paras.append(f"<strong>{t('method.heading.other', lang)}</strong> " + esc("; ".join(extra)) + ".")
    out = "".join(f"<p>{p}</p>" for p in paras)
    if framework is not None:
        out += weights_table(framework, lang)._repr_html_()
    return out


_UNCERTAINTY_SETTINGS = {"interval": "method.uncertainty.interval", "jurors": "method.uncertainty.jurors",
                         "samples": "method.uncertainty.samples", "seed": "method.uncertainty.seed",
                         "weights": "method.uncertainty.weights"}


def uncertainty_settings(settings: dict, lang: Lang = "sv") -> str:
    """The uncertainty analysis's settings (``rank_intervals(...).attrs["settings"]``) as ``label: value; …``.

    Known settings and values are written from the catalogue; others as they are; in the order of their names.
    """
    items = []
    for key, value in sorted(settings.items()):
        if key == "concentration":
            continue  # written with the weights
        if key == "weights":
            value = _known("method.uncertainty.weights.", value, lang,
                           concentration=f"{float(settings.get('concentration', 0)):g}")
        elif key == "jurors":
            value = _known("method.uncertainty.jurors.", value, lang)
        label = _UNCERTAINTY_SETTINGS.get(key)
        items.append(esc(t(label, lang, value=value) if label else f"{key}: {value}"))
    return "; ".join(items)


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


def provenance_html(provenance: dict, lang: Lang = "sv", seed: Any = None) -> str:
    """The provenance block's body: facts, input hashes, package versions (all escaped).

    ``seed`` overrides the plan's seed when the evaluation had its own.
    """
    lang = check_lang(lang)

    facts = []
    for key, label in (("criteria_version", "provenance.criteria_version"), ("plan", "provenance.plan"),
                       ("plan_sha256", "provenance.plan_sha256")):
        if provenance.get(key):
            facts.append((t(label, lang), str(provenance[key])))
    s = provenance.get("seed") if seed is None else seed
    if s is not None:
        facts.append((t("provenance.seed", lang), str(s)))
    if "synthetic" in provenance:
        facts.append((t("provenance.data", lang), t("common.synthetic", lang) if provenance["synthetic"] else
                      t("report.data.real", lang)))
    facts.append((t("provenance.award_eval", lang), str(provenance.get("award_eval", ""))))
    git = t("provenance.git_commit", lang)
    facts.append((git, str(provenance.get("git_commit") or t("provenance.not_checkout", lang))))
    out = ['<dl class="facts">'] + [f"<dt>{esc(k)}</dt><dd><code>{esc(v)}</code></dd>" if k in (
        t("provenance.plan_sha256", lang), git) else f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts] + ["</dl>"]
    inputs = provenance.get("inputs") or {}
    if inputs:
        out.append(f"<h3>{esc(t('provenance.inputs', lang))}</h3><table class=\"ae-table compact hashes\"><thead><tr>"
                   f"<th scope=\"col\">{esc(t('provenance.file', lang))}</th><th scope=\"col\">SHA-256</th></tr></thead><tbody>")
        out += [f"<tr><td>{esc(name)}</td><td><code>{esc(digest)}</code></td></tr>" for name, digest in sorted(inputs.items())]
        out.append("</tbody></table>")
    packages = provenance.get("packages") or {}
    if packages:
        out.append(f"<h3>{esc(t('provenance.packages', lang))}</h3><p class=\"packages\">")
        out.append(", ".join(f"{esc(name)}&nbsp;{esc(ver)}" for name, ver in sorted(packages.items())))
        out.append("</p>")
    return "".join(out)

