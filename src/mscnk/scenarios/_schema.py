"""The base of every scenario's condition schema: strict pydantic models whose errors are
:class:`ConditionError` messages naming the field, the value and what is allowed."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from mscnk.scenarios._errors import ConditionError, describe


class _Checked(type(BaseModel)):  # type: ignore[misc]
    """Calling a schema class (``Condition(ratio=...)``) raises :class:`ConditionError`
    with the CLI's messages instead of pydantic's ``ValidationError``."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except ValidationError as error:
            raise ConditionError(describe(error, cls)) from None


class StrictModel(BaseModel, metaclass=_Checked):
    """Strict types: numbers are int or float (not bool, not a string such as '10'), booleans
    are true/false; only list fields take lists (``strict=False`` on those fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True,
                              allow_inf_nan=False)


class ConditionModel(StrictModel):
    """A scenario's condition: every field has a default, so ``Condition()`` is its standard
    well. Subclasses add fields and, where some fields are derived, :meth:`resolved`.

    ``coupled_fields``: dotted paths of the fields the schema's cross-field rules read (a
    sweep too large to check whole has every combination of these checked, or their extremes
    when the rules are monotonic in them).
    """

    coupled_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def parse(cls, raw: Any, **options: Any) -> "ConditionModel":
        """A condition from ``raw``; pydantic's ``ValidationError`` if invalid (for callers
        that word the errors themselves, e.g. per named condition)."""
        return cls.__pydantic_validator__.validate_python(raw, **options)

    @classmethod
    def model_validate(cls, obj: Any, **options: Any) -> Any:  # type: ignore[override]
        """A condition from a mapping; :class:`ConditionError` (every problem) if invalid."""
        try:
            return cls.parse(obj, **options)
        except ValidationError as error:
            raise ConditionError(describe(error, cls)) from None

    def resolved(self) -> Any:
        """The same condition with every derived field made explicit (here: itself)."""
        return self
