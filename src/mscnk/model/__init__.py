"""The model declaration (species, processes, parameters in SymPy) and its exports."""

from mscnk.model._sbml import EMPTY_WELL, ExportError, sbml_errors, sbml_to_antimony, to_antimony, to_sbml

__all__ = ["EMPTY_WELL", "ExportError", "sbml_errors", "sbml_to_antimony", "to_antimony", "to_sbml"]
