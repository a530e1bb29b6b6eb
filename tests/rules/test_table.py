"""The table of rules is the one place rule ids, levels and messages are written, and it is complete."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, get_args

import pytest

from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.guides.loader import load_guide, parse_guide
from partages_ls.guides.model import Rule
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results
from partages_ls.rules.table import CHECKS, RULE_KINDS, UNREPRESENTABLE, checks_for

ROOT = Path(__file__).resolve().parents[2]
ENGINE_JS = ROOT / "src" / "partages_ls" / "plugins" / "js" / "engine.js"
VECTORS = ROOT / "tests" / "plugins" / "vectors"


def test_every_kind_of_the_guide_model_has_one_row() -> None:
    members = get_args(get_args(Rule)[0])
    assert {kind.model for kind in RULE_KINDS.values()} == set(members)
    for name, kind in RULE_KINDS.items():
        assert get_args(kind.model.model_fields["kind"].annotation) == (name,)


def test_check_ids_are_unique_and_their_messages_french_templates() -> None:
    ids = [check.id for check in CHECKS]
    assert len(ids) == len(set(ids)) == 21
    assert not set(ids) & {
        rule.id
        for name in ("infectiologie", "pseudonymisation")
        for rule in load_guide(name, content_dir("guides")).rules
    }
    for check in CHECKS:
        assert check.level in ("error", "warning")
        assert re.search(r"[àâçéèêëîïôûù«»]|\b(le|la|les|une|un|pour|de)\b", check.message), check.id
        assert check.meaning and check.meaning == check.meaning.strip()


def test_unrepresentable_items_are_the_ones_no_format_can_hold() -> None:
    assert {
        "unknown-control",
        "unknown-label",
        "label-count",
        "offsets",
        "duplicate-id",
        "orphan-attribute",
        "relation-endpoint",
        "relation-label",
        "relation-unknown",
    } == UNREPRESENTABLE


def test_a_guide_without_relations_or_fields_lists_no_such_check() -> None:
    names = {check.id for check in checks_for(load_guide("pseudonymisation", content_dir("guides")))}
    assert "unknown-control" in names and "required-attribute" in names
    assert not {n for n in names if n.startswith(("relation-", "document-field-"))}
    assert "duplicate-relation" not in names
    everything = {check.id for check in checks_for(load_guide("biomarqueurs", content_dir("guides")))}
    assert {"relation-pair", "duplicate-relation"} <= everything


def test_compiled_rules_carry_each_checks_level_and_message() -> None:
    compiled = compile_rules(load_guide("infectiologie", content_dir("guides")))
    assert compiled["checks"] == {check.id: {"level": check.level, "message": check.message} for check in CHECKS}
    rule = next(item for item in compiled["rules"] if item["id"] == "bornes-propres")
    assert rule["kind"] == "span_boundaries" and rule["level"] == "error" and rule["forbidden"]


def test_the_javascript_engine_writes_no_level_nor_message_of_its_own() -> None:
    source = ENGINE_JS.read_text(encoding="utf-8")
    assert '"error"' not in source and '"warning"' not in source
    for check in CHECKS:
        assert check.message.split("{")[0][:20] not in source, check.id


def _vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def test_the_python_engine_takes_levels_and_messages_from_the_compiled_rules() -> None:
    """The same annotation, the compiled rules edited: the violation follows the edit."""
    vector = _vector("infectiologie-text-mismatch")
    compiled = compile_rules(load_guide("infectiologie", content_dir("guides")))
    assert [v.level for v in check_results(compiled, vector["text"], vector["results"])] == ["warning"]
    edited = copy.deepcopy(compiled)
    edited["checks"]["text-mismatch"] = {"level": "error", "message": "Autre texte : {stored}"}
    found = check_results(edited, vector["text"], vector["results"])
    assert [(v.rule, v.level, v.message) for v in found] == [
        ("text-mismatch", "error", "Autre texte : Escherichia  coli")
    ]
    for rule in edited["rules"]:
        rule["level"], rule["message"] = "warning", f"{rule['id']} : « {{text}} »"
    vector = _vector("infectiologie-span-boundaries")
    found = check_results(edited, vector["text"], vector["results"])
    assert found and {v.level for v in found} == {"warning"}
    assert all(v.message.startswith(f"{v.rule} : « ") for v in found)


@pytest.mark.parametrize("tag", sorted(RULE_KINDS))
def test_a_mistake_inside_a_rule_is_located_without_the_kind_tag(tag: str) -> None:
    text = (ROOT / "guides" / "infectiologie.yaml").read_text(encoding="utf-8")
    broken = text.replace(
        "  - id: bornes-propres\n    kind: span_boundaries\n",
        f"  - id: bornes-propres\n    kind: {tag}\n    labels: 3\n",
    )
    assert broken != text
    with pytest.raises(DiagnosticError) as caught:
        parse_guide(broken, source=Path("infectiologie.yaml"))
    where = [d.location for d in caught.value.diagnostics]
    assert any(w.endswith(": rules[0].labels") for w in where), where
    assert not any(tag in w for w in where), where
