"""Kernels for batch runs: a pool of kernels started ahead of need, one fresh kernel per notebook.

- :mod:`.zygote`: the fork server (a warmed-up process that forks one kernel per request);
- :mod:`.pool`: :class:`KernelPool`, :class:`StartedKernel`;
- :mod:`.provisioner`: the ``award-eval-pool`` kernel provisioner (``jupyter_client.kernel_provisioners``
  entry point) and the kernel manager that hands it a pool;
- :mod:`.engine`: the ``award_eval`` papermill engine (``papermill.engine`` entry point) and
  :func:`execute_notebook`;
- :mod:`.install`: names the provisioner in an installed kernelspec (``make venv``).

Importing this package loads neither jupyter_client, pyzmq nor papermill (the zygote imports it
before its warm-up, and no notebook needs papermill): the names of :mod:`.provisioner` and
:mod:`.engine` are loaded on first use.
"""
from __future__ import annotations

import importlib
from typing import Any

from award_eval.errors import KernelStartError, PoolClosed
from award_eval.run.kernels.pool import KernelPool, StartedKernel, fork_prefix, kernel_command
from award_eval.run.kernels.zygote import NOT_PRELOADED, STARTUP_TIMEOUT, WARMUP

_LAZY = {
    "ENGINE_NAME": "engine", "PoolEngine": "engine", "execute_notebook": "engine", "register_engine": "engine",
    "PROVISIONER_NAME": "provisioner", "PoolProvisioner": "provisioner", "PoolKernelManager": "provisioner",
    "PoolKernelClient": "provisioner", "pool_manager_class": "provisioner",
}

__all__ = ["KernelPool", "StartedKernel", "KernelStartError", "PoolClosed", "WARMUP", "NOT_PRELOADED",
           "STARTUP_TIMEOUT", "fork_prefix", "kernel_command", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
