"""The Python rule engine against the shared vectors, and the vectors against their generator.

The vectors (tests/plugins/vectors/*.json) are the specification both engines follow; the
JavaScript engine runs the same files in engine.test.mjs.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guides
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results
from partages_ls.rules.table import CHECKS, RULE_KINDS

HERE = Path(__file__).resolve().parent
VECTOR_FILES = sorted((HERE / "vectors").glob("*.json"))


def load_make_vectors() -> ModuleType:
    """tests/plugins/make_vectors.py as a module (the tests folder is no package)."""
    name = "partages_ls_tests_make_vectors"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "make_vectors.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rules() -> dict[str, dict[str, Any]]:
    return {name: compile_rules(guide) for name, guide in load_guides(content_dir("guides")).items()}


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", VECTOR_FILES, ids=[p.stem for p in VECTOR_FILES])
def test_python_engine_matches_vector(path: Path, rules: dict[str, dict[str, Any]]) -> None:
    vector = read(path)
    assert set(vector) >= {"name", "guide", "text", "results", "expected"}
    assert vector["name"] == path.stem
    found = [v.as_dict() for v in check_results(rules[vector["guide"]], vector["text"], vector["results"])]
    assert found == vector["expected"]


def test_vector_files_are_what_the_generator_writes() -> None:
    make_vectors = load_make_vectors()
    files, problems = make_vectors.build_files()
    assert not problems, f"the engine disagrees with the hand review in make_vectors.py: {problems}"
    on_disk = {p.relative_to(HERE).as_posix() for p in [*HERE.glob("vectors/*.json"), *HERE.glob("rules/*.json")]}
    stale = sorted(
        path for path, text in files.items() if not (HERE / path).is_file() or (HERE / path).read_text("utf-8") != text
    )
    extra = sorted(on_disk - set(files))
    assert not stale and not extra, (
        f"stale vector files {stale}, files no vector produces {extra}: run `{make_vectors.COMMAND}` "
        "and review the changed expectations"
    )


def test_vectors_cover_every_check_and_guide(rules: dict[str, dict[str, Any]]) -> None:
    vectors = [read(p) for p in VECTOR_FILES]
    assert len(vectors) >= 25
    seen_rules = {v["rule"] for vector in vectors for v in vector["expected"]}
    structural = {check.id for check in CHECKS}
    assert structural <= seen_rules, f"structural checks without a vector: {structural - seen_rules}"
    kinds: set[str] = set()
    for vector in vectors:
        by_id = {rule["id"]: rule for rule in rules[vector["guide"]]["rules"]}
        for violation in vector["expected"]:
            rule = by_id.get(violation["rule"])
            if rule is None:
                continue
            kinds.add(rule["kind"])
            if rule["kind"] == "count":
                kinds.add("count-min" if rule["min"] is not None and rule["max"] is None else "count-max")
    assert kinds >= {"span_boundaries", "no_line_break", "count", "count-min", "count-max", "no_overlap"}
    assert kinds >= set(RULE_KINDS), f"kinds of guide rule without a vector: {set(RULE_KINDS) - kinds}"
    valid = {vector["guide"] for vector in vectors if vector["name"].endswith("-valid") and not vector["expected"]}
    assert valid == {vector["guide"] for vector in vectors}, "each guide with vectors needs a valid one"
    assert len(valid) >= 4  # guides without vectors are checked on their samples (test_engines_agree_on_samples)


def test_rules_snapshots_are_the_compiled_guides(rules: dict[str, dict[str, Any]]) -> None:
    used = {read(path)["guide"] for path in VECTOR_FILES}
    assert {p.stem for p in (HERE / "rules").glob("*.json")} == used
    for name in sorted(used):
        assert read(HERE / "rules" / f"{name}.json") == rules[name], (
            f"tests/plugins/rules/{name}.json is stale: run `{load_make_vectors().COMMAND}`"
        )
