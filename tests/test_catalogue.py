"""The bilingual catalogue (``src/award_eval/i18n/catalogue/*.yaml``): complete, unique, used, and the
only place a reader's words live.

Every check is a small function run on the real catalogue and sources, and also on a made-up bad
example, so that each one is seen to fail when it should.
"""
from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest
import yaml

from award_eval import i18n

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "award_eval"
CATALOGUE_DIR = SRC / "i18n" / "catalogue"
LANG_CODES = ("sv", "en")


# --- what is in the catalogue ----------------------------------------------------------------------

def catalogue_files() -> dict[str, dict]:
    """``file stem -> entries`` of every catalogue file, read with the loader that refuses duplicates."""
    return {path.stem: yaml.load(path.read_text(encoding="utf-8"), Loader=i18n._UniqueKeyLoader) or {}
            for path in sorted(CATALOGUE_DIR.glob("*.yaml"))}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def entry_problems(key: str, texts: object) -> list[str]:
    """What is wrong with one entry: not exactly sv and en, an empty text, different placeholders."""
    if not isinstance(texts, dict) or set(texts) != set(LANG_CODES):
        return [f"{key}: has {sorted(texts) if isinstance(texts, dict) else texts!r}, not exactly sv and en"]
    problems = [f"{key}: {lang} is empty or not text" for lang in LANG_CODES
                if not isinstance(texts[lang], str) or not texts[lang].strip()]
    if not problems and placeholders(texts["sv"]) != placeholders(texts["en"]):
        problems.append(f"{key}: placeholders differ, sv {sorted(placeholders(texts['sv']))} "
                        f"en {sorted(placeholders(texts['en']))}")
    return problems


def namespace_problems(files: dict[str, dict]) -> list[str]:
    """Keys outside their file's namespace, and keys defined in two files."""
    problems, seen = [], {}
    for stem, entries in files.items():
        for key in entries:
            if not key.startswith(f"{stem}."):
                problems.append(f"{stem}.yaml: {key} does not start with '{stem}.'")
            if key in seen:
                problems.append(f"{key}: defined in {seen[key]}.yaml and {stem}.yaml")
            seen[key] = stem
    return problems


def test_every_key_has_swedish_and_english_with_the_same_placeholders():
    problems = [p for entries in catalogue_files().values() for key, texts in entries.items()
                for p in entry_problems(key, texts)]
    assert problems == []


def test_entry_check_catches_a_missing_language_an_empty_text_and_different_placeholders():
    assert entry_problems("a.b", {"sv": "ja"})
    assert entry_problems("a.b", {"sv": "ja", "en": "yes", "de": "ja"})
    assert entry_problems("a.b", {"sv": " ", "en": "yes"})
    assert entry_problems("a.b", {"sv": "{n} av {total}", "en": "{n} of {all}"})
    assert entry_problems("a.b", {"sv": "{n} st", "en": "{n} pcs"}) == []


def test_every_key_is_in_its_files_namespace_and_defined_once():
    files = catalogue_files()
    assert namespace_problems(files) == []
    assert sum(len(entries) for entries in files.values()) == len(i18n.catalogue())


def test_namespace_check_catches_a_stray_key_and_a_key_in_two_files():
    assert namespace_problems({"report": {"table.rank": {}}})
    assert namespace_problems({"report": {"report.x": {}}, "report2": {"report.x": {}}})


def test_a_key_defined_twice_in_one_file_is_refused():
    with pytest.raises(ValueError, match="defined twice"):
        yaml.load('a.x: {sv: "1", en: "1"}\na.x: {sv: "2", en: "2"}\n', Loader=i18n._UniqueKeyLoader)


# --- every key is used ----------------------------------------------------------------------------------

def python_sources() -> dict[str, str]:
    """Every Python source a reader's words can come from: the package and the notebooks' code cells."""
    out = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for p in SRC.rglob("*.py")}
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "code":
                out[f"{nb.relative_to(ROOT)}[{i}]"] = "".join(cell["source"])
    return out


def template_sources() -> dict[str, str]:
    return {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
            for p in (SRC / "templates").rglob("*") if p.is_file() and p.suffix in (".j2", ".html", ".tpl")}


def string_literals(source: str) -> set[str]:
    """Every string constant in ``source``, and the literal start of every f-string (``f"report.kind.{k}"``
    gives ``report.kind.``)."""
    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.add(node.value)
        elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
            out.add(str(node.values[0].value))
    return out


def unused_keys(keys: set[str], literals: set[str]) -> set[str]:
    """Keys that appear nowhere as a string literal. A key built from data (``t(f"report.kind.{kind}")``,
    ``_known("method.normalisation.", name)``) counts as used through its family's literal prefix, which
    must name at least two levels (``report.kind.``, not ``report.``)."""
    families = tuple(s for s in literals if re.fullmatch(r"[a-z0-9_]+(\.[A-Za-z0-9_]+)+\.", s))
    return {key for key in keys if key not in literals and not key.startswith(families)}


def test_every_key_is_used():
    literals = set().union(*(string_literals(s) for s in python_sources().values()))
    for text in template_sources().values():
        literals |= set(re.findall(r"""["']([a-z0-9_]+(?:\.[A-Za-z0-9_]+)+\.?)["']""", text))
    assert sorted(unused_keys(set(i18n.catalogue()), literals)) == []


def test_unused_check_catches_a_key_no_code_names():
    literals = string_literals('t("report.kind.jury", lang)\nt(f"skr.group.{code}", lang)\nx = "report."')
    keys = {"report.kind.jury", "skr.group.C8", "report.kind.ranking", "report.index.winner"}
    assert unused_keys(keys, literals) == {"report.kind.ranking", "report.index.winner"}


# --- no sentence picked by language in code ------------------------------------------------------------

def _is_language_test(node: ast.AST) -> bool:
    """``sv``, ``not sv``, ``lang == "sv"``, ``lang != "en"``, ``"en" == lang``…"""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id == "sv":
            return True
        if isinstance(sub, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in sub.ops):
            operands = [sub.left, *sub.comparators]
            if any(isinstance(o, ast.Constant) and o.value in LANG_CODES for o in operands):
                return True
    return False


def _has_words(nodes: list[ast.AST]) -> bool:
    """Whether a string literal with a word in it (two letters) occurs in ``nodes``."""
    for node in nodes:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and re.search(r"[^\W\d_]{2}", sub.value):
                return True
    return False


def language_branches(source: str) -> list[int]:
    """Lines where words are chosen by language in code: ``"…" if sv else "…"``, ``if lang == "sv": return "…"``,
    ``{"sv": "…", "en": "…"}``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.IfExp, ast.If)) and _is_language_test(node.test):
            branches = [node.body, node.orelse] if isinstance(node, ast.IfExp) else [*node.body, *node.orelse]
            if _has_words(branches):
                lines.append(node.lineno)
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if set(LANG_CODES) <= keys and _has_words(node.values):
                lines.append(node.lineno)
    return lines


def test_no_sentence_is_chosen_by_language_in_code_or_notebooks():
    found = {name: lines for name, source in python_sources().items()
             if not name.startswith("src/award_eval/i18n/")  # number formats differ by language, by design
             and not name.startswith("src/award_eval/io/workbooks.py")  # the juror workbook is bilingual on purpose
             and (lines := language_branches(source))}
    assert found == {}


@pytest.mark.parametrize("source", [
    'x = "poäng" if sv else "points"',
    'x = "ja" if lang == "sv" else "yes"',
    'x = f"{n} st" if lang != "en" else f"{n} pcs"',
    'if lang == "sv":\n    text = "Hej"\nelse:\n    text = "Hello"',
    'x = {"sv": "Rangordning", "en": "Ranking"}[lang]',
])
def test_language_branch_check_catches_each_form(source):
    assert language_branches(source) == [1]


def test_language_branch_check_lets_code_branches_pass():
    assert language_branches('x = UNITS.get(u, u) if lang == "en" else u\ny = check_lang(lang if lang in ("sv", "en") else "sv")') == []


# --- t() and its helpers ------------------------------------------------------------------------------

def test_t_fills_fields_and_refuses_an_unknown_key_or_language():
    assert i18n.t("report.index.top_of", "sv", n=3) == "Topp 3"
    assert i18n.t("report.index.top_of", "en", n=3) == "Top 3"
    with pytest.raises(KeyError):
        i18n.t("rank", "sv")  # the old bare keys are gone
    with pytest.raises(ValueError):
        i18n.t("report.method", "de")


def test_texts_gives_every_language():
    assert i18n.texts("report.title.profile", name="Värmdö") == {"sv": "Profil: Värmdö", "en": "Profile: Värmdö"}
