"""docs/model.md, generated from the model declaration and the catalog (it cannot drift)."""

from __future__ import annotations

from mscnk.catalog import mechanisms
from mscnk.model import parameter_owners, processes_of
from mscnk.scenarios import Scenario, load_scenario


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _change(change: dict[str, float]) -> str:
    parts = []
    for name, coefficient in change.items():
        sign = "+" if coefficient > 0 else "-"
        size = "" if abs(coefficient) == 1 else f"{abs(coefficient):g} "
        parts.append(f"{sign}{size}{name}")
    return ", ".join(parts)


def model_markdown(scenario: Scenario | str | None = None) -> str:
    """The whole model description of a scenario (None: the co-culture) as Markdown."""
    model = load_scenario(scenario).model
    catalog = mechanisms()
    owners = parameter_owners(model)
    out = [
        "# The mscnk model",
        "",
        "Generated from the model declaration by `mscnk docs` (do not edit by hand; a test",
        "checks that this file matches the code).",
        "",
        f"- species: {len(model.species)}",
        f"- processes: {len(model.processes)}",
        f"- parameters: {len(model.parameters)}",
        f"- inputs (set by the experiment): {len(model.inputs)}",
        f"- named expressions (signals, doses): {len(model.expressions)}",
        f"- mechanisms in the catalog: {len(catalog)} "
        f"({sum(m.status == 'modelled' for m in catalog.values())} modelled)",
        "",
        "Time is in hours, cells are counts per well, proteins in ng/ml (readouts in pg/ml),",
        "tryptophan, kynurenine and adenosine in uM. Per-cell levels are population means.",
        "",
        "## Species",
        "",
    ]
    out += _table(["name", "unit", "kind", "compartment", "description"],
                  [[s.name, s.unit, s.kind, s.compartment, s.description] for s in model.species])
    out += ["## Processes", "",
            "Each process is a flux (its rate) that changes species by its stoichiometry.",
            "Processes marked *contact* only run when MSCs and NK cells share a compartment.", ""]
    out += _table(["process", "changes", "mechanisms", "contact", "what"],
                  [[p.name, _change(dict(p.change)), ", ".join(p.mechanisms),
                    "contact" if p.contact else "", p.description] for p in model.processes])
    out += ["## Signals and doses (named expressions)", ""]
    out += _table(["name", "unit", "mechanisms", "what"],
                  [[e.name, e.unit, ", ".join(e.mechanisms), e.description]
                   for e in model.expressions])
    out += ["## Parameters", ""]
    out += _table(["name", "value", "unit", "bounds", "mechanisms", "provenance", "what"],
                  [[p.name, f"{p.value:.4g}", p.unit, f"[{p.lower:.4g}, {p.upper:.4g}]",
                    ", ".join(owners[p.name]), p.provenance, p.description]
                   for p in model.parameters])
    out += ["## Inputs", "", "Set by the experiment layer from the condition and the catalog.", ""]
    out += _table(["name", "unit", "default", "what"],
                  [[u.name, u.unit, f"{u.default:g}", u.description] for u in model.inputs])
    out += ["## Mechanisms", ""]
    for m in catalog.values():
        processes = processes_of(model, m.id)
        out += [f"### {m.id}: {m.name}", "",
                f"{m.effect['sign']} {m.effect['target']}; mode: {m.mode}; status: {m.status}.",
                "", m.summary, ""]
        if m.note:
            out += [f"Note: {m.note}", ""]
        out += ["Processes: " + (", ".join(f"`{p}`" for p in processes) or "none") + ".", "",
                "Citations: " + "; ".join(m.citations) + ".", ""]
    return "\n".join(out).rstrip() + "\n"
