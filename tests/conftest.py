"""Shared paths and fixtures. Tests that need ../shared skip cleanly where it is absent."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CRITERIA = ROOT / "criteria" / "digitaliseringskommun.yaml"
SHARED = ROOT.parent / "shared"
BIN = Path(sys.executable).parent


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this checkout")
    return SHARED


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A writable copy of the demo data folder (plan included), for tests that break a file."""
    dest = tmp_path / "demo"
    shutil.copytree(DEMO, dest)
    return dest


@pytest.fixture
def framework():
    from award_eval import load_framework

    return load_framework(CRITERIA)


@pytest.fixture
def demo_data(framework):
    from award_eval import load_award_data

    return load_award_data(DEMO, framework)
