"""Assemble and load the compiled batch kernel of a model and method (numba, cached on disk).

The kernel module is the Rosenbrock integrator (:mod:`mscnk.engine._rosenbrock_kernel`, as
text) followed by code generated for this model and method: the model functions
(:func:`mscnk.model._numba_source.numba_source`), the straight-line sparse LU of the
Jacobian's pattern (:func:`mscnk.engine._sparse_lu.lu_source`) and the method's stages
(:func:`mscnk.engine._tableaus.stage_source`). It is written to the mscnk cache folder under
a name that hashes all of it and the numba version, so numba's own on-disk cache
(``__pycache__`` beside it) serves every later process: the first process on a machine
generates and compiles for about a minute and a half, later ones load in about a second.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Sequence

import numpy as np
import sympy as sp

from mscnk.engine._sparse_lu import SparseLU, lu_source, plan_lu
from mscnk.engine._tableaus import TABLEAUS, RosenbrockTableau, stage_source
from mscnk.model._compile import CompiledModel, model_hash, model_symbols, vector_field
from mscnk.model._numba_source import NumbaSource, numba_source


@dataclass(frozen=True)
class Kernel:
    """A loaded kernel module with the LU plan of its Jacobian pattern."""

    module: ModuleType
    lu: SparseLU
    n_states: int
    n_jacobian: int


def _kernel_text() -> str:
    return resources.files("mscnk.engine").joinpath("_rosenbrock_kernel.py").read_text()


def _kernel_folder() -> Path:
    folder = os.environ.get("MSCNK_CACHE_DIR") or Path.home() / ".cache" / "mscnk"
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        probe = Path(folder) / f".probe.{os.getpid()}"
        probe.write_text("")
        probe.unlink()
        return Path(folder)
    except OSError:
        return Path(tempfile.gettempdir()) / "mscnk-cache"


def _load_module(name: str, text: str) -> ModuleType:
    folder = _kernel_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    if not path.is_file() or path.read_text() != text:
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(text)
        os.replace(temporary, path)
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build_kernel(source: NumbaSource, key: str, tableau: RosenbrockTableau) -> Kernel:
    """Kernel for generated model functions ``source`` and one method; ``key`` names the model."""
    import numba

    lu = plan_lu(source.rows, source.cols, source.n_states)
    text = "\n\n".join([_kernel_text(), "# ---- generated model functions ----", source.text,
                        "# ---- generated sparse LU ----", lu_source(lu, source.rows, source.cols),
                        f"# ---- generated stages of {tableau.name} ----", stage_source(tableau)])
    digest = hashlib.sha256(f"{key}\n{numba.__version__}\n{text}".encode()).hexdigest()[:16]
    module = _load_module(f"mscnk_kernel_{digest}", text)
    return Kernel(module, lu, source.n_states, len(source.rows))


def kernel_for_field(field: Sequence[sp.Expr], states: Sequence[sp.Symbol],
                     params: Sequence[sp.Symbol], inputs: Sequence[sp.Symbol],
                     key: str, method: str = "rodas5p") -> Kernel:
    """Kernel for any symbolic vector field (used for the model and for reference problems)."""
    return build_kernel(numba_source(field, states, params, inputs), key, TABLEAUS[method])


_SOURCE_CACHE = "numba-source"


def _model_source(compiled: CompiledModel) -> NumbaSource:
    """Generated source for the model, kept on disk by model hash (SymPy takes ~20 s)."""
    folder = _kernel_folder()
    path = folder / f"{_SOURCE_CACHE}-{model_hash(compiled.model)}.npz"
    if path.is_file():
        try:
            with np.load(path) as stored:
                return NumbaSource(str(stored["text"]), stored["rows"], stored["cols"],
                                   int(stored["n_states"]))
        except (OSError, ValueError, KeyError):
            pass
    states, params, inputs = model_symbols(compiled.model)
    source = numba_source(vector_field(compiled.model), states, params, inputs)
    try:
        temporary = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(temporary, text=np.array(source.text), rows=source.rows, cols=source.cols,
                 n_states=np.array(source.n_states))
        os.replace(temporary, path)
    except OSError:
        pass
    return source


_KERNELS: dict[tuple[str, str], Kernel] = {}
#: (id of the model, method) -> (model kept alive, kernel)
_BY_MODEL: dict[tuple[int, str], tuple[CompiledModel, Kernel]] = {}


def model_kernel(compiled: CompiledModel, method: str = "rodas5p") -> Kernel:
    """The batch kernel of a compiled model and method (once per process, cached on disk)."""
    known = _BY_MODEL.get((id(compiled), method))
    if known is not None and known[0] is compiled:
        return known[1]
    key = (model_hash(compiled.model), method)  # hashing takes ~30 ms: once per model
    if key not in _KERNELS:
        _KERNELS[key] = build_kernel(_model_source(compiled), key[0], TABLEAUS[method])
    _BY_MODEL[(id(compiled), method)] = (compiled, _KERNELS[key])
    return _KERNELS[key]
