"""Criteria files: the default framework loads; each kind of mistake is one line naming the place."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from .conftest import CRITERIA

from award_eval import InputError, load_framework


def test_default_framework_loads(framework):
    assert framework.version
    assert [p.id for p in framework.pillars] == ["leadership", "culture", "services", "innovation",
                                                  "collaboration", "foundations"]
    assert len(framework.jury_criteria) >= 5 and len(framework.indicator_criteria) >= 3
    for node in framework.leaves("jury"):
        assert sorted(node.rubric) == [1, 2, 3, 4, 5]
        assert all(a.sv and a.en for a in node.rubric.values())
    assert framework.by_id["email_days"].sign == -1
    assert framework.sha256 and len(framework.sha256) == 64


def test_imeta_levels_and_parents(framework):
    meta = framework.to_imeta()
    top = meta[meta["iCode"] == "index"].iloc[0]
    assert top["Level"] == 3 and top["Type"] == "Aggregate"
    assert set(meta.loc[meta["Level"] == 2, "Parent"]) == {"index"}
    assert set(meta.loc[meta["Level"] == 1, "Type"]) == {"Indicator"}


def _write_variant(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load(CRITERIA.read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "criteria.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _node(doc, node_id):
    return next(n for n in doc["nodes"] if n["id"] == node_id)


@pytest.mark.parametrize("mutate, path_part, words", [
    (lambda d: _node(d, "strategy").__setitem__("weight", -1), "nodes[1].weight", "positive"),
    (lambda d: _node(d, "strategy").__setitem__("weight", 0), "nodes[1].weight", "positive"),
    (lambda d: _node(d, "strategy").pop("weight"), "nodes[1].weight", "required"),
    (lambda d: _node(d, "strategy").__setitem__("colour", "red"), "nodes[1].colour", "unknown key"),
    (lambda d: _node(d, "competence").__setitem__("id", "strategy"), "nodes[3].id", "unique id"),
    (lambda d: _node(d, "strategy").__setitem__("parent", "nowhere"), "nodes[1].parent", "another node"),
    (lambda d: _node(d, "strategy")["rubric"].pop(3), "nodes[1].rubric", "each level 1–5"),
    (lambda d: _node(d, "broadband").__setitem__("direction", "up"), "direction", "higher"),
    (lambda d: d.__setitem__("colour", "red"), "colour", "unknown key"),
])
def test_bad_criteria_names_the_place(tmp_path, mutate, path_part, words):
    path = _write_variant(tmp_path, mutate)
    with pytest.raises(InputError) as info:
        load_framework(path)
    message = str(info.value)
    assert "\n" not in message
    assert "criteria.yaml" in message and path_part in message and words in message
    assert "row " in message  # the YAML line, as an editor numbers it


def test_negative_weight_points_at_its_line(tmp_path):
    text = CRITERIA.read_text(encoding="utf-8").replace("  weight: 1.5\n", "  weight: -1.5\n", 1)
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "weight: -1.5" in l)
    with pytest.raises(InputError, match=rf"row {line}: value -1\.5 — expected a positive number"):
        load_framework(path)


def test_yaml_syntax_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\nnodes: [\n", encoding="utf-8")
    with pytest.raises(InputError, match="valid YAML"):
        load_framework(path)
