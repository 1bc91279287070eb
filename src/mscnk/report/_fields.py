"""The reference of condition fields (``mscnk fields``, ``docs/conditions.md``), read from
the pydantic schema: one row per field with its type, unit, default, allowed values and
meaning. Nothing here is written by hand twice: a field, bound or description added to
:mod:`mscnk.experiment` appears here by itself.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any, Literal, NamedTuple, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from mscnk.scenarios.coculture import READOUT_DECLARATIONS, Condition


class FieldRow(NamedTuple):
    """One condition field: dotted path, type, unit, default, allowed values, meaning."""

    field: str
    type: str
    unit: str
    default: Any
    allowed: str
    meaning: str


def condition_fields(model: type[BaseModel] = Condition, prefix: str = "") -> list[FieldRow]:
    """Every leaf field of ``model`` (nested models flattened to dotted paths), in order."""
    rows: list[FieldRow] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        nested = _model_class(info.annotation)
        if nested is not None:
            rows.extend(condition_fields(nested, f"{path}."))
            continue
        rows.append(FieldRow(path, _type_name(info.annotation), _unit(info), _default(info),
                             _allowed(info), info.description or ""))
    return rows


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(annotation without ``None`` and ``Annotated``, whether ``None`` is allowed)."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        inner, _ = _unwrap(args[0]) if len(args) == 1 else (annotation, False)
        return inner, nullable
    return annotation, False


def _model_class(annotation: Any) -> type[BaseModel] | None:
    inner, _ = _unwrap(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _choices(annotation: Any) -> tuple[Any, ...] | None:
    inner, _ = _unwrap(annotation)
    return typing.get_args(inner) if typing.get_origin(inner) is Literal else None


def _list_item(annotation: Any) -> Any | None:
    inner, _ = _unwrap(annotation)
    if typing.get_origin(inner) in (tuple, list, frozenset, set):
        return typing.get_args(inner)[0]
    return None


def _type_name(annotation: Any) -> str:
    inner, nullable = _unwrap(annotation)
    item = _list_item(annotation)
    if item is not None:
        name = "list" if _choices(item) is not None else f"list of {_type_name(item)}"
    elif _choices(annotation) is not None:
        name = "choice"
    elif isinstance(inner, type) and issubclass(inner, bool):
        name = "true/false"
    elif isinstance(inner, type) and issubclass(inner, int):
        name = "integer"
    elif isinstance(inner, type) and issubclass(inner, float):
        name = "number"
    else:
        name = getattr(inner, "__name__", str(inner))
    return f"{name} or null" if nullable else name


def _unit(info: FieldInfo) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    unit = str(extra.get("unit", ""))
    return unit.replace("uM", "µM").replace("ug/ml", "µg/ml")


def _default(info: FieldInfo) -> Any:
    value = info.get_default(call_default_factory=True)
    return list(value) if isinstance(value, tuple) else value


def _number(value: float) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def _allowed(info: FieldInfo) -> str:
    choices = _choices(info.annotation)
    item = _list_item(info.annotation)
    if item is not None and _choices(item) is not None:
        return "any of: " + ", ".join(map(str, _choices(item)))
    if choices is not None:
        return "one of: " + ", ".join(map(str, choices))
    low = high = None
    low_open = high_open = False
    for rule in info.metadata:
        for attr, is_low, is_open in (("ge", True, False), ("gt", True, True),
                                      ("le", False, False), ("lt", False, True)):
            bound = getattr(rule, attr, None)
            if bound is None:
                continue
            if is_low:
                low, low_open = bound, is_open
            else:
                high, high_open = bound, is_open
    if low is None and high is None:
        return ""
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    low_text = "-inf" if low is None else _number(low)
    high_text = "inf" if high is None or math.isinf(high) else _number(high)
    return f"{left}{low_text}, {high_text}{right}"


def _shown(value: Any) -> str:
    """A default as it is written in a condition file (YAML)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return _number(value).replace(",", "")
    if isinstance(value, list):
        return "[" + ", ".join(map(_shown, value)) + "]"
    return str(value)


def field_records(model: type[BaseModel] = Condition) -> list[dict[str, Any]]:
    """The rows as dictionaries (JSON: the default keeps its type)."""
    return [row._asdict() for row in condition_fields(model)]


def field_strings(model: type[BaseModel] = Condition) -> list[list[str]]:
    """The rows as text cells, defaults written as in a condition file."""
    return [[r.field, r.type, r.unit, _shown(r.default), r.allowed, r.meaning]
            for r in condition_fields(model)]


HEADER = ["field", "type", "unit", "default", "allowed", "meaning"]

_INTRO = """\
# Condition fields

Generated from the condition schema (`src/mscnk/scenarios/coculture/schema.py`) by
`mscnk fields --format markdown > docs/conditions.md`; a test checks that this file
matches the schema, so edit the schema, not this file. `mscnk fields` prints the same
table (`--format csv` or `json` for programs).

A condition is one well, written as a YAML or JSON mapping. Every field has a default, so
`{}` is a valid condition (bone-marrow MSCs with IL-2-activated NK cells, 5:1, contact,
72 h). Unknown fields, unknown names and values outside the allowed range are errors that
name the field, the value and what is allowed. Nested fields are written nested
(`msc: {source: adipose}`) in a condition and dotted (`msc.source`) in a `sweep:`.

A condition runs in up to three phases: (1) MSC pre-treatment (`msc.ifng_pretreatment_ng_ml`,
TLR priming) for `msc.pretreatment_h`; (2) NK pre-activation with the `nk.activation`
cytokines for `nk.preactivation_h`; (3) the main phase, `duration_h` long, from
`msc.cells` and `nk.cells` in fresh medium with the activation cytokines, `drugs`,
`blockade`, `mediators`, exosomes and tumor cells. Readouts relative to a control use the
same condition with one population removed, with what belongs to its cells (without NK: no
pre-activation, no CAR; without MSC: no MSC source traits, pre-treatment, priming or
knock-down; all inert without the cells); the medium keeps everything else. Ranges: `[a, b]`
includes both ends, `(a, b]` excludes `a`.
"""


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|")


def conditions_markdown() -> str:
    """The text of ``docs/conditions.md``: every condition field, then every readout."""
    lines = [_INTRO, "## Fields", "", "| " + " | ".join(HEADER) + " |",
             "| " + " | ".join("---" for _ in HEADER) + " |"]
    for cells in field_strings():
        cells[0], cells[3] = f"`{cells[0]}`", f"`{cells[3]}`"
        lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    lines += ["", "## Readouts", "",
              "Every result has these readouts; one that does not apply to a condition (MSC "
              "readouts with no MSCs, NK readouts with no NK cells, tumor readouts with no tumor) "
              "is missing: NaN in tables, `null` in JSON, an empty cell in CSV.", "",
              "`needs`: the populations without which the readout is missing; `reads`: the model "
              "species its function reads, and in which wells (both found by calling the "
              "function, never written by hand).", "",
              "| readout | unit | needs | reads | meaning |", "| --- | --- | --- | --- | --- |"]
    for readout in READOUT_DECLARATIONS.values():
        needs = ", ".join(readout.needs) or "-"
        unit = readout.unit.replace("uM", "µM")
        lines.append(f"| `{readout.name}` | {unit} | {needs} | "
                     f"{_markdown_cell(readout.reads_text())} | "
                     f"{_markdown_cell(readout.meaning)} |")
    return "\n".join(lines) + "\n"
