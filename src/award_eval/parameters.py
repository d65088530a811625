"""Every notebook parameter's allowed values and type, declared once.

:data:`SCHEMAS` maps a notebook (its file name without ``.ipynb``) to its parameters, each a
pydantic-checked type: a fixed list of values (from :mod:`award_eval.choices`, which the modules
that implement them read too, e.g. :data:`~award_eval.choices.NORMALISATIONS`), a number in a range, an existing file or folder,
a municipality code that exists. Two places use it, so a typo is caught before anything is
computed:

- the notebook's first cell after its parameters: ``check_notebook_parameters("evaluate", globals())``;
- ``award-eval run``: :func:`award_eval.run.plan.check_parameters` checks every evaluation's
  values against its notebook's schema before any notebook starts.

A bad value is an :class:`~award_eval.errors.InputError` (one line; in a notebook it shows without
a traceback); a missing file or folder is reported as "not found".
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter, ValidationError

from award_eval.choices import (
    COMPOSITE_AGGREGATIONS,
    IMPUTATIONS,
    JURY_METHODS,
    MEANS,
    NORMALISATIONS,
    RESAMPLES,
    TREATMENTS,
    WEIGHT_SCHEMES,
)
from award_eval.data import load_nominees, load_register
from award_eval.errors import InputError, NotFound
from award_eval.i18n import LANGS
from award_eval.present.notebook import search_folders

NONE = "none"  # the text a notebook parameter uses to switch a step off


def _one_of(values: tuple[str, ...]) -> Any:
    return Literal[tuple(values)]  # type: ignore[valid-type]


def _path(kind: str) -> Any:
    def check(value: str) -> str:
        p = Path(value).expanduser()
        bases = [None] if p.is_absolute() else search_folders()
        found = [q for q in ((p if b is None else b / p) for b in bases) if q.exists()]
        if not found:
            where = "" if p.is_absolute() else f" (looked up from {Path.cwd()} and the folders above it)"
            raise NotFound(f"not found{where}")
        if kind == "file" and not found[0].is_file():
            raise ValueError("a file, not a folder")
        if kind == "data folder":
            if not found[0].is_dir():
                raise ValueError("a data folder, not a file")
            if not (found[0] / "municipalities.csv").is_file():
                raise ValueError("a data folder with municipalities.csv (the register); it has none")
        return value
    return Annotated[str, AfterValidator(check)]


def _comma_list(values: tuple[str, ...], allow_empty: bool = True) -> Any:
    def check(value: str) -> str:
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts and not allow_empty:
            raise ValueError("at least one of " + ", ".join(values))
        bad = [p for p in parts if p not in values]
        if bad:
            raise ValueError(f"a comma-separated list of {', '.join(values)} ({bad[0]!r} is none of them)")
        return value
    return Annotated[str, AfterValidator(check)]


def _power_of_two(value: int) -> int:
    if value < 2 or value & (value - 1):
        raise ValueError("a power of 2 (the Sobol' sequence's balance), e.g. 256, 512, 1024")
    return value


#: The normalisations a screening (or an uncertainty analysis) can use on the award's indicators:
#: the evaluation's (each with a map onto 0–100 that a criteria file can carry; see evaluation.py).
INDICATOR_NORMALISERS = NORMALISATIONS

#: The municipality-code parameters: name → which list the code must be in.
CODE_PARAMETERS = {"code": "municipalities", "focus": "nominees"}

COMMON: dict[str, Any] = {
    "criteria": _path("file"),
    "data_dir": _path("data folder"),
    "output_dir": str,
    "evaluation_id": str,
    "lang": _one_of(LANGS),
    "seed": Annotated[int, Field(ge=0)],
}
EVALUATE: dict[str, Any] = {
    **COMMON,
    "normalisation": _one_of(NORMALISATIONS),
    "aggregation": _one_of(("default",) + MEANS),  # an evaluation's aggregations are the means
    "jury_method": _one_of(JURY_METHODS),
    "anonymise_jurors": bool,
}
def _share(value: float) -> float:
    if value != -1 and not 0 <= value <= 1:
        raise ValueError("from 0 to 1, or -1 (as the criteria file says)")
    return value


SCHEMAS: dict[str, dict[str, Any]] = {
    "evaluate": {**EVALUATE, "jury_share": Annotated[float, AfterValidator(_share)]},
    "longlist": COMMON,
    "stage": {**{k: v for k, v in EVALUATE.items() if k != "anonymise_jurors"}, "stage": str,
              "jury_share": Annotated[float, AfterValidator(_share)]},
    # a municipality's code, or a joint nominee's member codes joined by '+' (2062+2034+2039)
    "profile": {**EVALUATE, "code": Annotated[str, Field(pattern=r"^\d{4}(\+\d{4})*$")]},
    "jury": {
        **COMMON,
        "threshold": Annotated[float, Field(gt=0)],
        "max_listed": Annotated[int, Field(ge=0)],
        "anonymise_jurors": bool,
    },
    "screening": {
        **COMMON,
        "shortlist_size": Annotated[int, Field(ge=0)],
        "per_group": Annotated[int, Field(ge=0)],
        "impute": _one_of((NONE,) + IMPUTATIONS),
        "min_coverage": Annotated[float, Field(ge=0, le=1)],
        "treat": _one_of((NONE,) + TREATMENTS),
        "normalisation": _one_of(INDICATOR_NORMALISERS),
        "aggregation": _one_of(COMPOSITE_AGGREGATIONS),
    },
    "uncertainty": {
        **COMMON,
        "n": Annotated[int, Field(ge=1)],
        "weights": _one_of(WEIGHT_SCHEMES + (NONE,)),
        "concentration": Annotated[float, Field(gt=0)],
        "spread": Annotated[float, Field(ge=0, lt=1)],
        "aggregations": _comma_list(MEANS),
        "normalisations": _comma_list(INDICATOR_NORMALISERS),
        "normalisation": _one_of(NORMALISATIONS),
        "jury_method": _one_of(JURY_METHODS),
        "jurors": _one_of(RESAMPLES + (NONE,)),
        "sobol_n": Annotated[int, Field(ge=2), AfterValidator(_power_of_two)],
        "focus": Annotated[str, Field(pattern=r"^(\d{4}(\+\d{4})*)?$")],
    },
}

_STRICT = ConfigDict(strict=True)
_ADAPTERS: dict[int, TypeAdapter] = {}


def _adapter(kind: Any) -> TypeAdapter:
    if id(kind) not in _ADAPTERS:
        _ADAPTERS[id(kind)] = TypeAdapter(kind, config=_STRICT)
    return _ADAPTERS[id(kind)]


def prepare_validators() -> None:
    """Build every schema's validators now (the kernel server does, so forked kernels inherit them)."""
    for schema in SCHEMAS.values():
        for kind in schema.values():
            _adapter(kind)


@dataclass(frozen=True)
class Problem:
    """What is wrong with one parameter: its name, value, and what was expected (or "not found")."""

    name: str
    value: Any
    expected: str
    not_found: bool = False


def allowed_values(notebook: str, name: str) -> tuple[str, ...]:
    """The fixed list of values a parameter takes (empty when it is not such a parameter)."""
    kind = SCHEMAS[notebook][name]
    return tuple(get_args(kind)) if get_origin(kind) is Literal else ()


def problem(notebook: str, parameters: Mapping[str, Any]) -> Problem | None:
    """The first bad value among ``parameters`` for ``notebook``'s schema, or None.

    Names the schema does not declare are left alone (the plan check reports undeclared names).
    A code is also checked against the data folder's register (``code``) or nominees (``focus``).
    """
    schema = SCHEMAS[notebook]
    for name, value in parameters.items():
        if name not in schema:
            continue
        try:
            _adapter(schema[name]).validate_python(value)
        except ValidationError as exc:
            err = exc.errors()[0]
            cause = (err.get("ctx") or {}).get("error")
            if isinstance(cause, NotFound):
                return Problem(name, value, str(cause), not_found=True)
            return Problem(name, value, _expected(err, schema[name]))
    if notebook == "uncertainty" and parameters.get("jurors") == "bootstrap" \
            and parameters.get("jury_method", "mean") != "mean":
        return Problem("jurors", "bootstrap", f"leave_one_out or {NONE} with jury_method "
                       f"{parameters['jury_method']!r} (bootstrap supports jury_method mean only)")
    return _code_problem(parameters)


def _expected(err: dict, kind: Any) -> str:
    if err["type"] == "literal_error":
        return "one of " + ", ".join(map(str, get_args(kind)))
    if err["type"].endswith("_type"):
        words = {"int_type": "a whole number (int)", "float_type": "a number (float)",
                 "bool_type": "true or false (bool)", "string_type": "text (str)"}
        return words.get(err["type"], err["msg"].removeprefix("Input should be "))
    if err["type"] in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return "a number " + err["msg"].removeprefix("Input should be ")
    if err["type"] == "string_pattern_mismatch":
        return ("a 4-digit municipality code kept as text, e.g. '0120', or a joint nominee's codes joined by '+'"
                + (" (or empty)" if "?" in err["ctx"]["pattern"] else ""))
    return err["msg"].removeprefix("Value error, ").removeprefix("Input should be ")


def _code_problem(parameters: Mapping[str, Any]) -> Problem | None:
    data_dir = parameters.get("data_dir")
    wanted = {n: parameters[n] for n in CODE_PARAMETERS if parameters.get(n)}
    if not wanted or not isinstance(data_dir, str):
        return None
    folder = resolve_folder(data_dir)
    for name, code in wanted.items():
        codes = _codes(folder / ("municipalities.csv" if CODE_PARAMETERS[name] == "municipalities" else "nominees.csv"))
        if CODE_PARAMETERS[name] == "municipalities" and "+" in code:  # a joint nominee: its members are registered
            known = code in _codes(folder / "nominees.csv") if (folder / "nominees.csv").is_file() else False
            if known or all(member in codes for member in code.split("+")):
                continue
        if code not in codes:
            if CODE_PARAMETERS[name] == "municipalities":
                return Problem(name, code, f"a municipality code of the register ({folder / 'municipalities.csv'})")
            return Problem(name, code, f"empty or the code of a nominee ({', '.join(codes)})")
    return None


def _codes(path: Path) -> tuple[str, ...]:
    """The codes of a register or nominees file (read once per file version: a plan checks many profiles)."""
    stat = path.stat() if path.is_file() else None
    return _read_codes(path, stat.st_mtime_ns if stat else None, stat.st_size if stat else None)


@functools.lru_cache(maxsize=16)
def _read_codes(path: Path, mtime_ns: int | None, size: int | None) -> tuple[str, ...]:
    register = load_register(path.with_name("municipalities.csv"))
    frame = register if path.name == "municipalities.csv" else load_nominees(path, register)
    return tuple(frame["code"])


def resolve_folder(path: str) -> Path:
    """``path`` as an absolute path, looked up as the notebooks look it up (it exists: checked before)."""
    p = Path(path).expanduser()
    if p.is_absolute():
        return p
    return next(b / p for b in search_folders() if (b / p).exists()).resolve()


def check_notebook_parameters(notebook: str, namespace: Mapping[str, Any]) -> dict[str, Any]:
    """Check a notebook's parameters (its ``globals()``) before anything is computed.

    Call it first in the cell after the parameters cell. Returns the checked values by name;
    raises :class:`InputError` naming the notebook, the parameter, the value and what was expected.
    """
    if notebook not in SCHEMAS:
        raise ValueError(f"no parameter schema for notebook {notebook!r} (schemas: {', '.join(SCHEMAS)})")
    values = {name: namespace[name] for name in SCHEMAS[notebook] if name in namespace}
    found = problem(notebook, values)
    if found is not None:
        raise parameter_error(f"{notebook}.ipynb", found)
    return values


def parameter_error(file: str | Path, found: Problem, *, yaml_path: str | None = None, context: str = "") -> InputError:
    """The one-line error for ``found``: at ``file`` (and ``yaml_path``, for a plan)."""
    if found.not_found:
        return InputError(file, f"{found.value!r} {found.expected}{context}", parameter=found.name,
                          yaml_path=yaml_path, has_value=False)
    return InputError(file, found.expected + context, parameter=found.name, yaml_path=yaml_path, value=found.value)
