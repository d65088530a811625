"""Plan files: which evaluations a run executes, with which notebook and parameters.

A plan is YAML; paths in it are relative to the plan file. Example::

    award: digitaliseringskommun
    defaults:                       # given to every notebook that declares them
      criteria: ../../criteria/digitaliseringskommun.yaml
      data_dir: .
      lang: sv
      seed: 42
    evaluations:
      - id: overall
        notebook: ../../notebooks/evaluate.ipynb
        title: {sv: Total rangordning, en: Overall ranking}
        parameters: {normalisation: minmax}
      - id: "profile-{code}"          # one evaluation per nominee: profile-0120, profile-0181, …
        notebook: ../../notebooks/profile.ipynb
        title: {sv: "Profil: {name}", en: "Profile: {name}"}
        foreach: nominees             # or municipalities, or a list such as [A1, A2, B3]
        as: code                      # the notebook parameter that receives the item

Everything that can be wrong with a plan is found by :func:`load_plan` and
:func:`check_parameters` before any notebook runs, with one line naming the plan file, the place
in it (``evaluations[2].foreach``), the value and what was expected.

Parameters named in :data:`PATH_PARAMETERS` are resolved against the plan's folder, so a
notebook always receives absolute paths.
"""
from __future__ import annotations

import string
from pathlib import Path
from typing import Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
)

from award_eval.criteria import Label
from award_eval.errors import InputError
from award_eval.io.yaml import parse as parse_yaml

PATH_PARAMETERS = ("criteria", "data_dir")
#: Given by the run itself, to notebooks that declare them: the evaluation's id and its output folder.
BUILTIN_PARAMETERS = ("evaluation_id", "output_dir")
ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#: ``foreach`` sources read from the data folder: the file and the column whose value is the item.
FOREACH_SOURCES = {"nominees": "nominees.csv", "municipalities": "municipalities.csv"}

Scalar = Union[StrictStr, StrictBool, StrictInt, StrictFloat]


class EvaluationEntry(BaseModel):
    """One entry of ``evaluations:`` as written; with ``foreach`` it stands for many evaluations."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    id: str = Field(min_length=1)
    notebook: Path
    title: Label | str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    foreach: Literal["nominees", "municipalities"] | list[Scalar] | None = None
    as_: str | None = Field(default=None, alias="as", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class EvaluationSpec(BaseModel):
    """One evaluation: a notebook run with parameters into ``<out>/<id>/``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=ID_RE)
    notebook: Path
    title: Label | str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    #: For an evaluation made by ``foreach``: the entry's id as written (e.g. ``profile-{code}``),
    #: the parameter that received the item, and the item.
    group: str | None = None
    item_parameter: str | None = None
    item: Any = None
    #: Index of the entry in the plan's ``evaluations:`` list (for messages).
    entry: int | None = None

    def title_in(self, lang: str) -> str:
        if isinstance(self.title, Label):
            return self.title(lang)  # type: ignore[arg-type]
        return self.title or self.id


class _PlanFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    award: str | None = None
    title: Label | str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    evaluations: list[EvaluationEntry] = Field(min_length=1)


class Plan(BaseModel):
    """A validated plan: ``foreach`` entries expanded, paths absolute."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    award: str | None = None
    title: Label | str | None = None
    defaults: dict[str, Any] = Field(default_factory=dict)
    evaluations: list[EvaluationSpec] = Field(min_length=1)
    source: Path | None = None

    def parameters(self, spec: EvaluationSpec) -> dict[str, Any]:
        """The defaults overlaid with the evaluation's own parameters (before filtering, see
        :func:`notebook_parameters`)."""
        return {**self.defaults, **spec.parameters, "evaluation_id": spec.id}

    @property
    def lang(self) -> str:
        return str(self.defaults.get("lang", "sv"))

    @property
    def folder(self) -> Path:
        return self.source.parent if self.source else Path.cwd()

    def by_id(self, evaluation_id: str) -> EvaluationSpec:
        for spec in self.evaluations:
            if spec.id == evaluation_id:
                return spec
        raise KeyError(evaluation_id)


def _absolute(base: Path, value: Any) -> Any:
    return str((base / str(value)).resolve()) if isinstance(value, (str, Path)) else value


def _yaml_loc(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in ("str", "int", "float", "bool", "Label") or "[" in str(part):
            continue  # pydantic's names of union members (str, literal[...], list[...]), not a place in the file
        else:
            text += ("." if text else "") + str(part)
    return text


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "an existing plan file", has_value=False) from None
    return parse_yaml(text, path)


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _format(path: Path, where: str, template: str, values: dict[str, Any]) -> str:
    try:
        return template.format_map(values)
    except KeyError as exc:
        raise InputError(path, f"placeholders among {{{'}, {'.join(values)}}}", yaml_path=where,
                         value=f"{{{exc.args[0]}}}") from None
    except (ValueError, IndexError) as exc:
        raise InputError(path, f"a text with valid {{placeholders}} ({exc})", yaml_path=where, value=template) from None


def _items(path: Path, i: int, entry: EvaluationEntry, defaults: dict[str, Any], base: Path) -> list[tuple[Any, dict]]:
    """The items of ``entry.foreach``: (value injected, placeholder values)."""
    where = f"evaluations[{i}].foreach"
    if isinstance(entry.foreach, list):
        if not entry.foreach:
            raise InputError(path, "a non-empty list, nominees or municipalities", yaml_path=where, value=[])
        return [(v, {"item": v}) for v in entry.foreach]
    data_dir = entry.parameters.get("data_dir", defaults.get("data_dir"))
    if data_dir is None:
        raise InputError(path, "a data_dir (in defaults or in this evaluation's parameters) to read "
                         f"{FOREACH_SOURCES[entry.foreach]} from", yaml_path=where, value=entry.foreach)
    from award_eval.data import load_nominees, load_register

    folder = Path(_absolute(base, data_dir))
    register = load_register(folder / "municipalities.csv")
    rows = register if entry.foreach == "municipalities" else load_nominees(folder / "nominees.csv", register)
    return [(row["code"], {**row, "item": row["code"]}) for row in rows.astype(str).to_dict("records")]


def _expand(path: Path, i: int, entry: EvaluationEntry, notebook: Path, defaults: dict[str, Any],
            base: Path) -> list[EvaluationSpec]:
    params = {k: (_absolute(base, v) if k in PATH_PARAMETERS else v) for k, v in entry.parameters.items()}
    if entry.foreach is None:
        if entry.as_ is not None:
            raise InputError(path, "'as' only together with 'foreach'", yaml_path=f"evaluations[{i}].as", value=entry.as_)
        return [EvaluationSpec(id=entry.id, notebook=notebook, title=entry.title, parameters=params, entry=i)]
    if entry.as_ is None:
        raise InputError(path, "'as: <parameter>' naming the notebook parameter that receives each item",
                         yaml_path=f"evaluations[{i}]", value=f"foreach: {entry.foreach}" if isinstance(entry.foreach, str)
                         else "foreach: [...]")
    if entry.as_ in params:
        raise InputError(path, f"either 'as: {entry.as_}' or a fixed value in parameters, not both",
                         yaml_path=f"evaluations[{i}].parameters.{entry.as_}", value=params[entry.as_])
    if entry.as_ in BUILTIN_PARAMETERS:
        raise InputError(path, f"a parameter other than {' and '.join(BUILTIN_PARAMETERS)} (the run sets those)",
                         yaml_path=f"evaluations[{i}].as", value=entry.as_)
    if not _fields(entry.id):
        raise InputError(path, "an id with a placeholder such as {item} or {" + entry.as_ + "} (foreach makes one "
                         "evaluation per item)", yaml_path=f"evaluations[{i}].id", value=entry.id)
    specs = []
    for value, fields in _items(path, i, entry, {**defaults}, base):
        fields = {**fields, entry.as_: value}
        eid = _format(path, f"evaluations[{i}].id", entry.id, fields).replace("+", "-")  # joint nominees' codes
        title: Label | str | None = entry.title
        if isinstance(title, Label):
            title = Label(sv=_format(path, f"evaluations[{i}].title.sv", title.sv, fields),
                          en=_format(path, f"evaluations[{i}].title.en", title.en, fields))
        elif isinstance(title, str):
            title = _format(path, f"evaluations[{i}].title", title, fields)
        try:
            specs.append(EvaluationSpec(id=eid, notebook=notebook, title=title, parameters={**params, entry.as_: value},
                                        group=entry.id, item_parameter=entry.as_, item=value, entry=i))
        except ValidationError:
            raise InputError(path, "an id of letters, digits, '.', '_' and '-' once the placeholders are filled in",
                             yaml_path=f"evaluations[{i}].id", value=eid) from None
    return specs


def load_plan(path: str | Path) -> Plan:
    """Read a plan, expand ``foreach``, resolve its paths, and check it before anything runs."""
    path = Path(path)
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise InputError(path, "a mapping with keys defaults and evaluations", value=type(raw).__name__)
    base = path.resolve().parent
    try:
        parsed = _PlanFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _yaml_loc(err["loc"])
        value = err["loc"][-1] if err["type"] == "extra_forbidden" else err.get("input")
        if err["type"] == "extra_forbidden":
            expected = "no such key (unknown key)"
        elif ".foreach" in loc:
            loc = loc[: loc.index(".foreach") + len(".foreach")]
            expected = "nominees, municipalities or a list of values (text or numbers)"
        else:
            expected = err["msg"].removeprefix("Input should be ").removeprefix("Value error, ")
        raise InputError(path, expected, yaml_path=loc, value=value) from None
    defaults = {k: (_absolute(base, v) if k in PATH_PARAMETERS else v) for k, v in parsed.defaults.items()}
    for name in defaults:
        if name in BUILTIN_PARAMETERS:
            raise InputError(path, f"a parameter other than {' and '.join(BUILTIN_PARAMETERS)} (the run sets those)",
                             yaml_path=f"defaults.{name}", value=name)
    evaluations: list[EvaluationSpec] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(parsed.evaluations):
        notebook = (base / entry.notebook).resolve()
        if not notebook.is_file():
            raise InputError(path, "an existing notebook file", yaml_path=f"evaluations[{i}].notebook",
                             value=str(entry.notebook))
        for name in entry.parameters:
            if name in BUILTIN_PARAMETERS:
                raise InputError(path, f"a parameter other than {' and '.join(BUILTIN_PARAMETERS)} (the run sets those)",
                                 yaml_path=f"evaluations[{i}].parameters.{name}", value=name)
        for spec in _expand(path, i, entry, notebook, defaults, base):
            if spec.id in seen:
                other = seen[spec.id]
                also = f" (evaluations[{other}] has it too)" if other != i else " (this entry makes it twice)"
                raise InputError(path, "a unique evaluation id" + also, yaml_path=f"evaluations[{i}].id", value=spec.id)
            seen[spec.id] = i
            evaluations.append(spec)
    return Plan(award=parsed.award, title=parsed.title, defaults=defaults, evaluations=evaluations,
                source=path.resolve())


# ---------------------------------------------------------------------------------------------
# Parameters against the notebooks' declarations (papermill's inspection)
# ---------------------------------------------------------------------------------------------

_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,)}
_TYPE_WORDS = {"str": "text (str)", "int": "a whole number (int)", "float": "a number (float)", "bool": "true or false (bool)"}


def _type_ok(value: Any, declared: str) -> bool:
    if value is None or declared not in _TYPES:
        return True
    if declared in ("int", "float") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[declared])


def declared_parameters(notebook: str | Path) -> dict[str, dict]:
    """A notebook's ``parameters`` cell: name → {name, inferred_type_name, default, help} (papermill)."""
    import papermill as pm

    return dict(pm.inspect_notebook(str(notebook)))


def notebook_parameters(plan: Plan, spec: EvaluationSpec, declared: dict[str, dict],
                        output_dir: str | Path | None = None) -> dict[str, Any]:
    """What is injected into ``spec``'s notebook: the defaults it declares, its own parameters,
    and the built-ins (``evaluation_id``, ``output_dir``) it declares."""
    params = {k: v for k, v in plan.defaults.items() if k in declared}
    params.update(spec.parameters)
    builtins = {"evaluation_id": spec.id, "output_dir": None if output_dir is None else str(output_dir)}
    params.update({k: v for k, v in builtins.items() if k in declared and v is not None})
    return params


def check_parameters(plan: Plan) -> dict[Path, dict[str, dict]]:
    """Check every parameter against its notebook's ``parameters`` cell; return the declarations.

    An evaluation's own parameters (and its ``as`` item) must be declared by its notebook, with a
    compatible type where the cell annotates one (``seed: int = 42``). A default is given to the
    notebooks that declare it; a default that no notebook of the plan declares is an error.
    """
    path = plan.source
    declared: dict[Path, dict[str, dict]] = {}
    for spec in plan.evaluations:
        if spec.notebook not in declared:
            try:
                declared[spec.notebook] = declared_parameters(spec.notebook)
            except Exception as exc:  # noqa: BLE001 - papermill reads it; say which and why
                raise InputError(spec.notebook, f"a readable notebook ({type(exc).__name__}: {exc})",
                                 has_value=False) from None
    for spec in plan.evaluations:
        decl = declared[spec.notebook]
        names = ", ".join(sorted(decl)) or "no parameters"
        for name, value in spec.parameters.items():
            where = (f"evaluations[{spec.entry}].as" if name == spec.item_parameter
                     else f"evaluations[{spec.entry}].parameters.{name}")
            if name not in decl:
                raise InputError(path, f"a parameter that {spec.notebook.name} declares ({names})",
                                 yaml_path=where, value=name)
            _check_type(plan, spec, name, value, decl[name], where if name != spec.item_parameter
                        else f"evaluations[{spec.entry}].foreach")
        for name, value in plan.defaults.items():
            if name in decl:
                _check_type(plan, spec, name, value, decl[name], f"defaults.{name}")
    for name in plan.defaults:
        if not any(name in decl for decl in declared.values()):
            notebooks = ", ".join(sorted({p.name for p in declared}))
            raise InputError(path, f"a parameter declared by at least one notebook of the plan ({notebooks})",
                             yaml_path=f"defaults.{name}", value=name)
    return declared


def _check_type(plan: Plan, spec: EvaluationSpec, name: str, value: Any, decl: dict, where: str) -> None:
    kind = decl.get("inferred_type_name") or ""
    if not _type_ok(value, kind):
        hint = " (quote it in YAML, e.g. '0120')" if kind == "str" and isinstance(value, (int, float)) else ""
        raise InputError(plan.source, f"{_TYPE_WORDS[kind]}, as {spec.notebook.name} declares "
                         f"`{name}: {kind}`{hint}", yaml_path=where, value=value)
