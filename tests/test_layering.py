"""The house's rules, checked over the source: imports point one way, no cycle, every import declared.

Every ``import`` counts, wherever it stands: at the top, inside a function, or under
``TYPE_CHECKING``. A lazy import hides a cycle from Python, not from this test.
"""
from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "award_eval"

#: The layers, bottom to top (docs/architecture.md). A module may import from its own layer or below.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "version", "i18n", "choices"),
    ("io",),
    ("criteria", "ranking"),
    ("jury", "composite"),
    ("data", "nominations", "joint"),
    ("evaluation", "screening", "privacy", "provenance", "preconditions", "validation", "round", "jury_share"),
    ("uncertainty",),
    ("profile", "present", "parameters", "shared"),
    ("run", "kernels"),
    ("cli", "__main__"),
)
RANK = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def resolve(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str) -> list[tuple[str, int]]:
    """Every award_eval module ``module`` imports (anywhere in the file), with its line."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "award_eval"]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, node)
            if target.split(".")[0] != "award_eval":
                continue
            for alias in node.names:  # `from award_eval.x import y`: y may be a submodule
                sub = f"{target}.{alias.name}"
                out.append((sub if sub in MODULES else target, node.lineno))
    return [(t, line) for t, line in out if t != module]


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None  # None: the package's own __init__ (the facade)


def all_imports() -> dict[str, list[tuple[str, int]]]:
    return {m: imports_of(m) for m in MODULES}


def test_every_room_has_a_layer():
    rooms = {room(m) for m in MODULES} - {None}
    assert rooms <= set(RANK), f"modules with no layer in LAYERS: {sorted(rooms - set(RANK))}"


def test_imports_point_down():
    upward = []
    for module, targets in all_imports().items():
        if room(module) is None:
            continue  # award_eval/__init__.py re-exports the public API from every layer
        for target, line in targets:
            if room(target) is None:
                upward.append(f"{module}:{line} imports the package facade award_eval (import the module itself)")
            elif RANK[room(target)] > RANK[room(module)]:
                upward.append(f"{module}:{line} imports {target} (layer {RANK[room(target)]} > {RANK[room(module)]})")
    assert not upward, "imports that point up:\n" + "\n".join(upward)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def module_graph() -> dict[str, set[str]]:
    """Module -> modules it imports, leaving out a package's imports of its own submodules.

    ``from award_eval.jury import x`` runs ``jury/__init__.py``, which imports ``jury.scores``:
    the edge to the package stands, the package's re-export edges to its children do not make a
    child that imports a sibling part of a cycle.
    """
    graph: dict[str, set[str]] = {}
    for module, targets in all_imports().items():
        graph[module] = {t for t, _ in targets
                         if not (is_package(module) and t.startswith(module + "."))}
    return graph


def test_no_import_cycle():
    assert find_cycle(module_graph()) is None, f"import cycle: {' -> '.join(find_cycle(module_graph()))}"


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def third_party_imports() -> dict[str, str]:
    """Top-level third-party names imported anywhere in src/, with one place each."""
    found: dict[str, str] = {}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top != "award_eval" and top not in sys.stdlib_module_names:
                    found.setdefault(top, f"{module}:{node.lineno}")
    return found


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta["dependencies"])
    for extra in meta.get("optional-dependencies", {}).values():
        reqs += extra
    return {_norm(re.split(r"[\s<>=!~;\[]", r, maxsplit=1)[0]) for r in reqs}


def test_every_third_party_import_is_declared():
    dists = md.packages_distributions()
    missing = []
    for top, where in sorted(third_party_imports().items()):
        names = {_norm(d) for d in dists.get(top, [])}
        if not names:
            missing.append(f"{top} ({where}): not installed")
        elif not names & declared():
            missing.append(f"{top} ({where}): from {sorted(names)}, not in pyproject.toml")
    assert not missing, "imported but not declared:\n" + "\n".join(missing)


@pytest.mark.parametrize("module", ["award_eval.run.batch", "award_eval.cli"])
def test_a_top_module_imports_cleanly_alone(module):
    """A module importable in a fresh interpreter: no cycle that only an import order hides."""
    import subprocess
    res = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]


def test_the_runner_reads_notebooks_without_the_iri_grammar():
    """award_eval.run keeps jsonschema's optional IRI checker out (its import compiles a grammar,
    ~1 s), and a notebook still reads and validates."""
    import subprocess
    code = ("import sys, award_eval.run, nbformat; "
            "nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); "
            "print(sys.modules.get('rfc3987_syntax', 'absent'))")
    res = subprocess.run([sys.executable, "-c", code, str(ROOT / "notebooks" / "profile.ipynb")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "None"
