"""What every profile (and every stage report) of a run shares, computed once per run and read by
each notebook.

A profile's own numbers are a handful of lookups in computations that are the same for all 290
profiles of a run: the criteria and data (loaded and checked), the nominees' evaluation, every
municipality's indicator index, every indicator's national and SKR-group ranks and medians
(:func:`award_eval.profile.peers`), the screening model against the preconditions (cross-fitted)
and the nominees' rank intervals. :func:`shared` returns them as one :class:`Shared`; the stage
reports' criteria, data and ranked round come as one :class:`SharedRound` from :func:`shared_round`.

**Where it is kept.** ``award-eval run`` gives its kernels the environment variable
``AWARD_EVAL_SHARED`` = ``<out>/.shared``; the first notebook that needs a :class:`Shared` computes
it and writes ``<out>/.shared/<key>.pkl`` (atomically, under a lock, so a parallel notebook waits
for it rather than computing it too); the others read it. The run removes it when it ends. Without the variable (JupyterLab, nbval,
plain papermill, ``award-eval run --no-shared``) every notebook computes it itself, with the same
function, so the results are identical either way.

**The key** (:func:`input_key`) is a SHA-256 over everything the contents depend on: the criteria
file's and every data file's bytes and absolute paths, the settings, the seed, whether jurors are
anonymised, award_eval's own files and the key packages' versions. A different input gives a
different file, so a stored one can never be stale; a file whose embedded key does not match, or
that cannot be read, is ignored and replaced.

**Pickle** is used only for files a run wrote itself, into its own output folder, under this key;
never point ``AWARD_EVAL_SHARED`` at a folder others can write to.
"""
from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from award_eval.provenance import package_versions, tree_digest

if TYPE_CHECKING:  # the analysis modules are imported where they compute: the runner names the store
    import pandas as pd  # without importing scikit-learn and scipy (~1.4 s of an unchanged run)

    from award_eval.criteria import Framework
    from award_eval.data import AwardData
    from award_eval.evaluation import Result, Settings
    from award_eval.profile import Peers

#: The environment variable naming the run's store (``award-eval run`` sets it for its kernels).
ENV = "AWARD_EVAL_SHARED"
#: Bumped when :class:`Shared` changes shape, so an older store is never read as a newer one.
SCHEME = 2
_MAGIC = b"award-eval-shared\n"


@dataclass(frozen=True)
class Shared:
    """The computations every profile of a run shares (see the module's docstring)."""

    framework: Framework
    data: AwardData
    settings: Settings
    seed: int
    result: Result  # the nominees' evaluation
    population: pd.DataFrame  # population_scores of the register
    population_joint: pd.DataFrame | None  # ... of the register with the joint nominees beside it
    expected: pd.DataFrame | None  # screening index against the preconditions (None without covariates)
    intervals: pd.DataFrame | None  # confidence.check_rank_intervals of the nominees
    peers: Peers  # profile.peers of the register and population
    peers_joint: Peers | None  # ... of the register with the joint nominees beside it

    def _joint(self, code: str) -> bool:
        return self.population_joint is not None and str(code) in set(self.data.joint["code"])

    def population_for(self, code: str) -> pd.DataFrame:
        """The population a profile of ``code`` compares with (a joint nominee's includes itself)."""
        return self.population_joint if self._joint(code) else self.population

    def peers_for(self, code: str) -> Peers:
        """The :class:`~award_eval.profile.Peers` a profile of ``code`` looks up."""
        return self.peers_joint if self._joint(code) and self.peers_joint is not None else self.peers


def compute(criteria: str | Path, data_dir: str | Path, settings: Settings, seed: int,
            anonymise_jurors: bool = False) -> Shared:
    """Compute a :class:`Shared` in this process (no store): what :func:`shared` falls back to."""
    from award_eval.criteria import load_framework
    from award_eval.data import load_award_data
    from award_eval.evaluation import evaluate, population_scores
    from award_eval.privacy import anonymise
    from award_eval.profile import peers
    from award_eval.round import screening_expectations
    from award_eval.uncertainty import confidence

    framework = load_framework(criteria)
    data = load_award_data(data_dir, framework)
    if anonymise_jurors:
        data = anonymise(data, seed=seed)
    result = evaluate(framework, data, settings)
    population = population_scores(framework, data, settings)
    with_joint = data.with_joint_in_register() if len(data.joint) else None
    joint = population_scores(framework, with_joint, settings) if with_joint is not None else None
    covariates = Path(data_dir) / "covariates.csv"
    expected = screening_expectations(framework, data, data_dir, seed)[1] if covariates.is_file() else None
    intervals = confidence.check_rank_intervals(confidence.rank_intervals(result, seed))
    return Shared(framework, data, settings, seed, result, population, joint, expected, intervals,
                  peers(framework, data, settings, population),
                  peers(framework, with_joint, settings, joint) if with_joint is not None else None)


#: Files that decide how a run goes, not what :func:`compute` returns: left out of :func:`code_version`.
RUNNER_FILES = ("cli.py", "__main__.py", "run/")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 over award_eval's own files (code, templates, catalogue; not the runner's): a new
    version, a new key."""
    return tree_digest(Path(__file__).resolve().parent, lambda rel: rel.startswith(RUNNER_FILES))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def input_key(criteria: str | Path, data_dir: str | Path, settings: Settings, seed: int,
              anonymise_jurors: bool = False) -> str:
    """The store's key: SHA-256 over every input of :func:`compute` (see the module's docstring)."""
    criteria, data_dir = Path(criteria).resolve(), Path(data_dir).resolve()
    files = [criteria, *_files(data_dir)]
    payload = {"scheme": SCHEME, "code": code_version(), "packages": package_versions(),
               "criteria": str(criteria), "data_dir": str(data_dir),
               "files": {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
               "settings": settings.as_dict(), "seed": int(seed), "anonymise_jurors": bool(anonymise_jurors)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def store_dir() -> Path | None:
    """The run's store (``AWARD_EVAL_SHARED``), or ``None``: compute in this process."""
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def _read(path: Path, key: str, kind: type | None = None) -> object | None:
    """The stored value of type ``kind`` (default :class:`Shared`) when ``path`` holds one under
    ``key``; ``None`` for anything else."""
    kind = kind or Shared
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = _MAGIC + key.encode() + b"\n"
    if not blob.startswith(head):
        return None
    try:
        value = pickle.loads(blob[len(head):])  # noqa: S301 - a file this run wrote, under its own key
    except Exception:  # noqa: BLE001 - a damaged file is recomputed, never used
        return None
    return value if isinstance(value, kind) else None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared(criteria: str | Path, data_dir: str | Path, settings: Settings, seed: int,
           anonymise_jurors: bool = False, *, store: str | Path | None = None) -> Shared:
    """The run's :class:`Shared` for these inputs: read from the store, or computed (and stored).

    ``store``: the folder (default: ``AWARD_EVAL_SHARED``; neither: computed here, nothing written).
    """
    return _stored(store, lambda: input_key(criteria, data_dir, settings, seed, anonymise_jurors),
                   Shared, lambda: compute(criteria, data_dir, settings, seed, anonymise_jurors))


@dataclass(frozen=True)
class SharedRound:
    """What every stage report of a run shares: the criteria, the data and every stage of the round
    (``round.yaml``) ranked with its decisions (:func:`award_eval.round.check_round`), which each of
    a run's stage reports (two languages × every stage) would otherwise compute again."""

    framework: Framework
    data: AwardData
    round: object  # award_eval.round.Round, or None without round.yaml
    decided: dict  # stage id -> decision table (check_round)


def compute_round(criteria: str | Path, data_dir: str | Path, settings: Settings) -> SharedRound:
    """Compute a :class:`SharedRound` in this process: what :func:`shared_round` falls back to."""
    from award_eval.criteria import load_framework
    from award_eval.data import load_award_data
    from award_eval.round import check_round, load_round

    framework = load_framework(criteria)
    data = load_award_data(data_dir, framework)
    round_ = load_round(data_dir, framework, data)
    return SharedRound(framework, data, round_, check_round(round_, framework, data, settings) if round_ else {})


def shared_round(criteria: str | Path, data_dir: str | Path, settings: Settings, seed: int, *,
                 store: str | Path | None = None) -> SharedRound:
    """The run's :class:`SharedRound` for these inputs: read from the store, or computed (and stored),
    as :func:`shared` does (its own file, ``<key>-round.pkl``, under the same kind of key)."""
    return _stored(store, lambda: input_key(criteria, data_dir, settings, seed) + "-round",
                   SharedRound, lambda: compute_round(criteria, data_dir, settings))


def _stored(store: str | Path | None, key_of, kind: type, make):  # noqa: ANN001, ANN202
    """``make()``'s value, read from ``<store>/<key>.pkl`` when it holds one of type ``kind`` under
    ``key_of()``, else computed and written there (atomically, under a lock, so a notebook running
    in parallel waits for it rather than computing it too); computed only, without a store
    (``store`` default: ``AWARD_EVAL_SHARED``)."""
    folder = Path(store) if store is not None else store_dir()
    if folder is None:
        return make()
    key = key_of()
    path = folder / f"{key}.pkl"
    found = _read(path, key, kind)
    if found is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / f"{key}.lock"):
        found = _read(path, key, kind)  # written by another notebook while this one waited
        if found is not None:
            return found
        value = make()
        from award_eval.io.files import atomic_write_bytes

        atomic_write_bytes(path, _MAGIC + key.encode() + b"\n" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value
