"""docs/model.md, generated from the model declaration and the catalog (it cannot drift),
with the scenario's standard magnitudes and the model's value for each."""

from __future__ import annotations

import yaml

from mscnk.catalog import all_mechanisms, mechanisms
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


def _range(target: object, form: str) -> str:
    if form == "between":
        low, high = target  # type: ignore[misc]
        return f"{low:g} to {high:g}"
    sign = {"below": "at most", "above": "at least", "ratio_at_least": "ratio at least",
            "ratio_at_most": "ratio at most"}.get(form, form)
    return f"{sign} {target:g}"


def plausibility_markdown(scenario: Scenario) -> list[str]:
    """The scenario's standard magnitudes with the model's value for each (simulated with
    the default parameters); no lines for a scenario without them."""
    if scenario.plausibility is None:
        return []
    from mscnk.analysis import load_findings, validate_results

    findings = load_findings(yaml.safe_load(scenario.plausibility.read_text()),
                             scenario=scenario)
    results = validate_results(findings, scenario=scenario)
    units = scenario.readouts.units
    rows = []
    for result in results:
        for row in result.expectations:
            compare = len(row.conditions) == 2  # a ratio of two wells, else one well's value
            value = row.statistic if compare else row.values[0]
            rows.append([result.id, result.claim, row.readout,
                         "ratio" if compare else units.get(row.readout, ""),
                         _range(row.target, row.form),
                         "failed" if value is None else f"{value:.3g}",
                         "yes" if row.passed else "**no**", result.source])
    held = sum(r.passed for r in results)
    return ["## Plausibility: standard magnitudes", "",
            f"The model with its default parameters against {len(results)} standard "
            f"quantities (`plausibility.yaml` of the scenario; the same file runs through "
            f"`mscnk validate`): **{held} of {len(results)} within range**. Ranges come from "
            "the project's quantitative findings and their papers, or are physical bounds of a "
            "96-well culture marked as assumed.", "",
            *_table(["id", "quantity", "readout", "unit", "range", "model", "within",
                     "source"], rows)]


def model_markdown(scenario: Scenario | str | None = None) -> str:
    """The whole model description of a scenario (None: the co-culture) as Markdown."""
    chosen = load_scenario(scenario)
    model = chosen.model
    known = all_mechanisms()
    catalog = {name: m for name, m in known.items()
               if (name in chosen.mechanisms if chosen.mechanisms is not None
                   else name in mechanisms())}
    owners = parameter_owners(model)
    out = [
        "# The mscnk model",
        "",
        "Generated from the model declaration by `mscnk docs` (do not edit by hand; a test",
        "checks that this file matches the code).",
        "",
        f"Scenario `{chosen.name}`: {chosen.title}.",
        "",
        f"- species: {len(model.species)}",
        f"- processes: {len(model.processes)}",
        f"- parameters: {len(model.constants)}, and {len(model.switches)} mechanism switches",
        f"- inputs (set by the experiment): {len(model.inputs)}",
        f"- named expressions (signals, doses): {len(model.expressions)}",
        f"- mechanisms in the catalog: {len(catalog)} "
        f"({sum(m.status == 'modelled' for m in catalog.values())} modelled)",
        "",
        "Time is in hours, cells are counts per well, proteins in ng/ml (readouts in pg/ml),",
        "tryptophan, kynurenine and adenosine in uM. Per-cell levels are population means.",
        "",
    ]
    out += plausibility_markdown(chosen)
    out += [
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
                   for p in model.constants])
    out += ["## Mechanism switches", "",
            "Each switch `on_<mechanism>` (1 on, the default; 0 off) multiplies the terms "
            "through which its mechanism acts; a parameter file (`--params`) or `mscnk "
            "explain` sets it. Mechanisms without a switch, and why:", ""]
    out += [f"- `{mechanism}`: {why}" for mechanism, why in chosen.fixed_mechanisms.items()]
    out += [""]
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
        switch = (f"Switch: `{model.switches[m.id]}`." if m.id in model.switches else
                  f"No switch: {chosen.fixed_mechanisms.get(m.id, 'not in the model')}.")
        out += ["Processes: " + (", ".join(f"`{p}`" for p in processes) or "none") + ".", "",
                switch, "",
                "Citations: " + "; ".join(m.citations) + ".", ""]
    return "\n".join(out).rstrip() + "\n"
