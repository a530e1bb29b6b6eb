"""The generated plugin folders: official layout, contents, and the plugin's behaviour in a fake Label Studio.

``plugin.js`` is evaluated by Node in a ``vm`` context holding only fake ``LSI``/``Htx`` objects and
``console``, so the test sees what it registers, which globals it leaves, and what it does on save.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guides
from partages_ls.guides.model import Guide
from partages_ls.label_configs.render import render_label_config
from partages_ls.plugins.artifacts import plugin_files
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.table import CHECKS, checks_for
from partages_ls.studio.plugin import plugin_script

HERE = Path(__file__).resolve().parent

# Runs plugin.js like Label Studio does, with recording fakes; reads a JSON scenario on stdin.
HARNESS = r"""
const vm = require("node:vm");
const input = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const handlers = [];
const modals = [];
const selected = [];
const logs = [];
const quiet = { warn: (...a) => logs.push(a.join(" ")), error: (...a) => logs.push(a.join(" ")), log() {} };
const context = vm.createContext({
  LSI: { on: (event, handler) => handlers.push([event, handler]), task: { id: 1, data: input.data } },
  Htx: { showModal: (message, type) => modals.push({ message, type }) },
  console: quiet,
});
const globals = () => vm.runInContext("Object.getOwnPropertyNames(globalThis)", context);
const before = new Set(globals());
vm.runInContext(input.source, context, { filename: "plugin.js" });
const added = globals().filter((key) => !before.has(key));
const annotation = {
  serializeAnnotation() {
    if (input.throwOnSerialize) throw new Error("boom");
    return JSON.parse(JSON.stringify(input.results));
  },
  regions: input.results
    .filter((item) => item.type === "labels")
    .map((item) => ({ id: `${item.id}#annotation-7`, cleanId: item.id })),
  selectArea(area) {
    selected.push(area.cleanId);
  },
};
const store = { task: { dataObj: input.data } };
const returned = handlers.filter(([event]) => event === "beforeSaveAnnotation").map(([, h]) => h(store, annotation));
process.stdout.write(
  JSON.stringify({ events: handlers.map(([event]) => event), added, returned, modals, selected, logs }),
);
"""


@pytest.fixture(scope="module")
def guides() -> dict[str, Guide]:
    return load_guides(content_dir("guides"))


@pytest.fixture(scope="module")
def files(guides: dict[str, Guide]) -> dict[str, str]:
    return plugin_files(guides, content_dir("samples"))


def vector(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HERE / "vectors" / f"{name}.json").read_text(encoding="utf-8"))
    return data


def run_plugin(source: str, data: dict[str, Any], results: list[Any], **options: Any) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20+ is needed to run the plugin in a fake Label Studio: install it")
    scenario = json.dumps({"source": source, "data": data, "results": results, **options})
    done = subprocess.run(
        [node, "-e", HARNESS], input=scenario, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    outcome: dict[str, Any] = json.loads(done.stdout)
    return outcome


def test_manifest_lists_each_guide_folder(files: dict[str, str], guides: dict[str, Guide]) -> None:
    manifest = json.loads(files["plugins/manifest.json"])
    assert [entry["path"] for entry in manifest] == sorted(guides)
    for entry in manifest:
        assert set(entry) == {"title", "description", "path", "private"}
        assert entry["private"] is False and entry["title"] and entry["description"]
    expected = {"plugins/manifest.json"} | {
        f"plugins/{name}/{leaf}" for name in guides for leaf in ("plugin.js", "view.xml", "data.json", "README.md")
    }
    assert set(files) == expected


def test_generation_is_deterministic(files: dict[str, str], guides: dict[str, Guide]) -> None:
    assert plugin_files(guides, content_dir("samples")) == files


def test_the_script_set_on_a_project_is_the_generated_plugin(files: dict[str, str], guides: dict[str, Guide]) -> None:
    # studio/plugin.py renders the one script it sends: the plugin.js of the folder, without needing samples.
    for name, guide in guides.items():
        assert plugin_script(guide) == files[f"plugins/{name}/plugin.js"]
        assert plugin_script(guide) == (content_dir("plugins") / name / "plugin.js").read_text(encoding="utf-8")


def test_view_xml_is_the_label_config(files: dict[str, str], guides: dict[str, Guide]) -> None:
    for name, guide in guides.items():
        view = files[f"plugins/{name}/view.xml"]
        assert view == render_label_config(guide)
        assert view == (content_dir("label_configs") / f"{name}.xml").read_text(encoding="utf-8")


def test_plugin_js_carries_its_own_guide_rules(files: dict[str, str], guides: dict[str, Guide]) -> None:
    for name, guide in guides.items():
        source = files[f"plugins/{name}/plugin.js"]
        rules = json.dumps(compile_rules(guide), indent=2, ensure_ascii=False).replace("\n", "\n  ")
        assert f"const RULES = {rules};" in source
        assert source.count('"guide": ') == 1
        assert "/*__" not in source and "__SUMMARY__" not in source
        assert source.startswith("/**\n") and f"`{name}`" in source.split("*/", 1)[0]
        for forbidden in ("window.", "document.", "globalThis", "addEventListener", "eval("):
            assert forbidden not in source


def test_data_json_is_a_bundled_sample(files: dict[str, str], guides: dict[str, Guide]) -> None:
    for name in guides:
        task = json.loads(files[f"plugins/{name}/data.json"])
        assert set(task) == {"data"} and set(task["data"]) == {"text", "report"}
        sample = content_dir("samples") / name / "reports" / f"{task['data']['report']}.txt"
        assert sample.is_file()
        assert task["data"]["text"] == sample.read_bytes().decode("utf-8")


def test_readme_lists_every_rule_with_its_level(files: dict[str, str], guides: dict[str, Guide]) -> None:
    for name, guide in guides.items():
        readme = files[f"plugins/{name}/README.md"]
        for rule in guide.rules:
            assert f"- `{rule.id}` ({rule.level}):" in readme
        for needle in ("beforeSaveAnnotation", "Enterprise", "Community", "partages-ls validate", "Labeling Interface"):
            assert needle in readme
        for check in checks_for(guide):
            assert f"- `{check.id}` ({check.level}): {check.meaning}." in readme
    # The README's levels of the structural checks are the ones the engines give.
    levels = {check.id: check.level for check in CHECKS}
    for path in sorted((HERE / "vectors").glob("*.json")):
        for violation in vector(path.stem)["expected"]:
            if violation["rule"] in levels:
                assert levels[violation["rule"]] == violation["level"], violation


@pytest.mark.parametrize(
    "name", ["infectiologie-valid", "pseudonymisation-valid", "biomarqueurs-valid", "reponse-traitement-valid"]
)
def test_a_valid_annotation_is_saved_silently(files: dict[str, str], name: str) -> None:
    case = vector(name)
    outcome = run_plugin(files[f"plugins/{case['guide']}/plugin.js"], {"text": case["text"]}, case["results"])
    assert outcome["events"] == ["beforeSaveAnnotation"]
    assert outcome["added"] == []
    assert outcome["returned"] in ([True], [None])
    assert outcome["modals"] == [] and outcome["selected"] == []


@pytest.mark.parametrize(
    "name",
    [
        "infectiologie-missing-negation",
        "pseudonymisation-attribute-not-applicable",
        "biomarqueurs-attributes",
        "reponse-traitement-no-class",
        "infectiologie-relation-structure",
    ],
)
def test_a_violating_annotation_is_blocked_with_one_message(files: dict[str, str], name: str) -> None:
    case = vector(name)
    outcome = run_plugin(files[f"plugins/{case['guide']}/plugin.js"], {"text": case["text"]}, case["results"])
    assert outcome["events"] == ["beforeSaveAnnotation"] and outcome["added"] == []
    assert outcome["returned"] == [False]
    assert len(outcome["modals"]) == 1 and outcome["modals"][0]["type"] == "error"
    message = outcome["modals"][0]["message"]
    assert message.startswith("Enregistrement impossible")
    for violation in case["expected"]:
        assert violation["message"] in message
    regions = {item["id"] for item in case["results"] if item.get("type") == "labels"}
    first = next((v["target"] for v in case["expected"] if v["level"] == "error" and v["target"] in regions), None)
    assert outcome["selected"] == ([first] if first else [])


@pytest.mark.parametrize("name", ["pseudonymisation-overlap", "infectiologie-text-mismatch"])
def test_warnings_are_shown_without_blocking(files: dict[str, str], name: str) -> None:
    case = vector(name)
    assert {v["level"] for v in case["expected"]} == {"warning"}
    outcome = run_plugin(files[f"plugins/{case['guide']}/plugin.js"], {"text": case["text"]}, case["results"])
    assert outcome["returned"] == [True]
    assert [modal["type"] for modal in outcome["modals"]] == ["warning"]
    assert all(v["message"] in outcome["modals"][0]["message"] for v in case["expected"])
    assert outcome["selected"] == []


def test_a_fault_of_the_plugin_does_not_block_the_save(files: dict[str, str]) -> None:
    case = vector("infectiologie-missing-negation")
    source = files["plugins/infectiologie/plugin.js"]
    outcome = run_plugin(source, {"text": case["text"]}, case["results"], throwOnSerialize=True)
    assert outcome["returned"] == [True]
    assert [modal["type"] for modal in outcome["modals"]] == ["warning"]
    outcome = run_plugin(source, {"other": "no text"}, case["results"])
    assert outcome["returned"] == [True] and outcome["modals"] == []
    assert any("nothing checked" in line for line in outcome["logs"])
