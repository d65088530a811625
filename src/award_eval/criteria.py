"""The award's framework: a tree of pillars and criteria, loaded from YAML and validated.

A criteria file is a flat list of nodes, each naming its parent (COINr's iMeta idea, so that a
framework is data a spreadsheet can hold). Top-level nodes are the pillars; leaves are criteria,
either scored by the jury on a rubric (``kind: jury``) or measured by an open indicator
(``kind: indicator``). The index itself is implicit: the weighted aggregate of the pillars.
"""
from __future__ import annotations

import hashlib
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

Lang = Literal["sv", "en"]
ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    """A text in Swedish and English."""

    sv: str = Field(min_length=1)
    en: str = Field(min_length=1)

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

    id: str = Field(pattern=ID_PATTERN)
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

    version: str = Field(min_length=1)
    award: Award
    scale: Scale = Scale()
    aggregation: Literal["arithmetic", "geometric"] = "arithmetic"
    #: The jury criteria's share of the index against the open data (0–1); None: as the weights say.
    jury_share: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    nodes: list[Node] = Field(min_length=1)
    _source: Path | None = PrivateAttr(default=None)
    _sha256: str | None = PrivateAttr(default=None)

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
                cur = self.nodes[seen[cur]].parent
        return self

    # --- navigation -----------------------------------------------------------------------
    @cached_property
    def by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.nodes}

    def children(self, node_id: str | None) -> list[Node]:
        """The children of a node, in file order; ``None`` gives the pillars."""
        return [n for n in self.nodes if n.parent == node_id]

    @property
    def pillars(self) -> list[Node]:
        return self.children(None)

    def leaves(self, kind: str | None = None) -> list[Node]:
        """Criteria (leaves) in tree order, optionally only one kind."""
        out: list[Node] = []

        def walk(parent: str | None) -> None:
            for child in self.children(parent):
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
        if node_id == "index":
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

        Levels count up from the criteria as COINr's do; the implicit index is added as the
        top-level aggregate with code ``index``.
        """
        height: dict[str, int] = {}

        def level(node_id: str) -> int:
            if node_id not in height:
                kids = self.children(node_id)
                height[node_id] = 1 if not kids else 1 + max(level(k.id) for k in kids)
            return height[node_id]

        top = 1 + max(level(p.id) for p in self.pillars)
        rows = [{
            "Level": level(n.id), "iCode": n.id, "iName": n.label(lang),
            "Direction": n.sign, "Weight": n.weight, "Unit": n.unit,
            "Parent": n.parent or "index",
            "Type": "Aggregate" if n.kind == "group" else "Indicator",
        } for n in self.nodes]
        rows.append({"Level": top, "iCode": "index", "iName": self.award.label(lang), "Direction": 1,
                     "Weight": 1.0, "Unit": None, "Parent": None, "Type": "Aggregate"})
        return pd.DataFrame(rows)





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
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise InputError(path, "a readable criteria file", has_value=False) from exc
    text = raw_bytes.decode("utf-8-sig")
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
