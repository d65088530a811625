"""Provenance: what made a result — input hashes, criteria version, seed, package versions, commit."""
from __future__ import annotations

import functools
import hashlib
import subprocess
from importlib.metadata import PackageNotFoundError, version
from collections.abc import Callable
from pathlib import Path

KEY_PACKAGES = ("award-eval", "numpy", "pandas", "scipy", "scikit-learn", "matplotlib", "papermill", "nbconvert")


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_digest(root: str | Path, skip: Callable[[str], bool] = lambda rel: False) -> str:
    """SHA-256 over every file below ``root`` (relative name and bytes, in name order; no bytecode),
    leaving out the relative names ``skip`` says: a version of code, templates and catalogue."""
    root = Path(root)
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                       and p.suffix not in (".pyc", ".pyo") and not skip(p.relative_to(root).as_posix())):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """The installed versions of :data:`KEY_PACKAGES` (read once per process: the modules a process
    has imported do not change version under it)."""
    return dict(_versions())


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    out = []
    for name in KEY_PACKAGES:
        try:
            out.append((name, version(name)))
        except PackageNotFoundError:
            out.append((name, "not installed"))
    return tuple(out)


def git_commit(path: str | Path) -> str | None:
    """The commit of the checkout that holds ``path``, or None when it is not a git checkout."""
    try:
        res = subprocess.run(["git", "-C", str(Path(path).resolve().parent if Path(path).is_file() else path),
                              "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return res.stdout.strip() or None if res.returncode == 0 else None


def input_hashes(files: dict[str, str | Path]) -> dict[str, str]:
    """SHA-256 of every input file, keyed by a name that contains no local path."""
    return {name: sha256_file(p) for name, p in sorted(files.items())}
