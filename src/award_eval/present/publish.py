"""What a notebook publishes for its report: the record (kind, titles, summary, method) and its inline preview."""
from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from award_eval.i18n import (
    Lang,
    t,
)
from award_eval.present.method import (
    method_html,
)

if TYPE_CHECKING:  # nbformat and nbconvert are imported where a page is rendered, not by notebooks

    pass


RECORD_MIME = "application/vnd.award-eval.report+json"
KINDS = ("ranking", "jury", "screening", "profile", "other")


# --- what a notebook publishes ---------------------------------------------------------------------------

def report_record(kind: str, method: dict | None = None, *, title: dict[str, str] | None = None,
                  subject: dict | None = None, summary: dict | None = None, explore: dict | None = None) -> dict:
    """The record a notebook attaches to its report (JSON-able).

    ``kind``: one of :data:`KINDS`. ``method``: :func:`award_eval.method.method_record`.
    ``title``: ``{"sv": …, "en": …}`` (e.g. ``award_eval.i18n.texts("report.title.ranking")``), used when
    the plan gives the evaluation no title.
    ``subject``: what a profile is about (``code, name, county, skr_group, nominee, rank``).
    ``summary``: for rankings, ``{"top": [{"rank", "code", "name", "score"}, …], "n": …}``.
    """
    if kind not in KINDS:
        raise ValueError(f"report kind {kind!r} is not one of {', '.join(KINDS)}")
    record = {"kind": kind, "title": title, "subject": subject, "summary": summary, "method": method}
    if explore is not None:
        record["explore"] = explore  # the overall report's weights panel (present/explore.py)
    return record


def publish(record: dict, framework: Any = None, lang: Lang = "sv") -> None:
    """Attach ``record`` to the notebook's outputs and show its method section inline.

    In JupyterLab the analyst sees the method text; in the report the output is replaced by the
    method section at the end of the page, written from the same record.
    """
    from IPython.display import display

    body = method_html(record["method"], framework, lang) if record.get("method") else ""
    preview = f'<section class="method-preview"><h2>{html.escape(t("report.method", lang))}</h2>{body}</section>'
    display({RECORD_MIME: json.loads(json.dumps(record, default=_json_default)), "text/html": preview}, raw=True)


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def ranking_summary(ranking, top: int = 3, intervals=None) -> dict:
    """``{"n": …, "top": […]}`` from a ranking frame (``rank, code, name, score``), for the index."""
    rows = ranking.sort_values(["rank", "code"], kind="stable")
    first = rows.head(max(top, int((rows["rank"] == 1).sum())))  # a tie for first shows every winner
    out = []
    iv = intervals.set_index("code") if intervals is not None else None
    for _, r in first.iterrows():
        item = {"rank": None if pd.isna(r["rank"]) else int(r["rank"]), "code": str(r["code"]),
                "name": str(r["name"]), "score": None if pd.isna(r["score"]) else float(r["score"])}
        if iv is not None and r["code"] in iv.index:
            item.update(rank_low=int(iv.at[r["code"], "rank_low"]), rank_high=int(iv.at[r["code"], "rank_high"]),
                        p_first=float(iv.at[r["code"], "p_first"]))
        out.append(item)
    return {"n": int(len(rows)), "top": out}

