"""The ``award-eval-pool`` kernel provisioner, and the kernel manager that hands it a pool.

jupyter_client's supported extension point for starting kernels is the *kernel provisioner*: a
class registered under the ``jupyter_client.kernel_provisioners`` entry point and named in a
kernelspec's ``metadata.kernel_provisioner.provisioner_name``. award_eval registers
:class:`PoolProvisioner` as ``award-eval-pool`` (pyproject.toml), and ``make venv`` names it in the
``award-eval`` kernelspec (:mod:`award_eval.run.kernels.install`). So every client that starts
that kernelspec (``award-eval run``, the plain ``papermill`` CLI, nbval, JupyterLab) builds this
provisioner:

- under a :class:`KernelPool`'s kernel manager (:func:`pool_manager_class`, which ``award-eval
  run`` hands to papermill), it takes an already started kernel from the pool instead of starting a
  process;
- anywhere else it *is* :class:`~jupyter_client.provisioning.LocalProvisioner`: every method
  defers to it unchanged.

In both cases :meth:`PoolProvisioner.pre_launch` runs ``LocalProvisioner.pre_launch``, so whatever
it does (transport-encryption policy and CurveZMQ keys, the local-interface check, the connection
file, the environment substitutions of ``KernelProvisionerBase``) is done for pool kernels too. A
pool kernel whose keys do not match what that policy decided is refused, never used unencrypted.

Nothing here overrides a private (``_``-prefixed) member of jupyter_client.
"""
from __future__ import annotations

import asyncio
import queue
import signal
import time
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import port_names
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import default

from award_eval.errors import KernelStartError
from award_eval.run.kernels.zygote import STARTUP_TIMEOUT

# The pool and its kernels are typed as Any here: pool.py imports this module, and a typing-only
# import back would be an import cycle (tests/test_layering.py counts TYPE_CHECKING imports too).
KernelPool = StartedKernel = Any

#: The provisioner's entry-point name (``jupyter_client.kernel_provisioners`` group).
PROVISIONER_NAME = "award-eval-pool"
#: How often a killed pool kernel is polled until it is gone (a fork ends in milliseconds).
KILL_POLL = 0.005
KILL_WAIT = 5.0


class PoolProvisioner(LocalProvisioner):  # type: ignore[misc]
    """``LocalProvisioner``; under a pool's kernel manager, it takes its kernel from the pool."""

    kernel: StartedKernel | None = None

    @property
    def pool(self) -> KernelPool | None:
        """The pool of the kernel manager that owns this provisioner (None: a plain LocalProvisioner)."""
        return getattr(self.parent, "kernel_pool", None)

    @property
    def has_process(self) -> bool:
        return self.kernel is not None or super().has_process

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        pool = self.pool
        if pool is None:
            return await super().pre_launch(**kwargs)
        km = self.parent
        kernel = pool.take()
        self.kernel = kernel
        try:
            for name in port_names:  # the kernel's ports, not ones of an earlier kernel of this manager
                setattr(km, name, 0)
            km.load_connection_info(kernel.info)
            km.connection_file = str(kernel.connection_file)
            km.cache_ports = False  # the pool chose the sockets: LocalProvisioner must not pick new ports
            kwargs = await super().pre_launch(**kwargs)
            check_same_keys(km, kernel.info)
        except BaseException:
            self._give_back(kernel)
            raise
        self.connection_info = km.get_connection_info()
        return kwargs

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
        if self.kernel is None:
            return await super().launch_kernel(cmd, **kwargs)
        self.pid = self.pgid = self.kernel.pid  # already running, in its own process group
        pool = self.pool
        self.cwd = pool.cwd if pool is not None else kwargs.get("cwd")
        return self.connection_info

    async def poll(self) -> int | None:
        if self.kernel is None:
            return await super().poll()
        return self.kernel.poll()

    async def wait(self) -> int | None:
        kernel = self.kernel
        if kernel is None:
            return await super().wait()
        while kernel.poll() is None:
            await asyncio.sleep(KILL_POLL * 4)
        self._give_back(kernel)
        return kernel.poll()

    async def send_signal(self, signum: int) -> None:
        if self.kernel is None:
            return await super().send_signal(signum)
        self.kernel.signal(signum)

    async def kill(self, restart: bool = False) -> None:
        kernel = self.kernel
        if kernel is None:
            return await super().kill(restart=restart)
        kernel.kill()
        # Wait here, briefly, so that the manager's own wait loop (0.1 s steps) finds it gone at once.
        deadline = time.monotonic() + KILL_WAIT
        while kernel.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(KILL_POLL)

    async def terminate(self, restart: bool = False) -> None:
        if self.kernel is None:
            return await super().terminate(restart=restart)
        self.kernel.signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart=restart)
        if self.kernel is not None and self.kernel.poll() is not None:
            self._give_back(self.kernel)

    def _give_back(self, kernel: StartedKernel) -> None:
        """Kill ``kernel`` (if it still runs) and let the pool forget it."""
        kernel.kill()
        pool = self.pool
        if pool is not None:
            pool.release(kernel)
        if self.kernel is kernel:
            self.kernel = None


def check_same_keys(km: Any, info: dict) -> None:
    """Refuse a pool kernel whose CurveZMQ keys are not the ones ``LocalProvisioner.pre_launch`` left
    on the manager (it creates keys when the manager's policy asks for encryption): the kernel was
    started before, and would otherwise be talked to with keys it never saw, or unencrypted."""
    wanted = getattr(km, "curve_publickey", None)
    has = info.get("curve_publickey")
    has = has.encode() if isinstance(has, str) else has
    if wanted != has:
        policy = getattr(km, "transport_encryption", "disabled")
        raise KernelStartError(
            f"transport encryption: the kernel manager's policy is {policy!r} but the pool's kernel was started "
            f"{'without' if has is None else 'with other'} CurveZMQ keys; "
            f"start the pool with transport_encryption={policy!r}")


def pool_kernel_spec(spec: KernelSpec) -> KernelSpec:
    """A copy of ``spec`` that names the ``award-eval-pool`` provisioner (other metadata kept)."""
    data = spec.to_dict()
    metadata = dict(data.get("metadata") or {})
    metadata["kernel_provisioner"] = {"provisioner_name": PROVISIONER_NAME, "config": {}}
    data["metadata"] = metadata
    return KernelSpec(resource_dir=spec.resource_dir, **data)


class PoolKernelSpecManager(KernelSpecManager):  # type: ignore[misc]
    """Answers the pool's kernelspec from memory (looked up once per pool, not once per notebook)."""

    def __init__(self, pool: KernelPool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool = pool

    def get_kernel_spec(self, kernel_name: str, *args: Any, **kwargs: Any) -> KernelSpec:
        if kernel_name == self.pool.kernel_name:
            return self.pool.spec
        return super().get_kernel_spec(kernel_name, *args, **kwargs)


class PoolKernelClient(AsyncKernelClient):  # type: ignore[misc]
    """jupyter_client's client, with a ready-check that has no fixed waits.

    The stock ``wait_for_ready`` ends with 0.2 s of listening for silence on IOPub (and waits 0.2 s
    more whenever IOPub is quiet), which is most of a pre-started kernel's hand-over. Here: send
    ``kernel_info`` and return as soon as its reply (shell) and the kernel's ``idle`` status for it
    (IOPub) have both arrived — the second proves this client's IOPub subscription is live, so no
    output of the first cell can be missed.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:  # type: ignore[override]
        from jupyter_client import protocol_version_info

        deadline = time.monotonic() + (STARTUP_TIMEOUT if timeout is None else timeout)
        while True:
            msg_id = self.kernel_info()
            reply = None
            idle = False
            attempt_ends = time.monotonic() + 0.5
            while time.monotonic() < attempt_ends and not (reply and idle):
                if reply is None:
                    try:
                        msg = await self.shell_channel.get_msg(timeout=0.005)
                        if msg["parent_header"].get("msg_id") == msg_id:
                            reply = msg
                    except queue.Empty:
                        pass
                if not idle:
                    try:
                        msg = await self.iopub_channel.get_msg(timeout=0.005)
                        idle = (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                                and msg["content"].get("execution_state") == "idle")
                    except queue.Empty:
                        pass
            if reply is not None and idle:
                # what the stock check does with the reply: adapt to an older protocol's messages
                major = int(str(reply["content"].get("protocol_version", "5")).split(".")[0])
                if major != protocol_version_info[0]:
                    self.session.adapt_version = major
                return
            if not await self.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class PoolKernelManager(AsyncKernelManager):  # type: ignore[misc]
    """jupyter_client's ``AsyncKernelManager``; its kernels come from :attr:`kernel_pool`.

    Not used directly: :func:`pool_manager_class` makes one subclass per pool (nbclient and
    papermill take a manager *class*).
    """

    kernel_pool: KernelPool | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client_factory = PoolKernelClient

    @default("kernel_spec_manager")
    def _pool_kernel_spec_manager(self) -> KernelSpecManager:
        if self.kernel_pool is None:
            return KernelSpecManager(data_dir=self.data_dir)
        return PoolKernelSpecManager(self.kernel_pool, data_dir=self.data_dir)

    if "transport_encryption" in AsyncKernelManager.class_trait_names():
        @default("transport_encryption")
        def _pool_transport_encryption(self) -> str:
            return self.kernel_pool.transport_encryption if self.kernel_pool is not None else "disabled"


def pool_manager_class(pool: KernelPool) -> type:
    """An ``AsyncKernelManager`` class whose kernels come from ``pool``."""
    return type("PoolKernelManager", (PoolKernelManager,), {"kernel_pool": pool})
