"""Experiment files: named conditions, a shared ``base``, and Cartesian ``sweep`` blocks.

A file (or mapping) may be a single condition, a condition plus ``sweep``, or an
experiment with ``conditions``, ``sweep`` and ``base`` (contract section 1), and may add a
``parameter_sweep`` (see :mod:`mscnk.experiment._parameters`). Every problem
in the file is collected and reported at once, with the condition it belongs to.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any, Mapping

import yaml
from pydantic import BaseModel, ValidationError

from mscnk.experiment._errors import ConditionError, describe, suggest
from mscnk.experiment._schema import Condition

EXPERIMENT_KEYS = ("conditions", "sweep", "base", "parameter_sweep")


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` merged onto ``base``; nested mappings merge, everything else replaces."""
    out = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def read_document(source: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A YAML/JSON file or an in-memory mapping, as a plain dict."""
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    if not path.is_file():
        raise ConditionError([f"file {str(path)!r} does not exist"])
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConditionError([f"{path}: not valid YAML/JSON: {error}"]) from error
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConditionError([f"{path}: top level must be a mapping, got {type(document).__name__}"])
    return dict(document)


def _field_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(_field_paths(annotation, f"{prefix}{name}."))
        else:
            paths.append(f"{prefix}{name}")
    return paths


FIELD_PATHS: tuple[str, ...] = tuple(_field_paths(Condition))


def _set_path(target: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(target)
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def _label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "+".join(str(v) for v in value) or "none"
    return str(value)


def _expand_sweep(name: str | None, raw: dict[str, Any], sweep: Mapping[str, Any],
                  problems: list[str]) -> dict[str, dict[str, Any]]:
    for path, values in sweep.items():
        if path not in FIELD_PATHS:
            problems.append(f"sweep: unknown field path {path!r}; allowed: "
                            f"{', '.join(FIELD_PATHS)}{suggest(path, FIELD_PATHS)}")
        elif not isinstance(values, list) or not values:
            problems.append(f"sweep: {path!r} must be a non-empty list of values, got {values!r}")
    if any(p.startswith("sweep:") for p in problems):
        return {name or "base": raw}  # still validate the condition itself
    out = {}
    for combo in itertools.product(*sweep.values()):
        condition = raw
        for path, value in zip(sweep, combo):
            condition = _set_path(condition, path, value)
        tag = ",".join(f"{p}={_label(v)}" for p, v in zip(sweep, combo))
        out[f"{name}[{tag}]" if name else tag] = condition
    return out


def load_conditions(source: str | Path | Mapping[str, Any]) -> dict[str, Condition]:
    """Named, validated (not yet resolved) conditions of an experiment, in file order."""
    document = read_document(source)
    document.pop("parameter_sweep", None)  # parameter sets: see load_experiment
    problems: list[str] = []
    sweep = document.pop("sweep", None) or {}
    named = document.pop("conditions", None)
    base = document.pop("base", None) or {}
    for key, value in (("sweep", sweep), ("conditions", named or {}), ("base", base)):
        if not isinstance(value, Mapping):
            problems.append(f"{key}: must be a mapping, got {value!r}")
    for key in [k for k in document if k not in Condition.model_fields]:
        allowed = (*EXPERIMENT_KEYS, *Condition.model_fields)
        problems.append(f"unknown top-level key {key!r} (value {document.pop(key)!r}); "
                        f"allowed: {', '.join(allowed)}{suggest(str(key), allowed)}")
    if not all(isinstance(v, Mapping) for v in (sweep, named or {}, base)):
        raise ConditionError(problems)
    base = deep_merge(base, document)  # condition fields at the top level join the base
    raws: dict[str, dict[str, Any]] = {}
    if named:
        for name, condition in named.items():
            if condition is not None and not isinstance(condition, Mapping):
                problems.append(f"condition {name!r}: must be a mapping, got {condition!r}")
                continue
            merged = deep_merge(base, condition or {})
            if sweep:
                raws.update(_expand_sweep(str(name), merged, sweep, problems))
            else:
                raws[str(name)] = merged
    elif sweep:
        raws.update(_expand_sweep(None, base, sweep, problems))
    else:
        raws["condition"] = base
    conditions: dict[str, Condition] = {}
    single = not named and not sweep
    for name, raw in raws.items():
        try:
            conditions[name] = Condition.model_validate(raw)
        except ValidationError as error:
            problems.extend(describe(error, Condition, where="" if single else f"condition {name!r}"))
    if problems:
        raise ConditionError(dict.fromkeys(problems))  # dedupe, keep order
    return conditions
