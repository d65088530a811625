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
:func:`check_parameters` (names and types against each notebook's parameters cell, values against
its schema in :mod:`award_eval.parameters`, and the round's decision files: :func:`check_rounds`)
before any notebook runs, with one line naming the plan file, the place
in it (``evaluations[2].foreach``), the value and what was expected.

Parameters named in :data:`PATH_PARAMETERS` are resolved against the plan's folder, so a
notebook always receives absolute paths.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import re
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
from award_eval.parameters import SCHEMAS, parameter_error, problem
from award_eval.provenance import tree_digest

PATH_PARAMETERS = ("criteria", "data_dir")
#: Given by the run itself, to notebooks that declare them: the evaluation's id and its output folder.
BUILTIN_PARAMETERS = ("evaluation_id", "output_dir")
ID_RE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#: Longest evaluation id: a folder name with ``.tmp-`` before it and ``.failed`` after it stays short.
ID_MAX = 100
#: Widest ``{item:>N}`` a title or id template may ask for (a huge width would exhaust memory).
FORMAT_WIDTH_MAX = 200
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
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
    except IsADirectoryError:
        raise InputError(path, "a plan file (YAML), not a folder", has_value=False) from None
    except UnicodeDecodeError as exc:
        raise InputError(path, f"a plan file in UTF-8 (byte {exc.start + 1} is not UTF-8)", has_value=False) from None
    except OSError as exc:
        raise InputError(path, f"a readable plan file ({exc.strerror or type(exc).__name__})",
                         has_value=False) from None
    return parse_yaml(text, path)


def id_problem(eid: str) -> str | None:
    """Why ``eid`` cannot name an evaluation folder inside ``--out`` (None when it can).

    An id is one folder name of letters, digits, ``.``, ``_`` and ``-`` (so no path leaves the
    output folder), and none of the names the run itself writes there: ``manifest.json``,
    ``index*.html``, ``<id>.failed``, ``.tmp-*``/``.old-*`` (temporary folders).
    """
    if not re.match(ID_RE, eid) or eid in (".", ".."):
        return "an id of letters, digits, '.', '_' and '-' that starts with a letter or digit (one folder name)"
    if len(eid) > ID_MAX:
        return f"an id of at most {ID_MAX} characters"
    low = eid.casefold()
    if low == "manifest.json" or (low.startswith("index") and low.endswith(".html")) or low.endswith(".failed"):
        return "an id other than the names the run writes (manifest.json, index*.html, <id>.failed)"
    if low.split(".")[0] in _WINDOWS_DEVICES:
        return "an id that is not a reserved device name (con, nul, com1, …)"
    return None


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


def _check_template(path: Path, where: str, template: str) -> None:
    """Placeholders are plain names with an ordinary format: no attribute or item access
    (``{item.__class__}``), no nested fields, no width beyond :data:`FORMAT_WIDTH_MAX`."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise InputError(path, f"a text with valid {{placeholders}} ({exc})", yaml_path=where, value=template) from None
    for _, name, spec, _ in fields:
        if name is None:
            continue
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise InputError(path, "placeholders that are plain names such as {item} or {name}", yaml_path=where,
                             value=f"{{{name}}}")
        if spec and ("{" in spec or any(int(n) > FORMAT_WIDTH_MAX for n in re.findall(r"\d+", spec))):
            raise InputError(path, f"a placeholder format with widths of at most {FORMAT_WIDTH_MAX}",
                             yaml_path=where, value=f"{{{name}:{spec}}}")


def _format(path: Path, where: str, template: str, values: dict[str, Any]) -> str:
    _check_template(path, where, template)
    try:
        return template.format_map(values)
    except KeyError as exc:
        raise InputError(path, f"placeholders among {{{'}, {'.join(values)}}}", yaml_path=where,
                         value=f"{{{exc.args[0]}}}") from None
    except (ValueError, IndexError, TypeError, OverflowError, MemoryError) as exc:
        raise InputError(path, f"a text with valid {{placeholders}} ({type(exc).__name__}: {exc})",
                         yaml_path=where, value=template) from None


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
        problem = id_problem(entry.id)
        if problem:
            raise InputError(path, problem, yaml_path=f"evaluations[{i}].id", value=entry.id)
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
    _check_template(path, f"evaluations[{i}].id", entry.id)
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
        problem = id_problem(eid)
        if problem:
            raise InputError(path, problem + " once the placeholders are filled in",
                             yaml_path=f"evaluations[{i}].id", value=eid)
        specs.append(EvaluationSpec(id=eid, notebook=notebook, title=title, parameters={**params, entry.as_: value},
                                    group=entry.id, item_parameter=entry.as_, item=value, entry=i))
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
    seen: dict[str, tuple[int, str]] = {}  # casefolded id -> (entry, id): Jury and jury share a folder on macOS
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
            key = spec.id.casefold()
            if key in seen:
                other, other_id = seen[key]
                also = f" (evaluations[{other}] has it too" if other != i else " (this entry makes it twice"
                also += f", as {other_id!r})" if other_id != spec.id else ")"
                raise InputError(path, "a unique evaluation id, also ignoring case" + also,
                                 yaml_path=f"evaluations[{i}].id", value=spec.id)
            seen[key] = (i, spec.id)
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


def declared_parameters(notebook: str | Path, cache: Path | None = None) -> dict[str, dict]:
    """A notebook's ``parameters`` cell: name → {name, inferred_type_name, default, help} (papermill).

    ``cache``: a folder where :func:`remember_parameters` kept earlier answers, by the notebook's
    SHA-256 and papermill's version (a run with nothing to do then never imports papermill, ~2 s).
    """
    if cache is not None:
        found = _cached_parameters(Path(notebook), cache)
        if found is not None:
            return found
    import papermill as pm

    return dict(pm.inspect_notebook(str(notebook)))


def _parameters_key(notebook: Path) -> str:
    from importlib.metadata import version

    return hashlib.sha256(notebook.read_bytes() + b"\0papermill " + version("papermill").encode()).hexdigest()


def _cached_parameters(notebook: Path, cache: Path) -> dict[str, dict] | None:
    try:
        key = _parameters_key(notebook)
        stored = json.loads((cache / f"parameters-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key or not isinstance(stored.get("declared"), dict):
        return None
    return stored["declared"]


def remember_parameters(cache: Path, declared: dict[Path, dict[str, dict]]) -> None:
    """Keep each notebook's declarations in ``cache`` for :func:`declared_parameters` (atomic writes)."""
    from award_eval.io.files import atomic_write_text

    cache.mkdir(parents=True, exist_ok=True)
    for notebook, decl in declared.items():
        with contextlib.suppress(OSError, TypeError, ValueError):
            key = _parameters_key(Path(notebook))
            path = cache / f"parameters-{key}.json"
            if not path.is_file():
                atomic_write_text(path, json.dumps({"key": key, "declared": decl}, sort_keys=True))


def notebook_parameters(plan: Plan, spec: EvaluationSpec, declared: dict[str, dict],
                        output_dir: str | Path | None = None) -> dict[str, Any]:
    """What is injected into ``spec``'s notebook: the defaults it declares, its own parameters,
    and the built-ins (``evaluation_id``, ``output_dir``) it declares."""
    params = {k: v for k, v in plan.defaults.items() if k in declared}
    params.update(spec.parameters)
    builtins = {"evaluation_id": spec.id, "output_dir": None if output_dir is None else str(output_dir)}
    params.update({k: v for k, v in builtins.items() if k in declared and v is not None})
    return params


def check_parameters(plan: Plan, cache: Path | None = None) -> dict[Path, dict[str, dict]]:
    """Check every parameter against its notebook's ``parameters`` cell; return the declarations.

    An evaluation's own parameters (and its ``as`` item) must be declared by its notebook, with a
    compatible type where the cell annotates one (``seed: int = 42``). A default is given to the
    notebooks that declare it; a default that no notebook of the plan declares is an error.
    ``cache``: see :func:`declared_parameters`.
    """
    path = plan.source
    declared: dict[Path, dict[str, dict]] = {}
    for spec in plan.evaluations:
        if spec.notebook not in declared:
            try:
                declared[spec.notebook] = declared_parameters(spec.notebook, cache)
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
    for spec in plan.evaluations:
        _check_values(plan, spec, declared[spec.notebook])
    check_rounds(plan, cache)
    return declared


def _round_folders(plan: Plan) -> list[tuple[str, str]]:
    folders: dict[tuple[str, str], None] = {}
    for spec in plan.evaluations:
        params = {**plan.defaults, **spec.parameters}
        criteria, data_dir = params.get("criteria"), params.get("data_dir")
        if isinstance(criteria, str) and isinstance(data_dir, str) and (Path(data_dir) / "round.yaml").is_file():
            folders[(criteria, data_dir)] = None
    return list(folders)


#: Modules that decide how evaluations run, not what they produce: left out of :func:`code_hash`.
RUNNER_MODULES = frozenset({"cli.py", "kernels.py", "run/__init__.py", "run/batch.py", "run/context.py", "run/plan.py"})
RUNNER_FOLDERS = ("run/kernels/",)


def _is_runner(rel: str) -> bool:
    return rel in RUNNER_MODULES or rel.startswith(RUNNER_FOLDERS)


@functools.lru_cache(maxsize=None)
def code_hash() -> str:
    """SHA-256 over award_eval's files that shape results (analysis code, report code, templates)."""
    return tree_digest(Path(__file__).resolve().parent.parent, _is_runner)


#: The rounds this process has checked and found good: (criteria, data folder) → the key of what was
#: checked (:func:`_round_key`), computed before the check; :func:`remember_rounds` keeps them.
_PASSED_ROUNDS: dict[tuple[str, str], str] = {}


def _round_key(criteria: str, data_dir: str) -> str:
    """SHA-256 over everything a round check reads: the criteria file and every file below the data
    folder (names and bytes), award_eval's own code and the key packages' versions."""
    from award_eval.provenance import package_versions

    digest = hashlib.sha256(b"round-check 1\0")
    digest.update(json.dumps([str(Path(criteria).resolve()), str(Path(data_dir).resolve()), code_hash(),
                              package_versions()], sort_keys=True).encode() + b"\0")
    digest.update(hashlib.sha256(Path(criteria).read_bytes()).digest())
    digest.update(tree_digest(data_dir).encode())
    return digest.hexdigest()


def check_rounds(plan: Plan, cache: Path | None = None) -> None:
    """The round of every data folder the plan reads (``round.yaml``, ``decisions/<stage>.csv``,
    ``scores/<stage>.csv``), checked as ``award-eval validate`` checks it
    (:func:`award_eval.validation.round_summary`): a bad decision file stops the run here, in one
    line naming file, row, column and value, before any kernel starts and before anything is written.

    ``cache``: the folder where an earlier run kept the keys of the rounds it found good
    (:func:`remember_rounds`); a round whose inputs, award_eval's code and key packages are all
    unchanged is not checked again (a run with nothing to do: ~0.4 s of loading and ranking).
    """
    from award_eval.criteria import load_framework
    from award_eval.data import load_award_data
    from award_eval.validation import round_summary

    for criteria, data_dir in _round_folders(plan):
        try:
            key = _round_key(criteria, data_dir)
        except OSError:
            key = None  # the check itself says what cannot be read
        if key is not None and cache is not None and (cache / f"round-{key}.ok").is_file():
            _PASSED_ROUNDS[(criteria, data_dir)] = key
            continue
        framework = load_framework(criteria)
        round_summary(framework, load_award_data(data_dir, framework), Path(data_dir))
        if key is not None:
            _PASSED_ROUNDS[(criteria, data_dir)] = key


def remember_rounds(cache: Path, plan: Plan) -> None:
    """Keep in ``cache`` the keys of the plan's rounds this process checked and found good."""
    from award_eval.io.files import atomic_write_text

    cache.mkdir(parents=True, exist_ok=True)
    for folders in _round_folders(plan):
        key = _PASSED_ROUNDS.get(folders)
        if key is not None and not (cache / f"round-{key}.ok").is_file():
            with contextlib.suppress(OSError):
                atomic_write_text(cache / f"round-{key}.ok", key + "\n")


def _check_values(plan: Plan, spec: EvaluationSpec, decl: dict[str, dict]) -> None:
    """The values ``spec``'s notebook receives against its schema (:data:`award_eval.parameters.SCHEMAS`,
    found by the notebook's name): allowed values, types, ranges, existing files, existing codes."""
    if spec.notebook.stem not in SCHEMAS:
        return
    found = problem(spec.notebook.stem, notebook_parameters(plan, spec, decl))
    if found is None:
        return
    if found.name == spec.item_parameter:
        where = f"evaluations[{spec.entry}].foreach"
    elif found.name in spec.parameters:
        where = f"evaluations[{spec.entry}].parameters.{found.name}"
    else:
        where = f"defaults.{found.name}"
    raise parameter_error(plan.source, found, yaml_path=where,
                          context=f" (evaluation {spec.id!r}, {spec.notebook.name})")


def _check_type(plan: Plan, spec: EvaluationSpec, name: str, value: Any, decl: dict, where: str) -> None:
    kind = decl.get("inferred_type_name") or ""
    if not _type_ok(value, kind):
        hint = " (quote it in YAML, e.g. '0120')" if kind == "str" and isinstance(value, (int, float)) else ""
        raise InputError(plan.source, f"{_TYPE_WORDS[kind]}, as {spec.notebook.name} declares "
                         f"`{name}: {kind}`{hint}", yaml_path=where, value=value)
