"""Plan files: which evaluations a run executes, with which notebook and parameters.

A plan is YAML. Paths in it are relative to the plan file. Example::

    award: digitaliseringskommun
    defaults:                       # parameters every evaluation receives
      criteria: ../../criteria/digitaliseringskommun.yaml
      data_dir: .
      lang: sv
      seed: 42
    evaluations:
      - id: overall
        notebook: ../../notebooks/evaluate.ipynb
        title: {sv: Total rangordning, en: Overall ranking}
        parameters: {normalisation: minmax}

Parameters named in :data:`PATH_PARAMETERS` are resolved against the plan's folder before they
are injected, so a notebook always receives absolute paths.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .criteria import Label
from .errors import InputError, PlanError

PATH_PARAMETERS = ("criteria", "data_dir")
ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


class EvaluationSpec(BaseModel):
    """One evaluation: a notebook run with parameters into ``<out>/<id>/``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_RE)
    notebook: Path
    title: Label | str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)

    def title_in(self, lang: str) -> str:
        if isinstance(self.title, Label):
            return self.title(lang)  # type: ignore[arg-type]
        return self.title or self.id


class Plan(BaseModel):
    """A validated plan; paths already absolute."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    award: str | None = None
    title: Label | str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    evaluations: list[EvaluationSpec] = Field(min_length=1)
    source: Path | None = None

    def parameters(self, spec: EvaluationSpec) -> dict[str, Any]:
        """The defaults overlaid with the evaluation's own parameters."""
        return {**self.defaults, **spec.parameters, "evaluation_id": spec.id}

    @property
    def lang(self) -> str:
        return str(self.defaults.get("lang", "sv"))


def _absolute(base: Path, value: Any) -> Any:
    return str((base / str(value)).resolve()) if isinstance(value, (str, Path)) else value


def load_plan(path: str | Path) -> Plan:
    """Read a plan, resolve its paths, and check it before anything runs."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(path, "an existing plan file", has_value=False) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"valid YAML ({getattr(exc, 'problem', exc)})",
                         row=mark.line + 1 if mark else None, has_value=False) from None
    if not isinstance(raw, dict):
        raise InputError(path, "a mapping with keys defaults and evaluations", value=type(raw).__name__)
    base = path.resolve().parent
    try:
        plan = Plan.model_validate({**raw, "source": path.resolve()})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in err["loc"]).replace(".[", "[")
        value = err["loc"][-1] if err["type"] == "extra_forbidden" else err.get("input")
        expected = "no such key (unknown key)" if err["type"] == "extra_forbidden" else err["msg"]
        raise InputError(path, expected, yaml_path=loc, value=value) from None
    defaults = {k: (_absolute(base, v) if k in PATH_PARAMETERS else v) for k, v in plan.defaults.items()}
    evaluations = []
    seen: set[str] = set()
    for i, spec in enumerate(plan.evaluations):
        if spec.id in seen:
            raise InputError(path, "a unique evaluation id", yaml_path=f"evaluations[{i}].id", value=spec.id)
        seen.add(spec.id)
        notebook = (base / spec.notebook).resolve()
        if not notebook.is_file():
            raise InputError(path, "an existing notebook file", yaml_path=f"evaluations[{i}].notebook",
                             value=str(spec.notebook))
        params = {k: (_absolute(base, v) if k in PATH_PARAMETERS else v) for k, v in spec.parameters.items()}
        evaluations.append(spec.model_copy(update={"notebook": notebook, "parameters": params}))
    return plan.model_copy(update={"defaults": defaults, "evaluations": evaluations})


def check_parameters(plan: Plan) -> None:
    """Every parameter must be declared in its notebook's ``parameters`` cell (papermill inspection)."""
    import papermill as pm

    declared_cache: dict[Path, set[str]] = {}
    for i, spec in enumerate(plan.evaluations):
        if spec.notebook not in declared_cache:
            declared_cache[spec.notebook] = set(pm.inspect_notebook(str(spec.notebook)).keys())
        declared = declared_cache[spec.notebook]
        for name in plan.parameters(spec):
            if name not in declared and name != "output_dir":
                raise PlanError(f"{plan.source}: evaluation {spec.id!r} passes parameter {name!r}, which "
                                f"{spec.notebook.name} does not declare (it declares: {', '.join(sorted(declared))})")
