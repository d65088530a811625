"""Name the ``award-eval-pool`` provisioner in an installed kernelspec.

``make venv`` runs ``python -m ipykernel install --sys-prefix --name award-eval`` and then
``python -m award_eval.run.kernels.install --name award-eval``, which adds to that kernelspec's
``kernel.json``::

    "metadata": {"kernel_provisioner": {"provisioner_name": "award-eval-pool"}}

(other metadata kept). jupyter_client then builds :class:`~award_eval.run.kernels.provisioner.PoolProvisioner`
for every start of that kernelspec: a pool kernel under ``award-eval run``, exactly a
``LocalProvisioner`` elsewhere (papermill, nbval, JupyterLab).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

PROVISIONER_NAME = "award-eval-pool"  # == provisioner.PROVISIONER_NAME (not imported: no jupyter_client needed here)


def kernel_json(name: str, prefix: str | Path | None = None) -> Path:
    """The ``kernel.json`` of kernelspec ``name`` under ``prefix`` (default: this interpreter's ``sys.prefix``)."""
    return Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / name / "kernel.json"


def name_provisioner(path: str | Path) -> bool:
    """Add the provisioner to the kernelspec at ``path``; True if the file changed."""
    path = Path(path)
    spec = json.loads(path.read_text(encoding="utf-8"))
    metadata = spec.setdefault("metadata", {})
    wanted = {"provisioner_name": PROVISIONER_NAME}
    if metadata.get("kernel_provisioner") == wanted:
        return False
    metadata["kernel_provisioner"] = wanted
    path.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m award_eval.run.kernels.install", description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="award-eval", help="the kernelspec's name (default award-eval)")
    parser.add_argument("--prefix", default=None, help="the prefix it was installed under (default sys.prefix)")
    args = parser.parse_args(argv)
    path = kernel_json(args.name, args.prefix)
    if not path.is_file():
        print(f"award-eval: no kernelspec {args.name!r} at {path} (run `ipykernel install --sys-prefix` first)",
              file=sys.stderr)
        return 1
    name_provisioner(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
