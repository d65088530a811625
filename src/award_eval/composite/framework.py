"""The structure of a composite index: a COINr-style iMeta table, validated.

An iMeta table has one row per code with the columns ``Level, iCode, iName, Direction, Weight,
Parent, Type`` (and optionally ``Denominator, Target, Unit``). ``Type`` is one of

- ``Indicator`` (Level 1, a column of the data),
- ``Aggregate`` (Level > 1, the weighted aggregate of the rows naming it as ``Parent``),
- ``Group`` (a grouping column of the data, e.g. an SKR municipality group),
- ``Denominator`` (a column of the data that indicators may be divided by).

Weights are relative within each parent: only their ratios among siblings matter. The single
Indicator/Aggregate row without a parent is the top of the index.

Every problem raises :class:`~award_eval.errors.InputError` naming the file, the row as a
spreadsheet numbers it (the header is row 1), the column and the value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from award_eval.errors import InputError

REQUIRED_COLUMNS = ("Level", "iCode", "iName", "Direction", "Weight", "Parent", "Type")
OPTIONAL_COLUMNS = ("Denominator", "Target", "Unit")
TYPES = ("Indicator", "Aggregate", "Group", "Denominator")
TREE_TYPES = ("Indicator", "Aggregate")


def _blank(value: Any) -> bool:
    """True for NaN/None/empty text: an unset cell."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str | None:
    return None if _blank(value) else str(value).strip()


def _number(value: Any) -> float | None:
    """A finite float, or None when the cell is not one."""
    if isinstance(value, bool):
        return None
    try:
        out = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _read_table(source: str | Path | pd.DataFrame) -> tuple[pd.DataFrame, Path | None]:
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), None
    path = Path(source)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=object)
        else:
            frame = pd.read_csv(path, dtype=object, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "an existing iMeta file", has_value=False) from None
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise InputError(path, f"a readable CSV or XLSX iMeta table ({exc})", has_value=False) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, path


@dataclass(frozen=True, eq=False)
class Framework:
    """A validated index structure. Build it with :meth:`from_imeta`, :meth:`from_criteria` or
    :meth:`from_yaml`; ``imeta`` holds the canonical table (one row per code, every type)."""

    imeta: pd.DataFrame
    source: str | None = None

    # --- constructors ---------------------------------------------------------------------
    @classmethod
    def from_imeta(cls, source: str | Path | pd.DataFrame) -> "Framework":
        """Read and validate a COINr-style iMeta table (CSV/XLSX path or DataFrame)."""
        frame, path = _read_table(source)
        return cls(_validate(frame, path), None if path is None else str(path))

    @classmethod
    def from_criteria(cls, framework: Any, lang: str = "en") -> "Framework":
        """From an :class:`award_eval.criteria.Framework` (the award's YAML), via its iMeta."""
        src = getattr(framework, "source", None)
        out = cls.from_imeta(framework.to_imeta(lang))
        return cls(out.imeta, None if src is None else str(src))

    @classmethod
    def from_yaml(cls, path: str | Path, lang: str = "en") -> "Framework":
        """From an award criteria YAML file (validated by :func:`award_eval.criteria.load_framework`)."""
        from award_eval.criteria import load_framework

        return cls.from_criteria(load_framework(path), lang)

    # --- navigation -----------------------------------------------------------------------
    @cached_property
    def tree(self) -> pd.DataFrame:
        """The Indicator and Aggregate rows (what aggregation reads)."""
        return self.imeta[self.imeta["Type"].isin(TREE_TYPES)].reset_index(drop=True)

    @cached_property
    def _children_of(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for code, parent in zip(self.tree["iCode"], self.tree["Parent"]):
            if not _blank(parent):
                out.setdefault(str(parent), []).append(str(code))
        return out

    @property
    def indicators(self) -> list[str]:
        """Indicator codes, in table order."""
        return list(self.imeta.loc[self.imeta["Type"] == "Indicator", "iCode"])

    @property
    def aggregates(self) -> list[str]:
        """Aggregate codes from the bottom level up (table order within a level)."""
        agg = self.imeta[self.imeta["Type"] == "Aggregate"].sort_values("Level", kind="stable")
        return list(agg["iCode"])

    @property
    def codes(self) -> list[str]:
        """Indicators then aggregates bottom-up: the columns of an aggregated table."""
        return self.indicators + self.aggregates

    @property
    def top(self) -> str:
        tree = self.tree
        return str(tree.loc[tree["Parent"].isna(), "iCode"].iloc[0])

    @property
    def groups(self) -> list[str]:
        return list(self.imeta.loc[self.imeta["Type"] == "Group", "iCode"])

    @property
    def denominator_columns(self) -> list[str]:
        return list(self.imeta.loc[self.imeta["Type"] == "Denominator", "iCode"])

    @property
    def levels(self) -> list[int]:
        return sorted(int(v) for v in self.tree["Level"].unique())

    def _column(self, name: str) -> pd.Series:
        tree = self.tree
        return pd.Series(tree[name].to_numpy(), index=pd.Index(tree["iCode"], name="iCode"), name=name)

    def level_of(self, code: str) -> int:
        return int(self.tree["Level"].to_numpy()[self._position[code]])

    def parent_of(self, code: str) -> str | None:
        value = self.tree["Parent"].to_numpy()[self._position[code]]
        return None if _blank(value) else str(value)

    @cached_property
    def _position(self) -> dict[str, int]:
        return {str(c): i for i, c in enumerate(self.tree["iCode"])}

    def children(self, code: str) -> list[str]:
        return list(self._children_of.get(code, []))

    @property
    def weights(self) -> pd.Series:
        """iCode → weight (relative within the parent)."""
        return self._column("Weight").astype(float)

    @property
    def directions(self) -> pd.Series:
        """Indicator iCode → +1 (higher is better) or −1 (lower is better)."""
        return self._column("Direction").astype(int).reindex(self.indicators)

    @property
    def targets(self) -> pd.Series:
        """Indicator iCode → Target (NaN where none), in the units the data has when normalised."""
        return self._column("Target").astype(float).reindex(self.indicators)

    @property
    def denominators(self) -> pd.Series:
        """Indicator iCode → the denominator column, for indicators that have one."""
        den = self._column("Denominator").reindex(self.indicators)
        return den[den.notna()].astype(object)

    def with_weights(self, weights: pd.Series) -> "Framework":
        """A copy whose Indicator/Aggregate weights are replaced where ``weights`` names a code."""
        meta = self.imeta.copy()
        new = meta["iCode"].map(pd.Series(weights, dtype=float))
        meta["Weight"] = new.where(new.notna() & meta["Type"].isin(TREE_TYPES), meta["Weight"])
        return Framework(meta, self.source)

    def __repr__(self) -> str:
        return (f"Framework({len(self.indicators)} indicators, {len(self.aggregates)} aggregates, "
                f"levels {self.levels}, top {self.top!r})")


def _validate(frame: pd.DataFrame, path: Path | None) -> pd.DataFrame:
    """Check an iMeta table and return it in canonical form (typed columns, every optional one)."""

    def err(i: int | None, column: str | None, value: Any, expected: str) -> InputError:
        return InputError(path, expected, row=None if i is None else i + 2, column=column, value=value)

    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, f"a column named {missing[0]!r} in the header (iMeta needs "
                         f"{', '.join(REQUIRED_COLUMNS)})", row=1, column=missing[0],
                         value=",".join(map(str, frame.columns)))
    if frame.empty:
        raise InputError(path, "at least one Indicator row and one Aggregate row", has_value=False)

    rows: list[dict[str, Any]] = []
    first_row: dict[str, int] = {}
    for i, rec in enumerate(frame.to_dict("records")):
        kind = _text(rec["Type"])
        if kind not in TYPES:
            raise err(i, "Type", rec["Type"], f"one of {', '.join(TYPES)}")
        code = _text(rec["iCode"])
        if code is None:
            raise err(i, "iCode", rec["iCode"], "a non-empty code")
        if code in first_row:
            raise err(i, "iCode", code, f"a unique code (also used in row {first_row[code] + 2})")
        first_row[code] = i
        row: dict[str, Any] = {"Level": pd.NA, "iCode": code, "iName": _text(rec["iName"]) or code,
                               "Direction": pd.NA, "Weight": float("nan"), "Parent": None, "Type": kind,
                               "Denominator": None, "Target": float("nan"),
                               "Unit": _text(rec.get("Unit"))}
        if kind in TREE_TYPES:
            level = _number(rec["Level"])
            if level is None or level != int(level) or level < 1:
                raise err(i, "Level", rec["Level"], "a whole number ≥ 1")
            if kind == "Indicator" and level != 1:
                raise err(i, "Level", rec["Level"], "1 for an Indicator (indicators are the bottom level)")
            if kind == "Aggregate" and level < 2:
                raise err(i, "Level", rec["Level"], "2 or more for an Aggregate")
            row["Level"] = int(level)
            weight = _number(rec["Weight"])
            if weight is None or weight < 0:
                raise err(i, "Weight", rec["Weight"], "a number ≥ 0 (relative within the parent)")
            row["Weight"] = weight
            direction = _number(rec["Direction"])
            if kind == "Aggregate" and _blank(rec["Direction"]):
                direction = 1.0
            if direction not in (1.0, -1.0):
                raise err(i, "Direction", rec["Direction"], "1 (higher is better) or -1 (lower is better)")
            row["Direction"] = int(direction)
            row["Parent"] = _text(rec["Parent"])
            if kind == "Indicator":
                row["Denominator"] = _text(rec.get("Denominator"))
                if not _blank(rec.get("Target")):
                    target = _number(rec["Target"])
                    if target is None:
                        raise err(i, "Target", rec["Target"], "a number, or empty")
                    row["Target"] = target
        rows.append(row)

    meta = pd.DataFrame(rows)
    by_code = {r["iCode"]: (i, r) for i, r in enumerate(rows)}
    tops = [i for i, r in enumerate(rows) if r["Type"] in TREE_TYPES and r["Parent"] is None]
    if not tops:
        raise InputError(path, "one Indicator/Aggregate row with an empty Parent (the top of the index)",
                         column="Parent", has_value=False)
    # the highest-level parentless row is the top; any other parentless row is the mistake
    tops.sort(key=lambda i: -(rows[i]["Level"] if isinstance(rows[i]["Level"], int) else 0))
    if len(tops) > 1:
        i = tops[1]
        raise err(i, "Parent", "", f"a parent code: only one row may be the top (row {tops[0] + 2} already is)")
    if rows[tops[0]]["Type"] != "Aggregate":
        raise err(tops[0], "Type", rows[tops[0]]["Type"], "Aggregate for the top of the index")
    for i, r in enumerate(rows):
        if r["Type"] not in TREE_TYPES or r["Parent"] is None:
            continue
        if r["Parent"] not in by_code or by_code[r["Parent"]][1]["Type"] != "Aggregate":
            raise err(i, "Parent", r["Parent"], "the iCode of an Aggregate row in this table")
        parent_level = by_code[r["Parent"]][1]["Level"]
        if parent_level <= r["Level"]:
            raise err(i, "Parent", r["Parent"], f"an aggregate above Level {r['Level']} "
                      f"(its Level is {parent_level})")
        if r["Denominator"] is not None:
            den = by_code.get(r["Denominator"])
            if den is None or den[1]["Type"] != "Denominator":
                raise err(i, "Denominator", r["Denominator"], "the iCode of a Denominator row in this table")
    for i, r in enumerate(rows):
        if r["Type"] == "Aggregate":
            kids = [k for k in rows if k["Parent"] == r["iCode"] and k["Type"] in TREE_TYPES]
            if not kids:
                raise err(i, "iCode", r["iCode"], "an Aggregate that some row names as its Parent")
            if sum(k["Weight"] for k in kids) <= 0:
                raise err(i, "iCode", r["iCode"], "children whose weights do not all equal 0")
    meta["Level"] = meta["Level"].astype("Int64")
    meta["Direction"] = meta["Direction"].astype("Int64")
    meta["Weight"] = meta["Weight"].astype(float)
    meta["Target"] = meta["Target"].astype(float)
    for col in ("iCode", "iName", "Parent", "Type", "Denominator", "Unit"):
        meta[col] = meta[col].astype(object)
    return meta[list(REQUIRED_COLUMNS) + list(OPTIONAL_COLUMNS)]


def as_framework(framework: Any) -> Framework:
    """Accept a composite Framework, a criteria Framework, an iMeta DataFrame or an iMeta path."""
    if isinstance(framework, Framework):
        return framework
    if hasattr(framework, "to_imeta"):
        return Framework.from_criteria(framework)
    if isinstance(framework, (pd.DataFrame, str, Path)):
        if isinstance(framework, (str, Path)) and Path(framework).suffix.lower() in (".yaml", ".yml"):
            return Framework.from_yaml(framework)
        return Framework.from_imeta(framework)
    raise TypeError(f"cannot make a Framework from {type(framework).__name__}")
