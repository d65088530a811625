"""The kernel pool: kernels started ahead of need, one fresh kernel for every notebook.

A :class:`KernelPool` keeps ``size`` kernels started *and answering* before any evaluation asks
for one, and starts a replacement as soon as one is taken, so an evaluation does not wait for a
kernel start. Every kernel runs exactly one notebook and is then killed: no namespace, variable,
execution count or open file is ever shared between two notebooks.

Two ways to start a kernel:

``fork`` (the default where :func:`os.fork` exists and the kernelspec is ``python -m ipykernel_launcher``)
    Forked from the pool's :mod:`zygote <award_eval.run.kernels.zygote>`, a process that has
    already imported ipykernel and the warm-up modules (:data:`WARMUP`).
``spawn``
    The kernelspec's own command, as jupyter_client starts it: each kernel pays the interpreter
    start-up and each notebook its own imports (about 4 s more per notebook on a 2-core machine),
    still started ahead of need. Used when fork is unavailable or the zygote cannot start.

Kernels talk over ``ipc`` (Unix sockets in a private temporary folder) where available, so
parallel kernel starts never race for TCP ports. With ``transport_encryption`` ``"auto"`` or
``"required"`` every kernel gets its own CurveZMQ key pair in its connection file (jupyter_client's
``KernelManager.transport_encryption`` policy, applied before the kernel starts).

A notebook gets its kernel through jupyter_client's supported extension point: the pool's
:attr:`KernelPool.manager_class` is an ``AsyncKernelManager`` whose kernelspec names the
``award-eval-pool`` kernel provisioner (:mod:`award_eval.run.kernels.provisioner`), and that
provisioner takes a kernel from the pool instead of starting a process.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from award_eval.errors import KernelStartError, PoolClosed
from award_eval.run.kernels.zygote import HISTORY_IN_MEMORY, STARTUP_TIMEOUT, WARMUP, Zygote, tail

ENCRYPTION_POLICIES = ("disabled", "auto", "required")


@dataclass(eq=False)
class StartedKernel:
    """A kernel process that answers on its connection file and has run nothing yet."""

    connection_file: Path
    info: dict
    pid: int
    log: Path
    _poll: Callable[[], int | None]
    started: float = field(default_factory=time.monotonic)

    def poll(self) -> int | None:
        """The exit code once the kernel has ended, else None."""
        return self._poll()

    def signal(self, signum: int) -> None:
        """Signal the kernel's process group (the kernel and anything it started)."""
        if self.poll() is not None:
            return
        try:
            os.killpg(self.pid, signum)
        except OSError:
            try:
                os.kill(self.pid, signum)
            except OSError:
                pass

    def kill(self) -> None:
        self.signal(signal.SIGKILL)


def kernel_command(kernel_name: str) -> tuple[list[str], dict[str, str], str, Any]:
    """The kernelspec's argv (``{connection_file}`` left in), extra environment, language, and the spec."""
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(kernel_name)
    argv = list(spec.argv)
    if argv and argv[0] in {"python", f"python{sys.version_info[0]}", "python%i.%i" % sys.version_info[:2]}:
        argv[0] = sys.executable  # what jupyter_client does for the native kernel
    return argv, dict(spec.env or {}), spec.language, spec


def fork_prefix(argv: list[str]) -> list[str] | None:
    """``[python, *flags]`` when ``argv`` starts an ipykernel with a Python interpreter, else None."""
    if not hasattr(os, "fork") or sys.platform == "win32":
        return None
    try:
        m = argv.index("-m")
    except ValueError:
        return None
    if m + 1 >= len(argv) or argv[m + 1] not in ("ipykernel_launcher", "ipykernel"):
        return None
    rest = argv[m + 2:]
    if rest != ["-f", "{connection_file}"]:
        return None
    return argv[:m]


def curve_wanted(policy: str, spec: Any, kernel_name: str) -> bool:
    """Whether the pool's kernels get CurveZMQ keys; raise :class:`KernelStartError` (one line) if
    ``policy`` is ``"required"`` and that cannot be done here."""
    if policy == "disabled":
        return False
    import zmq
    from jupyter_client.manager import KernelManager

    declared = (getattr(spec, "metadata", None) or {}).get("supported_encryption")
    declared = [declared] if isinstance(declared, str) else list(declared or [])
    reasons = []
    if "transport_encryption" not in KernelManager.class_trait_names():
        import jupyter_client

        reasons.append(f"jupyter_client {jupyter_client.__version__} has no transport encryption")
    if not zmq.has("curve"):
        reasons.append("pyzmq's libzmq has no CurveZMQ support")
    if "curve" not in {str(d).strip().lower() for d in declared}:
        reasons.append(f"kernelspec {kernel_name!r} does not declare 'curve' in metadata.supported_encryption")
    if reasons and policy == "required":
        raise KernelStartError("transport_encryption='required' refused: " + "; ".join(reasons))
    return not reasons


class KernelPool:
    """Kernels of one kernelspec, started ahead of need; each is handed out once and then killed.

    ``method``: ``"fork"``, ``"spawn"`` or ``"auto"`` (fork when the kernelspec allows it, and
    spawn if the zygote cannot start). ``transport_encryption``: jupyter_client's policy,
    ``"disabled"``, ``"auto"`` (CurveZMQ when the kernelspec declares ``supported_encryption:
    curve``) or ``"required"`` (refused at once, with the reason, where it cannot be applied). Use as
    a context manager, or call :meth:`start` and :meth:`close`. Thread-safe.
    """

    def __init__(self, kernel_name: str, size: int = 2, *, method: str = "auto",
                 warmup: tuple[str, ...] | list[str] = WARMUP, cwd: str | Path | None = None,
                 startup_timeout: float = STARTUP_TIMEOUT, transport_encryption: str = "disabled",
                 env: dict[str, str] | None = None) -> None:
        if method not in ("auto", "fork", "spawn"):
            raise ValueError(f"method must be auto, fork or spawn, not {method!r}")
        if str(transport_encryption).lower() not in ENCRYPTION_POLICIES:
            raise ValueError(f"transport_encryption must be disabled, auto or required, not {transport_encryption!r}")
        self.kernel_name = kernel_name
        self.size = max(1, int(size))
        self.requested_method = method
        self.method = method
        self.warmup = list(warmup)
        self.cwd = str(Path(cwd or os.getcwd()).resolve())
        self.startup_timeout = startup_timeout
        self.preloaded: list[str] = []
        self.preload_failed: dict[str, str] = {}
        self._argv, self._env, self._language, spec = kernel_command(kernel_name)
        self._env.update(env or {})  # e.g. AWARD_EVAL_SHARED: the run's store (award_eval.shared)
        from .provisioner import pool_kernel_spec, pool_manager_class

        #: The kernelspec, as the pool's kernel manager sees it: it names the pool's provisioner.
        self.spec = pool_kernel_spec(spec)
        self.transport_encryption = str(transport_encryption).lower()
        self._curve = curve_wanted(self.transport_encryption, self.spec, kernel_name)
        self._dir: Path | None = None
        self._zygote: Zygote | None = None
        self._cond = threading.Condition()
        self._ready: deque[StartedKernel | BaseException] = deque()
        self._live: set[StartedKernel] = set()
        self._starting = 0
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._count = 0
        self._local = threading.local()
        self._fatal: BaseException | None = None
        #: The ``AsyncKernelManager`` class to hand to nbclient/papermill: its kernels come from this pool.
        self.manager_class = pool_manager_class(self)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> "KernelPool":
        """Start the pool and return at once: the zygote imports and the first kernels start in
        the background (:meth:`take` waits for them)."""
        # a private folder with a short path: Unix socket paths must stay under ~100 characters
        self._dir = Path(tempfile.mkdtemp(prefix="award-eval-kernels-"))
        prefix = fork_prefix(self._argv) if self.requested_method in ("auto", "fork") else None
        if self.requested_method == "fork" and prefix is None:
            raise KernelStartError(f"kernel {self.kernel_name!r} cannot be forked (not `python -m ipykernel_launcher`)")
        self.method = "fork" if prefix is not None else "spawn"
        if prefix is not None:
            try:
                self._zygote = Zygote(prefix, self.warmup, self._dir / "zygote.log", self.cwd)
            except OSError as exc:
                if self.requested_method == "fork":
                    raise KernelStartError(f"the kernel server did not start: {exc}") from None
                self.method = "spawn"
        boot = threading.Thread(target=self._boot, name="award-eval-kernel-boot", daemon=True)
        self._threads.append(boot)
        boot.start()
        return self

    def _boot(self) -> None:
        if self._zygote is not None:
            try:
                info = self._zygote.wait_ready(self.startup_timeout * 2)
                self.preloaded = list(info.get("loaded", []))
                self.preload_failed = dict(info.get("failed", {}))
            except KernelStartError as exc:
                if self.requested_method == "fork" or self._closed:
                    with self._cond:
                        self._fatal = exc  # every take() fails at once with the reason
                        self._cond.notify_all()
                    return
                self._zygote = None
                self.method = "spawn"  # auto: a kernel per process, as jupyter_client starts them
        # forks are quick; the starters mostly wait for new kernels to answer
        workers = min(self.size, 4) if self.method == "fork" else self.size
        with self._cond:
            if self._closed:
                return
            for i in range(1, workers):
                t = threading.Thread(target=self._fill, name=f"award-eval-kernel-starter-{i}", daemon=True)
                self._threads.append(t)
                t.start()
        self._fill()

    def __enter__(self) -> "KernelPool":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Kill every kernel of the pool, waiting or in use, and the zygote. Idempotent."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            waiting = [k for k in self._ready if isinstance(k, StartedKernel)]
            self._ready.clear()
            live = list(self._live)
            self._cond.notify_all()
        for k in waiting + live:
            k.kill()
        if self._zygote is not None:
            self._zygote.close()
        for t in list(self._threads):
            t.join(timeout=self.startup_timeout)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    @property
    def closed(self) -> bool:
        return self._closed

    # -- handing out -------------------------------------------------------------------------
    def waited(self) -> float:
        """Seconds this thread's last :meth:`take` waited for a kernel (then reset to 0)."""
        seconds = getattr(self._local, "waited", 0.0)
        self._local.waited = 0.0
        return seconds

    def take(self, timeout: float | None = None) -> StartedKernel:
        """A started, answering kernel that has run nothing; the caller owns it from now on."""
        started = time.monotonic()
        try:
            return self._take(timeout)
        finally:
            self._local.waited = time.monotonic() - started

    def _take(self, timeout: float | None) -> StartedKernel:
        limit = self.startup_timeout * 3 if timeout is None else timeout
        with self._cond:
            if not self._cond.wait_for(lambda: self._ready or self._closed or self._fatal, limit):
                raise KernelStartError(f"no kernel became ready within {limit:.0f} s")
            if self._closed:
                raise PoolClosed("the run is stopping")
            if self._fatal is not None:
                raise self._fatal
            item = self._ready.popleft()
            self._cond.notify_all()
            if isinstance(item, BaseException):
                raise item
            self._live.add(item)
            return item

    def release(self, kernel: StartedKernel) -> None:
        """Forget a kernel that has ended (called by the provisioner after it is killed)."""
        with self._cond:
            self._live.discard(kernel)
        for path in (kernel.connection_file, kernel.log):
            try:
                Path(path).unlink()
            except OSError:
                pass

    # -- starting ----------------------------------------------------------------------------
    def _fill(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or len(self._ready) + self._starting < self.size)
                if self._closed:
                    return
                self._starting += 1
            try:
                try:
                    item: StartedKernel | BaseException = self._start_one()
                except KernelStartError:
                    item = self._start_one()  # once more: a start can fail for passing reasons
            except BaseException as exc:  # noqa: BLE001 - handed to whoever takes next
                item = exc if isinstance(exc, Exception) else KernelStartError(str(exc))
            with self._cond:
                self._starting -= 1
                if self._closed:
                    if isinstance(item, StartedKernel):
                        item.kill()
                    return
                self._ready.append(item)
                self._cond.notify_all()

    def _start_one(self) -> StartedKernel:
        from jupyter_client.connect import write_connection_file

        assert self._dir is not None
        with self._cond:
            self._count += 1
            n = self._count
        name = f"k{n}"
        conn = self._dir / f"{name}.json"
        log = self._dir / f"{name}.log"
        transport = "tcp" if sys.platform == "win32" else "ipc"
        ip = str(self._dir / name) if transport == "ipc" else "127.0.0.1"
        curve: dict[str, bytes] = {}
        if self._curve:
            import zmq

            curve["curve_publickey"], curve["curve_secretkey"] = zmq.curve_keypair()
        _, info = write_connection_file(str(conn), ip=ip, transport=transport, key=uuid.uuid4().hex.encode(),
                                        kernel_name=self.kernel_name, **curve)
        info = dict(info)
        if isinstance(info.get("key"), bytes):
            info["key"] = info["key"].decode()
        argv = [HISTORY_IN_MEMORY] if self._language == "python" else []
        if self._zygote is not None:
            pid = self._zygote.fork(conn, log, self.cwd, self._env, argv)
            zygote = self._zygote
            kernel = StartedKernel(conn, info, pid, log, lambda: zygote.exit_status(pid))
        else:
            cmd = [a.replace("{connection_file}", str(conn)) for a in self._argv] + argv
            env = {**os.environ, **self._env, "JPY_PARENT_PID": str(os.getpid())}
            with open(log, "ab") as out:
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                        cwd=self.cwd, start_new_session=True, close_fds=True)
            kernel = StartedKernel(conn, info, proc.pid, log, proc.poll)
        with self._cond:
            self._live.add(kernel)  # killed by close() even while it is starting
        try:
            self._wait_ready(kernel)
        except BaseException:
            kernel.kill()
            self.release(kernel)
            raise
        with self._cond:
            self._live.discard(kernel)
        return kernel

    def _wait_ready(self, kernel: StartedKernel) -> None:
        """Return once the kernel answers a ``kernel_info_request``; fail fast if it dies."""
        import queue

        import zmq
        from jupyter_client.blocking import BlockingKernelClient

        kc = BlockingKernelClient(context=zmq.Context.instance())
        kc.load_connection_info(kernel.info)
        kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:
            deadline = time.monotonic() + self.startup_timeout
            msg_id = kc.kernel_info()
            while True:
                try:
                    reply = kc.get_shell_msg(timeout=0.1)
                    if reply.get("parent_header", {}).get("msg_id") == msg_id:
                        return
                except queue.Empty:
                    pass
                code = kernel.poll()
                if code is not None:
                    raise KernelStartError(f"kernel exited with code {code} while starting{tail(kernel.log)}")
                if self._closed:
                    raise PoolClosed("the run is stopping")
                if time.monotonic() > deadline:
                    raise KernelStartError(f"kernel did not answer within {self.startup_timeout:.0f} s"
                                           f"{tail(kernel.log)}")
        finally:
            kc.stop_channels()
