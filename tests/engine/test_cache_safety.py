"""Nothing foreign runs: the kernel cache is a private folder and planted files are ignored.

The tests run as root here, so "another user's file" is made with ``os.chown`` to an unused
uid; files writable by group or others are the second rule. Each planted file carries code
that would create a marker file if it ran.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers import build_model
from mscnk.model._cache import cache_folder, configured_folder
from mscnk.model import compile_model, model_hash

STRANGER = 54321  # a uid no one on the test machine has

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="making another user's file needs root")


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MSCNK_CACHE_DIR", str(folder))
    return folder


def _plant(path: Path, data: bytes, how: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if how == "stranger":
        os.chown(path, STRANGER, STRANGER)
        os.chmod(path, 0o644)
    else:
        os.chmod(path, 0o666)


PLANTS = [pytest.param("stranger", marks=needs_root), "world-writable"]


def _marker_code(marker: Path) -> str:
    return f"__import__('pathlib').Path({str(marker)!r}).write_text('ran')"


def test_cache_folder_is_private_and_the_configured_one(cache):
    assert cache_folder() == cache
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_an_existing_cache_folder_of_ours_is_made_private(cache):
    cache.mkdir(mode=0o755)
    os.chmod(cache, 0o777)
    assert cache_folder() == cache
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700


def test_default_folder_is_home_cache_mscnk(monkeypatch, tmp_path):
    monkeypatch.delenv("MSCNK_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert configured_folder() == tmp_path / ".cache" / "mscnk"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert configured_folder() == tmp_path / "xdg" / "mscnk"


def _not_shared(folder: Path) -> None:
    """A fallback folder: new, owned by us, 0700, and not a fixed name others could make."""
    info = folder.stat()
    assert info.st_uid == os.geteuid()
    assert stat.S_IMODE(info.st_mode) == 0o700
    assert folder != Path(tempfile.gettempdir()) / "mscnk-cache"
    assert folder.name.startswith("mscnk-cache-") and len(folder.name) > len("mscnk-cache-")


def test_unwritable_home_does_not_lead_to_a_shared_temp_folder(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.write_text("a file where HOME should be a folder")  # root ignores permission bits
    monkeypatch.delenv("MSCNK_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(home))
    folder = cache_folder()
    _not_shared(folder)
    assert cache_folder() == folder  # one folder per process


@needs_root
def test_a_cache_folder_of_another_user_is_not_used(cache):
    cache.mkdir(mode=0o700)
    os.chown(cache, STRANGER, STRANGER)
    folder = cache_folder()
    assert folder != cache
    _not_shared(folder)


def test_a_world_writable_cache_folder_of_another_user_is_not_used(cache):
    cache.mkdir()
    os.chmod(cache, 0o777)
    if os.geteuid() == 0:
        os.chown(cache, STRANGER, STRANGER)
        assert cache_folder() != cache
    else:  # pragma: no cover - ours: made private instead
        assert cache_folder() == cache


@pytest.mark.parametrize("how", PLANTS)
def test_a_planted_model_code_file_is_not_run(cache, tmp_path, how):
    model = build_model()
    marker = tmp_path / "ran"
    planted = {name: _marker_code(marker) + "\n_lambdifygenerated = None\n"
               for name in ("rhs", "jacobian", "rates", "signals", "initial")}
    cache.mkdir(mode=0o700)
    _plant(cache / f"model-{model_hash(model)}.json", json.dumps(planted).encode(), how)
    compiled = compile_model(model)
    assert not marker.exists()
    assert np.all(np.isfinite(compiled.rhs(np.ones(len(compiled.species)),
                                           compiled.default_parameters(),
                                           compiled.default_inputs())))


@pytest.mark.parametrize("how", PLANTS)
def test_a_planted_numba_source_is_not_used(cache, tmp_path, model, how):
    from mscnk.engine._kernel import _model_source

    marker = tmp_path / "ran"
    buffer = io.BytesIO()
    np.savez(buffer, text=np.array("import math\n" + _marker_code(marker)),
             rows=np.zeros(1, dtype=np.int64), cols=np.zeros(1, dtype=np.int64),
             n_states=np.array(1))
    cache.mkdir(mode=0o700)
    _plant(cache / f"numba-source-{model_hash(model.model)}.npz", buffer.getvalue(), how)
    source = _model_source(model)
    assert str(marker) not in source.text
    assert source.n_states == len(model.species)


def _pickle_payload(marker: Path) -> bytes:
    """A pickle that runs code when loaded (what a planted numba index file could be)."""
    code = _marker_code(marker)
    return b"c" + b"builtins\nexec\n(V" + code.encode() + b"\ntR."


REFERENCE_KERNEL = textwrap.dedent("""
    import sys
    import numpy as np
    import sympy as sp
    from mscnk.engine._kernel import kernel_for_field

    a, k = sp.symbols("a k")
    kernel = kernel_for_field([-k * a], [a], [k], [], key="cache-safety-test")
    out = np.empty((2, 1)); counters = np.zeros(4, dtype=np.int64)
    status = kernel.module.integrate(np.ones(1), np.ones(1), np.zeros(0), np.array([0.0, 1.0]),
                                     1e-8, np.full(1, 1e-10), 0.0, 10000, out, counters)
    assert status == 0 and abs(out[1, 0] - np.exp(-1.0)) < 1e-6, out
    print(kernel.module.__name__)
""")


def _reference_kernel(cache: Path, umask: int = 0o022) -> str:
    """Build (or load) a small kernel in a fresh process; its module name."""
    code = f"import logging, os; os.umask({umask}); logging.basicConfig(level=logging.INFO)\n"
    run = subprocess.run([sys.executable, "-c", code + REFERENCE_KERNEL], capture_output=True,
                         text=True, env={**os.environ, "MSCNK_CACHE_DIR": str(cache)},
                         timeout=600)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip() + ("\ncompiled" if "compiling the batch kernel" in run.stderr else "")


def test_a_permissive_umask_does_not_make_every_run_compile_again(cache):
    """numba writes its files under the user's umask (0o002 gives group write): they are made
    private after the compile, so the next process trusts and loads them."""
    first = _reference_kernel(cache, umask=0o002)
    assert first.endswith("\ncompiled")
    assert not [p for p in cache.rglob("*") if p.stat().st_mode & 0o022]
    assert _reference_kernel(cache, umask=0o002) == first.split("\n")[0]  # loaded, not compiled


@pytest.mark.parametrize("how", PLANTS)
def test_planted_compiled_files_beside_the_kernel_are_not_loaded(cache, tmp_path, how):
    """numba's index files (pickles) and Python's bytecode of the kernel module."""
    marker = tmp_path / "ran"
    name = _reference_kernel(cache).split("\n")[0]  # a first process compiles and fills the cache
    pycache = cache / "__pycache__"
    indexes = sorted(pycache.glob(f"{name}.integrate-*.nbi"))
    assert indexes, sorted(p.name for p in pycache.iterdir())
    for index in indexes:
        _plant(index, _pickle_payload(marker), how)
    source = cache / f"{name}.py"
    info = source.stat()
    bytecode = Path(importlib.util.cache_from_source(str(source)))
    code = compile(_marker_code(marker), str(source), "exec")
    header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little")
    header += int(info.st_mtime).to_bytes(4, "little") + (info.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    import marshal

    _plant(bytecode, header + marshal.dumps(code), how)
    assert _reference_kernel(cache).split("\n")[0] == name  # a later process: right, nothing ran
    assert not marker.exists()


def test_the_local_dask_cluster_of_a_run_takes_only_its_own_clients():
    """TLS with temporary credentials: a plain or credential-less client cannot connect (so
    no one else on the machine can ``client.run`` code there), and no dashboard is served."""
    distributed = pytest.importorskip("distributed")
    from mscnk.runs import Dask

    with Dask(workers=1).client() as client:
        address = client.scheduler.address
        assert address.startswith("tls://127.0.0.1:")
        assert client.submit(sum, [1, 2]).result() == 3  # its own client works
        for stranger in (address.replace("tls://", "tcp://"), address):
            with pytest.raises((OSError, TypeError, ValueError)):
                distributed.Client(stranger, timeout="3s")
        # dask always keeps an HTTP server (listed as "dashboard"): on a free loopback port,
        # with no page at all
        ports = list(client.scheduler_info()["services"].values())
        assert 8787 not in ports
        import urllib.error
        import urllib.request

        for port in ports:  # whatever HTTP server dask keeps serves no page
            for page in ("/status", "/health", "/info/main/workers.html", "/metrics"):
                with pytest.raises(urllib.error.HTTPError, match="404"):
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{page}", timeout=5)


@pytest.mark.parametrize("how", PLANTS)
def test_a_planted_kernel_source_is_replaced_by_our_own(cache, tmp_path, how):
    """The kernel's .py (whose stamp numba's cache checks) is rewritten as a private file of
    ours when someone else could have changed it, even if its text is right today."""
    name = _reference_kernel(cache).split("\n")[0]
    source = cache / f"{name}.py"
    text = source.read_bytes()
    _plant(source, text, how)
    assert _reference_kernel(cache).split("\n")[0] == name
    info = source.stat()
    assert info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) == 0o600
    assert source.read_bytes() == text
