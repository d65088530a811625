"""Running a plan: plans, the run context, batch execution, kernels, HTML reports.

Importing it keeps one optional module out of the runner's process: jsonschema (under nbformat)
imports ``rfc3987_syntax`` where it is installed (jupyterlab brings it, through jupyter-events) to
check the ``iri`` formats, and that module compiles a Lark grammar as it is imported, ~1 s of CPU
in every process that reads a notebook. Notebook schemas use no format and a run checks none, so
the runner goes without it (jsonschema skips a format checker whose module cannot be imported).
Where jsonschema is already imported, nothing changes.
"""
import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]  # import → ImportError
