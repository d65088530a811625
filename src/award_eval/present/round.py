"""What a round's reports show: nominations as written, results given the preconditions, a stage's
ranking with its decisions. Every text from a file is escaped (through :mod:`award_eval.present.tables`)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from award_eval.criteria import Framework
from award_eval.data import AwardData
from award_eval.i18n import Lang, check_lang, fmt_int, fmt_number, has, t
from award_eval.nominations import load_if_present, nominations_of
from award_eval.preconditions import load_covariates
from award_eval.present.tables import Column, Html, Table, bullet_list, esc, heading, paragraph
from award_eval.round import Round, expectations, screening_expectations

LONGLIST_COLUMNS = ("rank", "name", "skr_group", "group_rank", "nominations", "score", "expected", "difference",
                    "interval", "verdict")


def stage_name(stage_id: str, lang: Lang = "sv") -> str:
    """A stage's name: the catalogue's for the usual stages, else its id as the round file writes it."""
    return t(f"round.stage.{stage_id}", lang) if has(f"round.stage.{stage_id}") else stage_id


def nominations_html(nominations: pd.DataFrame, lang: Lang = "sv") -> Html:
    """Each nomination as a small block: the three answers, who nominated and when — escaped, as written."""
    lang = check_lang(lang)
    parts, plain = [], []
    for _, row in nominations.iterrows():
        answers = "".join(f"<dt>{esc(t(f'round.question.{q}', lang))}</dt><dd>{esc(row[q])}</dd>"
                          for q in ("proudest", "effect", "lessons"))
        meta = f"{esc(t('round.nominator', lang))}: {esc(row['nominator'])} · {esc(t('round.date', lang))}: {esc(row['date'])}"
        parts.append(f'<div class="nomination"><dl class="facts">{answers}</dl><p class="muted">{meta}</p></div>')
        plain.append(f"{row['proudest']} — {row['effect']} — {row['lessons']} ({row['nominator']}, {row['date']})")
    return Html("".join(parts), "\n".join(plain))


def precondition_sentence(row: pd.Series | dict | None, name: str, lang: Lang = "sv") -> str:
    """"12 points above comparable municipalities (95 % interval 4 to 20; …)" for one municipality."""
    if row is None or pd.isna(row.get("difference")):
        return t("round.precondition.none", lang, name=name)
    return t(f"round.precondition.{row['verdict']}", lang, name=name,
             points=fmt_number(abs(row["difference"]) if row["verdict"] != "as_expected" else row["difference"],
                               lang, 1, sign=row["verdict"] == "as_expected"),
             low=fmt_number(row["low"], lang, 1, sign=True), high=fmt_number(row["high"], lang, 1, sign=True),
             actual=fmt_number(row["actual"] if "actual" in row else row["score"], lang, 1), expected=fmt_number(row["expected"], lang, 1))


def longlist_view(table: pd.DataFrame, lang: Lang = "sv") -> Table:
    """The longlist (:func:`award_eval.round.longlist_table`) as a report table."""
    lang = check_lang(lang)
    out = table.copy()
    out["interval"] = list(zip(out["low"], out["high"]))
    out["verdict"] = [t(f"round.verdict.{v}", lang) if isinstance(v, str) else None for v in out["verdict"]]
    cols = [Column("rank", t("table.rank", lang), "int"), Column("name", t("table.name", lang)),
            Column("skr_group", t("table.skr_group", lang)), Column("group_rank", t("table.group_rank", lang), "int"),
            Column("nominations", t("round.table.nominations", lang), "int"),
            Column("score", t("table.score", lang), "number"),
            Column("expected", t("round.table.expected", lang), "number"),
            Column("difference", t("round.table.difference", lang), "signed"),
            Column("interval", t("round.table.interval", lang), "range"),
            Column("verdict", t("round.table.verdict", lang))]
    return Table(out.reset_index(drop=True), cols, lang)


def stage_view(table: pd.DataFrame, framework: Framework, lang: Lang = "sv", final: bool = False) -> Table:
    """A stage's ranking with its decisions (:func:`award_eval.round.decision_table`); a decision
    against the ranking is marked and shows its reason. ``final``: the decision column says who won."""
    lang = check_lang(lang)
    out = table.copy()
    out["advance_text"] = [t("round.advance.yes", lang) if a is True else t("round.advance.no", lang) if a is False
                           else None for a in out["advance"]]
    out["against_text"] = ["✓" if a else "" for a in out["against"]]
    cols = [Column("rank", t("table.rank", lang), "int"), Column("name", t("table.name", lang)),
            Column("score", t("table.total_score", lang), "number")]
    cols += [Column(p.id, framework.label(p.id, lang), "number") for p in framework.pillars
             if p.id in out.columns and out[p.id].notna().any()]
    cols += [Column("advance_text", t("round.table.winner" if final else "round.table.advance", lang)),
             Column("against_text", t("round.table.against", lang)), Column("reason", t("round.table.reason", lang))]
    marked = {i: "against" for i, a in enumerate(out["against"]) if a}
    return Table(out.reset_index(drop=True), cols, lang, css_class="ae-table ranking", row_classes=marked)


def _criteria_note(stage, framework: Framework, lang: Lang) -> Html:
    labels = ", ".join(framework.label(c, lang) for c in stage.criteria or ())
    return paragraph(t("round.stage.criteria_subset", lang, criteria=labels) if stage.criteria
                     else t("round.stage.criteria_all", lang), css_class="muted")


def stage_parts(round_: Round, stage_id: str, tables: dict[str, pd.DataFrame], framework: Framework,
                lang: Lang = "sv") -> tuple[list[Html | Table], pd.DataFrame]:
    """What a stage's report shows, and the table it shows (for ``stage_ranking.csv``).

    ``tables``: :func:`award_eval.round.check_round`. A stage: its counts, criteria and ranking with
    the decisions. The round's last stage (the winner): the winner(s), the jury's decision and reason
    (or that it follows the ranking), and the previous stage's ranking it came from, with every
    decision against that ranking marked and its reason shown.
    """
    lang = check_lang(lang)
    current = round_.stage(stage_id)
    k = round_.stages.index(current)
    if k == len(round_.stages) - 1 and k > 0:
        return _final_parts(round_, current, round_.stages[k - 1], tables, framework, lang)
    table = tables[stage_id]
    counts = (t("round.stage.open", lang, n=len(table)) if current.decisions is None else
              t("round.stage.counts", lang, n=len(table), advancing=len(current.advancing),
                against=int(table["against"].sum())))
    return [heading(stage_name(stage_id, lang)), paragraph(counts), _criteria_note(current, framework, lang),
            paragraph(t("round.stage.against_explained", lang), css_class="muted"),
            stage_view(table, framework, lang)], table


def _final_parts(round_: Round, final, source, tables: dict[str, pd.DataFrame], framework: Framework,
                 lang: Lang) -> tuple[list[Html | Table], pd.DataFrame]:
    table = tables[source.id]
    previous = stage_name(source.id, lang)
    parts: list[Html | Table] = [heading(stage_name(final.id, lang))]
    names = round_.data.with_joint_in_register().register.set_index("code")["name"]
    if not final.candidates:
        parts.append(paragraph(t("round.winner.open", lang, previous=previous, n=len(source.candidates))))
    else:
        parts.append(paragraph(t("round.winner.decided", lang, names=", ".join(str(names.get(c, c)) for c in final.candidates),
                                 n=len(source.candidates), previous=previous)))
        rows = table.set_index("code")
        for code in final.candidates:
            row = rows.loc[code]
            fields = dict(name=str(names.get(code, code)), previous=previous, n=len(table), reason=row["reason"],
                          rank="–" if pd.isna(row["rank"]) else fmt_int(row["rank"], lang))
            key = ("round.winner.against" if row["against"] else "round.winner.reason" if row["reason"]
                   else "round.winner.follows")
            parts.append(paragraph(t(key, lang, **fields), css_class="lead" if row["against"] else None))
    parts += [heading(t("round.winner.from", lang, previous=previous)), _criteria_note(source, framework, lang),
              paragraph(t("round.stage.against_explained", lang), css_class="muted"),
              stage_view(table, framework, lang, final=True)]
    return parts, table


def joint_note(data: AwardData, code: str, name: str, lang: Lang = "sv") -> Html | None:
    """For a joint nominee: that it is compared beside the municipalities, whose members stay."""
    joint = data.joint.set_index("code")
    if code not in joint.index:
        return None
    names = data.register.set_index("code")["name"]
    return paragraph(t("round.joint.beside", lang, name=name, members=", ".join(names[c] for c in joint.at[code, "members"]),
                       n=len(data.register) + 1), css_class="lead")


def longlist_entries(longlist, lang: Lang = "sv") -> list[Html]:
    """Per nominated municipality (:class:`award_eval.round.Longlist`): its name, its result given
    the preconditions, a joint nominee's note, and its nominations as written."""
    out: list[Html] = []
    for row in longlist.table.to_dict("records"):
        out += [heading(row["name"], 3), paragraph(precondition_sentence(row, row["name"], lang))]
        note = joint_note(longlist.data, row["code"], row["name"], lang)
        if note is not None:
            out.append(note)
            if longlist.expectations is not None:
                out.append(paragraph(t("round.joint.covariates", lang), css_class="muted"))
        out.append(nominations_html(nominations_of(longlist.nominations, row["code"]), lang))
    return out


def profile_section(framework: Framework, data: AwardData, data_dir: str | Path, code: str, name: str,
                    lang: Lang = "sv", seed: int = 0, expected: pd.DataFrame | None = None) -> list[Html]:
    """A profile's round part: the result given the preconditions (with ``covariates.csv``) and the
    municipality's nominations as written (with ``nominations.csv``). Empty for an award with neither.
    ``expected``: the run's ``screening_expectations`` already computed (``award_eval.shared``)."""
    data_dir = Path(data_dir)
    out: list[Html] = []
    note = joint_note(data, code, name, lang)
    if note is not None:
        out.append(note)
    if (data_dir / "covariates.csv").is_file():
        if expected is None:
            _, expected = screening_expectations(framework, data, data_dir, seed)
        row = expected.set_index("code").loc[code] if code in set(expected["code"]) else None
        out += [heading(t("round.heading.preconditions", lang)), paragraph(precondition_sentence(row, name, lang)),
                paragraph(t("round.preconditions_explained", lang), css_class="muted")]
        if note is not None:
            out.append(paragraph(t("round.joint.covariates", lang), css_class="muted"))
    nominations = load_if_present(data_dir, set(data.register["code"]) | set(data.nominees["code"]),
                                  set(data.register["code"]))
    if nominations is not None:
        own = nominations_of(nominations, code)
        out.append(heading(t("round.heading.nominations", lang)))
        if len(own):
            out += [paragraph(t("round.nominations_as_written", lang), css_class="muted"), nominations_html(own, lang)]
        else:
            out.append(paragraph(t("round.no_nominations", lang)))
    return out


def preconditions_section(scores: pd.Series, data: AwardData, data_dir: str | Path, lang: Lang = "sv",
                          seed: int = 0, beside: pd.DataFrame | None = None) -> list[Html]:
    """The screening report's part: each nominee's index against its preconditions (``covariates.csv``).

    ``beside``: the screening table with the joint nominees placed beside the municipalities
    (:func:`award_eval.round.screening_beside`), whose scores give them their comparison too."""
    path = Path(data_dir) / "covariates.csv"
    if not path.is_file():
        return []
    if beside is not None and len(data.joint):
        scores = pd.concat([scores, beside.set_index("code")["score"].reindex(data.joint["code"])])
    expected = expectations(scores, load_covariates(path, data.register), seed=seed,
                            joint=data.joint).set_index("code")
    names = data.nominees.set_index("code")["name"]
    sentences = [precondition_sentence(expected.loc[c] if c in expected.index else None, names[c], lang)
                 for c in data.nominees["code"]]
    joint = [paragraph(t("round.joint.covariates", lang), css_class="muted")] if len(data.joint) else []
    return [heading(t("round.heading.preconditions", lang)),
            paragraph(t("round.preconditions_explained", lang), css_class="muted"), bullet_list(sentences), *joint]
