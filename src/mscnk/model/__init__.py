"""Model declarations (species, processes, parameters in SymPy), their compilation and export.

Generic: a scenario (:mod:`mscnk.scenarios`) names the modules that declare its model and
its parameter table; :func:`declare_model` assembles them, :func:`compile_model` derives the
numerical functions, :func:`to_sbml` exports the declaration.
"""

from mscnk.model._build import declare_model, per_model, read_parameter_table
from mscnk.model._cache import (cache_folder, is_temporary, make_private, purge_untrusted, read_trusted,
                                trusted, write_private)
from mscnk.model._compile import CompiledModel, compile_model, model_hash, model_symbols, vector_field
from mscnk.model._declare import (SWITCH_PREFIX, Expression, Input, Model, ModelBuilder, Parameter,
                                  Process, Species,
                                  crowding, hill, inhibition)
from mscnk.model._links import (downstream, mechanisms_moving, parameter_owners, parameters_of,
                                processes_of)
from mscnk.model._numba_source import NumbaSource, numba_source
from mscnk.model._sbml import EMPTY_WELL, ExportError, sbml_errors, sbml_to_antimony, to_antimony, to_sbml

__all__ = [
    "EMPTY_WELL", "SWITCH_PREFIX", "CompiledModel", "ExportError", "Expression", "Input", "Model",
    "ModelBuilder",
    "NumbaSource", "Parameter", "Process", "Species", "cache_folder", "compile_model", "crowding",
    "declare_model", "downstream", "hill", "inhibition", "is_temporary", "make_private", "mechanisms_moving",
    "model_hash", "model_symbols", "numba_source", "parameter_owners", "parameters_of",
    "per_model", "processes_of", "purge_untrusted", "read_parameter_table", "read_trusted",
    "sbml_errors", "sbml_to_antimony", "to_antimony", "to_sbml", "trusted", "vector_field",
    "write_private",
]
