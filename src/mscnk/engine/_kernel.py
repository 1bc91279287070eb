"""Assemble and load the compiled batch kernel of a model and method (numba, cached on disk).

The kernel module is the Rosenbrock integrator (:mod:`mscnk.engine._rosenbrock_kernel`, as
text) followed by code generated for this model and method: the model functions
(:func:`mscnk.model._numba_source.numba_source`), the straight-line sparse LU of the
Jacobian's pattern (:func:`mscnk.engine._sparse_lu.lu_source`) and the method's stages
(:func:`mscnk.engine._tableaus.stage_source`). It is written to the private cache folder
(:func:`mscnk.model._cache.cache_folder`) under a name that hashes all of it and the numba
version, so numba's own on-disk cache (``__pycache__`` beside it) serves every later process:
the first process on a machine compiles for a minute or two, later ones load in about a
second. The module is run from the text generated here (never from a file found in the
cache), and numba's files of another user or writable by others are removed before loading.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import sys
import time
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from types import ModuleType
from typing import Iterator, Sequence

import numpy as np
import sympy as sp

from mscnk.engine._sparse_lu import SparseLU, lu_source, plan_lu
from mscnk.engine._tableaus import TABLEAUS, RosenbrockTableau, stage_source
from mscnk.model import (
    cache_folder,
    make_private,
    purge_untrusted,
    read_trusted,
    write_private,
)
from mscnk.model import CompiledModel, model_hash, model_symbols, vector_field
from mscnk.model import NumbaSource, numba_source

log = logging.getLogger("mscnk")

#: About how long a first compile of the model's kernel takes on one laptop core (s).
COMPILE_ESTIMATE_S = 90

#: The compiled functions of a kernel module; numba keeps each in its own cache files.
FUNCTIONS = ("_positive", "integrate", "integrate_rows", "integrate_batch", "rhs",
             "jacobian_values", "lu_factor", "lu_solve", "rosenbrock_stages")


@dataclass(frozen=True)
class Kernel:
    """A loaded kernel module with the LU plan of its Jacobian pattern."""

    module: ModuleType
    lu: SparseLU
    n_states: int
    n_jacobian: int


@dataclass(frozen=True)
class KernelText:
    """The full source of a kernel module and its name (a hash of everything it depends on)."""

    name: str
    text: str
    lu: SparseLU


def _kernel_text() -> str:
    return resources.files("mscnk.engine").joinpath("_rosenbrock_kernel.py").read_text()


def kernel_text(source: NumbaSource, key: str, tableau: RosenbrockTableau) -> KernelText:
    """The kernel module for generated model functions ``source`` and one method."""
    lu = plan_lu(source.rows, source.cols, source.n_states)
    text = "\n\n".join([_kernel_text(), "# ---- generated model functions ----", source.text,
                        "# ---- generated sparse LU ----", lu_source(lu, source.rows, source.cols),
                        f"# ---- generated stages of {tableau.name} ----", stage_source(tableau)])
    numba_version = metadata.version("numba")
    digest = hashlib.sha256(f"{key}\n{numba_version}\n{text}".encode()).hexdigest()[:16]
    return KernelText(f"mscnk_kernel_{digest}", text, lu)


def is_compiled(name: str) -> bool:
    """True if numba's cache holds every function of kernel module ``name`` (trusted files)."""
    pycache = cache_folder() / "__pycache__"
    for function in FUNCTIONS:
        indexes = list(pycache.glob(f"{name}.{function}-*.nbi"))
        if not any(read_trusted(index) is not None for index in indexes):
            return False
    return True


def _load_module(name: str, text: str) -> tuple[ModuleType, bool]:
    """Run ``text`` as module ``name`` whose file (for numba's cache) is in the cache folder;
    also says whether that file had to be (re)written (numba's cache of it is then stale)."""
    folder = cache_folder()
    path = folder / f"{name}.py"
    written = read_trusted(path) != text.encode()
    if written:
        write_private(path, text.encode())
    purge_untrusted(folder / "__pycache__", f"{name}.")
    (folder / "__pycache__").mkdir(mode=0o700, exist_ok=True)  # before numba makes it
    module = ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    exec(compile(text, str(path), "exec"), module.__dict__)  # noqa: S102 - our own text
    return module, written


def _compile_now(module: ModuleType, n: int) -> None:
    """Compile (or load from numba's cache) ``integrate``, ``integrate_rows`` and
    ``integrate_batch`` for the argument types the engine uses, on a span of zero length
    (nothing is integrated)."""
    one = np.zeros((1, n))
    times = np.zeros((1, 2))
    counters = np.zeros((1, 4), dtype=np.int64)
    status = np.zeros(1, dtype=np.int64)
    module.integrate(one[0], one[0], one[0], times[0], 1e-6, one[0], 0.0, 1, np.zeros((2, n)),
                     counters[0])
    module.integrate_batch(one, one, one, times, 1e-6, one, 0.0, 1, np.zeros((1, 2, n)),
                           status, counters)
    module.integrate_rows(one, one, one, times, 1e-6, one, 0.0, 1, np.zeros((1, 2, n)),
                          status, counters)


def build_kernel(source: NumbaSource, key: str, tableau: RosenbrockTableau) -> Kernel:
    """Kernel for generated model functions ``source`` and one method; ``key`` names the model."""
    assembled = kernel_text(source, key, tableau)
    module, written = _load_module(assembled.name, assembled.text)
    if written or not is_compiled(assembled.name):
        # compile now (not on first use), so the messages tell the whole time
        log.info("compiling the batch kernel for this machine (once; about %d s)...",
                 COMPILE_ESTIMATE_S)
        started = time.perf_counter()
        _compile_now(module, source.n_states)
        make_private(cache_folder() / "__pycache__", f"{assembled.name}.")
        log.info("compiled in %.1f s", time.perf_counter() - started)
    return Kernel(module, assembled.lu, source.n_states, len(source.rows))


def kernel_for_field(field: Sequence[sp.Expr], states: Sequence[sp.Symbol],
                     params: Sequence[sp.Symbol], inputs: Sequence[sp.Symbol],
                     key: str, method: str = "rodas5p") -> Kernel:
    """Kernel for any symbolic vector field (used for the model and for reference problems)."""
    return build_kernel(numba_source(field, states, params, inputs), key, TABLEAUS[method])


_SOURCE_CACHE = "numba-source"


def _source_path(compiled: CompiledModel) -> Path:
    return cache_folder() / f"{_SOURCE_CACHE}-{model_hash(compiled.model)}.npz"


def _cached_source(compiled: CompiledModel) -> NumbaSource | None:
    """The generated source kept in a trusted cache file, None if absent or not valid."""
    data = read_trusted(_source_path(compiled))
    if data is None:
        return None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            source = NumbaSource(str(stored["text"]), stored["rows"], stored["cols"],
                                 int(stored["n_states"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return source if source.n_states == len(compiled.species) else None


def _model_source(compiled: CompiledModel) -> NumbaSource:
    """Generated source for the model, kept on disk by model hash (SymPy takes ~20 s)."""
    source = _cached_source(compiled)
    if source is not None:
        return source
    log.info("generating the batch kernel's model code with SymPy (once; about 10 s)...")
    started = time.perf_counter()
    states, params, inputs = model_symbols(compiled.model)
    source = numba_source(vector_field(compiled.model), states, params, inputs)
    log.info("generated in %.1f s", time.perf_counter() - started)
    buffer = io.BytesIO()
    np.savez(buffer, text=np.array(source.text), rows=source.rows, cols=source.cols,
             n_states=np.array(source.n_states))
    try:
        write_private(_source_path(compiled), buffer.getvalue())
    except OSError as error:
        log.warning("mscnk: could not keep the generated code in the cache (%s)", error)
    return source


#: The lock file that lets one process at a time compile into a cache folder.
COMPILE_LOCK = "compile.lock"
_holding_compile_lock = False


@contextlib.contextmanager
def compile_lock(handed_fd: int | None = None) -> Iterator[None]:
    """Hold the cache folder's compile lock: one process compiles, the others wait and then
    load what it compiled. ``handed_fd``: a descriptor of the lock file whose lock this
    process already holds (handed over by the process that started it). Re-entrant."""
    global _holding_compile_lock
    if _holding_compile_lock:
        yield
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no lock
        yield
        return
    fd = handed_fd
    if fd is None:
        fd = os.open(cache_folder() / COMPILE_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another mscnk process is compiling the batch kernel; waiting for it...")
            started = time.perf_counter()
            fcntl.flock(fd, fcntl.LOCK_EX)
            log.info("waited %.1f s for the other compile", time.perf_counter() - started)
        except BaseException:
            os.close(fd)
            raise
    _holding_compile_lock = True
    try:
        yield
    finally:
        _holding_compile_lock = False
        os.close(fd)  # closing the last descriptor releases the lock


_KERNELS: dict[tuple[str, str], Kernel] = {}
#: (id of the model, method) -> (model kept alive, kernel)
_BY_MODEL: dict[tuple[int, str], tuple[CompiledModel, Kernel]] = {}
#: (model hash, method) -> name of its kernel module
_NAMES: dict[tuple[str, str], str] = {}


def model_kernel(compiled: CompiledModel, method: str = "rodas5p") -> Kernel:
    """The batch kernel of a compiled model and method (once per process, cached on disk)."""
    known = _BY_MODEL.get((id(compiled), method))
    if known is not None and known[0] is compiled:
        return known[1]
    key = (model_hash(compiled.model), method)  # hashing takes ~30 ms: once per model
    if key not in _KERNELS:
        if kernel_ready(compiled, method):  # compiled in the cache: load it, no lock needed
            _KERNELS[key] = build_kernel(_model_source(compiled), key[0], TABLEAUS[method])
        else:
            with compile_lock():  # after a wait, another process's compile is loaded
                _KERNELS[key] = build_kernel(_model_source(compiled), key[0], TABLEAUS[method])
    _BY_MODEL[(id(compiled), method)] = (compiled, _KERNELS[key])
    return _KERNELS[key]


def kernel_ready(compiled: CompiledModel, method: str = "rodas5p") -> bool:
    """True if the model's kernel is loaded in this process or compiled in the cache (so
    using it costs about a second), False if it would have to be compiled first."""
    key = (model_hash(compiled.model), method)
    if key in _KERNELS:
        return True
    if key not in _NAMES:
        source = _cached_source(compiled)
        if source is None:
            return False
        _NAMES[key] = kernel_text(source, key[0], TABLEAUS[method]).name
    return is_compiled(_NAMES[key])
