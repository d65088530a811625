"""All exception types of award_eval, in one place.

Every error about user input is an :class:`InputError`: its message is one line that names the
file, the row (1-based as a spreadsheet numbers it, so the header is row 1), the column, the
value, and what was expected. The CLI prints that line and exits 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AwardEvalError(Exception):
    """Base class of every error award_eval raises on purpose."""


def _place_name(file: str | Path | None) -> str:
    """Name a file for a message: its name relative to the working directory when possible."""
    if file is None:
        return "<input>"
    path = Path(file)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass
class InputError(AwardEvalError):
    """Bad user input: names the place (file, sheet, row, column or YAML path) and the value."""

    file: str | Path | None
    expected: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    sheet: str | None = None
    yaml_path: str | None = None
    has_value: bool = True

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [_place_name(self.file)]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.yaml_path is not None:
            parts.append(f"at {self.yaml_path}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        where = ", ".join(parts)
        if self.has_value:
            return f"{where}: value {_short(self.value)} — expected {self.expected}"
        return f"{where}: {self.expected}"

    def __str__(self) -> str:
        return self.message


def _short(value: Any, limit: int = 60) -> str:
    """Render a value for a one-line message, quoted and cut to a readable length."""
    text = repr(value) if not isinstance(value, str) else repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PlanError(AwardEvalError):
    """A plan file is inconsistent (unknown notebook, undeclared parameter, duplicate id)."""


class EvaluationFailed(AwardEvalError):
    """One or more evaluations of a run failed; the others completed."""


class BrowserMissing(AwardEvalError):
    """No Chromium (or no Playwright for Python) to print a report with; the CLI exits 2."""
