"""What every evaluation of a run shares (plan, framework, data, provenance), and the hashes that decide what is current."""
from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from award_eval.version import __version__
from award_eval.criteria import Framework, load_framework
from award_eval.data import AwardData, load_award_data
from award_eval.privacy import local_roots, scrub_paths
from award_eval.provenance import (
    git_commit,
    input_hashes,
    package_versions,
    sha256_file,
)
from award_eval.run.plan import (  # noqa: F401 (code_hash, RUNNER_MODULES: re-exported)
    PATH_PARAMETERS,
    RUNNER_FOLDERS,
    RUNNER_MODULES,
    code_hash,
    EvaluationSpec,
    Plan,
    check_parameters,
    notebook_parameters,
)

KERNEL_NAME = "award-eval"
HASH_SCHEME = 1


def kernel_name() -> str:
    """The project's kernelspec when installed (``make`` installs it), else this interpreter's."""
    # First where jupyter_client's KernelSpecManager looks first (jupyter_path("kernels"), names
    # compared in lower case): a run with nothing to do then does not import jupyter_client and zmq.
    from jupyter_core.paths import jupyter_path

    for folder in jupyter_path("kernels"):
        with contextlib.suppress(OSError):
            if any(entry.lower() == KERNEL_NAME and os.path.isfile(os.path.join(folder, entry, "kernel.json"))
                   for entry in os.listdir(folder)):
                return KERNEL_NAME
    from jupyter_client.kernelspec import KernelSpecManager

    return KERNEL_NAME if KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


@dataclass(frozen=True)
class RunContext:
    """What every evaluation of a run shares: the plan, its framework and data, the provenance."""

    plan: Plan
    framework: Framework | None
    data: AwardData | None
    provenance: dict
    #: Each notebook's declared parameters (papermill's inspection), by notebook path.
    declared: dict = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return bool(self.data and self.data.synthetic)


def prepare(plan: Plan, cache: Path | None = None, declared: dict | None = None) -> RunContext:
    """Load and check everything a run needs before any notebook starts (bad input stops here).

    ``cache``: where the notebooks' parameter declarations are kept (:func:`check_parameters`).
    ``declared``: what :func:`check_parameters` returned for this same plan, when the caller has
    checked it already (the CLI does, before any kernel starts): the check is not done twice."""
    if declared is None:
        declared = check_parameters(plan, cache)
    criteria_path = plan.defaults.get("criteria")
    framework = load_framework(criteria_path) if criteria_path else None
    data = load_award_data(plan.defaults["data_dir"], framework) if framework and "data_dir" in plan.defaults else None
    files: dict[str, Path] = {}
    if framework and framework.source:
        files["criteria/" + framework.source.name] = framework.source
    if data:
        files.update({f"data/{name}": p for name, p in data.files.items()})
    provenance = {
        "award_eval": __version__,
        "plan": plan.source.name if plan.source else None,
        "plan_sha256": sha256_file(plan.source) if plan.source else None,
        "criteria_version": framework.version if framework else None,
        "seed": plan.defaults.get("seed"),
        "synthetic": bool(data and data.synthetic),
        "inputs": input_hashes(files),
        "packages": package_versions(),
        "git_commit": git_commit(plan.source) if plan.source else None,
    }
    return RunContext(plan, framework, data, provenance, declared)


# ---------------------------------------------------------------------------------------------
# Hashes: what an evaluation depends on
# ---------------------------------------------------------------------------------------------

def portable_path(plan: Plan, value: str) -> str:
    """``value`` relative to the plan's folder; when the two share nothing but the file system's
    root (``../../home/ann/…``), relative to a local root instead (home, temp, working folder), so
    no local folder's name travels in a manifest or notebook."""
    rel = Path(os.path.relpath(value, plan.folder)).as_posix()
    with contextlib.suppress(ValueError):  # another drive (Windows)
        if os.path.isabs(value) and Path(os.path.commonpath([value, plan.folder])) != Path(Path(value).anchor):
            return rel
    scrubbed = scrub_paths(value, local_roots())
    return Path(scrubbed).as_posix() if scrubbed and not os.path.isabs(scrubbed) else Path(value).name


def portable_parameters(plan: Plan, params: dict[str, Any]) -> dict[str, Any]:
    """Parameters with path parameters relative to the plan's folder (no local path in a hash or manifest)."""
    out = {}
    for key, value in params.items():
        if key in PATH_PARAMETERS and isinstance(value, str):
            out[key] = portable_path(plan, value)
        else:
            out[key] = value
    return out


def evaluation_hash(ctx: RunContext, spec: EvaluationSpec, kernel: str) -> str:
    """SHA-256 of what the evaluation's results depend on: the notebook file, the parameters it
    receives (paths relative to the plan), the input files (criteria and data), award_eval's own
    code, the kernel's name and the versions of the key packages (numpy, pandas, …)."""
    params = portable_parameters(ctx.plan, notebook_parameters(ctx.plan, spec, ctx.declared.get(spec.notebook, {})))
    payload = {"scheme": HASH_SCHEME, "notebook": _file_hash(spec.notebook), "parameters": params,
               "inputs": ctx.provenance.get("inputs", {}), "code": code_hash(), "kernel": kernel,
               "packages": ctx.provenance.get("packages", {})}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@functools.lru_cache(maxsize=256)
def _file_hash_cached(path: str, mtime_ns: int, size: int) -> str:
    return sha256_file(path)


def _file_hash(path: Path) -> str:
    st = path.stat()
    return _file_hash_cached(str(path), st.st_mtime_ns, st.st_size)


# ---------------------------------------------------------------------------------------------
# The output folder: lock, sweep, records, moves
# ---------------------------------------------------------------------------------------------
