"""The run's index page: the winner, the top, every report by kind, failed evaluations."""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from award_eval.version import __version__
from award_eval.i18n import (
    Lang,
    check_lang,
    fmt_int,
    fmt_number,
    fmt_percent,
    has,
    skr_group_name,
    sort_key,
    t,
)
from award_eval.errors import InputError
from award_eval.io.files import atomic_write_text
from award_eval.present.method import (
    provenance_html,
)
from award_eval.present.round import stage_name
from award_eval.privacy import data_aliases, juror_emails, neutralise_bidi, scrub_names_html, scrub_paths
from award_eval.round import funnel, load_round

if TYPE_CHECKING:  # nbformat and nbconvert are imported where a page is rendered, not by notebooks

    from award_eval.run.context import RunContext
    from award_eval.run.plan import EvaluationSpec

from award_eval.present.publish import KINDS
from award_eval.run.report.html import (
    TEMPLATES,
    _award_label,
    _css,
    _lang_of,
    _roots,
    _round_title,
    kind_of,
    run_date,
    scroll_tables,
)

# --- the run's index page --------------------------------------------------------------------------------

def _variant_key(ctx: "RunContext", spec: "EvaluationSpec") -> str:
    params = {k: v for k, v in ctx.plan.parameters(spec).items() if k not in ("lang", "evaluation_id", "output_dir")}
    return json.dumps([str(spec.notebook), params], sort_keys=True, default=str)


def _read_summary(out_dir: Path, spec_id: str) -> dict | None:
    p = out_dir / spec_id / "report.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def index_entries(ctx: "RunContext", manifest: dict, out_dir: Path) -> list[dict]:
    """One entry per group of evaluations that differ only in language, in plan order.

    Each entry: ``kind, key, variants`` (``id, lang, status, href, title, error, failed_cell,
    summary, subject``), ``subject`` (for profiles).
    """
    status = {e["id"]: e for e in manifest.get("evaluations", [])}
    groups: dict[str, dict] = {}
    for spec in ctx.plan.evaluations:
        m = status.get(spec.id, {})
        st = m.get("status", "missing")
        summ = _read_summary(out_dir, spec.id) if st in ("done", "skipped") else None
        href = f"{spec.id}/report.html" if st in ("done", "skipped") and (out_dir / spec.id / "report.html").is_file() else None
        lang = _lang_of(ctx, spec)
        kind = (summ or {}).get("kind") or kind_of(spec)
        titles = (summ or {}).get("titles") or {lg: (spec.title_in(lg) if spec.title is not None else spec.id)
                                                 for lg in ("sv", "en")}
        subject = (summ or {}).get("subject")
        if subject is None and kind == "profile":
            subject = _subject_from_params(ctx, ctx.plan.parameters(spec))
        variant = {"id": spec.id, "lang": lang, "status": st, "href": href, "titles": titles,
                   "error": m.get("error"), "failed_cell": m.get("failed_cell"),
                   "summary": (summ or {}).get("summary"), "subject": subject}
        key = _variant_key(ctx, spec)
        group = groups.setdefault(key, {"kind": kind, "key": key, "variants": [], "subject": subject})
        group["variants"].append(variant)
        if group["subject"] is None:
            group["subject"] = subject
    return list(groups.values())


def _subject_from_params(ctx: "RunContext", params: dict) -> dict | None:
    code = params.get("code")
    if code is None or ctx.data is None:
        return None
    code = str(code).zfill(4) if str(code).isdigit() else str(code)
    reg = ctx.data.register[ctx.data.register["code"] == code]
    if reg.empty:
        return {"code": code, "name": code}
    row = reg.iloc[0]
    return {"code": code, "name": str(row["name"]), "county": str(row["county"]), "skr_group": str(row["skr_group"]),
            "nominee": bool(code in set(ctx.data.nominees["code"]))}


def _stage_links(ctx: "RunContext", groups: list[dict], lang: Lang) -> dict[str, str]:
    """Stage id → the href of its report (an evaluation with that ``stage`` parameter), in ``lang`` when there is one."""
    specs = {s.id: s for s in ctx.plan.evaluations}
    out: dict[str, str] = {}
    for group in groups:
        for v in sorted(group["variants"], key=lambda v: v["lang"] != lang):
            stage = ctx.plan.parameters(specs[v["id"]]).get("stage") if v["id"] in specs else None
            if isinstance(stage, str) and v["href"] and stage not in out:
                out[stage] = v["href"]
    return out


def _funnel(ctx: "RunContext", lang: Lang, links: dict[str, str] | None = None) -> list[dict]:
    """The round's stages with their candidates' counts and names (empty without ``round.yaml``),
    each linked to its report (``links``: :func:`_stage_links`).

    A round whose files are wrong shows no funnel here: the stage reports say what is wrong."""
    if ctx.data is None or ctx.framework is None or "data_dir" not in ctx.plan.defaults:
        return []
    try:
        round_ = load_round(ctx.plan.defaults["data_dir"], ctx.framework, ctx.data)
    except InputError:
        return []
    if round_ is None:
        return []
    names = round_.data.with_joint_in_register().register.set_index("code")["name"]
    return [{**s, "title": stage_name(s["id"], lang), "count": t("round.funnel.count_one" if s["n"] == 1 else "round.funnel.count", lang, n=s["n"]),
             "names": sorted(s["names"], key=lambda n: sort_key(n, lang)),
             "open_text": t("round.funnel.open", lang) if s["open"] else "", "href": (links or {}).get(s["id"])}
            for s in funnel(round_, names)]


def _pick_variant(group: dict, lang: Lang) -> dict:
    for v in group["variants"]:
        if v["lang"] == lang:
            return v
    return group["variants"][0]


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """One Jinja environment per process: the index template is compiled once, not once per
    language (jinja2 still reloads it when the file changes)."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              keep_trailing_newline=True)


def render_index(ctx: "RunContext", manifest: dict, out_dir: Path, lang: Lang, other_langs: dict[str, str]) -> str:
    """The run's index page in ``lang``; ``other_langs`` maps a language to its index file name."""
    lang = check_lang(lang)
    groups = index_entries(ctx, manifest, out_dir)
    aliases: dict[str, str] = {}
    if ctx.data is not None and any(ctx.plan.parameters(s).get("anonymise_jurors") for s in ctx.plan.evaluations):
        seed = ctx.plan.defaults.get("seed")
        aliases = data_aliases(ctx.data, seed if isinstance(seed, int) else None)

    def title_of(v: dict) -> str:
        return v["titles"].get(lang) or v["id"]

    def links(group: dict) -> list[dict]:
        out = []
        for v in sorted(group["variants"], key=lambda v: (v["lang"] != lang, v["lang"])):
            if v["href"]:
                out.append({"href": v["href"], "lang": v["lang"], "text": t(f"report.lang.{v['lang']}", lang)})
        return out

    # rankings: winner and top of each
    rankings = []
    for g in groups:
        if g["kind"] != "ranking":
            continue
        v = _pick_variant(g, lang)
        summ = next((x["summary"] for x in [v, *g["variants"]] if x.get("summary")), None)
        if not summ or not summ.get("top"):
            continue
        top = [{**item, "score_text": fmt_number(item.get("score"), lang, 1),
                "interval_text": (t("report.index.rank_interval", lang, lo=item["rank_low"], hi=item["rank_high"])
                                  if item.get("rank_low") is not None else ""),
                "p_text": (t("report.index.chance_first", lang, p=fmt_percent(100 * item["p_first"], lang, 0))
                           if item.get("p_first") is not None else "")}
               for item in summ["top"]]
        rankings.append({"title": title_of(v), "href": v["href"] or "", "links": links(g), "top": top,
                         "n": summ.get("n"), "winners": [i for i in top if i.get("rank") == 1]})

    sections = []
    for kind in KINDS:
        members = [g for g in groups if g["kind"] == kind]
        if not members:
            continue
        rows = []
        for g in members:
            v = _pick_variant(g, lang)
            st = "failed" if any(x["status"] == "failed" for x in g["variants"]) else v["status"]
            subj = g.get("subject") or {}
            rows.append({"title": title_of(v), "links": links(g), "status": st,
                         "status_text": t(f"report.status.{st}" if has(f"report.status.{st}") else "report.status.missing", lang),
                         "subject": subj, "group_text": skr_group_name(subj["skr_group"], lang) if subj.get("skr_group") else "",
                         "rank_text": (f"{subj['rank']}" if subj.get("rank") else "")})
        if kind == "profile":
            rows.sort(key=lambda r: (sort_key(r["subject"].get("name") or r["title"], lang), r["subject"].get("code") or ""))
        sections.append({"kind": kind, "title": t(f"report.kind.{kind}", lang), "rows": rows,
                         "count": t("report.index.n_profiles", lang, n=len(rows)) if kind == "profile" else ""})

    evaluations = manifest.get("evaluations", [])
    failed = []
    for e in evaluations:
        if e.get("status") != "failed":
            continue
        spec = next((s for s in ctx.plan.evaluations if s.id == e["id"]), None)
        failed.append({"id": e["id"], "title": spec.title_in(lang) if spec is not None and spec.title is not None else e["id"],
                       "error": e.get("error") or "", "cell": e.get("failed_cell"),
                       "cell_text": t("report.index.failed_at", lang, cell=e.get("failed_cell")) if e.get("failed_cell") is not None else ""})
    n = len(evaluations)
    done = sum(e.get("status") in ("done", "skipped") for e in evaluations)
    run_state = (t("report.index.all_done", lang, n=fmt_int(n, lang)) if not failed else
                 t("report.index.some_failed", lang, done=fmt_int(done, lang), n=fmt_int(n, lang), failed=fmt_int(len(failed), lang)))

    page = _environment().get_template("index.html.j2").render(
        lang=lang, title=_round_title(ctx, lang) or _award_label(ctx, lang), award=_award_label(ctx, lang),
        synthetic=ctx.synthetic, synthetic_text=t("common.synthetic", lang),
        status_label=t("report.status_label", lang), status=t("report.data.synthetic" if ctx.synthetic else "report.data.real", lang),
        status_class="synthetic" if ctx.synthetic else "real",
        date_label=t("report.date_label", lang), run_date=run_date(),
        criteria_label=t("report.criteria_label", lang), criteria_version=str(ctx.provenance.get("criteria_version") or ""),
        css=_css(), rankings=rankings, sections=sections, funnel=_funnel(ctx, lang, _stage_links(ctx, groups, lang)),
        funnel_heading=t("round.funnel.heading", lang), failed=failed, run_state=run_state,
        workbook_label=t("board.workbook", lang),
        provenance_html=provenance_html(ctx.provenance, lang),
        other_langs=[{"href": href, "text": t("report.index.other_language", lang), "lang": lg}
                     for lg, href in other_langs.items()],
        L={key.rsplit(".", 1)[1]: t(key, lang) for key in (
            "report.index.summary", "report.index.winner", "report.index.winner_tied", "report.index.points",
            "report.index.whole_ranking", "report.index.run_status", "report.index.filter",
            "report.index.filter_label", "report.provenance", "report.index.no_winner", "report.index.report",
            "report.index.state", "report.index.language", "report.index.nominee_rank",
            "report.index.no_profile_match")},
        top_label=t("report.index.top_of", lang, n=3), name_label=t("table.name", lang), code_label=t("table.code", lang),
        county_label=t("table.county", lang), group_label=t("table.skr_group", lang), rank_label=t("table.rank", lang),
        score_label=t("table.score", lang),
        footer=t("report.footer", lang, version=__version__, criteria_version=ctx.provenance.get("criteria_version") or "–"))
    page = scroll_tables(page, lang)
    roots = _roots(ctx, dict(ctx.plan.defaults), out_dir)
    if aliases:
        page = scrub_names_html(page, aliases, juror_emails(ctx.data, aliases))
    return neutralise_bidi(scrub_paths(page, roots))


def index_file(lang: str, main_lang: str) -> str:
    """``index.html`` for the plan's language, ``index.<lang>.html`` for the others."""
    return "index.html" if lang == main_lang else f"index.{lang}.html"


def write_index(path: str | Path, ctx: "RunContext", manifest: dict) -> Path:
    """The run's ``index.html`` from the plan and the manifest (called by :mod:`award_eval.batch`).

    In the plan's language; when some evaluations are in another language, an ``index.<lang>.html``
    in that language is written beside it, and each links to the other.
    """
    path = Path(path)
    out_dir = path.parent
    main = check_lang(ctx.plan.lang if ctx.plan.lang in ("sv", "en") else "sv")
    langs = [main] + sorted({_lang_of(ctx, s) for s in ctx.plan.evaluations} - {main})
    result = path
    for lg in langs:
        others = {o: index_file(o, main) for o in langs if o != lg}
        target = path if lg == main else out_dir / index_file(lg, main)
        atomic_write_text(target, render_index(ctx, manifest, out_dir, lg, others))
    return result
