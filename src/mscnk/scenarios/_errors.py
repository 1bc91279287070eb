"""Clear messages for bad input: the field, the bad value, what is allowed, a close match."""

from __future__ import annotations

import difflib
import math
from typing import Any, Iterable, get_args

from pydantic import BaseModel, ValidationError


class ConditionError(ValueError):
    """One or more problems in a condition, sweep or experiment file (all listed at once)."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def show(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters; safe for huge integers and deep data."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"<an integer of about {int(value.bit_length() * 0.30103) + 1} digits>"
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # int->str digit limit inside a container, deep data
        text = f"<a {type(value).__name__} too large to show>"
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def is_number(value: Any) -> bool:
    """A finite int or float: not a bool, not a string, not an int too large for a float."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def name_of(key: Any) -> str:
    """``str(key)`` as a name (a condition, a JSON key); :func:`show` where str fails."""
    try:
        return key if isinstance(key, str) else str(key)
    except ValueError:  # an integer past Python's int->str digit limit
        return show(key)


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


def suggest(word: Any, allowed: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest allowed word, or ``""``."""
    word = word if isinstance(word, str) else show(word)
    match = difflib.get_close_matches(word[:200], list(allowed), n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _allowed_literals(error: dict[str, Any]) -> list[str]:
    expected = error.get("ctx", {}).get("expected", "")
    return [item.strip().strip("'") for item in expected.replace(" or ", ",").split(",")
            if item.strip()]


def describe(error: ValidationError | list[Any], root: type[BaseModel],
             where: str = "") -> list[str]:
    """One message per pydantic error (or per item of ``error.errors()``), naming the dotted
    field, the value and what is allowed."""
    messages = []
    for item in (error.errors() if isinstance(error, ValidationError) else error):
        loc = tuple(item["loc"])
        field = ".".join(p if isinstance(p, str) else show(p) for p in loc) or "(condition)"
        prefix = f"{where}: " if where else ""
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            owner = _model_at(root, loc[:-1])
            allowed = sorted(owner.model_fields) if owner else []
            messages.append(
                f"{prefix}unknown field '{field}' (value {show(value)}); allowed fields here: "
                f"{', '.join(allowed)}{suggest(loc[-1], allowed)}")
        elif kind == "literal_error":
            allowed = _allowed_literals(item)
            messages.append(
                f"{prefix}field '{field}': {show(value)} is not allowed; allowed values: "
                f"{', '.join(allowed)}{suggest(value, allowed)}")
        elif kind == "value_error":
            messages.append(f"{prefix}{item['msg'].removeprefix('Value error, ')}")
        else:
            reason = "Input should be a list" if kind == "tuple_type" else item["msg"]
            messages.append(f"{prefix}field '{field}': value {show(value)} rejected: {reason}")
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
