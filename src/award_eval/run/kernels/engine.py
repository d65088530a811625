"""The ``award_eval`` papermill engine, and :func:`execute_notebook` on a kernel from a pool.

The engine is registered through papermill's ``papermill.engine`` entry point (pyproject.toml),
so papermill finds it by name when it loads its engines: nothing here touches papermill's
registry. It is nbclient's own engine, except that a cell timeout or a dead kernel becomes an
error output of the cell that was running, so the partially executed notebook is written like any
other failure.

``PoolEngine`` is built on first access (a module ``__getattr__``), not at import: papermill loads
its engines' entry points while it is itself being imported, so a module that imported papermill
at its top and was the first to do so would be asked for its engine before it had defined it.
"""
from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pool import KernelPool

#: The engine's name (``papermill.engine`` entry point).
ENGINE_NAME = "award_eval"


@functools.lru_cache(maxsize=None)
def _engine_class() -> type:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.engines import NBClientEngine

    class PoolEngine(NBClientEngine):
        """nbclient's engine; a cell timeout or a dead kernel becomes an error output of that cell."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):  # type: ignore[override]
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            except (CellTimeoutError, DeadKernelError) as exc:
                _cancel_leftover_tasks()
                _fail_running_cell(nb_man, exc)
                return nb_man.nb

    PoolEngine.__module__, PoolEngine.__qualname__ = __name__, "PoolEngine"
    return PoolEngine


def __getattr__(name: str) -> Any:
    if name == "PoolEngine":
        return _engine_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def register_engine() -> None:
    """Make sure papermill knows the ``award_eval`` engine (idempotent).

    The entry point registers it whenever award_eval is installed; this covers a source tree used
    without installed metadata, through papermill's public ``register``.
    """
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    try:
        papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:
        papermill_engines.register(ENGINE_NAME, _engine_class())


def _cancel_leftover_tasks() -> None:
    """nbclient leaves its output-polling task pending after a timeout; end it in this thread's loop."""
    try:
        from jupyter_core.utils import ensure_event_loop

        loop = ensure_event_loop()
        if loop.is_running():
            return
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    except Exception:  # noqa: BLE001 - only tidiness is at stake
        pass


def _fail_running_cell(nb_man: Any, exc: BaseException) -> None:
    import nbformat

    started = [i for i, c in enumerate(nb_man.nb.cells)
               if c.get("cell_type") == "code" and c.metadata.get("papermill", {}).get("start_time")]
    if not started:
        raise exc
    index = started[-1]
    cell = nb_man.nb.cells[index]
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    cell.outputs.append(nbformat.v4.new_output("error", ename=type(exc).__name__, evalue=message,
                                               traceback=[f"{type(exc).__name__}: {message}"]))
    nb_man.cell_exception(cell, cell_index=index, exception=exc)


def execute_notebook(pool: KernelPool, input_path: str | Path, output_path: str | Path,
                     parameters: dict[str, Any], *, timeout: float | None):
    """papermill's ``execute_notebook`` on a kernel from ``pool``; written once, at the end.

    Raises :class:`papermill.PapermillExecutionError` when a cell fails, times out or the kernel
    dies (the partially executed notebook, error cell included, is at ``output_path``).
    """
    import papermill as pm

    register_engine()
    return pm.execute_notebook(str(input_path), str(output_path), parameters=parameters,
                               engine_name=ENGINE_NAME, kernel_name=pool.kernel_name, progress_bar=False,
                               log_output=False, request_save_on_cell_execute=False,
                               execution_timeout=timeout, start_timeout=pool.startup_timeout,
                               kernel_manager_class=pool.manager_class, shutdown_kernel="immediate")
