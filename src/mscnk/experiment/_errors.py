"""Clear messages for bad input: the field, the bad value, what is allowed, a close match."""

from __future__ import annotations

import difflib
from typing import Any, Iterable, get_args

from pydantic import BaseModel, ValidationError


class ConditionError(ValueError):
    """One or more problems in a condition, sweep or experiment file (all listed at once)."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def _model_at(model: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the field at ``path`` (None when not a model)."""
    current: Any = model
    for part in path:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = field.annotation
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def suggest(word: str, allowed: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(word), list(allowed), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _allowed_literals(error: dict[str, Any]) -> list[str]:
    expected = error.get("ctx", {}).get("expected", "")
    return [item.strip().strip("'") for item in expected.replace(" or ", ",").split(",")
            if item.strip()]


def describe(error: ValidationError, root: type[BaseModel], where: str = "") -> list[str]:
    """One message per pydantic error, naming the dotted field, the value and what is allowed."""
    messages = []
    for item in error.errors():
        loc = tuple(item["loc"])
        field = ".".join(str(p) for p in loc) or "(condition)"
        prefix = f"{where}: " if where else ""
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            owner = _model_at(root, loc[:-1])
            allowed = sorted(owner.model_fields) if owner else []
            messages.append(
                f"{prefix}unknown field '{field}' (value {value!r}); allowed fields here: "
                f"{', '.join(allowed)}{suggest(str(loc[-1]), allowed)}")
        elif kind == "literal_error":
            allowed = _allowed_literals(item)
            messages.append(
                f"{prefix}field '{field}': {value!r} is not allowed; allowed values: "
                f"{', '.join(allowed)}{suggest(str(value), allowed)}")
        elif kind == "value_error":
            messages.append(f"{prefix}{item['msg'].removeprefix('Value error, ')}")
        else:
            messages.append(f"{prefix}field '{field}': value {value!r} rejected: {item['msg']}")
    return messages


def literal_values(annotation: Any) -> tuple[str, ...]:
    """The allowed values of a Literal (or of a tuple of Literal) annotation."""
    args = get_args(annotation)
    if args and all(isinstance(a, str) for a in args):
        return args
    for arg in args:
        values = literal_values(arg)
        if values:
            return values
    return ()
