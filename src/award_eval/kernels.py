"""Kernels for batch runs: started ahead of need, one fresh kernel for every notebook.

A :class:`KernelPool` keeps ``size`` kernels started *and answering* before any evaluation asks
for one, and starts a replacement as soon as one is taken, so an evaluation does not wait for a
kernel start. Every kernel runs exactly one notebook and is then killed: no namespace, variable,
execution count or open file is ever shared between two notebooks.

Two ways to start a kernel:

``fork`` (the default where :func:`os.fork` exists and the kernelspec is ``python -m ipykernel_launcher``)
    One small server process per run, the *zygote*, is started with the kernelspec's interpreter.
    It imports ipykernel (and debugpy, which every kernel loads) and the warm-up modules
    (:data:`WARMUP`: numpy, pandas, scipy, scikit-learn, matplotlib, award_eval's analysis
    modules) **without starting a kernel**, then forks one child per kernel. The child becomes a new session, sets up a new IPython kernel
    exactly as ``ipykernel_launcher`` does (new sockets, new shell, empty user namespace,
    execution count 1), and runs one notebook. What the warm-up changes: a notebook's
    ``import pandas`` finds the module already in ``sys.modules`` and returns at once; module-level
    state is that of a fresh import. Nothing of any notebook is in the zygote, so nothing can leak
    from one notebook to the next. Set-up details that mirror a normal kernel: ``MPLBACKEND`` is
    set to the inline backend before matplotlib is imported (ipykernel does the same), the inline
    backend itself is imported only inside the kernel, pandas' display options that pandas derives
    at import from "am I in a kernel?" are set as in a kernel, the history is kept in memory, numpy's
    legacy global random state is reseeded in every child (Python's ``random`` reseeds itself).
    ``OPENBLAS/OMP/MKL_NUM_THREADS`` default to 1 in the zygote (set them to override): parallel
    evaluations already use every core, and a forked process must not inherit a BLAS thread pool.
    After the warm-up the zygote freezes its objects for the garbage collector (:func:`gc.freeze`),
    as Python's documentation advises before forking: a kernel's full collections then skip the
    warm-up modules' objects instead of walking them and copying the shared pages they touch.
``spawn``
    The kernelspec's own command, as jupyter_client starts it: each kernel pays the interpreter
    start-up and each notebook its own imports (about 4 s more per notebook on a 2-core machine),
    still started ahead of need. Used when fork is unavailable or the zygote cannot start.

Kernels talk over ``ipc`` (Unix sockets in a private temporary folder) where available, so
parallel kernel starts never race for TCP ports.

papermill drives execution through the ``award_eval`` engine registered here (:class:`PoolEngine`):
nbclient's own engine, with a kernel manager whose provisioner takes a kernel from the pool, and
which turns a cell timeout or a dead kernel into an error in that cell, so the partially executed
notebook is written like any other failure.
"""
from __future__ import annotations

import asyncio
import functools
import gc
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from award_eval.errors import AwardEvalError

ENGINE_NAME = "award_eval"
STARTUP_TIMEOUT = 60.0
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
MPLBACKEND_INLINE = "module://matplotlib_inline.backend_inline"
HISTORY_IN_MEMORY = "--HistoryManager.hist_file=:memory:"

#: Modules the zygote imports before it forks kernels. ``award_eval.*`` means every submodule of
#: award_eval except those that drive runs (they import papermill and nbconvert, which no notebook
#: needs). A module that fails to import is skipped (the notebook will report the error itself).
WARMUP: tuple[str, ...] = ("numpy", "pandas", "scipy.stats", "sklearn.base", "matplotlib", "matplotlib.pyplot",
                           "IPython.display", "award_eval", "award_eval.*")
NOT_PRELOADED = frozenset({"award_eval.cli", "award_eval.run.batch", "award_eval.run.context", "award_eval.kernels",
                           "award_eval.run.kernels", "award_eval.run.plan"})


class KernelStartError(AwardEvalError):
    """A kernel did not start (the message says why, with the end of its log)."""


class PoolClosed(AwardEvalError):
    """The pool was closed (the run is stopping) while a kernel was wanted."""


# --------------------------------------------------------------------------------------------
# The zygote: runs in its own process (``python -c "from award_eval.kernels import _serve; _serve()"``)
# --------------------------------------------------------------------------------------------

def _preload(names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Import the warm-up modules; return those imported and those that failed (name → error)."""
    import importlib
    import pkgutil

    loaded: list[str] = []
    failed: dict[str, str] = {}
    for name in names:
        targets = [name]
        if name.endswith(".*"):
            base = name[:-2]
            try:
                pkg = importlib.import_module(base)
                targets = sorted(m.name for m in pkgutil.walk_packages(pkg.__path__, base + "."))
            except Exception as exc:  # noqa: BLE001 - reported, never fatal
                failed[name] = f"{type(exc).__name__}: {exc}"
                continue
        for target in targets:
            if target in NOT_PRELOADED:
                continue
            try:
                importlib.import_module(target)
                loaded.append(target)
            except Exception as exc:  # noqa: BLE001
                failed[target] = f"{type(exc).__name__}: {exc}"
    return loaded, failed


def _serve() -> None:
    """The zygote: preload, then fork one kernel per request line read on stdin.

    Protocol (JSON lines): requests on stdin ``{"id", "connection_file", "log", "cwd", "env", "argv"}``;
    replies on stdout ``{"ready": …}`` once, ``{"id", "pid"}`` per fork, ``{"exit": pid, "status"}``
    when a kernel ends. End of stdin (the run ended, or its process died) kills every kernel still
    running and ends the zygote.
    """
    proto_out = os.dup(1)
    os.dup2(2, 1)  # whatever the warm-up prints must not reach the protocol stream
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run decides when kernels stop
    warmup = json.loads(os.environ.pop("AWARD_EVAL_WARMUP", "[]"))
    pool_dir = os.environ.pop("AWARD_EVAL_POOL_DIR", "")
    os.environ.setdefault("MPLBACKEND", MPLBACKEND_INLINE)

    def send(obj: dict) -> None:
        data = (json.dumps(obj) + "\n").encode()
        try:
            while data:
                data = data[os.write(proto_out, data):]
        except BrokenPipeError:
            pass  # the run is gone (killed): nobody to tell; the loop below notices and cleans up

    import ipykernel.kernelapp  # noqa: F401 - the kernel's own start-up cost, paid once

    try:  # what every IPythonKernel imports when it is created (debugpy, ~0.3 s)
        import ipykernel.debugger  # noqa: F401
    except Exception:  # noqa: BLE001 - no debugger: the kernel imports nothing more either
        pass

    loaded, failed = _preload(warmup)
    # The warm-up modules' objects (~200,000) are moved out of the collector's reach, as Python's
    # documentation advises before forking: a kernel's full collection would otherwise walk them all
    # (~0.1 s) and, by touching their headers, copy pages the fork shares with the zygote. They live
    # as long as the modules do, so freezing them changes nothing a notebook can see.
    gc.collect()
    gc.freeze()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    send({"ready": True, "pid": os.getpid(), "loaded": loaded, "failed": failed})

    children: set[int] = set()

    def reap() -> None:
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.discard(pid)
            send({"exit": pid, "status": os.waitstatus_to_exitcode(status)})

    buf = b""
    while True:
        reap()
        try:
            ready, _, _ = select.select([0, wake_r], [], [], 1.0)
        except InterruptedError:  # pragma: no cover - PEP 475 retries
            continue
        if wake_r in ready:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
        if 0 not in ready:
            continue
        chunk = os.read(0, 65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if not line.strip():
                continue
            req = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _kernel_child(req, [0, proto_out, wake_r, wake_w])
            children.add(pid)
            send({"id": req["id"], "pid": pid})
    for pid in list(children):
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 5
    while children and time.monotonic() < deadline:
        reap()
        time.sleep(0.02)
    if pool_dir:  # the run may have been killed: its private folder (sockets, logs) goes with it
        shutil.rmtree(pool_dir, ignore_errors=True)
    os._exit(0)


def _kernel_child(req: dict, close_fds: list[int]) -> None:
    """In a fresh fork of the zygote: become an IPython kernel as ``ipykernel_launcher`` would. Never returns."""
    code = 1
    try:
        os.setsid()  # its own process group, like jupyter_client's kernels: interrupts reach it alone
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        for fd in close_fds:
            try:
                os.close(fd)
            except OSError:
                pass
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        os.chdir(req["cwd"])
        os.environ.update(req.get("env", {}))
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        if "numpy.random" in sys.modules:
            sys.modules["numpy.random"].seed()  # a fresh kernel's legacy global state is unpredictable too
        import importlib.util

        from ipykernel.kernelapp import IPKernelApp

        launcher = importlib.util.find_spec("ipykernel_launcher")
        argv = ["-f", req["connection_file"], *req.get("argv", [])]
        sys.argv = [launcher.origin if launcher and launcher.origin else "ipykernel_launcher", *argv]
        # parent_handle's default was read from the environment when the zygote imported ipykernel
        app = IPKernelApp.instance(parent_handle=os.getppid())
        app.initialize(argv)
        if app.shell is not None:
            with app.shell.builtin_trap:  # get_ipython() answers, as it does inside a cell
                _as_imported_in_a_kernel()
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - the log is the only place left to say it
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _as_imported_in_a_kernel() -> None:
    """Redo what a warm-up module decided at import time from not yet running inside a kernel.

    Called in the child once the kernel (and its shell, and its ``sys.stdout``) exists. pandas is
    the one case among :data:`WARMUP`: it sets ``display.max_columns`` (0 in a terminal, 20 in a
    kernel) and ``display.encoding`` (from ``sys.stdout``) when it is imported.
    """
    if "pandas" not in sys.modules:
        return
    try:
        from pandas._config import config as cf
        from pandas._config.display import detect_console_encoding
        from pandas.core.config_init import is_terminal

        wanted = {"display.max_columns": 0 if is_terminal() else 20,
                  "display.encoding": detect_console_encoding()}
        for key, value in wanted.items():
            opt = cf._registered_options.get(key)
            if opt is not None and opt.defval != value:
                if cf.get_option(key) == opt.defval:
                    cf.set_option(key, value)
                cf._registered_options[key] = opt._replace(defval=value)
    except Exception:  # noqa: BLE001 - pandas moved its internals: the notebook still runs
        traceback.print_exc()


class _Zygote:
    """The run's side of the zygote: start it, ask for forks, learn when kernels exit."""

    def __init__(self, python: list[str], warmup: list[str], log: Path, cwd: str,
                 timeout: float = STARTUP_TIMEOUT) -> None:
        env = dict(os.environ)
        env["AWARD_EVAL_WARMUP"] = json.dumps(list(warmup))
        env["AWARD_EVAL_POOL_DIR"] = str(log.parent)
        for var in THREAD_VARS:
            env.setdefault(var, "1")
        self._log = log
        with open(log, "ab") as err:
            self.proc = subprocess.Popen(
                [*python, "-c", "from award_eval.kernels import _serve; _serve()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env, cwd=cwd,
                start_new_session=True, close_fds=True)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._replies: dict[int, int] = {}
        self.exits: dict[int, int] = {}
        self.info: dict | None = None
        self._dead = False
        self._next = 0
        self._reader = threading.Thread(target=self._read, name="award-eval-zygote", daemon=True)
        self._reader.start()

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> dict:
        """Block until the zygote has imported the warm-up modules; its ready message."""
        with self._cond:
            if not self._cond.wait_for(lambda: self.info is not None or self._dead, timeout):
                self.close()
                raise KernelStartError(f"the kernel server did not start within {timeout:.0f} s{_tail(self._log)}")
            if self.info is None:
                raise KernelStartError(f"the kernel server exited at start{_tail(self._log)}")
            return self.info

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            with self._cond:
                if "ready" in msg:
                    self.info = msg
                elif "exit" in msg:
                    self.exits[msg["exit"]] = msg["status"]
                elif "id" in msg:
                    self._replies[msg["id"]] = msg["pid"]
                self._cond.notify_all()
        with self._cond:
            self._dead = True
            self._cond.notify_all()

    def fork(self, connection_file: Path, log: Path, cwd: str, env: dict[str, str], argv: list[str],
             timeout: float = 30.0) -> int:
        with self._cond:
            if self._dead:
                raise KernelStartError(f"the kernel server has exited{_tail(self._log)}")
            self._next += 1
            rid = self._next
            req = {"id": rid, "connection_file": str(connection_file), "log": str(log), "cwd": cwd,
                   "env": env, "argv": argv}
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.write((json.dumps(req) + "\n").encode())
                self.proc.stdin.flush()
            except OSError as exc:
                raise KernelStartError(f"the kernel server is gone ({exc}){_tail(self._log)}") from None
            if not self._cond.wait_for(lambda: rid in self._replies or self._dead, timeout):
                raise KernelStartError("the kernel server did not answer")
            if rid not in self._replies:
                raise KernelStartError(f"the kernel server has exited{_tail(self._log)}")
            return self._replies.pop(rid)

    def exit_status(self, pid: int) -> int | None:
        with self._lock:
            if pid in self.exits:
                return self.exits[pid]
            if self._dead:  # the zygote killed its kernels on the way out
                return -signal.SIGKILL
            return None

    def close(self) -> None:
        """End of stdin: the zygote kills the kernels it still has and exits."""
        if self.info is None:  # still importing: no kernel yet, nothing to wait for
            self.proc.kill()
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _tail(path: Path, lines: int = 8) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    text = [t for t in text if t.strip()][-lines:]
    return (" — log: " + " | ".join(t.strip() for t in text)) if text else ""


# --------------------------------------------------------------------------------------------
# The pool
# --------------------------------------------------------------------------------------------

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


class KernelPool:
    """Kernels of one kernelspec, started ahead of need; each is handed out once and then killed.

    ``method``: ``"fork"``, ``"spawn"`` or ``"auto"`` (fork when the kernelspec allows it, and
    spawn if the zygote cannot start). Use as a context manager, or call :meth:`start` and
    :meth:`close`. Thread-safe.
    """

    def __init__(self, kernel_name: str, size: int = 2, *, method: str = "auto",
                 warmup: tuple[str, ...] | list[str] = WARMUP, cwd: str | Path | None = None,
                 startup_timeout: float = STARTUP_TIMEOUT) -> None:
        if method not in ("auto", "fork", "spawn"):
            raise ValueError(f"method must be auto, fork or spawn, not {method!r}")
        self.kernel_name = kernel_name
        self.size = max(1, int(size))
        self.requested_method = method
        self.method = method
        self.warmup = list(warmup)
        self.cwd = str(Path(cwd or os.getcwd()).resolve())
        self.startup_timeout = startup_timeout
        self.preloaded: list[str] = []
        self.preload_failed: dict[str, str] = {}
        self._argv, self._env, self._language, self.spec = kernel_command(kernel_name)
        self._dir: Path | None = None
        self._zygote: _Zygote | None = None
        self._cond = threading.Condition()
        self._ready: deque[StartedKernel | BaseException] = deque()
        self._live: set[StartedKernel] = set()
        self._starting = 0
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._count = 0
        self._local = threading.local()
        self._fatal: BaseException | None = None
        self.manager_class = _bind(self)

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
                self._zygote = _Zygote(prefix, self.warmup, self._dir / "zygote.log", self.cwd)
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
        _, info = write_connection_file(str(conn), ip=ip, transport=transport, key=uuid.uuid4().hex.encode(),
                                        kernel_name=self.kernel_name)
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
                    raise KernelStartError(f"kernel exited with code {code} while starting{_tail(kernel.log)}")
                if self._closed:
                    raise PoolClosed("the run is stopping")
                if time.monotonic() > deadline:
                    raise KernelStartError(f"kernel did not answer within {self.startup_timeout:.0f} s"
                                           f"{_tail(kernel.log)}")
        finally:
            kc.stop_channels()


# --------------------------------------------------------------------------------------------
# jupyter_client and papermill glue
# --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _provisioner_class():
    from jupyter_client.provisioning import LocalProvisioner
    from jupyter_client.provisioning.provisioner_base import KernelProvisionerBase

    class PoolProvisioner(LocalProvisioner):  # type: ignore[misc, valid-type]
        """Takes its kernel from a :class:`KernelPool` instead of starting a process."""

        pool: KernelPool | None = None
        kernel: StartedKernel | None = None

        @property
        def has_process(self) -> bool:
            return self.kernel is not None

        async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
            from jupyter_client.connect import port_names

            assert self.pool is not None
            km = self.parent
            self.kernel = self.pool.take()
            for name in port_names:
                setattr(km, name, 0)
            km.load_connection_info(self.kernel.info)
            km.connection_file = str(self.kernel.connection_file)
            km._connection_file_written = True  # so the manager removes it when done
            self.connection_info = km.get_connection_info()
            kwargs.pop("extra_arguments", None)
            return await KernelProvisionerBase.pre_launch(self, cmd=[], **kwargs)

        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> dict:
            assert self.kernel is not None
            self.pid = self.pgid = self.kernel.pid
            self.cwd = self.pool.cwd if self.pool else None
            return self.connection_info

        async def poll(self) -> int | None:
            return self.kernel.poll() if self.kernel is not None else 0

        async def wait(self) -> int | None:
            kernel = self.kernel
            if kernel is None:
                return 0
            while kernel.poll() is None:
                await asyncio.sleep(0.02)
            if self.pool is not None:
                self.pool.release(kernel)
            self.kernel = None
            return kernel.poll()

        async def send_signal(self, signum: int) -> None:
            if self.kernel is not None:
                self.kernel.signal(signum)

        async def kill(self, restart: bool = False) -> None:
            if self.kernel is not None:
                self.kernel.kill()

        async def terminate(self, restart: bool = False) -> None:
            if self.kernel is not None:
                self.kernel.signal(signal.SIGTERM)

        async def cleanup(self, restart: bool = False) -> None:
            if self.kernel is not None and self.pool is not None and self.kernel.poll() is not None:
                self.pool.release(self.kernel)
                self.kernel = None

    return PoolProvisioner


@functools.lru_cache(maxsize=None)
def _client_class():
    import queue

    from jupyter_client.asynchronous import AsyncKernelClient

    class PoolKernelClient(AsyncKernelClient):  # type: ignore[misc, valid-type]
        """jupyter_client's client, with a ready-check that has no fixed waits.

        The stock ``wait_for_ready`` ends with 0.2 s of listening for silence on IOPub (and waits
        0.2 s more whenever IOPub is quiet), which is most of a pre-started kernel's hand-over.
        Here: send ``kernel_info`` and return as soon as its reply (shell) and the kernel's
        ``idle`` status for it (IOPub) have both arrived — the second proves this client's IOPub
        subscription is live, so no output of the first cell can be missed.
        """

        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
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
                    self._handle_kernel_info_reply(reply)
                    return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

        wait_for_ready = _async_wait_for_ready  # the base class binds the stock function by name

    return PoolKernelClient


@functools.lru_cache(maxsize=None)
def _manager_base():
    from jupyter_client.manager import AsyncKernelManager

    class _Base(AsyncKernelManager):  # type: ignore[misc, valid-type]
        pool: KernelPool | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.client_factory = _client_class()
            if self.pool is not None and self.kernel_name == self.pool.kernel_name:
                self._kernel_spec = self.pool.spec  # looked up once per pool, not per notebook

        async def _async_wait(self, pollinterval: float = 0.1) -> None:
            await super()._async_wait(pollinterval=0.01)  # a killed kernel is gone in milliseconds

        async def _async_pre_start_kernel(self, **kw: Any):  # type: ignore[override]
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                provisioner = _provisioner_class()(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
                provisioner.pool = self.pool
                self.provisioner = provisioner
            return await super()._async_pre_start_kernel(**kw)

    return _Base


def _bind(pool: KernelPool) -> type:
    """An ``AsyncKernelManager`` class whose kernels come from ``pool``."""
    return type("PoolKernelManager", (_manager_base(),), {"pool": pool})


def register_engine() -> None:
    """Register the ``award_eval`` papermill engine (idempotent)."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.engines import NBClientEngine, papermill_engines

    if ENGINE_NAME in papermill_engines._engines:
        return

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

    papermill_engines.register(ENGINE_NAME, PoolEngine)


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


if __name__ == "__main__":  # pragma: no cover
    _serve()
