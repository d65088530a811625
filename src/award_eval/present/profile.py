"""What a profile report shows, part by part: ``notebooks/profile.ipynb`` displays each list as one
output (:func:`award_eval.present.tables.group`), so the notebook holds the narrative and this
module the choices (which parts a nominee gets, what an empty list says)."""
from __future__ import annotations

import pandas as pd

from award_eval.criteria import Framework
from award_eval.i18n import Lang, t
from award_eval.present import tables
from award_eval.profile import Profile, strengths_weaknesses


def assessment_parts(profile: Profile, framework: Framework, ranking: pd.DataFrame | None,
                     lang: Lang = "sv", n: int = 3) -> list[tables.Html | tables.Table]:
    """Strengths and weaknesses (``n`` each); for a nominee also the jury's scores and comments;
    and the rank interval and what it would take when the uncertainty analysis produced them.

    ``ranking``: the nominees' ranking the intervals are shown against (``Result.ranking``).
    """
    strong, weak = strengths_weaknesses(profile.criteria, n)
    none = tables.paragraph(t("common.none", lang))
    parts: list[tables.Html | tables.Table] = [
        tables.heading(t("profile.heading.strengths", lang), 3),
        tables.strengths_table(strong, framework, lang) if len(strong) else none,
        tables.heading(t("profile.heading.weaknesses", lang), 3),
        tables.strengths_table(weak, framework, lang) if len(weak) else none]
    if profile.jury is not None:
        parts += [tables.heading(t("profile.heading.jury", lang)), tables.jury_table(profile.jury, framework, lang)]
        if profile.comments is not None and len(profile.comments):
            parts += [tables.heading(t("profile.heading.jury_comments", lang), 3),
                      tables.paragraph(t("profile.comments_as_written", lang), css_class="muted"),
                      tables.comments_table(profile.comments, framework, lang)]
    if profile.intervals is not None and len(profile.intervals) and ranking is not None:
        parts += [tables.heading(t("profile.heading.how_sure", lang)),
                  tables.interval_table(profile.intervals, ranking, lang)]
    if profile.what_it_would_take is not None and len(profile.what_it_would_take):
        parts += [tables.heading(t("profile.heading.what_it_would_take", lang)),
                  tables.what_it_would_take_table(profile.what_it_would_take, framework, lang)]
    return parts
