"""User-facing labels and number formats in Swedish and English.

Names in code are English; what a reader sees is not. :func:`t` gives a label, :func:`fmt_number`
a number as the language writes it: Swedish with a decimal comma, a (no-break) space between
thousands and a real minus sign (``−1 234,5``); English with a decimal point and a comma between
thousands (``-1,234.5``). Criterion names come from the criteria file (``Framework.label``).
"""
from __future__ import annotations

import functools
import math
from pathlib import Path
from numbers import Number
from typing import Literal

import yaml

Lang = Literal["sv", "en"]
LANGS: tuple[str, ...] = ("sv", "en")

NBSP = "\u00a0"  # the Swedish thousands separator: a space that never breaks a number across lines
MINUS = "\u2212"  # Swedish typography writes negative numbers with a minus sign, not a hyphen
DASH = "–"  # what a table shows for a missing value

LABELS: dict[str, dict[str, str]] = {
    # tables
    "rank": {"sv": "Placering", "en": "Rank"},
    "code": {"sv": "Kod", "en": "Code"},
    "name": {"sv": "Kommun", "en": "Municipality"},
    "yes": {"sv": "ja", "en": "yes"},
    "no": {"sv": "nej", "en": "no"},
    "rows_shown": {"sv": "De {shown} första av {total} rader; alla finns i utvärderingens CSV-fil.",
                   "en": "The first {shown} of {total} rows; all are in the evaluation's CSV file."},
    "score": {"sv": "Poäng", "en": "Score"},
    "total_score": {"sv": "Totalpoäng", "en": "Total score"},
    "criterion": {"sv": "Kriterium", "en": "Criterion"},
    "pillar": {"sv": "Område", "en": "Pillar"},
    "kind": {"sv": "Underlag", "en": "Basis"},
    "kind_jury": {"sv": "jury", "en": "jury"},
    "kind_indicator": {"sv": "indikator", "en": "indicator"},
    "county": {"sv": "Län", "en": "County"},
    "skr_group": {"sv": "Kommungrupp (SKR)", "en": "Municipal group (SKR)"},
    "value": {"sv": "Värde", "en": "Value"},
    "unit": {"sv": "Enhet", "en": "Unit"},
    "group_median": {"sv": "Gruppens median", "en": "Group median"},
    "national_median": {"sv": "Rikets median", "en": "National median"},
    "nominee_median": {"sv": "De nominerades median", "en": "Nominees' median"},
    "difference": {"sv": "Skillnad", "en": "Difference"},
    "compared_with": {"sv": "Jämfört med", "en": "Compared with"},
    "national_rank": {"sv": "Placering i riket", "en": "National rank"},
    "group_rank": {"sv": "Placering i gruppen", "en": "Rank in group"},
    "juror": {"sv": "Jurymedlem", "en": "Juror"},
    "jurors": {"sv": "Jurymedlemmar", "en": "Jurors"},
    "comment": {"sv": "Kommentar", "en": "Comment"},
    "mean_score": {"sv": "Medelbetyg", "en": "Mean score"},
    "lowest_highest": {"sv": "Lägst–högst", "en": "Lowest–highest"},
    "indicator_index": {"sv": "Indikatorindex", "en": "Indicator index"},
    "peers_median": {"sv": "Jämförelsens median", "en": "Peers' median"},
    "jury_unit": {"sv": "betyg {lo}–{hi}", "en": "score {lo}–{hi}"},
    "the_group": {"sv": "kommungruppen", "en": "the group"},
    "the_nominees": {"sv": "de nominerade", "en": "the nominees"},
    "jury_score": {"sv": "Betyg ({lo}–{hi})", "en": "Score ({lo}–{hi})"},
    "needed": {"sv": "Skulle behöva", "en": "Would need"},
    "target_rank": {"sv": "För placering", "en": "For rank"},
    "how_sure": {"sv": "Hur säker är placeringen?", "en": "How sure is the rank?"},
    "how_sure_ranking": {"sv": "Hur säker är rangordningen?", "en": "How sure is the ranking?"},
    "what_it_would_take": {"sv": "Vad som skulle krävas", "en": "What it would take"},
    "jury_heading": {"sv": "Juryns bedömning", "en": "The jury's assessment"},
    "jury_comments": {"sv": "Juryns kommentarer", "en": "The jury's comments"},
    "comments_as_written": {"sv": "Kommentarerna som jurymedlemmarna skrev dem.",
                            "en": "The comments as the jurors wrote them (in the language they wrote in)."},
    "strengths": {"sv": "Styrkor", "en": "Strengths"},
    "weaknesses": {"sv": "Svagheter", "en": "Weaknesses"},
    "rank_interval": {"sv": "Placeringsintervall", "en": "Rank interval"},
    "p_first": {"sv": "Chans att vinna", "en": "Chance of winning"},
    "weight": {"sv": "Vikt", "en": "Weight"},
    "weight_in_index": {"sv": "Andel av totalen", "en": "Share of the total"},
    "setting": {"sv": "Val", "en": "Choice"},
    "file": {"sv": "Fil", "en": "File"},
    "package": {"sv": "Paket", "en": "Package"},
    "version": {"sv": "Version", "en": "Version"},
    # notices and figures
    "synthetic": {"sv": "Syntetiska demonstrationsdata — inga verkliga poäng eller statistik.",
                  "en": "Synthetic demonstration data — not real scores or statistics."},
    "ranking_title": {"sv": "Rangordning", "en": "Ranking"},
    "heatmap_title": {"sv": "Poäng per kriterium (0–100)", "en": "Score per criterion (0–100)"},
    "score_axis": {"sv": "Totalpoäng (0–100)", "en": "Total score (0–100)"},
    "criterion_score_axis": {"sv": "Poäng (0–100)", "en": "Score (0–100)"},
    "indicator_index_axis": {"sv": "Indikatorindex (0–100)", "en": "Indicator index (0–100)"},
    "wrote": {"sv": "Skrev", "en": "Wrote"},
    "severity_axis": {"sv": "Stränghet: medelavvikelse från övriga jurymedlemmar (betygssteg)",
                      "en": "Severity: mean offset from the other jurors (rubric steps)"},
    "severity_title": {"sv": "Jurymedlemmarnas stränghet och samstämmighet",
                       "en": "Juror severity and consistency"},
    "skr_group": {"sv": "Kommungrupp (SKR 2023)", "en": "Municipality group (SKR 2023)"},
    "screening_axis": {"sv": "Indexvärde, öppna data (0–100)", "en": "Index score, open data (0–100)"},
    "screening_title": {"sv": "Alla 290 kommuner per kommungrupp; nominerade i rött",
                        "en": "All 290 municipalities by group; nominees in red"},
    "group_rank": {"sv": "Placering i gruppen", "en": "Rank in group"},
    "group_size": {"sv": "Kommuner i gruppen", "en": "Municipalities in group"},
    "nominee": {"sv": "Nominerad", "en": "Nominee"},
    "method_title": {"sv": "Juryplacering per metod", "en": "Jury rank by method"},
    "this_municipality": {"sv": "Kommunen", "en": "The municipality"},
    "same_group": {"sv": "Samma kommungrupp", "en": "Same municipal group"},
    "country": {"sv": "Hela riket", "en": "All of Sweden"},
    "median": {"sv": "Median", "en": "Median"},
    "one_municipality": {"sv": "En kommun", "en": "One municipality"},
    "none": {"sv": "inga", "en": "none"},
}

# SKR's municipal groups 2023 (kommungruppsindelning), as SKR names them.
SKR_GROUP_NAMES: dict[str, dict[str, str]] = {
    "A1": {"sv": "Storstäder", "en": "Metropolitan municipalities"},
    "A2": {"sv": "Pendlingskommuner nära storstad", "en": "Commuter municipalities near a metropolis"},
    "B3": {"sv": "Större städer", "en": "Large towns"},
    "B4": {"sv": "Pendlingskommuner nära större stad", "en": "Commuter municipalities near a large town"},
    "B5": {"sv": "Lågpendlingskommuner nära större stad", "en": "Low-commuting municipalities near a large town"},
    "C6": {"sv": "Mindre städer/tätorter", "en": "Small towns"},
    "C7": {"sv": "Pendlingskommuner nära mindre stad/tätort", "en": "Commuter municipalities near a small town"},
    "C8": {"sv": "Landsbygdskommuner", "en": "Rural municipalities"},
    "C9": {"sv": "Landsbygdskommuner med besöksnäring", "en": "Rural municipalities with a visitor industry"},
}


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"lang {lang!r} is not one of {', '.join(LANGS)}")
    return lang  # type: ignore[return-value]


CATALOGUE_DIR = Path(__file__).with_name("catalogue")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML loader that refuses a key defined twice in one mapping (PyYAML keeps the last silently)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValueError(f"{node.start_mark.name}: catalogue key {key!r} is defined twice "
                             f"(line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every catalogue entry, ``key -> {"sv": …, "en": …}``, from ``i18n/catalogue/<namespace>.yaml``.

    A file holds the keys of one namespace (``report.yaml``: ``report.…``); a key defined twice, in
    one file or across files, is an error.
    """
    out: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
        for key, texts in entries.items():
            if key in out:
                raise ValueError(f"{path.name}: catalogue key {key!r} is also defined in another file")
            out[key] = texts
    return out


def t(key: str, lang: Lang = "sv", **fields: object) -> str:
    """The text ``key`` in ``lang``, with ``{field}`` placeholders filled from ``fields``.

    Namespaced keys (``report.kind.jury``) come from the catalogue files; a bare key from the
    older :data:`LABELS` table (being migrated into the catalogue).
    """
    lang = check_lang(lang)
    text = catalogue()[key][lang] if "." in key else LABELS[key][lang]
    return text.format(**fields) if fields else text


def skr_group_name(group: str, lang: Lang = "sv") -> str:
    """``"C8 Landsbygdskommuner"``: the SKR group's code and name (the code alone if unknown)."""
    name = SKR_GROUP_NAMES.get(group, {}).get(check_lang(lang))
    return f"{group} {name}" if name else str(group)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isinf(value))
    except (TypeError, ValueError):  # pd.NA compares to NA, whose truth is ambiguous
        return True


def fmt_number(value: object, lang: Lang = "sv", decimals: int = 1, sign: bool = False) -> str:
    """A number as ``lang`` writes it, rounded to ``decimals``; missing values give an en dash.

    >>> fmt_number(-1234.56, "sv"), fmt_number(-1234.56, "en")
    ('−1\\xa0234,6', '-1,234.6')

    ``sign=True`` writes a plus sign on positive numbers (for differences).
    """
    check_lang(lang)
    if _missing(value) or not isinstance(value, Number | int | float):
        return DASH if _missing(value) else str(value)
    x = round(float(value), decimals)
    if x == 0:
        x = 0.0  # no "−0,0"
    text = f"{abs(x):,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
        minus = MINUS
    else:
        minus = "-"
    if x < 0:
        return minus + text
    return ("+" + text) if sign and x > 0 else text


def fmt_int(value: object, lang: Lang = "sv") -> str:
    """A whole number with the language's thousands separator."""
    return fmt_number(value, lang, 0)


def fmt_percent(value: object, lang: Lang = "sv", decimals: int = 0) -> str:
    """A share already in per cent: ``12 %`` in Swedish (with a space, as Swedish writes it), ``12%`` in English."""
    if _missing(value):
        return DASH
    number = fmt_number(value, lang, decimals)
    return f"{number}{NBSP}%" if lang == "sv" else f"{number}%"


def fmt_range(low: object, high: object, lang: Lang = "sv", decimals: int = 0) -> str:
    """``3–5`` (an en dash between two numbers; one number when they are equal)."""
    a, b = fmt_number(low, lang, decimals), fmt_number(high, lang, decimals)
    return a if a == b else f"{a}–{b}"


def ordinal_of(rank: object, total: object, lang: Lang = "sv") -> str:
    """``"12 av 290"`` / ``"12 of 290"``."""
    return f"{fmt_int(rank, lang)} {'av' if lang == 'sv' else 'of'} {fmt_int(total, lang)}"


_SV_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "è": "e", "ü": "y"})


def sort_key(text: str, lang: Lang = "sv") -> str:
    """A key that sorts names as the language's alphabet does (Swedish: … x y z å ä ö)."""
    low = str(text).casefold()
    return low.translate(_SV_ORDER) if lang == "sv" else low


#: Page chrome of reports and the run's index.
PAGE_LABELS = {
    "status_label": {"sv": "Data", "en": "Data"},
    "synthetic": {"sv": "syntetiska demonstrationsdata", "en": "synthetic demonstration data"},
    "real": {"sv": "verkliga data", "en": "real data"},
    "date_label": {"sv": "Körd", "en": "Run"},
    "criteria_label": {"sv": "Kriterier version", "en": "Criteria version"},
    "index_label": {"sv": "Alla rapporter", "en": "All reports"},
    "contents": {"sv": "Innehåll", "en": "Contents"},
    "method": {"sv": "Metod", "en": "Method"},
    "provenance": {"sv": "Ursprung och versioner", "en": "Provenance"},
    "evaluation": {"sv": "Utvärdering", "en": "Evaluation"},
    "state": {"sv": "Status", "en": "Status"},
    "report": {"sv": "Rapport", "en": "Report"},
    "open": {"sv": "Öppna", "en": "Open"},
    "done": {"sv": "klar", "en": "done"},
    "failed": {"sv": "misslyckades", "en": "failed"},
    "skipped": {"sv": "oförändrad", "en": "unchanged"},
    "missing": {"sv": "inte körd", "en": "not run"},
    "reports_title": {"sv": "Rapporter", "en": "Reports"},
    "footer": {"sv": "Skapad med award_eval {version}. Kriterier version {criteria_version}.",
               "en": "Made with award_eval {version}. Criteria version {criteria_version}."},
    "kind_ranking": {"sv": "Rangordningar", "en": "Rankings"},
    "kind_jury": {"sv": "Juryns bedömning", "en": "Jury"},
    "kind_screening": {"sv": "Urval", "en": "Screening"},
    "kind_profile": {"sv": "Kommunprofiler", "en": "Municipality profiles"},
    "kind_other": {"sv": "Övriga rapporter", "en": "Other reports"},
    "summary": {"sv": "Resultat", "en": "Results"},
    "winner": {"sv": "Vinnare", "en": "Winner"},
    "winner_tied": {"sv": "Delad förstaplats", "en": "Shared first place"},
    "points": {"sv": "poäng", "en": "points"},
    "top_of": {"sv": "Topp {n}", "en": "Top {n}"},
    "whole_ranking": {"sv": "Hela rangordningen", "en": "Full ranking"},
    "chance_first": {"sv": "vinner i {p} av simuleringarna", "en": "first in {p} of the simulations"},
    "rank_interval_short": {"sv": "placering {lo}–{hi}", "en": "rank {lo}–{hi}"},
    "run_status": {"sv": "Körningens status", "en": "Run status"},
    "all_done": {"sv": "Alla {n} utvärderingar klara.", "en": "All {n} evaluations done."},
    "some_failed": {"sv": "{done} av {n} utvärderingar klara, {failed} misslyckades:",
                    "en": "{done} of {n} evaluations done, {failed} failed:"},
    "failed_at": {"sv": "fel i cell {cell}", "en": "error in cell {cell}"},
    "no_winner": {"sv": "Ingen rangordning blev klar i denna körning.", "en": "No ranking completed in this run."},
    "filter": {"sv": "Sök kommun, kod, län eller grupp", "en": "Search municipality, code, county or group"},
    "filter_label": {"sv": "Filtrera profilerna", "en": "Filter the profiles"},
    "n_profiles": {"sv": "{n} profiler", "en": "{n} profiles"},
    "nominee_rank": {"sv": "Placering bland nominerade", "en": "Rank among nominees"},
    "figure": {"sv": "Diagram", "en": "Chart"},
    "language": {"sv": "Språk", "en": "Language"},
    "lang_sv": {"sv": "svenska", "en": "Swedish"},
    "lang_en": {"sv": "engelska", "en": "English"},
    "other_language_index": {"sv": "In English", "en": "På svenska"},
    "no_profile_match": {"sv": "Ingen profil matchar.", "en": "No profile matches."},
}


def page_label(key: str, lang: Lang, **fields: object) -> str:
    text = PAGE_LABELS[key][check_lang(lang)]
    return text.format(**fields) if fields else text
