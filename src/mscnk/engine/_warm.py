"""Compile the batch kernel in a background process, and pick an engine for small jobs.

A first ``mscnk.simulate`` on a machine whose kernel is not compiled would wait a minute or
two. :func:`quick_engine` answers such small jobs with the reference engine instead (SciPy's
LSODA, a fraction of a second a condition; readouts agree with the batched engine within
1e-4, see ``tests/engine/test_engine_accuracy.py``) and starts a detached Python process that
compiles the kernel into the cache (:func:`main`), so later runs use it. Whoever
uses :func:`quick_engine` records which engine answered. Sweeps always use the batched
engine and wait for it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

from mscnk.engine._batch import BatchEngine
from mscnk.engine._kernel import (COMPILE_ESTIMATE_S, COMPILE_LOCK, compile_lock, kernel_ready,
                                  model_kernel)
from mscnk.engine._scipy import ScipyEngine
from mscnk.model import cache_folder, is_temporary
from mscnk.model import CompiledModel

log = logging.getLogger("mscnk")

#: The engine of small jobs while the batch kernel is not compiled (SciPy LSODA at its
#: default tolerances: rtol 1e-7).
REFERENCE = ScipyEngine()

_CHILD = ("import sys; from mscnk.engine._warm import main; "
          "main(sys.argv[1], sys.argv[2], int(sys.argv[3]))")
_started: dict[tuple[str, str], subprocess.Popen] = {}  # (source, method) -> its compiling
# process (kept: no "still running" warning when the object would be collected)


def load_model(source: str) -> CompiledModel:
    """The compiled model a ``"module:function:argument"`` source names (the function,
    called with the argument, returns it; e.g. a scenario's ``model_source``)."""
    from importlib import import_module

    module, function, argument = source.split(":", 2)
    return getattr(import_module(module), function)(argument)


def start_background_compile(source: str, method: str = "rodas5p") -> bool:
    """Start a detached process that compiles the kernel of the model ``source`` names (see
    :func:`load_model`) into the cache; False if one is already running or the cache is
    this process's temporary folder (nothing would last).

    The lock is taken here and handed to the child (an inherited descriptor), so it is
    held from the moment the child exists until it has finished.
    """
    folder = cache_folder()
    if (source, method) in _started or is_temporary(folder):
        return False
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX
        return False
    fd = os.open(folder / COMPILE_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _started[(source, method)] = subprocess.Popen(
            [sys.executable, "-c", _CHILD, source, method, str(fd)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, pass_fds=(fd,),
            env={**os.environ, "MSCNK_CACHE_DIR": str(folder)})
        return True
    finally:
        os.close(fd)  # the child's copy keeps the lock


def wait_for_background_compile() -> None:
    """Block until no process (a background compile) holds the cache's compile lock."""
    with compile_lock():
        pass


def quick_engine(model: CompiledModel, source: str, preferred: BatchEngine | None = None):
    """``preferred`` (default ``BatchEngine()``) if its kernel for ``model`` is compiled or
    cached; otherwise :data:`REFERENCE`, and the kernel compiles in the background for later
    runs (``source``: how the background process gets the model, see :func:`load_model`)."""
    preferred = preferred or BatchEngine()
    if kernel_ready(model, preferred.method):
        return preferred
    started = start_background_compile(source, preferred.method)
    log.info("the batch kernel is not compiled on this machine yet: answering with the "
             "reference engine (SciPy LSODA; readouts agree within 1e-4)%s",
             f"; the kernel compiles in the background (about {COMPILE_ESTIMATE_S} s) for "
             "later runs" if started else "")
    return REFERENCE


def main(source: str, method: str, locked_fd: int | None = None) -> None:
    """Compile the kernel of the model ``source`` names for ``method`` into the cache, one
    process at a time (``locked_fd``: the lock, already held, handed over by the starting
    process)."""
    with compile_lock(handed_fd=locked_fd):
        model_kernel(load_model(source), method)
