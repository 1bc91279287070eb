"""Experiment files: named conditions, a shared ``base``, and Cartesian ``sweep`` blocks.

A file (or mapping) may be a single condition, a condition plus ``sweep``, or an
experiment with ``conditions``, ``sweep`` and ``base`` (contract section 1), and may add a
``parameter_sweep`` (see :mod:`mscnk.experiment._parameters`). Every problem
in the file is collected and reported at once, with the condition it belongs to.

A plan is counted before anything is built (:meth:`ConditionPlan.__len__`) and its
conditions are made one at a time (:meth:`ConditionPlan.items`), so a sweep of millions of
conditions needs no more memory than one. Plans up to :data:`FULL_CHECK` conditions are
validated whole up front; larger ones have every sweep value checked on its own axis and
the cross-field rules checked over the axes they involve (every combination of those axes
up to :data:`FULL_CHECK`, else their extreme values), and every condition is validated
again as it is made (a bad one raises :class:`ConditionError` naming it).
"""

from __future__ import annotations

import copy
import itertools
import math
from functools import lru_cache
from collections.abc import Iterator, Mapping as MappingABC
from pathlib import Path
from typing import Any, Iterable, Mapping

from pydantic import BaseModel, ValidationError

from mscnk.experiment._yaml import read_data
from mscnk.scenarios import (ConditionError, ConditionModel, Scenario, describe, load_scenario,
                             name_of, show, suggest)

EXPERIMENT_KEYS = ("scenario", "conditions", "strategies", "sweep", "base", "parameter_sweep")
#: Default most conditions (times parameter sets) in one plan; ``max_jobs`` overrides it.
MAX_CONDITIONS = 10**7
#: Plans up to this many conditions are validated whole before anything runs.
FULL_CHECK = 100_000


class PlanTooLarge(ConditionError):
    """A plan past the ``max_conditions`` limit (refused before anything is built)."""


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
    """A YAML/JSON file or an in-memory mapping, as a plain dict (see :mod:`._yaml`)."""
    if isinstance(source, Mapping):
        return dict(source)
    if not isinstance(source, (str, Path)):
        raise ConditionError([f"an experiment must be a file path or a mapping, got "
                              f"{type(source).__name__} {show(source)}"])
    document = read_data(source, "file")
    if document is None:
        raise ConditionError([f"file {str(source)!r} is empty; write at least one field "
                              f"(an empty mapping '{{}}' is the standard well)"])
    if not isinstance(document, Mapping):
        raise ConditionError([f"{source}: top level must be a mapping, got "
                              f"{type(document).__name__}"])
    return dict(document)


@lru_cache(maxsize=None)
def field_paths(model: type[BaseModel], prefix: str = "") -> tuple[str, ...]:
    """Dotted paths of every leaf field of a condition schema, in schema order."""
    paths: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(field_paths(annotation, f"{prefix}{name}."))
        else:
            paths.append(f"{prefix}{name}")
    return tuple(paths)


def _set_path(target: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``target`` with the dotted ``path`` set (its blocks must be mappings)."""
    return _set_paths(target, [(path.split("."), value)])


def _set_paths(target: dict[str, Any], settings: Iterable[tuple[list[str], Any]]
               ) -> dict[str, Any]:
    """A copy of ``target`` with every ``(path parts, value)`` set, each block on the way
    copied once (``target`` itself is not changed)."""
    out = dict(target)
    copied = {id(out)}
    for parts, value in settings:
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if id(child) not in copied:
                child = dict(child) if isinstance(child, Mapping) else {}
                node[part] = child
                copied.add(id(child))
            node = child
        node[parts[-1]] = value
    return out


def _blocking(raw: Mapping[str, Any], path: str) -> str | None:
    """The block on ``path`` that is set to something other than a mapping, if any."""
    node: Any = raw
    parts = path.split(".")
    for depth, part in enumerate(parts[:-1]):
        node = node.get(part) if isinstance(node, Mapping) else None
        if node is not None and not isinstance(node, Mapping):
            return ".".join(parts[:depth + 1])
    return None


def _label(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "+".join(str(v) for v in value) or "none"
    return show(value, 60) if not isinstance(value, str) else value


def _tag(path: str, value: Any) -> str:
    """How a swept value shows in a condition's name: ``ratio=3``."""
    return f"{path}={_label(value)}"


def _same_key(value: Any) -> Any:
    """What makes two sweep values the same: equal numbers (1, 1.0), equal lists."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ("number", value)
    if isinstance(value, (list, tuple)):
        return ("list", tuple(map(show, value)))
    return (type(value).__name__, show(value))


def _check_axis(path: Any, values: Any, problems: list[str],
                condition: type[ConditionModel]) -> bool:
    """Problems with one sweep axis on its own (path, list, duplicates); True if usable."""
    paths = field_paths(condition)
    if not isinstance(path, str) or path not in paths:
        problems.append(f"sweep: unknown field path {show(path)}; allowed: "
                        f"{', '.join(paths)}{suggest(path, paths)}")
        return False
    if not isinstance(values, list) or not values:
        problems.append(f"sweep: {path!r} must be a non-empty list of values, got {show(values)}")
        return False
    groups: list[list[Any]] = []
    index: dict[Any, int] = {}
    for value in values:  # equal values (1 and 1.0) or equal names (1 and '1') collide
        keys = (("name", _label(value)), _same_key(value))
        found = next((index[key] for key in keys if key in index), len(groups))
        if found == len(groups):
            groups.append([])
        groups[found].append(value)
        for key in keys:
            index.setdefault(key, found)
    repeated = [group for group in groups if len(group) > 1]
    if repeated:
        problems.append(f"sweep: {path!r} lists the same value more than once: "
                        f"{'; '.join(', '.join(map(show, group)) for group in repeated)} "
                        f"(equal numbers, or values that read the same); list each value once")
        return False
    return True


class ConditionPlan(MappingABC):
    """Named conditions of an experiment, counted without building them, made one by one.

    A read-only mapping ``{name: condition}`` (of the scenario's ``condition`` schema) in
    file order (named conditions outer, the sweep's Cartesian product inner). ``len()`` is
    free; iterating names or ``items()`` makes and validates each condition as it goes;
    ``plan[name]`` builds (and keeps) the whole mapping, so use it only on small plans.
    """

    def __init__(self, named: list[tuple[str | None, dict[str, Any]]],
                 sweep: dict[str, list[Any]], single: bool,
                 condition: type[ConditionModel]) -> None:
        self._named = named
        self._sweep = sweep
        self._single = single
        self.condition = condition
        self._built: dict[str, Any] | None = None

    def __len__(self) -> int:
        return len(self._named) * math.prod(len(v) for v in self._sweep.values())

    def _name(self, name: str | None, tags: tuple[str, ...]) -> str:
        if not self._sweep:
            return "condition" if name is None else name
        tag = ",".join(tags)
        return f"{name}[{tag}]" if name is not None else tag

    def raw_items(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(name, raw mapping)`` of every condition, unvalidated, in plan order."""
        # each axis value with its name tag (``ratio=3``), made once, not once per condition
        axes = [[(path.split("."), value, _tag(path, value)) for value in values]
                for path, values in self._sweep.items()]
        for name, raw in self._named:
            for combo in itertools.product(*axes):
                condition = _set_paths(raw, ((parts, value) for parts, value, _ in combo))
                yield self._name(name, tuple(tag for _, _, tag in combo)), condition

    def _where(self, name: str) -> str:
        return "" if self._single else f"condition {name!r}"

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        """``(name, condition)`` made and validated one at a time."""
        if self._built is not None:
            yield from self._built.items()
            return
        for name, raw in self.raw_items():
            try:
                yield name, self.condition.parse(raw)
            except ValidationError as error:
                raise ConditionError(describe(error, self.condition,
                                              where=self._where(name))) from None

    def __iter__(self) -> Iterator[str]:
        if self._built is not None:
            yield from self._built
            return
        for name, _ in self.raw_items():
            yield name

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        for _, condition in self.items():
            yield condition

    def __getitem__(self, name: str) -> Any:
        return self.build()[name]

    def build(self) -> dict[str, Any]:
        """Every condition in memory (kept); :class:`ConditionError` lists every problem."""
        if self._built is None:
            problems: list[str] = []
            failing: dict[str, list[str]] = {}  # message -> the conditions it applies to
            built: dict[str, Any] = {}
            for name, raw in self.raw_items():
                if name in built:
                    problems.append(f"condition {name!r} appears twice; names must be unique")
                    continue
                try:
                    built[name] = self.condition.parse(raw)
                except ValidationError as error:
                    for message in describe(error, self.condition):
                        failing.setdefault(message, []).append(name)
            for message, names in failing.items():
                problems += self._placed(message, names)
            if problems:
                raise ConditionError(dict.fromkeys(problems))
            self._built = built
        return self._built

    def _placed(self, message: str, names: list[str]) -> list[str]:
        """``message`` with the conditions it applies to (said once when they are many)."""
        if self._single:
            return [message]
        if len(names) == len(self) > 1:
            return [f"every condition ({len(names):,}): {message}"]
        if len(names) > 3:
            return [f"conditions {names[0]!r}, {names[1]!r} and {len(names) - 2:,} more: "
                    f"{message}"]
        return [f"condition {name!r}: {message}" for name in names]

    def check(self) -> list[str]:
        """Every problem found without making more than :data:`FULL_CHECK` conditions."""
        if len(self) <= FULL_CHECK:
            try:
                self.build()
            except ConditionError as error:
                return error.problems
            return []
        problems: list[str] = []
        firsts = {path: values[0] for path, values in self._sweep.items()}
        for name, raw in self._named:
            first = raw
            for path, value in firsts.items():
                first = _set_path(first, path, value)
            problems += self._problems(name, first, firsts, keep=None)
            for path, values in self._sweep.items():  # every value on its own axis
                for value in values[1:]:
                    combo = {**firsts, path: value}
                    problems += self._problems(name, _set_path(first, path, value), combo,
                                               keep=tuple(path.split(".")))
            coupled = {p: v for p, v in self._sweep.items()
                       if p in self.condition.coupled_fields}
            if math.prod(len(v) for v in coupled.values()) > FULL_CHECK:
                coupled = {p: _extremes(v) for p, v in coupled.items()}
            if math.prod(len(v) for v in coupled.values()) > 1:
                for combo in itertools.product(*coupled.values()):
                    point = first
                    for path, value in zip(coupled, combo):
                        point = _set_path(point, path, value)
                    problems += self._problems(name, point, {**firsts, **dict(zip(coupled, combo))},
                                               keep=())
        return list(dict.fromkeys(problems))

    def _problems(self, name: str | None, raw: dict[str, Any], combo: dict[str, Any],
                  keep: tuple[str, ...] | None) -> list[str]:
        """Messages for one condition; ``keep``: only errors at that field (``()``: only
        cross-field ones; None: all)."""
        try:
            self.condition.parse(raw)
        except ValidationError as error:
            tags = tuple(_tag(path, value) for path, value in zip(self._sweep, combo.values()))
            where = self._where(self._name(name, tags))
            if keep is None:
                return describe(error, self.condition, where=where)
            wanted = [e for e in error.errors()
                      if (tuple(map(str, e["loc"][:len(keep)])) == keep if keep else not e["loc"])]
            return describe(wanted, self.condition, where=where)
        return []


def _extremes(values: list[Any]) -> list[Any]:
    """The values of a coupled axis that decide its cross-field rules: the smallest and
    largest numbers, and null (the scenario's cross-field rules are monotonic in its
    ``coupled_fields``)."""
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    picked = [min(numbers), max(numbers)] if numbers else []
    return list(dict.fromkeys(picked + [v for v in values if v is None])) or values[:1]


def _block(document: dict[str, Any], key: str, problems: list[str]) -> Any:
    """``document[key]`` if given: it must be a non-empty mapping (None when absent/bad)."""
    if key not in document:
        return None
    value = document.pop(key)
    if not isinstance(value, Mapping) or not value:
        what = "a non-empty mapping" + (" of field paths to value lists" if key == "sweep"
                                        else " of names to conditions" if key == "conditions"
                                        else " of condition fields")
        problems.append(f"{key}: must be {what}, got {show(value)}")
        return None
    return value


def plan_conditions(source: str | Path | Mapping[str, Any], problems: list[str],
                    scenario: Scenario) -> ConditionPlan:
    """The plan of an experiment without building or checking its conditions; problems of
    its structure (blocks, sweep axes, names) go to ``problems``."""
    schema = scenario.condition
    document = read_document(source)
    document.pop("parameter_sweep", None)  # parameter sets: see load_experiment
    _check_scenario(document.pop("scenario", None), scenario, problems)
    sweep = _block(document, "sweep", problems) or {}
    named = _block(document, "conditions", problems)
    strategies = _block(document, "strategies", problems)
    if named and strategies:
        problems.append("conditions and strategies: give one of them (strategies is the "
                        "therapy scenarios' word for conditions)")
    named = named or strategies
    base = _block(document, "base", problems) or {}
    for key in [k for k in document if k not in schema.model_fields]:
        allowed = (*EXPERIMENT_KEYS, *schema.model_fields)
        problems.append(f"unknown top-level key {show(key)} (value {show(document.pop(key))}); "
                        f"allowed: {', '.join(allowed)}{suggest(key, allowed)}")
    base = deep_merge(base, document)  # condition fields at the top level join the base
    entries: list[tuple[str | None, dict[str, Any]]] = []
    if named:
        names: dict[str, Any] = {}
        for key, condition in named.items():
            name = name_of(key)
            if name in names:
                problems.append(f"conditions: names {show(names[name])} and {show(key)} both "
                                f"read as {name!r}; names must be unique")
                continue
            names[name] = key
            if condition is not None and not isinstance(condition, Mapping):
                problems.append(f"condition {name!r}: must be a mapping, got {show(condition)}")
                continue
            entries.append((name, deep_merge(base, condition or {})))
    else:
        entries.append((None, base))
    axes = {path: values for path, values in sweep.items()
            if _check_axis(path, values, problems, schema)}
    for path in axes:
        for name, raw in entries:
            blocked = _blocking(raw, path)
            if blocked:
                value = raw
                for part in blocked.split("."):
                    value = value[part]
                where = f"condition {name!r}: " if name is not None else ""
                problems.append(f"{where}sweep {path!r} cannot be set: {blocked!r} is "
                                f"{show(value)}, not a mapping of fields")
    if len(axes) < len(sweep):
        axes = {}  # still validate the conditions themselves
    return ConditionPlan(entries, axes, single=not named and not sweep, condition=schema)


def scenario_named(source: str | Path | Mapping[str, Any]) -> str | None:
    """The scenario an experiment file names on its ``scenario:`` line (None: none)."""
    named = read_document(source).get("scenario")
    if named is not None and not isinstance(named, str):
        raise ConditionError([f"scenario: must be a scenario name or folder, got {show(named)}"])
    return named


def _check_scenario(named: Any, scenario: Scenario, problems: list[str]) -> None:
    """A file's ``scenario:`` must be the scenario it is run with."""
    if named is None:
        return
    try:
        same = load_scenario(str(named)) is scenario
    except ConditionError as error:
        problems.extend(error.problems)
        return
    if not same:
        problems.append(f"scenario: the file names {show(named)} but is run with the "
                        f"{scenario.name!r} scenario; drop --scenario or make them agree")


def load_plan(source: str | Path | Mapping[str, Any], *, scenario: Scenario | str | None = None,
              max_conditions: int | None = MAX_CONDITIONS, sets: int = 1) -> ConditionPlan:
    """The checked plan of an experiment of ``scenario`` (None: the co-culture; see the
    module docstring); ``sets`` parameter sets multiply its size for the ``max_conditions``
    limit (None: no limit)."""
    problems: list[str] = []
    document = read_document(source)
    chosen = load_scenario(scenario if scenario is not None else scenario_named(document))
    plan = plan_conditions(document, problems, chosen)
    if max_conditions is not None and len(plan) * sets > max_conditions:
        size = (f"{len(plan):,} condition{'s' * (len(plan) != 1)}"
                + (f" x {sets:,} parameter sets" if sets > 1 else ""))
        problems.append(f"the plan has {size} = {len(plan) * sets:,} jobs, more than the limit "
                        f"of {max_conditions:,}; split the experiment or raise the limit "
                        f"(--max-conditions, max_jobs=)")
        raise PlanTooLarge(problems)
    problems += plan.check()
    if problems:
        raise ConditionError(dict.fromkeys(problems))  # dedupe, keep order
    return plan


def load_conditions(source: str | Path | Mapping[str, Any], *,
                    scenario: Scenario | str | None = None,
                    max_conditions: int | None = MAX_CONDITIONS) -> dict[str, Any]:
    """Named, validated (not yet resolved) conditions of an experiment of ``scenario``
    (None: the co-culture), in file order, all in memory (for large plans use
    :func:`mscnk.experiment.load_experiment` and its ``iter_jobs``)."""
    return load_plan(source, scenario=scenario, max_conditions=max_conditions).build()
