"""All exception types of award_eval, in one place.

Every error about user input is an :class:`InputError`: its message is one line that names the
file, the row (1-based as a spreadsheet numbers it, so the header is row 1), the column, the
value, and what was expected. The CLI prints that line and exits 2.
"""
from __future__ import annotations

import reprlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class AwardEvalError(Exception):
    """Base class of every error award_eval raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: one line (the message names the place)."""
        return [f"{type(self).__name__}: {self}"]


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
    #: A notebook parameter (named in the message when no YAML path already names it).
    parameter: str | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [_place_name(self.file)]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.yaml_path is not None:
            parts.append(f"at {self.yaml_path}")
        elif self.parameter is not None:
            parts.append(f"parameter {self.parameter!r}")
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


def _short(value: Any, limit: int = 80) -> str:
    """Render a value for a one-line message, quoted and cut to ~80 characters.

    Long text is cut *before* it is rendered, and containers through :mod:`reprlib`, so that a
    huge value (a 100,000-character name, an expanded YAML bomb) costs nothing to report.
    """
    if isinstance(value, str):
        text = repr(value[: limit + 1])
    else:
        text = _REPR.repr(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 8
_REPR.maxlevel = 3


class SettingsError(AwardEvalError, ValueError):
    """A setting the evaluation refuses before computing anything: one line naming the parameter,
    its value and what is accepted."""


class PlanError(AwardEvalError):
    """A plan file is inconsistent (unknown notebook, undeclared parameter, duplicate id)."""


class EvaluationFailed(AwardEvalError):
    """One or more evaluations of a run failed; the others completed."""


# --- criteria -------------------------------------------------------------------------------

class NodeError(ValueError):
    """Raised inside the criteria file's validation to point at nodes[i].field."""

    def __init__(self, index: int, field: str, value: Any, expected: str) -> None:
        super().__init__(expected)
        self.loc = ("nodes", index, field)
        self.value = value
        self.expected = expected


# --- jury reliability -----------------------------------------------------------------------

class ReliabilityError(AwardEvalError, ValueError):
    """Bad input to a reliability statistic (one-line message saying what and why)."""


class MissingColumnError(ReliabilityError):
    """A column named by an argument is not in the data frame."""


class IncompleteDataError(ReliabilityError):
    """Some target lacks a rating from some rater, where the statistic needs complete data."""


# --- Kolada ---------------------------------------------------------------------------------

class KoladaError(AwardEvalError):
    """Kolada could not be reached or answered with an error: the message is one line."""


# --- runs -----------------------------------------------------------------------------------

class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a run; ``result`` holds what completed (the manifest says the same)."""

    def __init__(self, result: Any, signals: int = 1) -> None:
        again = f" (Ctrl-C pressed {signals} times: the run still stopped cleanly)" if signals > 1 else ""
        super().__init__(f"interrupted: {result.complete_count} of {len(result.outcomes)} evaluations complete, "
                         f"recorded in manifest.json{again}; run the same command again to finish")
        self.result = result
        self.signals = signals


# --- kernels ----------------------------------------------------------------------------------

class KernelStartError(AwardEvalError):
    """A kernel did not start (the message says why, with the end of its log)."""


class PoolClosed(AwardEvalError):
    """The pool was closed (the run is stopping) while a kernel was wanted."""


# --- reports ------------------------------------------------------------------------------------

class BrowserMissing(AwardEvalError):
    """No Chromium (or no Playwright for Python) to print a report with; the CLI exits 2."""


# --- notebook parameters --------------------------------------------------------------------

class NotFound(ValueError):
    """A path parameter names nothing that exists (looked up as :func:`present.notebook.resolve_path` does)."""
