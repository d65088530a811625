"""The zygote: a warmed-up server process that forks one fresh IPython kernel per request.

One zygote per :class:`~award_eval.run.kernels.pool.KernelPool` (``fork`` method). It is started
with the kernelspec's interpreter as ``python -c "from award_eval.run.kernels.zygote import serve;
serve()"``, imports ipykernel (and debugpy, which every kernel loads) and the warm-up modules
(:data:`WARMUP`) **without starting a kernel**, then forks one child per kernel. The child becomes
a new session, sets up a new IPython kernel exactly as ``ipykernel_launcher`` does (new sockets,
new shell, empty user namespace, execution count 1), and runs one notebook. What the warm-up
changes: a notebook's ``import pandas`` finds the module already in ``sys.modules``; module-level
state is that of a fresh import. Nothing of any notebook is in the zygote, so nothing can leak from
one notebook to the next. Set-up details that mirror a normal kernel: ``MPLBACKEND`` is set to the
inline backend before matplotlib is imported (ipykernel does the same), the inline backend itself is
imported only inside the kernel, pandas' display options that pandas derives at import from "am I
in a kernel?" are set as in a kernel, the history is kept in memory, numpy's legacy global random
state is reseeded in every child (Python's ``random`` reseeds itself). ``OPENBLAS/OMP/MKL_NUM_THREADS``
default to 1 in the zygote (set them to override): parallel evaluations already use every core, and
a forked process must not inherit a BLAS thread pool. After the warm-up the zygote freezes its
objects for the garbage collector (:func:`gc.freeze`), as Python's documentation advises before
forking.

This module imports only the standard library (and award_eval.errors) at module level: the
zygote runs it before anything else, and must not pay for jupyter_client or papermill.
"""
from __future__ import annotations

import gc
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from award_eval.errors import KernelStartError

STARTUP_TIMEOUT = 60.0
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
MPLBACKEND_INLINE = "module://matplotlib_inline.backend_inline"
HISTORY_IN_MEMORY = "--HistoryManager.hist_file=:memory:"

#: Modules the zygote imports before it forks kernels. ``award_eval.*`` means every submodule of
#: award_eval except those that drive runs (they import papermill and nbconvert, which no notebook
#: needs). A module that fails to import is skipped (the notebook will report the error itself).
#: Besides the notebooks' own imports, the modules every kernel imports as it starts (its shell's
#: debugger, inspector, history, tornado's loop) and those the notebooks' cells import on first use
#: (the Agg canvas, pandas' CSV and text formatters, the narwhals layer scikit-learn checks frames
#: with): ~50 ms of every kernel's CPU otherwise. Not ``matplotlib_inline``: its import hooks the
#: backend into the running IPython, so it must happen inside the kernel.
WARMUP: tuple[str, ...] = ("numpy", "pandas", "scipy.stats", "sklearn.base", "matplotlib", "matplotlib.pyplot",
                           "IPython.display", "award_eval", "award_eval.*",
                           "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.logger",
                           "IPython.core.oinspect", "IPython.core.pylabtools", "IPython.extensions.storemagic",
                           "sqlite3", "tornado.platform.asyncio", "matplotlib.backends.backend_agg",
                           "pandas.io.formats.csvs", "pandas.io.formats.string", "pandas.core.reshape.reshape",
                           "pandas.core.methods.to_dict", "narwhals.stable.v2", "narwhals._pandas_like.dataframe",
                           "narwhals._pandas_like.namespace", "narwhals._interchange.dataframe")
#: Called after the warm-up imports (``module:function``, when the warm-up imported the module), so
#: that every kernel inherits what they read or build once per process: the bilingual catalogue, which
#: every notebook reads at its first ``t()`` (~50 ms per kernel); the notebooks' parameter validators
#: (~5 ms); the key packages' versions and the digest of award_eval's own files, which the shared
#: store's key and the method record name (~25 ms; the code a kernel runs is the code the server imported).
WARM_CALLS: tuple[str, ...] = ("award_eval.i18n:catalogue", "award_eval.parameters:prepare_validators",
                               "award_eval.provenance:package_versions", "award_eval.shared:code_version")
#: Never preloaded: these modules and every module below them.
NOT_PRELOADED = frozenset({"award_eval.cli", "award_eval.run"})


def _not_preloaded(name: str) -> bool:
    return any(name == n or name.startswith(n + ".") for n in NOT_PRELOADED)

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
            if _not_preloaded(target):
                continue
            try:
                importlib.import_module(target)
                loaded.append(target)
            except Exception as exc:  # noqa: BLE001
                failed[target] = f"{type(exc).__name__}: {exc}"
    return loaded, failed


def serve() -> None:
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
    for call in WARM_CALLS:
        module, _, func = call.partition(":")
        if module in loaded:  # warmed up (not with warmup=())
            try:
                getattr(sys.modules[module], func)()
            except Exception as exc:  # noqa: BLE001 - the notebook will meet the same error itself
                failed[call] = f"{type(exc).__name__}: {exc}"
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


class Zygote:
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
                [*python, "-c", "from award_eval.run.kernels.zygote import serve; serve()"],
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
                raise KernelStartError(f"the kernel server did not start within {timeout:.0f} s{tail(self._log)}")
            if self.info is None:
                raise KernelStartError(f"the kernel server exited at start{tail(self._log)}")
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
                raise KernelStartError(f"the kernel server has exited{tail(self._log)}")
            self._next += 1
            rid = self._next
            req = {"id": rid, "connection_file": str(connection_file), "log": str(log), "cwd": cwd,
                   "env": env, "argv": argv}
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.write((json.dumps(req) + "\n").encode())
                self.proc.stdin.flush()
            except OSError as exc:
                raise KernelStartError(f"the kernel server is gone ({exc}){tail(self._log)}") from None
            if not self._cond.wait_for(lambda: rid in self._replies or self._dead, timeout):
                raise KernelStartError("the kernel server did not answer")
            if rid not in self._replies:
                raise KernelStartError(f"the kernel server has exited{tail(self._log)}")
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


def tail(path: Path, lines: int = 8) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    text = [t for t in text if t.strip()][-lines:]
    return (" — log: " + " | ".join(t.strip() for t in text)) if text else ""


if __name__ == "__main__":  # pragma: no cover
    serve()
