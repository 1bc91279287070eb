"""Mechanism checks: the catalog's single-factor experiments as findings.

Each catalog mechanism states the experiment that shows it (``checks`` in
``mscnk/catalog/mechanisms.yaml``: a recombinant mediator at a dose from its source, an
antibody, a knock-down, an inhibitor, a cytokine, a culture setting) with the direction and
least size of the change on the readouts it names, or says why it has none (``no_check``).
:func:`mechanism_findings` turns them into findings of the co-culture scenario, so that
``mscnk validate --mechanisms`` checks them as it checks literature findings; the catalog is
the one place they are written.
"""

from __future__ import annotations

from typing import Any, Iterable

from mscnk.analysis._findings import Finding, load_findings
from mscnk.catalog import Mechanism, mechanisms
from mscnk.scenarios import DEFAULT_SCENARIO, load_scenario

#: The scenario whose conditions and readouts the catalog's checks are written in.
CHECK_SCENARIO = DEFAULT_SCENARIO
#: Condition blocks whose entries are contract inputs a check can set alone.
INPUT_BLOCKS = ("mediators", "drugs")
#: List-valued inputs: blocking antibodies and MSC knock-downs.
INPUT_LISTS = (("blockade",), ("msc", "knockdown"))


def check_id(mechanism: str, number: int) -> str:
    """The finding id of a mechanism's ``number``-th check (from 1)."""
    return f"{mechanism}:{number}"


def _finding(mechanism: Mechanism, number: int, check: dict[str, Any]) -> dict[str, Any]:
    return {"id": check_id(mechanism.id, number),
            "source": check.get("source") or "; ".join(mechanism.citations[:3]),
            **{key: value for key, value in check.items() if key != "source"}}


def mechanism_findings(only: Iterable[str] | None = None) -> list[Finding]:
    """Every mechanism check of the catalog as a finding (``only``: these mechanisms);
    a malformed check raises ConditionError naming it."""
    chosen = mechanisms()
    wanted = list(chosen) if only is None else list(only)
    unknown = [name for name in wanted if name not in chosen]
    if unknown:
        raise ValueError(f"no mechanism {', '.join(map(repr, unknown))} in the catalog")
    raw = [_finding(chosen[name], number, check) for name in wanted
           for number, check in enumerate(chosen[name].checks, start=1)]
    return load_findings(raw, scenario=load_scenario(CHECK_SCENARIO)) if raw else []


def inputs_set(finding: Finding) -> set[str]:
    """Contract inputs a finding's conditions set (``mediators.pge2_ng_ml``,
    ``drugs.ns398_uM``, ``blockade.anti_nkg2d``, ``knockdown.ido1``), in any condition or
    its base."""
    found: set[str] = set()
    for condition in (finding.base, *finding.conditions.values()):
        for block in INPUT_BLOCKS:
            found |= {f"{block}.{name}" for name in (condition.get(block) or {})}
        for path in INPUT_LISTS:
            node: Any = condition
            for part in path:
                node = node.get(part) if isinstance(node, dict) else None
            found |= {f"{path[-1]}.{name}" for name in (node or ())}
    return found


__all__ = ["CHECK_SCENARIO", "check_id", "inputs_set", "mechanism_findings"]
