"""The mechanism catalog, MSC source profiles and tumor lines: knowledge shipped as data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class Mechanism:
    """One mechanism of MSC-NK crosstalk, as the literature describes it."""

    id: str
    name: str
    actors: tuple[dict[str, str], ...]
    effect: dict[str, str]
    mode: str
    context: str
    summary: str
    citations: tuple[str, ...]
    status: str
    note: str
    #: Single-factor experiments that show the mechanism (findings-format mappings).
    checks: tuple[dict[str, Any], ...] = ()
    #: Why the mechanism has no check (empty when it has checks).
    no_check: str = ""

    def text(self) -> str:
        """Everything searchable about the mechanism, lower-cased."""
        parts = [self.id, self.name, self.mode, self.context, self.summary, self.note,
                 *self.citations, *(f"{a['from']} {a['to']}" for a in self.actors),
                 *self.effect.values()]
        return " ".join(parts).lower()


def _load(name: str) -> Any:
    return yaml.safe_load(resources.files("mscnk.catalog").joinpath(name).read_text())


@lru_cache(maxsize=1)
def mechanisms() -> dict[str, Mechanism]:
    """All mechanisms of MSC-NK crosstalk by id, in catalog order."""
    return _mechanisms("mechanisms.yaml")


@lru_cache(maxsize=1)
def therapy_mechanisms() -> dict[str, Mechanism]:
    """The in vivo processes of the therapy scenarios by id (trafficking, clearance, tissue
    injury, infection): therapy.yaml, in the same format."""
    return _mechanisms("therapy.yaml")


def all_mechanisms() -> dict[str, Mechanism]:
    """Every catalog entry by id: MSC-NK crosstalk, then the therapy scenarios' processes
    (for looking a mechanism up by the id a model names)."""
    return {**mechanisms(), **therapy_mechanisms()}


def _mechanisms(file: str) -> dict[str, Mechanism]:
    out: dict[str, Mechanism] = {}
    for row in _load(file):
        if row["id"] in out:
            raise ValueError(f"{file}: id {row['id']!r} appears twice")
        out[row["id"]] = Mechanism(
            id=row["id"], name=row["name"], actors=tuple(row["actors"]),
            effect=dict(row["effect"]), mode=row["mode"], context=row["context"],
            summary=row["summary"], citations=tuple(row["citations"]), status=row["status"],
            note=row.get("note") or "", checks=tuple(row.get("checks") or ()),
            no_check=row.get("no_check") or "",
        )
        if bool(out[row["id"]].checks) == bool(out[row["id"]].no_check):
            raise ValueError(f"{file}: {row['id']!r} needs either checks or a "
                             f"no_check reason, not both or neither")
    return out


def search(text: str | None = None) -> list[Mechanism]:
    """Mechanisms whose text contains every word of ``text`` (all of them when empty)."""
    words = (text or "").lower().split()
    return [m for m in mechanisms().values() if all(w in m.text() for w in words)]


@lru_cache(maxsize=1)
def msc_sources() -> dict[str, dict[str, Any]]:
    """MSC source profiles: source -> {description, values, provenance}."""
    return dict(_load("sources.yaml")["sources"])


@lru_cache(maxsize=1)
def source_traits() -> dict[str, dict[str, str]]:
    return dict(_load("sources.yaml")["traits"])


@lru_cache(maxsize=1)
def tumor_lines() -> dict[str, dict[str, Any]]:
    """Tumor lines: line -> {description, values, provenance}."""
    return dict(_load("tumor_lines.yaml"))
