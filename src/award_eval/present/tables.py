"""Tables and small HTML pieces for reports: localised headers, readable numbers, escaped text.

Every value that reaches HTML here goes through :func:`html.escape` — municipality and juror
names, comments, criterion labels, even numbers. pandas' ``Styler`` does not escape by default
and adds random ids, so reports use :class:`Table` instead: a frame plus column formats, shown
as HTML in notebooks and reports (``_repr_html_``) and as plain text elsewhere.

Numbers follow the report's language (:func:`award_eval.i18n.fmt_number`): ``1 234,5`` in
Swedish, ``1,234.5`` in English.
"""
from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from award_eval.evaluation import Result
from award_eval.i18n import (
    DASH,
    Lang,
    check_lang,
    fmt_int,
    fmt_number,
    fmt_percent,
    fmt_range,
    has,
    t,
)

KINDS = ("text", "number", "smart", "int", "percent", "signed", "range")


def esc(value: object) -> str:
    """``value`` as HTML text: ``<``, ``>``, ``&`` and quotes escaped; missing values as an en dash."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return DASH
    return html.escape(str(value), quote=True)


@dataclass(frozen=True)
class Column:
    """How one column is shown: its header and its format.

    ``kind``: ``text`` (escaped as is), ``number`` (``decimals``), ``int``, ``percent`` (the value
    is already in per cent), ``signed`` (a number with ``+`` on positive values), ``range`` (the
    value is a ``(low, high)`` pair), ``smart`` (a measured value: whole numbers without decimals).
    """

    key: str
    header: str
    kind: str = "text"
    decimals: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column kind {self.kind!r} is not one of {', '.join(KINDS)}")

    def format(self, value: object, lang: Lang) -> str:
        if self.kind == "text":
            return DASH if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)
        if self.kind == "int":
            return fmt_int(value, lang)
        if self.kind == "smart":
            return value if isinstance(value, str) else _smart(value, lang, self.decimals)
        if self.kind == "percent":
            return fmt_percent(value, lang, self.decimals)
        if self.kind == "signed":
            return fmt_number(value, lang, self.decimals, sign=True)
        if self.kind == "range":
            low, high = value if isinstance(value, (tuple, list)) else (value, value)
            return fmt_range(low, high, lang, self.decimals)
        return fmt_number(value, lang, self.decimals)


_TEXT_ESCAPES = str.maketrans({"\t": "\\t", "\r": "\\r", "\n": "\\n"})


def text_grid(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows of texts under headers as right-aligned columns, exactly as pandas'
    ``DataFrame(rows, columns=headers).to_string(index=False)`` writes them for headers without
    surrounding spaces (tabs and line breaks in a cell shown as ``\\t``, ``\\n``), without building
    a frame: every table a notebook shows is rendered as text too, and pandas' formatter took most
    of that (a test compares the two). An empty table is still written by pandas, in its words."""
    if not rows or not headers:
        return pd.DataFrame([list(r) for r in rows], columns=list(headers)).to_string(index=False)
    lines = [list(headers), *([str(v).translate(_TEXT_ESCAPES) for v in row] for row in rows)]
    widths = [max(len(line[j]) for line in lines) for j in range(len(headers))]
    return "\n".join(" ".join(v.rjust(w) for v, w in zip(line, widths)) for line in lines)


@dataclass
class Table:
    """A frame shown as a report table. Build one with :func:`table` or the specific builders."""

    frame: pd.DataFrame
    columns: list[Column]
    lang: Lang = "sv"
    caption: str | None = None
    highlight: set[int] = field(default_factory=set)  # row positions drawn out (e.g. the profiled municipality)
    css_class: str = "ae-table"
    row_classes: dict[int, str] = field(default_factory=dict)  # row position -> extra CSS class

    def cells(self) -> list[list[str]]:
        """The formatted (unescaped) text of every cell, row by row."""
        # The values a row-by-row walk (``iterrows``) would give, read from one array: the same
        # values and types (an all-numeric frame's ints read as floats there too), without a Series
        # per row, which cost most of a table's rendering.
        values = self.frame.to_numpy()
        where = [self.frame.columns.get_loc(col.key) for col in self.columns]
        return [[col.format(row[j], self.lang) for col, j in zip(self.columns, where)] for row in values]

    def _repr_html_(self) -> str:
        check_lang(self.lang)
        out = [f'<table class="{esc(self.css_class)}">']
        if self.caption:
            out.append(f"<caption>{esc(self.caption)}</caption>")
        out.append("<thead><tr>" + "".join(
            f'<th scope="col"{" class=num" if c.kind != "text" else ""}>{esc(c.header)}</th>'
            for c in self.columns) + "</tr></thead>")
        out.append("<tbody>")
        for i, texts in enumerate(self.cells()):
            names = (["highlight"] if i in self.highlight else []) + ([self.row_classes[i]] if i in self.row_classes else [])
            cls = f' class="{esc(" ".join(names))}"' if names else ""
            tds = []
            for col, text in zip(self.columns, texts):
                text = esc(text)
                tds.append(f'<td class="num">{text}</td>' if col.kind != "text" else f"<td>{text}</td>")
            out.append(f"<tr{cls}>" + "".join(tds) + "</tr>")
        out.append("</tbody></table>")
        return "".join(out)

    def to_text(self) -> str:
        """A plain-text rendering (what a terminal or a text-only viewer shows)."""
        text = text_grid([c.header for c in self.columns], self.cells())
        return f"{self.caption}\n{text}" if self.caption else text

    def __repr__(self) -> str:
        return self.to_text()

    def __len__(self) -> int:
        return len(self.frame)


def table(frame: pd.DataFrame, lang: Lang = "sv", headers: Mapping[str, str] | None = None,
          formats: Mapping[str, str | tuple[str, int]] | None = None, decimals: int = 1,
          caption: str | None = None, highlight: Iterable[int] = ()) -> Table:
    """Any frame as a :class:`Table`: numeric columns as numbers with ``decimals``, the rest as text.

    ``headers`` renames columns for display; ``formats`` maps a column to a kind or ``(kind, decimals)``.
    """
    headers = dict(headers or {})
    formats = dict(formats or {})
    cols = []
    for key in frame.columns:
        spec = formats.get(key)
        if spec is None:
            if pd.api.types.is_bool_dtype(frame[key]):
                spec = "text"
            elif pd.api.types.is_integer_dtype(frame[key]):
                spec = "int"
            elif pd.api.types.is_numeric_dtype(frame[key]):
                spec = "number"
            else:
                spec = "text"
        kind, dec = (spec, decimals) if isinstance(spec, str) else spec
        cols.append(Column(str(key), headers.get(key, str(key)), kind, dec))
    return Table(frame.reset_index(drop=True), cols, check_lang(lang), caption, set(highlight))


# --- HTML pieces for notebook outputs ---------------------------------------------------------------

@dataclass(frozen=True)
class Html:
    """A piece of HTML already escaped where it holds user text; displays as HTML in notebooks."""

    html: str
    text: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text or self.html


def paragraph(*parts: str | tuple[str, str], css_class: str | None = None) -> Html:
    """A paragraph from text parts; a part ``("strong", text)`` or ``("em", text)`` is wrapped. All escaped."""
    out, plain = [], []
    for part in parts:
        if isinstance(part, tuple):
            tag, text = part
            if tag not in ("strong", "em"):
                raise ValueError(f"paragraph part tag {tag!r} is not strong or em")
            out.append(f"<{tag}>{esc(text)}</{tag}>")
            plain.append(str(text))
        else:
            out.append(esc(part))
            plain.append(str(part))
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return Html(f"<p{cls}>{''.join(out)}</p>", "".join(plain))


def group(parts: Sequence[object]) -> Html:
    """Several parts (:class:`Html`, :class:`Table`) shown as one output, in order.

    Each ``display`` is a message from the kernel, a node of the executed notebook and a block of
    the report: a profile shows ~20 parts, and showing a cell's parts as one keeps the page the
    same at a fraction of the cost. The plain text joins the parts' texts with blank lines.
    """
    missing = [type(p).__name__ for p in parts if not hasattr(p, "_repr_html_")]
    if missing:
        raise TypeError(f"group() takes parts with HTML (Html, Table), not {', '.join(missing)}")
    return Html("".join(p._repr_html_() for p in parts), "\n\n".join(repr(p) for p in parts))


def notice(text: str, kind: str = "info") -> Html:
    """A boxed notice (``info`` or ``warn``), escaped."""
    return Html(f'<div class="notice notice-{esc(kind)}"><p>{esc(text)}</p></div>', str(text))


def facts(items: Sequence[tuple[str, str]]) -> Html:
    """A definition list of ``(label, value)`` pairs: the key facts at the top of a report."""
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return Html(f'<dl class="facts">{rows}</dl>', "\n".join(f"{k}: {v}" for k, v in items))


def bullet_list(items: Sequence[str]) -> Html:
    return Html("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>", "\n".join(f"- {i}" for i in items))


# --- specific tables ------------------------------------------------------------------------------------

def ranking_table(result: Result, lang: Lang = "sv", decimals: int = 1,
                  intervals: pd.DataFrame | None = None) -> Table:
    """Rank, municipality, total score, then each pillar (labels from the criteria file).

    ``intervals`` (``code, rank_low, rank_high``, from the uncertainty analysis) adds a column with
    each nominee's rank interval when given.
    """
    fw = result.framework
    frame = result.ranking.copy()
    cols = [Column("rank", t("table.rank", lang), "int"), Column("name", t("table.name", lang))]
    if intervals is not None:
        iv = intervals.set_index("code")
        frame["interval"] = [(iv.at[c, "rank_low"], iv.at[c, "rank_high"]) if c in iv.index else (None, None)
                             for c in frame["code"]]
        cols.append(Column("interval", t("table.rank_interval", lang), "range", 0))
    cols.append(Column("score", t("table.total_score", lang), "number", decimals))
    cols += [Column(p.id, fw.label(p.id, lang), "number", decimals) for p in fw.pillars]
    return Table(frame, cols, check_lang(lang), css_class="ae-table ranking")


def heading(text: str, level: int = 2) -> Html:
    """A heading shown by a code cell (escaped); ``h2`` headings go into the report's contents."""
    if level not in (2, 3, 4):
        raise ValueError("heading level must be 2, 3 or 4")
    return Html(f"<h{level}>{esc(text)}</h{level}>", str(text))


def unit_label(unit: str | None, lang: Lang) -> str:
    """A criterion's unit as the criteria file writes it, in English where the phrase is known."""
    if not unit:
        return ""
    return UNITS_EN.get(unit, unit) if lang == "en" else unit


# Units of the default criteria file, which writes them in Swedish only.
UNITS_EN = {
    "% av befolkningen": "% of the population",
    "arbetsdagar (median)": "working days (median)",
    "antal verksamhetsområden (0–7)": "number of service areas (0–7)",
    "antal tjänster (0–5)": "number of services (0–5)",
}


def interval_table(intervals: pd.DataFrame, ranking: pd.DataFrame, lang: Lang = "sv") -> Table:
    """Rank, municipality, rank interval, median simulated rank and chance of winning (uncertainty)."""
    frame = ranking[["rank", "code", "name"]].merge(intervals, on="code", how="inner")  # only who has one
    frame["interval"] = list(zip(frame["rank_low"], frame["rank_high"]))
    frame["p_first"] = 100 * frame["p_first"].astype(float)
    cols = [Column("rank", t("table.rank", lang), "int"), Column("name", t("table.name", lang)),
            Column("interval", t("table.rank_interval", lang), "range", 0),
            Column("p_first", t("table.p_first", lang), "percent", 0)]
    return Table(frame, cols, check_lang(lang), css_class="ae-table compact")


def position_table(profile, lang: Lang = "sv") -> Table:
    """The indicator index with its national and group rank and the two medians (one row)."""
    pos = profile.position
    frame = pd.DataFrame([{"index": pos.index,
                           "national": f"{fmt_int(pos.national_rank, lang)} / {fmt_int(pos.national_n, lang)}",
                           "group": f"{fmt_int(pos.group_rank, lang)} / {fmt_int(pos.group_n, lang)}",
                           "group_median": pos.group_median, "national_median": pos.national_median}])
    cols = [Column("index", t("table.indicator_index", lang), "number", 1),
            Column("national", t("table.national_rank", lang)), Column("group", t("table.group_rank", lang)),
            Column("group_median", t("table.group_median", lang), "number", 1),
            Column("national_median", t("table.national_median", lang), "number", 1)]
    return Table(frame, cols, check_lang(lang), css_class="ae-table compact")


def _smart(value: object, lang: Lang, decimals: int = 1) -> str:
    """A measured value: whole numbers without decimals, others with ``decimals``."""
    try:
        whole = float(value) == round(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        whole = False
    return fmt_number(value, lang, 0 if whole else decimals)


def criteria_profile_table(criteria: pd.DataFrame, framework, lang: Lang = "sv") -> Table:
    """Per criterion: basis, measured value and unit, score, peers' median, difference, national rank.

    The median is the SKR group's for an indicator and the nominees' for a jury criterion (the
    basis column tells which).
    """
    f = criteria.copy()
    f["label"] = [framework.label(c, lang) for c in f["criterion"]]
    f["basis"] = [t(f"table.basis.{k}", lang) for k in f["kind"]]
    # a jury mean keeps its decimal (4,0 beside 2,6); a measured value drops a needless one (5, not 5,0)
    f["raw"] = [fmt_number(raw, lang, 1) if kind == "jury" else raw for kind, raw in zip(f["kind"], f["raw"])]
    f["unit_text"] = [t("table.jury_unit", lang, lo=framework.scale.min, hi=framework.scale.max) if kind == "jury"
                      else unit_label(unit, lang) for kind, unit in zip(f["kind"], f["unit"])]
    f["nat"] = [f"{fmt_int(r, lang)} / {fmt_int(n, lang)}" if not pd.isna(r) and n else DASH
                for r, n in zip(f["national_rank"], f["national_n"])]
    cols = [Column("label", t("table.criterion", lang)), Column("basis", t("table.basis", lang)),
            Column("raw", t("table.value", lang), "smart", 1), Column("unit_text", t("table.unit", lang)),
            Column("score", t("table.score", lang), "number", 0),
            Column("reference_median", t("table.peers_median", lang), "number", 0),
            Column("difference", t("table.difference", lang), "signed", 0), Column("nat", t("table.national_rank", lang))]
    table = Table(f, cols, check_lang(lang), css_class="ae-table compact profile-criteria")
    return table


def strengths_table(frame: pd.DataFrame, framework, lang: Lang = "sv", caption: str | None = None) -> Table:
    """Criteria with score, the peers' median they are compared with, and the difference."""
    f = frame.copy()
    f["label"] = [framework.label(c, lang) for c in f["criterion"]]
    f["compared"] = [t("table.the_group", lang) if r == "group" else t("table.the_nominees", lang) for r in f["reference"]]
    cols = [Column("label", t("table.criterion", lang)), Column("score", t("table.score", lang), "number", 0),
            Column("reference_median", t("table.peers_median", lang), "number", 0),
            Column("difference", t("table.difference", lang), "signed", 0), Column("compared", t("table.compared_with", lang))]
    return Table(f, cols, check_lang(lang), caption=caption, css_class="ae-table compact")


def jury_table(jury: pd.DataFrame, framework, lang: Lang = "sv") -> Table:
    """A nominee's jury result per criterion: aggregate on the rubric, on 0–100, jurors, lowest–highest."""
    f = jury.copy()
    f["label"] = [framework.label(c, lang) for c in f["criterion"]]
    f["range"] = list(zip(f["low"], f["high"]))
    cols = [Column("label", t("table.criterion", lang)),
            Column("raw", t("table.jury_score", lang, lo=framework.scale.min, hi=framework.scale.max), "number", 1),
            Column("score", t("table.score_0_100", lang), "number", 0),
            Column("n_jurors", t("table.jurors", lang), "int"), Column("range", t("table.lowest_highest", lang), "range", 0)]
    return Table(f, cols, check_lang(lang), css_class="ae-table compact")


def comments_table(comments: pd.DataFrame, framework, lang: Lang = "sv") -> Table:
    """The jurors' comments, grouped by criterion (the criterion named once per group)."""
    f = comments.reset_index(drop=True).copy()
    starts = [i == 0 or f["criterion"].iloc[i - 1] != f["criterion"].iloc[i] for i in range(len(f))]
    f["label"] = [framework.label(c, lang) if s else "" for c, s in zip(f["criterion"], starts)]
    cols = [Column("label", t("table.criterion", lang)), Column("juror", t("table.juror", lang)),
            Column("score", t("table.jury_score", lang, lo=framework.scale.min, hi=framework.scale.max), "number", 0),
            Column("comment", t("table.comment", lang))]
    return Table(f, cols, check_lang(lang), css_class="ae-table compact comments",
                 row_classes={i: "group-start" for i, s in enumerate(starts) if s})


def what_it_would_take_table(frame: pd.DataFrame, framework, lang: Lang = "sv") -> Table:
    """Per criterion: the current score, the score needed alone to reach the target rank, the gap."""
    f = frame.copy()
    f["label"] = [framework.label(c, lang) for c in f["criterion"]]
    f["gap"] = f["needed"].astype(float) - f["current"].astype(float)
    cols = [Column("label", t("table.criterion", lang)), Column("current", t("table.score", lang), "number", 0),
            Column("needed", t("table.needed", lang), "number", 0), Column("gap", t("table.difference", lang), "signed", 0),
            Column("target_rank", t("table.target_rank", lang), "int")]
    return Table(f, cols, check_lang(lang), css_class="ae-table compact")


def ranking_sentences(result: Result, n_jurors: int | None = None, lang: Lang = "sv") -> list[str]:
    """The ranking's answer in plain sentences: who won, by how much, over whom (no HTML)."""
    fw = result.framework
    r = result.ranking.sort_values(["rank", "code"], kind="stable")
    n_j, n_i = len(fw.jury_criteria), len(fw.indicator_criteria)
    who = t("ranking.sentence.by_jurors", lang, n=n_jurors) if n_jurors else ""
    out = [t("ranking.sentence.assessed", lang, n=len(r), by_jurors=who, criteria=n_j + n_i, jury=n_j, indicators=n_i)]
    if r.empty:
        return out
    first = r[r["rank"] == 1]
    rest = r[r["rank"] > 1].head(2)
    score = fmt_number(first["score"].iloc[0], lang, 1)
    runners = [f"{n} ({fmt_number(s, lang, 1)})" for n, s in zip(rest["name"], rest["score"])]
    joiner = t("ranking.sentence.and", lang)
    if len(first) > 1:
        names = ", ".join(first["name"].iloc[:-1]) + joiner + first["name"].iloc[-1]
        out.append(t("ranking.sentence.shared_first", lang, names=names, score=score))
    elif runners:
        out.append(t("ranking.sentence.wins_ahead", lang, name=first["name"].iloc[0], score=score,
                     runners=joiner.join(runners)))
    else:
        out.append(t("ranking.sentence.wins", lang, name=first["name"].iloc[0], score=score))
    return out + joint_sentences(result, lang)


def joint_sentences(result: Result, lang: Lang = "sv") -> list[str]:
    """One sentence per joint nominee in the ranking, naming its members (name and code): a joint
    nominee's name alone does not say which municipalities it stands for, nor how it was scored."""
    data = result.extra.get("data")
    if data is None or not len(data.joint):
        return []
    names = data.register.set_index("code")["name"]
    joint = data.joint.set_index("code")
    joiner = t("ranking.sentence.and", lang)
    out = []
    for code, name in zip(result.ranking["code"], result.ranking["name"]):
        if code in joint.index:
            parts = [f"{names[c]} ({c})" for c in joint.at[code, "members"]]
            members = ", ".join(parts[:-1]) + joiner + parts[-1]
            out.append(t("ranking.sentence.joint", lang, name=name, members=members))
    return out


# --- jury and screening display tables (jury.ipynb, screening.ipynb) ----------------------------

def jury_summary_table(frame: pd.DataFrame, framework, names: pd.Series | None = None, lang: Lang = "sv",
                       decimals: int = 2, limit: int | None = None) -> Table:
    """A jury frame as a report table: nominee codes → names, criterion ids → labels, headers and
    numbers in ``lang`` (``0,75`` in Swedish). ``limit``: show the first rows only; the caption
    then says how many are left out (the full frame goes to the evaluation's CSV)."""
    out = frame.copy()
    if names is not None and "nominee" in out.columns:
        out["nominee"] = out["nominee"].map(names).fillna(out["nominee"])
    if "criterion" in out.columns:
        out["criterion"] = [framework.label(c, lang) if c in framework.by_id else
                            (t("jury.all_criteria", lang) if c == "all" else c)
                            for c in out["criterion"]]
    if f"reading_{lang}" in out.columns:
        out = out.rename(columns={f"reading_{lang}": "reading"})
        out = out.drop(columns=[c for c in out.columns if c.startswith("reading_")])
    for col in out.columns:
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map({True: t("common.yes", lang), False: t("common.no", lang)})
    caption = None
    if limit is not None and len(out) > limit:
        caption = t("table.rows_shown", lang, shown=limit, total=len(out))
        out = out.head(limit)
    headers = {c: t(f"table.jury.{c}", lang) for c in out.columns if has(f"table.jury.{c}")}
    whole_or_not = {c: ("smart", decimals) for c in ("min", "max", "range") if c in out.columns}  # 2, not 2,00
    return table(out, lang, headers=headers, formats=whole_or_not, decimals=decimals, caption=caption)


def method_table(comparison: pd.DataFrame, names: pd.Series, lang: Lang = "sv") -> Table:
    """Nominees × methods: jury score (rubric scale, 2 decimals) and rank under each method,
    ordered by the rank under the first method."""
    score = comparison.pivot(index="nominee", columns="method", values="score")
    rank = comparison.pivot(index="nominee", columns="method", values="rank")
    methods = list(dict.fromkeys(comparison["method"]))
    frame = pd.DataFrame({"name": [names.get(c, c) for c in score.index]}, index=score.index)
    columns = [Column("name", t("table.name", lang))]
    for m in methods:
        frame[f"score_{m}"] = score[m]
        frame[f"rank_{m}"] = rank[m]
        label = t(f"board.method.short.{m}", lang) if m in ("mean", "median", "trimmed", "zscore") else m
        columns += [Column(f"score_{m}", t("board.method.score_col", lang, method=label), "number", 2),
                    Column(f"rank_{m}", t("board.method.rank_col", lang, method=label), "int")]
    frame = frame.sort_values([f"rank_{methods[0]}", "name"], kind="stable").reset_index(drop=True)
    return Table(frame, columns, check_lang(lang))


def screening_table(table: pd.DataFrame, lang: Lang = "sv", decimals: int = 1) -> Table:
    """The screening ranking as a report table, headers and numbers in ``lang``."""
    out = table.drop(columns=["code"]).reset_index(drop=True)
    out["nominee"] = out["nominee"].map({True: t("board.yes", lang), False: ""})
    kinds = {"rank": "int", "group_rank": "int", "group_size": "int", "score": ("number", decimals)}
    columns = []
    for key in out.columns:
        kind = kinds.get(key, "text")
        kind, dec = kind if isinstance(kind, tuple) else (kind, decimals)
        columns.append(Column(key, t(SCREENING_HEADERS[key], lang) if key in SCREENING_HEADERS else key, kind, dec))
    return Table(out, columns, check_lang(lang))


SCREENING_HEADERS = {"rank": "table.rank", "name": "table.name", "score": "table.score",
                     "group_rank": "table.group_rank", "group_size": "table.group_size",
                     "nominee": "table.nominee", "skr_group": "table.skr_group"}
