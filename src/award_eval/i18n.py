"""User-facing labels in Swedish and English. Names in code are English; what a reader sees is not."""
from __future__ import annotations

from typing import Literal

Lang = Literal["sv", "en"]
LANGS: tuple[str, ...] = ("sv", "en")

LABELS: dict[str, dict[str, str]] = {
    "rank": {"sv": "Placering", "en": "Rank"},
    "code": {"sv": "Kod", "en": "Code"},
    "name": {"sv": "Kommun", "en": "Municipality"},
    "score": {"sv": "Poäng", "en": "Score"},
    "criterion": {"sv": "Kriterium", "en": "Criterion"},
    "synthetic": {"sv": "Syntetiska demonstrationsdata — inga verkliga poäng eller statistik.",
                  "en": "Synthetic demonstration data — not real scores or statistics."},
    "ranking_title": {"sv": "Rangordning", "en": "Ranking"},
    "heatmap_title": {"sv": "Poäng per kriterium (0–100)", "en": "Score per criterion (0–100)"},
    "score_axis": {"sv": "Totalpoäng (0–100)", "en": "Total score (0–100)"},
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
}


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"lang {lang!r} is not one of {', '.join(LANGS)}")
    return lang  # type: ignore[return-value]


def t(key: str, lang: Lang = "sv") -> str:
    """The label ``key`` in ``lang``."""
    return LABELS[key][check_lang(lang)]
