"""Findings (contract section 3): load and lint them, check them against a simulator.

A findings file is a YAML list. :func:`load_findings` lints the whole input with a list of
small checks and raises one :class:`~mscnk.experiment.ConditionError` naming every problem.
:func:`check_finding` simulates a finding's conditions with any object that has
``.simulate(condition) -> result with .readouts`` and tests its expectations; a condition
that fails to simulate makes its finding fail with the error text, it never stops a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

import numpy as np
import pandas as pd
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, ValidationInfo,
                      model_validator)

from mscnk.analysis._expectations import (FORM_FIELDS, Expectation, ExpectationResult, Name,
                                          form_of)
from mscnk.experiment import deep_merge, read_data
from mscnk.scenarios import ConditionError, Scenario, load_scenario, suggest

FINDING_KEYS = ("id", "claim", "source", "base", "conditions", "expect")
_LINTING = "linting"  # validation context flag: the lint runs the cross-checks itself
_SCENARIO = "scenario"  # validation context: the scenario whose conditions and readouts these are


class Finding(BaseModel):
    """One literature check: conditions (each merged onto ``base``) and expectations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Name
    claim: Name
    source: Name
    base: dict[str, Any] = Field(default_factory=dict)
    conditions: dict[Name, dict[str, Any]] = Field(min_length=1)
    expect: list[Expectation] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> "Finding":
        context = info.context or {}
        if not context.get(_LINTING):
            raw, where = self.model_dump(by_alias=True), f"finding {self.id}"
            scenario = load_scenario(context.get(_SCENARIO))
            problems = (_check_conditions(raw, where, scenario)
                        + _check_references(raw, where, scenario))
            if problems:
                raise ValueError("; ".join(problems))
        return self

    def resolved_conditions(self, scenario: Scenario | str | None = None) -> dict[str, Any]:
        """Each condition deep-merged onto ``base``, validated and resolved (conditions of
        ``scenario``; None: the co-culture)."""
        chosen = load_scenario(scenario)
        return {name: chosen.condition_from(deep_merge(self.base, raw))
                for name, raw in self.conditions.items()}


@dataclass(frozen=True)
class FindingResult:
    """A finding checked: verdict, the expectation rows, each condition's readouts, errors."""

    id: str
    passed: bool
    source: str
    claim: str
    expectations: list[ExpectationResult]
    readouts: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # condition -> error text

    @property
    def detail(self) -> str:
        texts = [f"condition {c} failed: {e}" for c, e in self.errors.items()]
        return "; ".join(texts + [row.text for row in self.expectations])


class SupportsSimulate(Protocol):
    def simulate(self, condition: Any) -> Any: ...


# ---------------------------------------------------------------------------- lint checks

def _where(item: Any, index: int) -> str:
    ident = item.get("id") if isinstance(item, Mapping) else None
    return f"finding {ident}" if isinstance(ident, str) and ident else f"finding #{index + 1}"


def _loc(loc: tuple[Any, ...]) -> tuple[str, str]:
    """A pydantic error location as a dotted key path (union tags dropped), and the last key."""
    parts: list[str] = []
    previous: Any = None
    for part in loc:
        if isinstance(previous, int) and part in FORM_FIELDS:
            previous = part
            continue  # the union tag after expect[i]
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
        previous = part
    path = "".join(parts).lstrip(".")
    last = next((str(p) for p in reversed(loc) if isinstance(p, str)), "")
    return path, last


def _allowed_keys(loc: tuple[Any, ...], document: Mapping[str, Any]) -> tuple[str, ...]:
    if len(loc) >= 3 and loc[0] == "expect" and isinstance(loc[1], int):
        raws = document.get("expect")
        raw = raws[loc[1]] if isinstance(raws, list) and loc[1] < len(raws) else None
        return FORM_FIELDS.get(form_of(raw) or "", ())
    return FINDING_KEYS if len(loc) == 1 else ()


def _check_shape(item: Mapping[str, Any], where: str, scenario: Scenario) -> list[str]:
    """Keys, types and expectation forms, through the pydantic models."""
    try:
        Finding.model_validate(item, context={_LINTING: True, _SCENARIO: scenario})
    except ValidationError as error:
        problems = []
        for e in error.errors():
            path, last = _loc(tuple(e["loc"]))
            if e["type"] == "extra_forbidden":
                allowed = _allowed_keys(tuple(e["loc"]), item)
                problems.append(
                    f"{where}: unknown key {path!r} (value {e['input']!r}); allowed keys: "
                    f"{', '.join(allowed)}{suggest(last, allowed)}")
            elif e["type"] == "missing":
                problems.append(f"{where}: missing key {path!r}")
            elif e["type"] == "value_error":
                message = e["msg"].removeprefix("Value error, ")
                problems.append(f"{where}: {path or '(finding)'}: {message}")
            else:
                problems.append(f"{where}: {path or '(finding)'}: {e['msg']} "
                                f"(value {e['input']!r})")
        return problems
    return []


def _check_conditions(item: Mapping[str, Any], where: str, scenario: Scenario) -> list[str]:
    """Every condition, deep-merged onto ``base``, is a valid condition."""
    base, conditions = item.get("base") or {}, item.get("conditions")
    if not isinstance(base, Mapping) or not isinstance(conditions, Mapping):
        return []  # reported by the shape check
    ident = where.removeprefix("finding ")
    problems = []
    for name, raw in conditions.items():
        if not isinstance(raw, Mapping):
            continue
        try:
            scenario.condition.model_validate(deep_merge(base, raw))
        except ConditionError as error:  # the condition's own messages, placed in the finding
            problems += [f"finding {ident} condition {name}: {p}" for p in error.problems]
    return problems


def _check_references(item: Mapping[str, Any], where: str, scenario: Scenario) -> list[str]:
    """Expectations name only conditions the finding defines."""
    conditions, expect = item.get("conditions"), item.get("expect")
    if not isinstance(conditions, Mapping) or not isinstance(expect, list):
        return []
    defined = [str(name) for name in conditions]
    problems = []
    for i, raw in enumerate(expect):
        if not isinstance(raw, Mapping):
            continue
        for key in ("in", "compare", "over"):
            names = raw.get(key)
            names = [names] if isinstance(names, str) else names
            if not isinstance(names, list | tuple):
                continue
            for name in names:
                if isinstance(name, str) and name not in defined:
                    problems.append(
                        f"{where}: expect[{i}].{key}: condition {name!r} is not defined in "
                        f"this finding; defined: {', '.join(defined)}{suggest(name, defined)}")
    return problems


def _check_ids(items: Sequence[tuple[str, Any]]) -> list[str]:
    """Finding ids are unique across everything loaded together."""
    seen: dict[str, str] = {}
    problems = []
    for origin, item in items:
        ident = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(ident, str):
            continue
        if ident in seen:
            also = "" if origin == seen[ident] else f"; first in {seen[ident]}"
            problems.append(f"finding {ident}: duplicate id (in {origin}{also})")
        else:
            seen[ident] = origin
    return problems


ITEM_CHECKS: tuple[Callable[[Mapping[str, Any], str, Scenario], list[str]], ...] = (
    _check_shape, _check_conditions, _check_references)


def lint_findings(items: Sequence[Any], *, origin: str = "findings",
                  scenario: Scenario | str | None = None) -> list[str]:
    """Every problem of a list of raw findings (of ``scenario``; None: the co-culture), as
    messages naming the finding and key."""
    chosen = load_scenario(scenario)
    problems = []
    for i, item in enumerate(items):
        where = _where(item, i)
        if not isinstance(item, Mapping):
            problems.append(f"{origin}: {where}: must be a mapping, got {item!r}")
            continue
        for check in ITEM_CHECKS:
            problems += check(item, where, chosen)
    problems += _check_ids([(origin, item) for item in items])
    return list(dict.fromkeys(problems))


def _read(source: str | Path) -> tuple[list[Any] | None, list[str]]:
    path = Path(source)
    try:
        document = read_data(path, "findings file")
    except ConditionError as error:  # missing, binary, not UTF-8, not YAML, over a limit
        return None, error.problems
    if not isinstance(document, list):
        return None, [f"{path}: top level must be a list of findings, got "
                      f"{type(document).__name__}"]
    return document, []


def _raw(item: Any) -> Any:
    return item.model_dump(by_alias=True, exclude_none=True) if isinstance(item, Finding) else item


def load_findings(source: str | Path | Sequence[Any] | Finding, *,
                  scenario: Scenario | str | None = None) -> list[Finding]:
    """Findings of ``scenario`` (None: the co-culture) from a YAML file, a list of files, or
    a list of mappings / Findings.

    The whole input is linted first; every problem is reported in one ConditionError.
    """
    chosen = load_scenario(scenario)
    if isinstance(source, (str, Path, Finding)):
        source = [source]
    if not isinstance(source, Sequence):
        raise ConditionError([f"findings: must be a file or a list, got "
                              f"{type(source).__name__}"])
    problems: list[str] = []
    tagged: list[tuple[str, Any]] = []
    for part in source:
        if isinstance(part, (str, Path)):
            document, errors = _read(part)
            problems += errors
            if document is not None:
                problems += lint_findings(document, origin=str(part), scenario=chosen)
                tagged += [(str(part), item) for item in document]
    given = [_raw(part) for part in source if not isinstance(part, (str, Path))]
    if given:
        problems += lint_findings(given, scenario=chosen)
        tagged += [("findings", item) for item in given]
    problems += _check_ids(tagged)
    if problems:
        raise ConditionError(dict.fromkeys(problems))
    return [Finding.model_validate(item, context={_SCENARIO: chosen}) for _, item in tagged]


# ---------------------------------------------------------------------------- evaluation

def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)


class CachingSimulator:
    """Wraps a simulator so each distinct resolved condition is simulated once per run;
    conditions announced together (:meth:`prepare`) go to its ``simulate_many`` as one
    batch when it has one."""

    def __init__(self, simulator: SupportsSimulate):
        self.simulator = simulator
        self._cache: dict[str, tuple[dict[str, float] | None, str | None]] = {}

    @staticmethod
    def _outcome(result: Any) -> tuple[dict[str, float] | None, str | None]:
        if isinstance(result, Exception):
            return None, f"{type(result).__name__}: {result}"
        return {k: _number(v) for k, v in result.readouts.items()}, None

    def prepare(self, conditions: Iterable[Any]) -> None:
        """Simulate every condition not simulated yet, batched where the simulator can."""
        todo: dict[str, Any] = {}
        for condition in conditions:
            condition = condition.resolved()
            key = condition.model_dump_json()
            if key not in self._cache:
                todo.setdefault(key, condition)
        if not todo:
            return
        many = getattr(self.simulator, "simulate_many", None)
        if many is not None:
            try:
                outcomes = many(list(todo.values()))
            except Exception:  # noqa: BLE001 - isolate the failing condition below
                outcomes = None
            if outcomes is not None:
                for key, outcome in zip(todo, outcomes):
                    self._cache[key] = self._outcome(outcome)
                return
        for key, condition in todo.items():
            try:
                self._cache[key] = self._outcome(self.simulator.simulate(condition))
            except Exception as error:  # noqa: BLE001 - a failed condition is a value
                self._cache[key] = self._outcome(error)

    def readouts(self, condition: Any) -> tuple[dict[str, float] | None, str | None]:
        """(readouts, None) or (None, error text); failures are cached too."""
        condition = condition.resolved()
        key = condition.model_dump_json()
        if key not in self._cache:
            self.prepare([condition])
        return self._cache[key]


def _scenario_of(simulator: Any, scenario: Scenario | str | None) -> Scenario:
    inner = getattr(simulator, "simulator", simulator)
    return load_scenario(scenario if scenario is not None else getattr(inner, "scenario", None))


def check_finding(finding: Finding, simulator: SupportsSimulate, *,
                  scenario: Scenario | str | None = None) -> FindingResult:
    """Simulate the finding's conditions and test each expectation (conditions of
    ``scenario``; None: the simulator's)."""
    runner = simulator if isinstance(simulator, CachingSimulator) else CachingSimulator(simulator)
    chosen = _scenario_of(simulator, scenario)
    conditions = finding_conditions([finding], chosen)
    runner.prepare(conditions.values())
    return check_with_readouts(finding, chosen,
                               {key: runner.readouts(c) for key, c in conditions.items()})


Progress = Callable[[int, int, str], None]


def finding_conditions(findings: Sequence[Finding], scenario: Scenario) -> dict[str, Any]:
    """Every distinct resolved condition of the findings, keyed by its JSON."""
    return {c.model_dump_json(): c for f in findings
            for c in f.resolved_conditions(scenario).values()}


def check_with_readouts(finding: Finding, scenario: Scenario,
                        outcomes: Mapping[str, tuple[dict[str, float] | None, str | None]]
                        ) -> FindingResult:
    """A finding checked against readouts already simulated: ``outcomes`` maps each
    condition's JSON to (readouts, None) or (None, error text)."""
    readouts: dict[str, dict[str, float]] = {}
    errors: dict[str, str] = {}
    for name, condition in finding.resolved_conditions(scenario).items():
        table, error = outcomes[condition.model_dump_json()]
        if table is None:
            errors[name] = error or "unknown error"
        else:
            readouts[name] = table
    rows = []
    for expectation in finding.expect:
        values = {c: (readouts[c].get(expectation.readout, float("nan"))
                      if c in readouts else None) for c in expectation.conditions}
        rows.append(expectation.evaluate(values))
    passed = not errors and all(row.passed for row in rows)
    return FindingResult(finding.id, passed, finding.source, finding.claim, rows,
                         readouts, errors)


def validate_results(sources: str | Path | Sequence[Any], *,
                     params: Mapping[str, float] | None = None,
                     simulator: SupportsSimulate | None = None,
                     progress: Progress | None = None,
                     scenario: Scenario | str | None = None,
                     executor: Any = None) -> list[FindingResult]:
    """Check every finding; ``progress(done, total, finding_id)`` after each one.

    Every distinct condition of every finding is simulated first, through a
    :class:`~mscnk.analysis.Problem` (batched engine, ``executor``: this process by
    default); a custom ``simulator`` (anything with ``.simulate``) is used as given instead.
    ``scenario``: whose findings these are (None: the simulator's, else the co-culture).
    """
    from mscnk.analysis._problem import Problem

    chosen = _scenario_of(simulator, scenario)
    findings = load_findings(sources, scenario=chosen)
    conditions = finding_conditions(findings, chosen)
    if simulator is not None:
        if params:
            raise ValueError("give params or a simulator, not both")
        runner = CachingSimulator(simulator)
        runner.prepare(conditions.values())
        outcomes = {key: runner.readouts(c) for key, c in conditions.items()}
    elif conditions:
        problem = Problem(chosen, conditions, base=params, executor=executor)
        run = problem.run(np.empty((1, 0)))
        outcomes = {key: ((None, run.errors[0][c]) if run.errors[0][c] is not None else
                          (dict(zip(problem.readouts, map(float, run.values[0, c]))), None))
                    for c, key in enumerate(conditions)}
    else:
        outcomes = {}
    results = []
    for done, finding in enumerate(findings, start=1):
        results.append(check_with_readouts(finding, chosen, outcomes))
        if progress is not None:
            progress(done, len(findings), finding.id)
    return results


RESULT_COLUMNS = ("id", "passed", "detail", "source", "claim")


def results_frame(results: Iterable[FindingResult]) -> pd.DataFrame:
    """One row per finding: id, passed, detail, source, claim."""
    rows = [(r.id, bool(r.passed), r.detail, r.source, r.claim) for r in results]
    return pd.DataFrame(rows, columns=list(RESULT_COLUMNS)).astype({"passed": bool})


def validate(sources: str | Path | Sequence[Any], *,
             params: Mapping[str, float] | None = None,
             simulator: SupportsSimulate | None = None,
             progress: Progress | None = None,
             scenario: Scenario | str | None = None) -> pd.DataFrame:
    """Check findings files (or findings) against the model: one row per finding."""
    return results_frame(validate_results(sources, params=params, simulator=simulator,
                                          progress=progress, scenario=scenario))
