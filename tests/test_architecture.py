"""The layering of the package, read from the source: no import cycle, workflows above the parts.

Every ``import`` of every module counts, including those inside functions and under
``TYPE_CHECKING``: a cycle hidden in a function body is still two modules that need each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import partages_ls

PACKAGE = Path(partages_ls.__file__).resolve().parent

# Cycles that another change removes; each must still be a cycle, so that fixing it forces its removal here.
KNOWN_CYCLES: set[frozenset[str]] = set()

# Who may pick the bundled content folders (partages_ls.content): the command line, and the Label
# Studio server's plugin loader (it runs inside Label Studio, where no command line passes a folder).
CONTENT_PICKERS = {"partages_ls.cli", "partages_ls.ls_plugin_loader", "partages_ls.content"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The partages_ls modules that ``name`` imports, anywhere in its source."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [module, *(f"{module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for target in targets:
            if target in known and target != name:
                yield target


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: set(imported(name, path, set(found))) for name, path in found.items()}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return components


def top(name: str) -> str:
    return ".".join(name.split(".")[:2])


def test_the_cycle_finder_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    # A cycle made only of function-level imports is found; a one-way import is not a cycle.
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    assert cycles(graph) == [{"a", "b"}]
    source = tmp_path / "partages_ls" / "x.py"
    source.parent.mkdir()
    source.write_text("def f():\n    from partages_ls.y import g\n    from . import z\n", encoding="utf-8")
    found = list(imported("partages_ls.x", source, {"partages_ls.y", "partages_ls.z"}))
    assert found == ["partages_ls.y", "partages_ls.z"]


def test_no_import_cycle_among_partages_ls_modules() -> None:
    found = {frozenset(component) for component in cycles(import_graph())}
    new = [sorted(component) for component in found - KNOWN_CYCLES]
    assert not new, f"modules that import each other (directly or around a loop): {new}"
    fixed = [sorted(component) for component in KNOWN_CYCLES - found]
    assert not fixed, f"no longer a cycle, remove it from KNOWN_CYCLES: {fixed}"


def test_parts_never_import_the_workflows() -> None:
    graph = import_graph()
    above = {"partages_ls.workflows", "partages_ls.cli", "partages_ls.__main__"}
    wrong = sorted(
        f"{name} imports {target}"
        for name, targets in graph.items()
        if top(name) not in above
        for target in targets
        if top(target) in {"partages_ls.workflows", "partages_ls.cli"}
    )
    assert not wrong, wrong
    assert any(
        top(t) == "partages_ls.workflows" for name, ts in graph.items() if top(name) == "partages_ls.cli" for t in ts
    )


def test_only_the_command_line_picks_the_content_folders() -> None:
    graph = import_graph()
    readers = {
        name
        for name, targets in graph.items()
        if "partages_ls.content" in targets and top(name) not in CONTENT_PICKERS and name not in CONTENT_PICKERS
    }
    assert not readers, (
        "library code reads the bundled content by itself; take the folder (or a Workspace) as an argument: "
        f"{sorted(readers)}"
    )
