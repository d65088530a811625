"""The framework: the one tree type of criteria, composite indices and the uncertainty analysis.

A criteria file is a flat list of nodes, each naming its parent (COINr's iMeta idea, so that a
framework is data a spreadsheet can hold). Top-level nodes are the pillars; leaves are criteria,
either scored by the jury on a rubric (``kind: jury``) or measured by an open indicator
(``kind: indicator``). The index itself is implicit: the weighted aggregate of the pillars.

The same :class:`Framework` is built from an award's YAML (:func:`load_framework`,
:meth:`Framework.from_yaml`) or from a COINr-style iMeta table (:meth:`Framework.from_imeta`;
``award_eval.composite.Framework`` is this class), and offers both views: the criteria's
(``pillars``, ``leaves``, ``jury_criteria``, labels, rubrics) and the iMeta table's
(``imeta``, ``tree``, ``indicators``, ``aggregates``, ``top``, ``weights``, ``directions``, …)
that composite construction, aggregation and the Monte Carlo analysis read.
"""
from __future__ import annotations

import hashlib
import math
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from award_eval.errors import InputError, NodeError
from award_eval.io.yaml import parse as parse_yaml
from award_eval.io.yaml import read_file as read_yaml_file

Lang = Literal["sv", "en"]
ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"
MAX_DEPTH = 12  # levels of pillars, groups and criteria: a real framework has 2–4
MAX_LABEL = 2000  # characters in a label or rubric anchor


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    """A text in Swedish and English."""

    sv: str = Field(min_length=1, max_length=MAX_LABEL)
    en: str = Field(min_length=1, max_length=MAX_LABEL)

    def __call__(self, lang: Lang = "sv") -> str:
        return getattr(self, lang)


class Scale(_Strict):
    """The jury's rubric scale (inclusive)."""

    min: int = 1
    max: int = 5

    @model_validator(mode="after")
    def _ordered(self) -> "Scale":
        if self.max <= self.min:
            raise ValueError("scale.max must be greater than scale.min")
        return self

    @property
    def levels(self) -> list[int]:
        return list(range(self.min, self.max + 1))


class Source(_Strict):
    """Where an indicator's values come from (optional): a Kolada KPI id, or a note."""

    kolada: str | None = Field(default=None, pattern=r"^[NU]\d{5}$")
    note: str | None = None


class Node(_Strict):
    """One pillar (group) or criterion (jury or indicator) of the framework."""

    id: str = Field(pattern=ID_PATTERN, max_length=100)
    parent: str | None = None
    kind: Literal["group", "jury", "indicator"] = "group"
    label: Label
    description: Label | None = None
    weight: float = Field(gt=0, allow_inf_nan=False)
    rubric: dict[int, Label] | None = None
    direction: Literal["higher", "lower"] | None = None
    unit: str | None = None
    source: Source | None = None
    #: How a joint nominee's value is made from its members' (award_eval.joint; default population_weighted).
    combine: Literal["sum", "mean", "population_weighted", "min", "max"] | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> "Node":
        if self.kind == "jury" and self.rubric is None:
            raise ValueError("a jury criterion needs a rubric")
        if self.kind != "jury" and self.rubric is not None:
            raise ValueError(f"a rubric belongs to jury criteria, not to kind {self.kind!r}")
        if self.kind == "indicator" and self.direction is None:
            raise ValueError("an indicator criterion needs direction: higher or lower")
        if self.kind != "indicator" and (self.direction is not None or self.source is not None):
            raise ValueError(f"direction and source belong to indicator criteria, not to kind {self.kind!r}")
        if self.kind != "indicator" and self.combine is not None:
            raise ValueError(f"combine belongs to indicator criteria, not to kind {self.kind!r}")
        return self

    @property
    def sign(self) -> int:
        """+1 when higher is better, −1 when lower is better (COINr's Direction)."""
        return -1 if self.direction == "lower" else 1


class Award(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: Label


class Framework(_Strict):
    """A validated criteria framework. Build it with :func:`load_framework`."""

    version: str = Field(min_length=1, max_length=200)
    award: Award
    scale: Scale = Scale()
    aggregation: Literal["arithmetic", "geometric"] = "arithmetic"
    #: The jury criteria's share of the index against the open data (0–1); None: as the weights say.
    jury_share: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    nodes: list[Node] = Field(min_length=1, max_length=1000)
    _source: Path | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)
    # what an iMeta table says beyond the criteria file's fields (see from_imeta)
    _top: str = PrivateAttr(default="index")
    _top_weight: float = PrivateAttr(default=1.0)
    _levels: dict[str, int] = PrivateAttr(default_factory=dict)
    _targets: dict[str, float] = PrivateAttr(default_factory=dict)
    _denominators: dict[str, str] = PrivateAttr(default_factory=dict)
    _data_rows: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _lang: str = PrivateAttr(default="en")

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _tree(self) -> "Framework":
        seen: dict[str, int] = {}
        for i, node in enumerate(self.nodes):
            if node.id in seen:
                raise NodeError(i, "id", node.id, f"a unique id (also used by nodes[{seen[node.id]}])")
            seen[node.id] = i
        for i, node in enumerate(self.nodes):
            if node.parent is not None and node.parent not in seen:
                raise NodeError(i, "parent", node.parent, "the id of another node in this file")
        parents = {n.parent for n in self.nodes if n.parent is not None}
        for i, node in enumerate(self.nodes):
            if node.parent is not None and self.nodes[seen[node.parent]].kind != "group":
                raise NodeError(i, "parent", node.parent, "a group node (criteria cannot have children)")
            if node.kind == "group" and node.id not in parents:
                raise NodeError(i, "kind", node.kind, "jury or indicator for a node without children")
            if node.kind == "jury" and node.rubric is not None:
                missing = [lv for lv in self.scale.levels if lv not in node.rubric]
                extra = [lv for lv in node.rubric if lv not in self.scale.levels]
                if missing or extra:
                    raise NodeError(i, "rubric", sorted(node.rubric),
                                     f"one anchor for each level {self.scale.min}–{self.scale.max}")
        for i, node in enumerate(self.nodes):  # cycles
            chain, cur = {node.id}, node.parent
            while cur is not None:
                if cur in chain:
                    raise NodeError(i, "parent", node.parent, "a parent chain that ends at a pillar (found a cycle)")
                chain.add(cur)
                if len(chain) > MAX_DEPTH:
                    raise NodeError(i, "parent", node.parent, f"a tree at most {MAX_DEPTH} levels deep")
                cur = self.nodes[seen[cur]].parent
        return self

    # --- navigation -----------------------------------------------------------------------
    @cached_property
    def by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    def children(self, node_id: str | None) -> list[str]:
        """The ids of a node's children, in file order; ``None`` (or the top) gives the pillars."""
        if node_id == self._top:
            node_id = None
        return [n.id for n in self.nodes if n.parent == node_id]

    @property
    def pillars(self) -> list[Node]:
        return [self.by_id[c] for c in self.children(None)]

    def leaves(self, kind: str | None = None) -> list[Node]:
        """Criteria (leaves) in tree order, optionally only one kind."""
        out: list[Node] = []

        def walk(parent: str | None) -> None:
            for child in (self.by_id[c] for c in self.children(parent)):
                if child.kind == "group":
                    walk(child.id)
                elif kind is None or child.kind == kind:
                    out.append(child)

        walk(None)
        return out

    @property
    def jury_criteria(self) -> list[str]:
        return [n.id for n in self.leaves("jury")]

    @property
    def indicator_criteria(self) -> list[str]:
        return [n.id for n in self.leaves("indicator")]

    def pillar_of(self, node_id: str) -> str:
        node = self.by_id[node_id]
        while node.parent is not None:
            node = self.by_id[node.parent]
        return node.id

    def label(self, node_id: str, lang: Lang = "sv") -> str:
        if node_id == self._top:
            return self.award.label(lang)
        return self.by_id[node_id].label(lang)

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def sha256(self) -> str | None:
        return self._sha256

    # --- tidy views -----------------------------------------------------------------------
    def nodes_frame(self) -> pd.DataFrame:
        """One row per node: id, parent, pillar, kind, depth, weight, labels, direction, unit, kolada."""
        rows = []
        for node in self.nodes:
            depth, cur = 1, node
            while cur.parent is not None:
                depth, cur = depth + 1, self.by_id[cur.parent]
            rows.append({
                "id": node.id, "parent": node.parent, "pillar": self.pillar_of(node.id),
                "kind": node.kind, "depth": depth, "weight": node.weight,
                "label_sv": node.label.sv, "label_en": node.label.en,
                "direction": node.direction, "unit": node.unit,
                "kolada": node.source.kolada if node.source else None,
            })
        return pd.DataFrame(rows)

    def rubric_frame(self, lang: Lang = "sv") -> pd.DataFrame:
        """Long table of rubric anchors: criterion, level, anchor."""
        rows = [{"criterion": n.id, "level": lv, "anchor": text(lang)}
                for n in self.leaves("jury") for lv, text in sorted((n.rubric or {}).items())]
        return pd.DataFrame(rows, columns=["criterion", "level", "anchor"])

    def to_imeta(self, lang: Lang = "en") -> pd.DataFrame:
        """The framework as a COINr-style iMeta table (Level 1 = criteria, top = ``index``).

        Levels count up from the criteria as COINr's do (or are the iMeta table's own, for a
        framework read from one); the implicit index is added as the top-level aggregate with
        code ``index``. A framework read from an iMeta table also gives its ``Denominator`` and
        ``Target`` columns and its Group and Denominator rows.
        """
        height: dict[str, int] = {}

        def level(node_id: str) -> int:
            if node_id not in height:
                kids = self.children(node_id)
                height[node_id] = self._levels.get(node_id) or (
                    1 if not kids else 1 + max(level(k) for k in kids))
            return height[node_id]

        top = self._levels.get(self._top) or 1 + max(level(p.id) for p in self.pillars)
        rows = [{
            "Level": level(n.id), "iCode": n.id, "iName": n.label(lang),
            "Direction": n.sign, "Weight": n.weight, "Unit": n.unit,
            "Parent": n.parent or self._top,
            "Type": "Aggregate" if n.kind == "group" else "Indicator",
        } for n in self.nodes]
        rows.append({"Level": top, "iCode": self._top, "iName": self.award.label(lang), "Direction": 1,
                     "Weight": self._top_weight, "Unit": None, "Parent": None, "Type": "Aggregate"})
        frame = pd.DataFrame(rows)
        if self._targets or self._denominators or self._data_rows:
            frame["Denominator"] = frame["iCode"].map(self._denominators)
            frame["Target"] = frame["iCode"].map(self._targets).astype(float)
            frame = pd.concat([frame, pd.DataFrame(self._data_rows, columns=list(frame.columns))],
                              ignore_index=True)
        return frame

    # --- the iMeta view: what composite construction, aggregation and uncertainty read ------
    @classmethod
    def from_imeta(cls, source: str | Path | pd.DataFrame) -> "Framework":
        """Read and validate a COINr-style iMeta table (CSV/XLSX path or DataFrame).

        Every problem raises :class:`InputError` naming the file, the row as a spreadsheet
        numbers it, the column and the value. Names (``iName``) serve as both labels.
        """
        frame, path = _read_table(source)
        meta = _validate(frame, path)
        tree = meta[meta["Type"].isin(TREE_TYPES)]
        top = str(tree.loc[tree["Parent"].isna(), "iCode"].iloc[0])
        nodes, levels, targets, dens = [], {}, {}, {}
        for rec in tree.to_dict("records"):
            code, name = str(rec["iCode"]), Label.model_construct(sv=rec["iName"], en=rec["iName"])
            levels[code] = int(rec["Level"])
            if code == top:
                top_rec = rec
                continue
            leaf = rec["Type"] == "Indicator"
            nodes.append(Node.model_construct(
                id=code, parent=None if rec["Parent"] == top else rec["Parent"],
                kind="indicator" if leaf else "group", label=name, description=None,
                weight=float(rec["Weight"]), rubric=None,
                direction=("lower" if int(rec["Direction"]) == -1 else "higher") if leaf else None,
                unit=rec["Unit"], source=None))
            if leaf and not _blank(rec["Target"]):
                targets[code] = float(rec["Target"])
            if leaf and not _blank(rec["Denominator"]):
                dens[code] = str(rec["Denominator"])
        out = cls.model_construct(
            version="imeta", award=Award.model_construct(id=top, label=Label.model_construct(
                sv=top_rec["iName"], en=top_rec["iName"])),
            scale=Scale(), aggregation="arithmetic", nodes=nodes)
        out._source = path
        out._top, out._top_weight, out._levels = top, float(top_rec["Weight"]), levels
        out._targets, out._denominators = targets, dens
        rows = meta[~meta["Type"].isin(TREE_TYPES)].astype(object)
        out._data_rows = rows.where(rows.notna(), None).to_dict("records")  # None, not NaN: comparable
        return out

    @classmethod
    def from_criteria(cls, framework: "Framework", lang: Lang = "en") -> "Framework":
        """The framework with its iMeta names (``iName``) in ``lang``."""
        return framework._derive(lang=lang)

    @classmethod
    def from_yaml(cls, path: str | Path, lang: Lang = "en") -> "Framework":
        """From an award criteria YAML file (validated by :func:`load_framework`)."""
        return load_framework(path)._derive(lang=lang)

    def _derive(self, nodes: list[Node] | None = None, lang: str | None = None,
                top_weight: float | None = None) -> "Framework":
        """A copy with other nodes or iMeta language (cached views are not carried over)."""
        out = type(self).model_construct(version=self.version, award=self.award, scale=self.scale,
                                         aggregation=self.aggregation,
                                         nodes=list(self.nodes if nodes is None else nodes))
        for key, value in (self.__pydantic_private__ or {}).items():
            setattr(out, key, value)
        if lang is not None:
            out._lang = lang
        if top_weight is not None:
            out._top_weight = top_weight
        return out

    @cached_property
    def imeta(self) -> pd.DataFrame:
        """The canonical iMeta table: one row per code, every type, every optional column."""
        return _validate(self.to_imeta(self._lang), None)  # type: ignore[arg-type]

    @cached_property
    def tree(self) -> pd.DataFrame:
        """The Indicator and Aggregate rows (what aggregation reads)."""
        return self.imeta[self.imeta["Type"].isin(TREE_TYPES)].reset_index(drop=True)

    @property
    def top(self) -> str:
        """The code of the index (``index`` for a criteria file)."""
        return self._top

    @property
    def indicators(self) -> list[str]:
        """Leaf codes (jury and indicator criteria alike), in table order."""
        return [n.id for n in self.nodes if n.kind != "group"]

    @property
    def aggregates(self) -> list[str]:
        """Aggregate codes from the bottom level up (table order within a level), the top last."""
        agg = self.tree[self.tree["Type"] == "Aggregate"].sort_values("Level", kind="stable")
        return list(agg["iCode"])

    @property
    def codes(self) -> list[str]:
        """Indicators then aggregates bottom-up: the columns of an aggregated table."""
        return self.indicators + self.aggregates

    @property
    def groups(self) -> list[str]:
        return [r["iCode"] for r in self._data_rows if r["Type"] == "Group"]

    @property
    def denominator_columns(self) -> list[str]:
        return [r["iCode"] for r in self._data_rows if r["Type"] == "Denominator"]

    @property
    def levels(self) -> list[int]:
        return sorted(int(v) for v in self.tree["Level"].unique())

    @cached_property
    def _position(self) -> dict[str, int]:
        return {str(c): i for i, c in enumerate(self.tree["iCode"])}

    def level_of(self, code: str) -> int:
        return int(self.tree["Level"].to_numpy()[self._position[code]])

    def parent_of(self, code: str) -> str | None:
        """The parent's code (the top for a pillar), None for the top."""
        if code == self._top:
            return None
        return self.by_id[code].parent or self._top

    def _column(self, name: str) -> pd.Series:
        tree = self.tree
        return pd.Series(tree[name].to_numpy(), index=pd.Index(tree["iCode"], name="iCode"), name=name)

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

    def with_weights(self, weights: pd.Series | dict) -> "Framework":
        """A copy whose weights are replaced where ``weights`` names a code (the top included)."""
        new = pd.Series(weights, dtype=float).dropna()
        nodes = [n.model_copy(update={"weight": float(new[n.id])}) if n.id in new.index else n
                 for n in self.nodes]
        return self._derive(nodes, top_weight=float(new[self._top]) if self._top in new.index else None)

    def __repr__(self) -> str:
        return (f"Framework({len(self.indicators)} indicators, {len(self.aggregates)} aggregates, "
                f"levels {self.levels}, top {self.top!r})")

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        """Equal fields and iMeta extras; cached views (DataFrames) are not compared."""
        if not isinstance(other, Framework):
            return NotImplemented
        extras = ("_top", "_top_weight", "_levels", "_targets", "_denominators", "_data_rows")
        return self.model_dump() == other.model_dump() and all(
            getattr(self, k) == getattr(other, k) for k in extras)

    __hash__ = None  # type: ignore[assignment]  # a list of nodes: not hashable (as before)





def _yaml_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or its nearest existing ancestor)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == str(key)]
            if not match:
                # the key itself may be the problem (unknown key): point at the key
                keys = [k for k, _ in node.value if k.value == str(key)]
                return keys[0].start_mark.line + 1 if keys else line
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def _loc_text(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top>"


_EXPECTED = {
    "extra_forbidden": "no such key (unknown key)",
    "missing": "this key, which is required",
    "greater_than": "a positive number",
    "literal_error": None,
    "string_pattern_mismatch": "an id of letters, digits, '_', '.' or '-', starting with a letter",
}


def load_framework(path: str | Path) -> Framework:
    """Read and validate a criteria YAML file.

    Raises :class:`InputError` naming the file, the YAML path (``nodes[3].weight``) and its line.
    """
    path = Path(path)
    raw_bytes, text = read_yaml_file(path, "a readable criteria file")
    raw = parse_yaml(text, path)
    if not isinstance(raw, dict):
        raise InputError(path, "a mapping with keys version, award, scale, nodes", value=type(raw).__name__)
    try:
        framework = Framework.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        ctx_error = err.get("ctx", {}).get("error")
        if isinstance(ctx_error, NodeError):
            loc, value, expected = ctx_error.loc, ctx_error.value, ctx_error.expected
        else:
            value = err.get("input")
            expected = _EXPECTED.get(err["type"]) or err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                value = loc[-1]
        # node-level checks are reported on the node; point at the node's id for context
        raise InputError(path, expected, row=_yaml_line(text, loc), yaml_path=_loc_text(loc),
                         value=value, has_value=err["type"] != "missing") from None
    framework._source = path
    framework._sha256 = hashlib.sha256(raw_bytes).hexdigest()
    return framework


# --- iMeta tables (COINr): read and validate ---------------------------------------------------
# One row per code: Level, iCode, iName, Direction, Weight, Parent, Type (Indicator, Aggregate,
# Group, Denominator) and optionally Denominator, Target, Unit; see docs/composite.md.

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
