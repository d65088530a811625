"""``results.xlsx``: a run's results in one workbook, what an organiser forwards.

One sheet each for the ranking, the criterion scores, the jury's agreement, the uncertainty and
the screening, built from the CSV files the evaluations wrote (the workbook never holds a
number the CSVs do not). Headers are in the plan's language, numbers stay numbers (with a
number format, so Excel writes ``0,75`` in Swedish and ``0.75`` in English), the header row is
frozen, and the first row names the sheet, the award and, for demonstration data, says so.

Text from users (municipality names, comments) is written as text, never as a formula: a cell
that starts with ``=``, ``+``, ``-``, ``@``, tab or CR gets openpyxl's string type. The bytes
are reproducible (fixed timestamps), like every other result file.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from award_eval.i18n import Lang, check_lang, t
from award_eval.io.files import atomic_write_bytes
from award_eval.io.workbooks import workbook_bytes

if TYPE_CHECKING:
    from award_eval.run.context import RunContext

WORKBOOK = "results.xlsx"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER_ROW = 2  # row 1 names the sheet (and says when the data are synthetic)


@dataclass(frozen=True)
class Sheet:
    """One sheet: the CSV it comes from, and how each column is headed and formatted."""

    key: str  # workbook.sheet.<key>
    csv: str  # file name inside an evaluation's folder
    columns: tuple[tuple[str, str, str], ...]  # (csv column, workbook.col.<key>, number format or "text")


SHEETS = (
    Sheet("ranking", "ranking.csv", (("rank", "rank", "0"), ("code", "code", "text"), ("name", "name", "text"),
                                      ("score", "score", "0.0"))),
    Sheet("criteria", "criterion_scores.csv", (("code", "code", "text"), ("criterion", "criterion", "text"),
                                                ("kind", "kind", "text"), ("raw", "raw", "0.00"),
                                                ("score", "criterion_score", "0.0"), ("n", "n", "0"))),
    Sheet("jury", "agreement.csv", (("criterion", "criterion", "text"), ("n_scores", "n_scores", "0"),
                                     ("n_icc", "n_icc", "0"), ("icc2k", "icc2k", "0.000"), ("alpha", "alpha", "0.000"),
                                     ("kendall_w", "kendall_w", "0.000"), ("reading", "reading", "text"))),
    Sheet("uncertainty", "uncertainty_summary.csv", (("code", "code", "text"), ("name", "name", "text"),
                                                      ("nominal", "nominal", "0"), ("median", "median", "0.0"),
                                                      ("q05", "q05", "0.0"), ("q95", "q95", "0.0"),
                                                      ("p_first", "p_first", "0.0%"))),
    Sheet("screening", "screening.csv", (("rank", "rank", "0"), ("code", "code", "text"), ("name", "name", "text"),
                                          ("skr_group", "skr_group", "text"), ("score", "index_score", "0.0"),
                                          ("group_rank", "group_rank", "0"), ("group_size", "group_size", "0"),
                                          ("nominee", "nominee", "text"))),
)


def find_csv(out_dir: Path, ids: list[str], name: str) -> Path | None:
    """The first evaluation folder (in plan order) holding ``name``."""
    for spec_id in ids:
        path = out_dir / spec_id / name
        if path.is_file():
            return path
    return None


def read_csv(path: Path) -> pd.DataFrame:
    """A CSV the run wrote, codes kept as text (``0120``)."""
    return pd.read_csv(path, dtype={"code": str, "nominee": str}, keep_default_na=True)


def sheet_frame(sheet: Sheet, frame: pd.DataFrame, lang: Lang,
                label: Callable[[str], str] = lambda c: c) -> pd.DataFrame:
    """The sheet's rows as the workbook shows them: criterion ids as labels, yes/no in words;
    the ranking's pillar columns kept after the listed ones (headed by their labels)."""
    out = frame.copy()
    if sheet.key == "jury" and f"reading_{lang}" in out.columns:
        out["reading"] = out[f"reading_{lang}"]
    if "criterion" in out.columns:
        out["criterion"] = [t("workbook.all_criteria", lang) if c == "all" else label(str(c)) for c in out["criterion"]]
    if "kind" in out.columns:
        out["kind"] = [t(f"workbook.kind.{k}", lang) if k in ("jury", "indicator") else k for k in out["kind"]]
    if "nominee" in out.columns:
        out["nominee"] = [t("workbook.yes" if str(v) == "True" else "workbook.no", lang) for v in out["nominee"]]
    return out


def _set(cell: Any, value: Any, number_format: str) -> None:
    if value is None or (isinstance(value, float) and value != value):
        return  # an empty cell, never "NaN"
    if isinstance(value, str):
        cell.value = value
        if value.startswith(FORMULA_START):
            cell.data_type = "s"  # text, never a formula
        return
    cell.value = value.item() if hasattr(value, "item") else value
    if number_format != "text":
        cell.number_format = number_format


def build_workbook(out_dir: str | Path, ctx: "RunContext", lang: Lang | None = None):
    """The workbook of the run in ``out_dir`` (an openpyxl ``Workbook``), or None with nothing to show."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from award_eval.io.workbooks import FIXED_TIME
    from award_eval.run.report.html import _award_label, run_date

    out_dir = Path(out_dir)
    lang = check_lang(lang or (ctx.plan.lang if ctx.plan.lang in ("sv", "en") else "sv"))
    ids = [s.id for s in ctx.plan.evaluations]
    fw = ctx.framework

    def label(code: str) -> str:
        return fw.label(code, lang) if fw is not None and code in fw.by_id else code

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "award_eval"
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F1F5F9")
    for sheet in SHEETS:
        path = find_csv(out_dir, ids, sheet.csv)
        if path is None:
            continue
        frame = sheet_frame(sheet, read_csv(path), lang, label)
        columns = [c for c in sheet.columns if c[0] in frame.columns]
        if sheet.key == "ranking":  # the pillar scores follow the total, headed by their names
            columns += [(c, "", "0.0") for c in frame.columns if c not in {k for k, _, _ in sheet.columns}]
        ws = wb.create_sheet(t(f"workbook.sheet.{sheet.key}", lang)[:31])
        title = t("workbook.title", lang, sheet=t(f"workbook.sheet.{sheet.key}", lang),
                  award=_award_label(ctx, lang), version=ctx.provenance.get("criteria_version") or "–", date=run_date())
        ws.cell(1, 1, (t("workbook.synthetic", lang) + " · " if ctx.synthetic else "") + title).font = bold
        for j, (col, key, _) in enumerate(columns, start=1):
            cell = ws.cell(HEADER_ROW, j, t(f"workbook.col.{key}", lang) if key else label(col))
            cell.font, cell.fill = bold, head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            width = max([len(str(cell.value))] + [len(str(v)) for v in frame[col].head(300)])
            ws.column_dimensions[get_column_letter(j)].width = min(max(8, width + 2), 48)
        for i, row in enumerate(frame.itertuples(index=False), start=HEADER_ROW + 1):
            values = row._asdict()
            for j, (col, _, fmt) in enumerate(columns, start=1):
                _set(ws.cell(i, j), values[col] if col in values else getattr(row, col), fmt)
        ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    return wb if wb.worksheets else None


def write_workbook(out_dir: str | Path, ctx: "RunContext", lang: Lang | None = None) -> Path | None:
    """Write ``results.xlsx`` into the run folder (atomically, reproducibly); None when no
    evaluation wrote a table it holds."""
    wb = build_workbook(out_dir, ctx, lang)
    if wb is None:
        return None
    return atomic_write_bytes(Path(out_dir) / WORKBOOK, workbook_bytes(wb))
