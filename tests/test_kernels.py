"""award_eval.run.kernels through the supported extension points: entry points, the kernelspec,
plain jupyter_client and papermill, transport encryption. Real kernels, no mocks."""
from __future__ import annotations

import asyncio
import importlib.metadata
import json
import queue
import subprocess
import sys
import types
from pathlib import Path

import jupyter_client
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from jupyter_client.provisioning import LocalProvisioner

from award_eval.errors import KernelStartError
from award_eval.run.kernels import KernelPool, execute_notebook
from award_eval.run.kernels.engine import ENGINE_NAME
from award_eval.run.kernels.provisioner import (PROVISIONER_NAME, PoolKernelClient, PoolKernelManager,
                                                PoolKernelSpecManager, PoolProvisioner)

from .conftest import BIN

KERNEL = "award-eval"
HAS_ENCRYPTION = "transport_encryption" in KernelManager.class_trait_names()
NO_ENCRYPTION = f"jupyter_client {jupyter_client.__version__} has no transport encryption (CurveZMQ)"


def tiny_notebook(path: Path, kernel: str = KERNEL) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print(x * 6)")]
    nbformat.write(nb, str(path))
    return path


def stdout_of_last_cell(path: Path) -> str:
    return "".join(o.get("text", "") for o in nbformat.read(str(path), as_version=4).cells[-1].outputs)


# ------------------------------------------------------------------------------------------------
# Registration
# ------------------------------------------------------------------------------------------------

def test_the_entry_points_resolve():
    (provisioner,) = importlib.metadata.entry_points(group="jupyter_client.kernel_provisioners", name=PROVISIONER_NAME)
    assert provisioner.load() is PoolProvisioner and issubclass(PoolProvisioner, LocalProvisioner)
    (engine,) = importlib.metadata.entry_points(group="papermill.engine", name=ENGINE_NAME)
    from papermill.engines import NBClientEngine, papermill_engines

    assert issubclass(engine.load(), NBClientEngine)
    assert papermill_engines.get_engine(ENGINE_NAME) is engine.load()


def test_the_installed_kernelspec_names_the_provisioner():
    specs = KernelSpecManager().find_kernel_specs()
    assert KERNEL in specs, "the award-eval kernelspec is not installed: run `make venv`"
    spec = json.loads((Path(specs[KERNEL]) / "kernel.json").read_text(encoding="utf-8"))
    assert spec["metadata"]["kernel_provisioner"]["provisioner_name"] == PROVISIONER_NAME


#: Private (``_``-prefixed, not dunder) names that award_eval may define although a base class has
#: them too, each with its reason. Empty: nothing private of jupyter_client or papermill is overridden.
PRIVATE_OVERRIDES_ALLOWED: dict[str, str] = {}


def test_no_private_member_of_jupyter_client_or_papermill_is_overridden():
    from award_eval.run.kernels.engine import PoolEngine

    from traitlets import TraitType

    written = (types.FunctionType, property, classmethod, staticmethod, TraitType)  # not what metaclasses add
    for cls in (PoolProvisioner, PoolKernelManager, PoolKernelClient, PoolKernelSpecManager, PoolEngine):
        bases = [b for b in cls.__mro__[1:] if b.__module__.split(".")[0] in ("jupyter_client", "papermill")]
        for name, value in vars(cls).items():
            if (name.startswith("_") and not (name.startswith("__") and name.endswith("__"))
                    and isinstance(value, written)):
                overridden = [b.__qualname__ for b in bases if name in vars(b)]
                assert not overridden or name in PRIVATE_OVERRIDES_ALLOWED, \
                    f"{cls.__qualname__}.{name} overrides a private member of {overridden}"


# ------------------------------------------------------------------------------------------------
# Outside a pool: exactly LocalProvisioner
# ------------------------------------------------------------------------------------------------

def test_outside_a_pool_the_provisioner_is_a_local_provisioner():
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel()
    try:
        assert type(km.provisioner) is PoolProvisioner and km.provisioner.pool is None
        assert km.provisioner.process is not None  # LocalProvisioner started the process itself
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            reply = kc.execute_interactive("1 + 1", timeout=30)
            assert reply["content"]["status"] == "ok"
        finally:
            kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
    assert not km.is_alive()


@pytest.mark.parametrize("engine", [None, ENGINE_NAME])
def test_the_plain_papermill_cli_runs_a_notebook_on_the_award_eval_kernel(tmp_path, engine):
    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    out = tmp_path / "out.ipynb"
    cmd = [str(BIN / "papermill"), str(nb), str(out), "-k", KERNEL, "-p", "x", "7", "--no-progress-bar"]
    if engine:
        cmd += ["--engine", engine]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert stdout_of_last_cell(out).strip() == "42"


# ------------------------------------------------------------------------------------------------
# In a pool: LocalProvisioner.pre_launch still runs; transport encryption
# ------------------------------------------------------------------------------------------------

@pytest.fixture
def pre_launch_calls(monkeypatch):
    calls: list[dict] = []
    original = LocalProvisioner.pre_launch

    async def spy(self, **kwargs):
        result = await original(self, **kwargs)
        calls.append({"provisioner": self, "result": result})
        return result

    monkeypatch.setattr(LocalProvisioner, "pre_launch", spy)
    return calls


def with_pool_kernel(pool: KernelPool, check, **manager_kw):
    """Start a kernel with the pool's kernel manager (as nbclient does), call ``check(km)``, kill it."""
    async def scenario():
        km = pool.manager_class(kernel_name=pool.kernel_name, **manager_kw)
        await km.start_kernel()
        try:
            check(km)
        finally:
            await km.shutdown_kernel(now=True)
        return km

    return asyncio.run(scenario())


def test_a_pool_kernel_goes_through_local_provisioner_pre_launch(tmp_path, pre_launch_calls):
    def check(km):
        assert len(pre_launch_calls) == 1 and pre_launch_calls[0]["provisioner"] is km.provisioner
        assert isinstance(km.provisioner, PoolProvisioner) and km.provisioner.kernel is not None
        # what LocalProvisioner.pre_launch produced: the launch environment, and the connection
        # file it (re)wrote from the manager's info, which is the pool kernel's
        assert "env" in pre_launch_calls[0]["result"]
        on_disk = json.loads(Path(km.connection_file).read_text(encoding="utf-8"))
        assert km.connection_file == str(km.provisioner.kernel.connection_file)
        keys = ("shell_port", "iopub_port", "key", "transport", "ip")
        assert {k: on_disk[k] for k in keys} == {k: km.provisioner.kernel.info[k] for k in keys}

    with KernelPool(KERNEL, size=1, warmup=(), cwd=tmp_path) as pool:
        km = with_pool_kernel(pool, check)
        assert km.provisioner.kernel is None and not Path(km.connection_file).exists()


@pytest.mark.skipif(not HAS_ENCRYPTION, reason=NO_ENCRYPTION)
def test_a_pool_kernel_with_required_transport_encryption_is_encrypted(tmp_path, pre_launch_calls):
    import zmq
    from jupyter_client.blocking import BlockingKernelClient

    def check(km):
        assert km.transport_encryption == "required" and len(pre_launch_calls) == 1
        info = json.loads(Path(km.connection_file).read_text(encoding="utf-8"))
        assert info["curve_publickey"] and info["curve_secretkey"]
        assert km.curve_publickey == info["curve_publickey"].encode()  # the keys the kernel was started with
        # a client with the kernel's keys is answered ...
        good = BlockingKernelClient(context=zmq.Context.instance())
        good.load_connection_info(info)
        good.start_channels(iopub=False, stdin=False, hb=False, control=False)
        try:
            good.kernel_info()
            assert good.get_shell_msg(timeout=10)["msg_type"] == "kernel_info_reply"
        finally:
            good.stop_channels()
        # ... one without them (but with the right HMAC key) is not: the sockets are CurveZMQ servers
        plain = BlockingKernelClient(context=zmq.Context.instance())
        plain.load_connection_info({k: v for k, v in info.items() if not k.startswith("curve_")})
        plain.start_channels(iopub=False, stdin=False, hb=False, control=False)
        try:
            plain.kernel_info()
            with pytest.raises(queue.Empty):
                plain.get_shell_msg(timeout=2)
        finally:
            plain.stop_channels()

    nb = tiny_notebook(tmp_path / "tiny.ipynb")
    with KernelPool(KERNEL, size=1, warmup=(), cwd=tmp_path, transport_encryption="required") as pool:
        with_pool_kernel(pool, check)
        # and a whole notebook runs encrypted, as award-eval run runs it
        execute_notebook(pool, nb, tmp_path / "out.ipynb", {"x": 2}, timeout=60)
        assert stdout_of_last_cell(tmp_path / "out.ipynb").strip() == "12"


@pytest.mark.skipif(not HAS_ENCRYPTION, reason=NO_ENCRYPTION)
def test_an_unencrypted_pool_kernel_is_refused_where_encryption_is_required(tmp_path):
    with KernelPool(KERNEL, size=1, warmup=(), cwd=tmp_path) as pool:
        with pytest.raises(KernelStartError) as err:
            with_pool_kernel(pool, lambda km: None, transport_encryption="required")
    assert "transport encryption" in str(err.value) and "\n" not in str(err.value)


def test_required_encryption_with_a_kernelspec_that_does_not_declare_it_is_refused(tmp_path, monkeypatch):
    spec_dir = tmp_path / "share" / "kernels" / "plain"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "plain", "language": "python"}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share"))
    with pytest.raises(KernelStartError) as err:
        KernelPool("plain", size=1, warmup=(), transport_encryption="required")
    assert "transport_encryption='required' refused" in str(err.value) and "\n" not in str(err.value)
