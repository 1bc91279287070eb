"""The expectation forms of a finding (contract section 3), as data, and their evaluation.

Three forms and no others; extra keys are rejected and nothing is ever evaluated as code:

* ``{readout, in, below | above | between}``
* ``{readout, compare: [C1, C2], ratio_at_least | ratio_at_most | same_within_pct}``
* ``{readout, over: [C1, C2, ...], trend: increasing | decreasing}``

``evaluate`` takes the readout's value in each condition the expectation names (``None``
where the condition failed to simulate, NaN where the readout is missing) and returns an
:class:`ExpectationResult` with the numbers behind the verdict and a one-line text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Mapping, Union

from pydantic import (
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mscnk.scenarios import load_scenario, suggest

REL_TOL = 1e-9          # bounds and ratios (contract section 3)
TREND_STEP_FRACTION = 0.02   # a step against the trend may stay within 2 % of the range
TREND_MIN_CHANGE = 0.10      # last vs first: at least 10 % of max(|first|, |last|)

Number = Annotated[float, Strict(), AllowInfNan(False)]
Name = Annotated[str, Strict(), Field(min_length=1)]


def at_most(value: float, limit: float) -> bool:
    """``value <= limit`` with the contract's relative tolerance."""
    return value <= limit or math.isclose(value, limit, rel_tol=REL_TOL)


def at_least(value: float, limit: float) -> bool:
    return value >= limit or math.isclose(value, limit, rel_tol=REL_TOL)


def fmt(value: float | None) -> str:
    return "failed" if value is None else f"{value:.4g}"


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation checked: the values it used, the statistic, the verdict, a text."""

    form: str                       # below | above | between | ratio_at_least | ... | trend
    readout: str
    conditions: tuple[str, ...]
    values: tuple[float | None, ...]  # per condition; None: the condition failed to simulate
    target: Any                     # the threshold, range, ratio, percentage or direction
    statistic: float | None         # ratio, difference in %, or None
    passed: bool
    text: str


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    readout: Name

    @field_validator("readout")
    @classmethod
    def _known_readout(cls, value: str, info: ValidationInfo) -> str:
        """A readout of the scenario in the validation context (default: the co-culture)."""
        names = load_scenario((info.context or {}).get("scenario")).readout_names
        if value not in names:
            raise ValueError(f"unknown readout {value!r}{suggest(value, names)}")
        return value

    @property
    def conditions(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _unavailable(self, values: Mapping[str, float | None]) -> ExpectationResult | None:
        """A failing result when a condition failed or the readout is missing in one."""
        got = tuple(values.get(c) for c in self.conditions)
        failed = [c for c, v in zip(self.conditions, got) if v is None]
        missing = [c for c, v in zip(self.conditions, got) if v is not None and math.isnan(v)]
        if not failed and not missing:
            return None
        parts = [f"condition {c} failed to simulate" for c in failed]
        parts += [f"{self.readout}({c}) is missing (NaN)" for c in missing]
        return ExpectationResult(self.form, self.readout, self.conditions, got, self.target,
                                 None, False, "; ".join(parts) + " -> FAIL")

    @property
    def form(self) -> str:
        raise NotImplementedError

    @property
    def target(self) -> Any:
        return getattr(self, self.form)


def _exactly_one(model: BaseModel, keys: tuple[str, ...]) -> str:
    given = [k for k in keys if getattr(model, k) is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of {', '.join(keys)} (got "
                         f"{', '.join(given) or 'none'})")
    return given[0]


class Bound(_Form):
    """``{readout: R, in: C, below: x}`` / ``above: x`` / ``between: [a, b]``."""

    in_: Name = Field(alias="in")
    below: Number | None = None
    above: Number | None = None
    between: tuple[Number, Number] | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> "Bound":
        _exactly_one(self, ("below", "above", "between"))
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError(f"between: lower bound {self.between[0]} is above the upper "
                             f"bound {self.between[1]}")
        return self

    @property
    def form(self) -> str:
        return _exactly_one(self, ("below", "above", "between"))

    @property
    def conditions(self) -> tuple[str, ...]:
        return (self.in_,)

    def evaluate(self, values: Mapping[str, float | None]) -> ExpectationResult:
        if (bad := self._unavailable(values)) is not None:
            return bad
        value = float(values[self.in_])  # type: ignore[arg-type]
        if self.below is not None:
            passed, limit = at_most(value, self.below), fmt(self.below)
        elif self.above is not None:
            passed, limit = at_least(value, self.above), fmt(self.above)
        else:
            low, high = self.between  # type: ignore[misc]
            passed, limit = at_least(value, low) and at_most(value, high), \
                f"[{fmt(low)}, {fmt(high)}]"
        text = f"{self.readout}({self.in_})={fmt(value)} {self.form} {limit} -> {_verdict(passed)}"
        return ExpectationResult(self.form, self.readout, self.conditions, (value,),
                                 self.target, value, passed, text)


class Compare(_Form):
    """``{readout: R, compare: [C1, C2], ratio_at_least | ratio_at_most | same_within_pct}``."""

    compare: tuple[Name, Name]
    ratio_at_least: Number | None = None
    ratio_at_most: Number | None = None
    same_within_pct: Annotated[Number, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> "Compare":
        _exactly_one(self, ("ratio_at_least", "ratio_at_most", "same_within_pct"))
        if self.compare[0] == self.compare[1]:
            raise ValueError(f"compare names the same condition twice ({self.compare[0]!r})")
        return self

    @property
    def form(self) -> str:
        return _exactly_one(self, ("ratio_at_least", "ratio_at_most", "same_within_pct"))

    @property
    def conditions(self) -> tuple[str, ...]:
        return self.compare

    def evaluate(self, values: Mapping[str, float | None]) -> ExpectationResult:
        if (bad := self._unavailable(values)) is not None:
            return bad
        c1, c2 = self.compare
        v1, v2 = float(values[c1]), float(values[c2])  # type: ignore[arg-type]
        head = f"{self.readout} {c1}/{c2}={fmt(v1)}/{fmt(v2)}"
        statistic: float | None
        note = ""
        if self.form == "same_within_pct":
            limit = self.same_within_pct / 100.0 * abs(v2)  # type: ignore[operator]
            passed = at_most(abs(v1 - v2), limit)
            statistic = 100.0 * abs(v1 - v2) / abs(v2) if v2 != 0 else (
                0.0 if v1 == 0 else math.inf)
            head = (f"{self.readout} {c1} vs {c2}={fmt(v1)} vs {fmt(v2)} "
                    f"(differ by {fmt(statistic)} %)")
        elif v2 < 0:
            statistic, passed = None, False
            note = (" (negative denominator: an error in the finding; use bounds or "
                    "same_within_pct)")
        elif v2 == 0:
            statistic = math.nan if v1 == 0 else math.copysign(math.inf, v1)
            passed = v1 > 0 if self.form == "ratio_at_least" else v1 == 0
            note = " (zero denominator)"
        else:
            statistic = v1 / v2
            check = at_least if self.form == "ratio_at_least" else at_most
            passed = check(statistic, self.target)
            head += f"={fmt(statistic)}"
        text = f"{head} {self.form} {fmt(self.target)}{note} -> {_verdict(passed)}"
        return ExpectationResult(self.form, self.readout, self.conditions, (v1, v2),
                                 self.target, statistic, passed, text)


class Trend(_Form):
    """``{readout: R, over: [C1, C2, ...], trend: increasing | decreasing}``."""

    over: tuple[Name, ...] = Field(min_length=2)
    trend: Literal["increasing", "decreasing"]

    @model_validator(mode="after")
    def _distinct(self) -> "Trend":
        repeated = sorted({c for c in self.over if self.over.count(c) > 1})
        if repeated:
            raise ValueError(f"over names a condition more than once ({', '.join(repeated)})")
        return self

    @property
    def form(self) -> str:
        return "trend"

    @property
    def conditions(self) -> tuple[str, ...]:
        return self.over

    def evaluate(self, values: Mapping[str, float | None]) -> ExpectationResult:
        if (bad := self._unavailable(values)) is not None:
            return bad
        got = [float(values[c]) for c in self.over]  # type: ignore[arg-type]
        sign = 1.0 if self.trend == "increasing" else -1.0
        slack = TREND_STEP_FRACTION * (max(got) - min(got))
        reasons = [
            f"step {a}->{b} goes the wrong way by {fmt(abs(y - x))} > 2 % of the range"
            for (a, x), (b, y) in zip(zip(self.over, got), zip(self.over[1:], got[1:]))
            if sign * (y - x) < -slack
        ]
        first, last = got[0], got[-1]
        change = sign * (last - first)
        needed = TREND_MIN_CHANGE * max(abs(first), abs(last))
        if not (change > 0 and change >= needed):
            reasons.append(f"last vs first changes by {fmt(last - first)}, needs "
                           f"{'+' if sign > 0 else '-'}{fmt(needed)} (10 %)")
        passed = not reasons
        why = f" ({'; '.join(reasons)})" if reasons else ""
        text = (f"{self.readout} over {', '.join(self.over)}="
                f"{', '.join(fmt(v) for v in got)} {self.trend}{why} -> {_verdict(passed)}")
        return ExpectationResult("trend", self.readout, self.conditions, tuple(got),
                                 self.trend, last - first, passed, text)


FORM_KEYS = {"in": "bound", "compare": "compare", "over": "trend"}
FORM_FIELDS = {
    "bound": ("readout", "in", "below", "above", "between"),
    "compare": ("readout", "compare", "ratio_at_least", "ratio_at_most", "same_within_pct"),
    "trend": ("readout", "over", "trend"),
}


def form_of(raw: Any) -> str | None:
    """Which form a raw expectation (mapping or model) is, by its condition key."""
    if isinstance(raw, Bound):
        return "bound"
    if isinstance(raw, Compare):
        return "compare"
    if isinstance(raw, Trend):
        return "trend"
    if isinstance(raw, Mapping):
        tags = [tag for key, tag in FORM_KEYS.items() if key in raw]
        return tags[0] if len(tags) == 1 else None
    return None


Expectation = Annotated[
    Union[Annotated[Bound, Tag("bound")], Annotated[Compare, Tag("compare")],
          Annotated[Trend, Tag("trend")]],
    Discriminator(
        form_of, custom_error_type="expectation_form",
        custom_error_message="an expectation needs exactly one of 'in' (with below, above or "
                             "between), 'compare' (with ratio_at_least, ratio_at_most or "
                             "same_within_pct) or 'over' (with trend)"),
]
