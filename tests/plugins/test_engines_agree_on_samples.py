"""Both rule engines agree on every guide's bundled sample annotations, and on damaged copies of them.

The hand-reviewed vectors (make_vectors.py) pin each kind of check down; this test needs no per-guide
code, so a guide added to guides/ (with its samples) is checked by both engines as soon as it exists.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guides
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results

HERE = Path(__file__).resolve().parent
GUIDES = load_guides(content_dir("guides"))
SAMPLES = content_dir("samples")


def _cases(guide: str) -> list[dict[str, Any]]:
    """Each sample annotation as written, without its results, and with every span widened by one character."""
    cases = []
    for path in sorted((SAMPLES / guide / "annotations").glob("*.json")):
        for doc in json.loads(path.read_text(encoding="utf-8")):
            text = (SAMPLES / guide / "reports" / f"{doc['report']}.txt").read_text(encoding="utf-8")
            widened = copy.deepcopy(doc["result"])
            for item in widened:
                value = item.get("value", {})
                if item.get("type") == "labels" and value.get("start", 0) > 0:
                    value["start"] -= 1
                    value["text"] = text[value["start"] : value["end"]]
            cases += [
                {"text": text, "results": doc["result"]},
                {"text": text, "results": []},
                {"text": text, "results": widened},
            ]
    return cases


def _javascript(rules: dict[str, Any], cases: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20+ is needed to run the plugin engine: install it")
    done = subprocess.run(
        [node, str(HERE / "engine_cli.mjs")],
        input=json.dumps({"rules": rules, "cases": cases}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: list[list[dict[str, Any]]] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize("guide", sorted(GUIDES))
def test_python_and_javascript_engines_agree_on_the_samples(guide: str) -> None:
    rules = compile_rules(GUIDES[guide])
    cases = _cases(guide)
    assert cases, f"samples/{guide}/annotations holds no annotation"
    python = [[v.as_dict() for v in check_results(rules, case["text"], case["results"])] for case in cases]
    assert _javascript(rules, cases) == python
    # The damaged copies must break something, or the comparison above proves little.
    assert any(python[1::3]) or any(python[2::3]), f"{guide}: no damaged copy breaks a rule"
