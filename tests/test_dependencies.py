"""Every third-party module the code imports comes from a distribution declared in pyproject.toml.

The library (src/) may use its core dependencies, and optional extras only lazily; tests and
benchmarks may use any declared group. A module that arrives only as a dependency of something
else (as `bratsubset` arrives with bratiaa) must be declared through the distribution that ships it.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]).lower()


CORE = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
EXTRAS = {extra: {_name(r) for r in reqs} for extra, reqs in PYPROJECT["project"]["optional-dependencies"].items()}
DECLARED = CORE.union(*EXTRAS.values())
# The plugin loader runs inside the Label Studio server, whose environment provides these.
HOST_PROVIDED = {"src/partages_ls/ls_plugin_loader": {"django", "core"}}


def _imports(folder: str, *, top_level_only: bool) -> dict[str, list[str]]:
    """Third-party top-level modules imported under ``folder``, with where (file:line)."""
    local = {p.stem for p in (ROOT / folder).rglob("*.py")} | {p.name for p in (ROOT / folder).rglob("*") if p.is_dir()}
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        nodes = tree.body if top_level_only else list(ast.walk(tree))
        for node in nodes:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in local or top in {"partages_ls", "tests", "__future__"}:
                    continue
                if any(path.is_relative_to(ROOT / d) and top in m for d, m in HOST_PROVIDED.items()):
                    continue
                found.setdefault(top, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _distributions(module: str) -> set[str]:
    return {_name(d) for d in packages_distributions().get(module, [])}


def _undeclared(imports: dict[str, list[str]], allowed: set[str]) -> list[str]:
    return [
        f"{module} ({', '.join(sorted(_distributions(module))) or 'no installed distribution'}) at {where[0]}"
        for module, where in sorted(imports.items())
        if not _distributions(module) & allowed
    ]


def test_the_library_imports_only_core_dependencies_at_module_level() -> None:
    assert _undeclared(_imports("src", top_level_only=True), CORE) == []


def test_the_library_imports_extras_only_lazily_and_only_declared_ones() -> None:
    assert _undeclared(_imports("src", top_level_only=False), CORE | EXTRAS["sdk"]) == []


def test_tests_and_benchmarks_import_only_declared_distributions() -> None:
    imports = _imports("tests", top_level_only=False)
    for module, where in _imports("benchmarks", top_level_only=False).items():
        imports.setdefault(module, []).extend(where)
    assert "bratsubset" in imports  # brat's own parser, shipped by the bratiaa distribution
    assert _undeclared(imports, DECLARED) == []


def test_the_sdk_is_an_optional_extra() -> None:
    assert "label-studio-sdk" not in CORE
    assert EXTRAS["sdk"] == {"label-studio-sdk"}
