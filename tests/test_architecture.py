"""The package's shape: imports flow one way and private modules stay with their package.

Layers, bottom first: the contract vocabulary and the atomic file writer; catalog; model
(declaring, compiling, exporting); engine (solvers); scenarios (the kit and each scenario folder); experiment
(files, plans, the simulator); store; runs; analysis; plots; report; the CLI and the
top-level API. A module may import its own package and the layers below it, never above,
and never another package's ``_private`` module.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mscnk"
LAYERS = ("vocabulary", "files", "catalog", "model", "engine", "scenarios", "experiment", "store",
          "runs", "analysis", "plots", "report", "")  # "": mscnk's own modules (CLI, API)


def _imports() -> list[tuple[tuple[str, ...], str, int]]:
    """(importing module's dotted parts, imported module, line) for every mscnk import,
    at module level or inside functions."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = ("mscnk", *path.relative_to(PACKAGE).with_suffix("").parts)
        parts = parts[:-1] if parts[-1] == "__init__" else parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            found += [(parts, name, node.lineno) for name in names
                      if name == "mscnk" or name.startswith("mscnk.")]
    return found


def _layer(parts: tuple[str, ...]) -> str:
    """The layer of a module: its subpackage, or "" for mscnk's own modules."""
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else ""


def test_no_module_imports_another_packages_private_module():
    wrong = []
    for importer, name, line in _imports():
        bits = name.split(".")
        for depth, bit in enumerate(bits):
            if bit.startswith("_") and not bit.startswith("__"):
                owner = tuple(bits[:depth])  # the package the private module belongs to
                if importer[:len(owner)] != owner or (owner == ("mscnk",) and len(importer) > 2):
                    wrong.append(f"{'.'.join(importer)}:{line} imports {name}")
                break
    assert not wrong, "\n".join(wrong)


def test_imports_flow_one_way():
    wrong = []
    for importer, name, line in _imports():
        target = tuple(name.split("."))
        if len(target) < 2 or name == "mscnk" or name == "mscnk.__version__":
            continue  # the package's version is metadata, not a layer
        source_layer = _layer(importer)
        target_layer = target[1] if target[1] in LAYERS else ""
        if target_layer == source_layer:
            continue
        if LAYERS.index(target_layer) > LAYERS.index(source_layer):
            wrong.append(f"{'.'.join(importer)}:{line} ({source_layer or 'top'}) imports "
                         f"{name} ({target_layer or 'top'})")
    assert not wrong, "\n".join(wrong)


def test_the_checks_see_the_imports_they_judge():
    """The two tests above would pass on nothing: make sure they read the real graph."""
    imports = _imports()
    assert len(imports) > 200
    assert any(i[0] == ("mscnk", "experiment", "_simulate") and i[1] == "mscnk.scenarios"
               for i in imports)


def test_tests_are_grouped_like_the_packages():
    """``tests/<package>/`` holds the tests of ``mscnk.<package>``; the CLI, the contract and
    the project's shape are tested at the top."""
    tests = Path(__file__).resolve().parent
    folders = {p.name for p in tests.iterdir() if p.is_dir() and any(p.glob("test_*.py"))}
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert folders and folders <= packages, sorted(folders - packages)
