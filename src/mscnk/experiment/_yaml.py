"""One loader for every user file (conditions, ``--params``, findings): YAML or JSON, hardened.

PyYAML's ``safe_load`` runs no code but happily expands a few hundred bytes of aliases
into gigabytes, recurses until Python's stack runs out on deep nesting, keeps the last of
two equal keys, reads ``1e9`` as a string (YAML 1.1) and hands a 5,000-digit integer to
``int()``. :func:`read_data` refuses all of that with a :class:`ConditionError` that names
the file, the line and what is allowed:

* files larger than :data:`MAX_BYTES`, binary files (NUL bytes) and text that is not UTF-8;
* aliases (``*name``) altogether: ``base:`` shares settings between conditions;
* nesting deeper than :data:`MAX_DEPTH` mappings/lists;
* a key that appears twice in one mapping (and keys that are lists or mappings);
* integers longer than :data:`MAX_INT_DIGITS` digits.

Plain scalars are read the YAML 1.2 (core schema) way: ``1e9``, ``-2.5E-3`` and ``1.``
are numbers; ``true``/``false`` are the only booleans (``yes``, ``no``, ``on``, ``off``
stay words); ``017`` is seventeen and ``1:30`` or ``1_000`` are not numbers at all (YAML
1.1 would silently read 15, 90 and 1000); dates stay text.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mscnk.scenarios import ConditionError, show

#: Largest file read (bytes).
MAX_BYTES = 10 * 1024 * 1024
#: Deepest nesting of mappings and lists (the condition schema needs 4).
MAX_DEPTH = 64
#: Longest integer literal (digits); far past any count of cells or seconds.
MAX_INT_DIGITS = 100

_FLOAT_12 = re.compile(r"""^[-+]?(?:
    [0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?   # 1.5, 1., 1.5e3
  | \.[0-9]+(?:[eE][-+]?[0-9]+)?        # .5, .5e3
  | [0-9]+[eE][-+]?[0-9]+               # 1e9 (YAML 1.2; a string in YAML 1.1)
  | \.(?:inf|Inf|INF)                   # .inf
  | \.(?:nan|NaN|NAN))$""", re.X)
_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


class _Loader(yaml.SafeLoader):
    """SafeLoader with the limits above (one instance per document)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ConstructorError(
                None, None, f"aliases (*{event.anchor}) are not allowed; repeat the values or "
                            f"share them through 'base:'", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ConstructorError(None, None, f"nesting deeper than {MAX_DEPTH} levels",
                                       self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):
            return super().construct_mapping(node, deep=deep)
        self.flatten_mapping(node)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"a key must be a plain name or number, not a "
                    f"{'list' if isinstance(key_node, SequenceNode) else 'mapping'}",
                    key_node.start_mark)
            key = self.construct_object(key_node, deep=deep)
            if key in mapping:
                raise ConstructorError(
                    "while reading a mapping", node.start_mark,
                    f"duplicate key {show(key)}; each key may appear once",
                    key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_yaml_int(self, node: ScalarNode) -> int:  # type: ignore[override]
        value = str(self.construct_scalar(node))
        if not _INT_12.match(value):  # an explicit !!int on something else
            raise ConstructorError(None, None, f"{show(value)} is not an integer",
                                   node.start_mark)
        if len(value) > MAX_INT_DIGITS:
            raise ConstructorError(None, None, f"an integer with {len(value.lstrip('+-'))} "
                                               f"digits is too large (at most {MAX_INT_DIGITS})",
                                   node.start_mark)
        if value.startswith(("0x", "0o")):
            return int(value[2:], 16 if value[1] == "x" else 8)
        return int(value, 10)

    def construct_yaml_bool(self, node: ScalarNode) -> bool:  # type: ignore[override]
        value = str(self.construct_scalar(node))
        if not _BOOL_12.match(value):
            raise ConstructorError(None, None, f"{show(value)} is not true or false",
                                   node.start_mark)
        return value.lower() == "true"

    def construct_yaml_float(self, node: ScalarNode) -> float:  # type: ignore[override]
        value = str(self.construct_scalar(node))
        if not (_FLOAT_12.match(value) or _INT_12.match(value)):
            raise ConstructorError(None, None, f"{show(value)} is not a number", node.start_mark)
        return super().construct_yaml_float(node)


# Only the JSON-like core types; other tags (!!binary, !!timestamp, !!set, ...) are refused.
_Loader.yaml_constructors = {
    tag: constructor for tag, constructor in yaml.SafeLoader.yaml_constructors.items()
    if tag is None or tag.rsplit(":", 1)[-1] in ("null", "bool", "int", "float", "str", "seq",
                                                 "map")}
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_yaml_float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _Loader.construct_yaml_bool)
_Loader.add_constructor("tag:yaml.org,2002:map", lambda loader, node: loader.construct_mapping(node))
# YAML 1.2 core schema: drop YAML 1.1's bool, int and float resolvers, add the 1.2 ones.
_REPLACED = {f"tag:yaml.org,2002:{kind}" for kind in ("bool", "int", "float", "timestamp")}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL_12, list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", _INT_12, list("-+0123456789"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))


def parse_text(text: str, origin: str = "input") -> Any:
    """The YAML/JSON ``text`` as Python data, with the limits above."""
    loader = None
    try:
        loader = _Loader(text)  # the reader refuses control characters already here
        return loader.get_single_data()
    except yaml.YAMLError as error:
        raise ConditionError([f"{origin}: not valid YAML/JSON: {_short(error)}"]) from None
    except RecursionError:
        raise ConditionError([f"{origin}: nesting too deep"]) from None
    except Exception as error:  # a constructor's own failure: never a traceback
        raise ConditionError([f"{origin}: not valid YAML/JSON: {type(error).__name__}: "
                              f"{show(str(error), 120)}"]) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_data(path: str | Path, what: str = "file") -> Any:
    """The YAML/JSON file at ``path`` as Python data (``None`` when empty).

    ``what`` names the file in messages (``"--params"``, ``"findings file"`` ...). Every
    failure is a :class:`ConditionError` naming the file and the reason.
    """
    path = Path(path)
    label = f"{what} {str(path)!r}"
    try:
        if not path.is_file():
            raise ConditionError([f"{label} does not exist" if not path.exists()
                                  else f"{label} is not a file"])
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConditionError([f"{label} is {size:,} bytes; at most {MAX_BYTES:,} are read"])
        data = path.read_bytes()
    except OSError as error:
        raise ConditionError([f"{label}: cannot read: {error.strerror or error}"]) from None
    if b"\x00" in data:
        raise ConditionError([f"{label} is a binary file (it holds NUL bytes), not YAML/JSON "
                              f"text"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConditionError([f"{label} is not UTF-8 text (byte 0x{data[error.start]:02x} at "
                              f"offset {error.start}); save it as UTF-8"]) from None
    return parse_text(text, label)


def _short(error: yaml.YAMLError) -> str:
    """A YAML error on one or a few lines, without PyYAML's source excerpt."""
    if isinstance(error, yaml.MarkedYAMLError):
        parts = []
        if error.context:
            parts.append(str(error.context))
        if error.problem:
            parts.append(str(error.problem))
        mark = error.problem_mark or error.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return "; ".join(parts) + where
    return str(error)[:300]


__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_INT_DIGITS", "parse_text", "read_data"]
