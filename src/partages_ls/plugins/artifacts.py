"""The generated files of plugins/: one Label Studio plugin folder per guide, plus the manifest.

Each folder follows the official layout (HumanSignal/label-studio-plugins): ``plugin.js`` (the
hand-written wrapper and rule engine of ``js/`` with the guide's compiled rules inlined),
``view.xml`` (the guide's labeling config, identical to ``label_configs/<guide>.xml``),
``data.json`` (one bundled sample report as a task) and a ``README.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from partages_ls.errors import PartagesError
from partages_ls.guides.model import (
    CountRule,
    Guide,
    LeadingWordsRule,
    NoLineBreakRule,
    NoOverlapRule,
    Rule,
    SpanBoundariesRule,
)
from partages_ls.guides.rules import STRUCTURAL_MESSAGES, compile_rules
from partages_ls.label_configs.render import render_label_config

JS_DIR = Path(__file__).resolve().parent / "js"
ENGINE_FILE = JS_DIR / "engine.js"
TEMPLATE_FILE = JS_DIR / "plugin_template.js"

SUMMARY_TOKEN = "__SUMMARY__"
ENGINE_TOKEN = "/*__ENGINE__*/"
RULES_TOKEN = "/*__RULES__*/ null"

# Level and English meaning of every structural check of the engines (kept in step with
# STRUCTURAL_MESSAGES; the shared vectors check the levels).
STRUCTURAL_RULES: dict[str, tuple[str, str]] = {
    "unknown-control": ("error", "a result comes from a control the guide does not define"),
    "unknown-label": ("error", "a span carries a label its label set does not define"),
    "label-count": ("error", "a span carries no label, or several"),
    "offsets": ("error", "a span's offsets are missing, empty or outside the text (Unicode code points)"),
    "text-mismatch": ("warning", "the text stored with a span differs from the report text at its offsets"),
    "duplicate-region": ("error", "the same label on the same offsets twice"),
    "duplicate-id": ("error", "two spans share one result id"),
    "orphan-attribute": ("error", "a per-region attribute belongs to no span"),
    "attribute-value": ("error", "an attribute value outside the attribute's closed list"),
    "attribute-count": ("error", "an attribute given more than one value"),
    "attribute-not-applicable": ("error", "an attribute set on a label it does not apply to"),
    "required-attribute": ("error", "a required attribute left empty"),
    "relation-endpoint": ("error", "a relation whose source or target span does not exist"),
    "relation-label": ("error", "a relation without a type (or with several)"),
    "relation-unknown": ("error", "a relation type the guide does not define"),
    "relation-direction": ("error", "a directed relation drawn as bidirectional"),
    "relation-pair": ("error", "a relation between labels it may not link"),
    "duplicate-relation": (
        "error",
        "the same relation twice between the same spans (in either direction when direction does not matter)",
    ),
    "document-field-value": ("error", "a document-level value outside the field's closed list"),
    "document-field-missing": ("error", "a required document-level field left empty"),
    "document-field-count": ("error", "several values in a single-value document-level field"),
}
_ATTRIBUTE_CHECKS = ("orphan-attribute", "attribute-value", "attribute-count", "attribute-not-applicable")
_RELATION_CHECKS = (
    "relation-endpoint",
    "relation-label",
    "relation-unknown",
    "relation-direction",
    "relation-pair",
    "duplicate-relation",
)
_FIELD_CHECKS = ("document-field-value", "document-field-missing", "document-field-count")


def plugin_files(guides: Mapping[str, Guide], samples: Path) -> dict[str, str]:
    """``plugins/manifest.json`` and, per guide, ``plugins/<guide>/{plugin.js,view.xml,data.json,README.md}``.

    ``data.json`` is the first sample report of the guide in the ``samples`` folder.
    """
    if set(STRUCTURAL_RULES) != set(STRUCTURAL_MESSAGES):
        raise PartagesError(
            "plugins: the structural checks described in partages_ls/plugins/artifacts.py differ from "
            "STRUCTURAL_MESSAGES in partages_ls/guides/rules.py; describe every check in both"
        )
    files: dict[str, str] = {}
    manifest: list[dict[str, Any]] = []
    for name, guide in sorted(guides.items()):
        folder = f"plugins/{name}"
        files[f"{folder}/plugin.js"] = render_plugin(guide)
        files[f"{folder}/view.xml"] = render_label_config(guide)
        files[f"{folder}/data.json"] = sample_task(guide, samples)
        files[f"{folder}/README.md"] = render_readme(guide)
        manifest.append(
            {
                "title": f"PARTAGES {guide.cu}: {name} guide rules",
                "description": f"Blocks saving an annotation that breaks the rules of the PARTAGES {guide.cu} "
                f"guide ({name} {guide.version}) and lists every problem in French",
                "path": name,
                "private": False,
            }
        )
    files["plugins/manifest.json"] = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    return files


def _comment_safe(text: str) -> str:
    return " ".join(text.split()).replace("*/", "* /")


def render_plugin(guide: Guide) -> str:
    """The plugin script: wrapper template + inlined engine + the guide's compiled rules."""
    template = TEMPLATE_FILE.read_text(encoding="utf-8")
    for token in (SUMMARY_TOKEN, ENGINE_TOKEN, RULES_TOKEN):
        if template.count(token) != 1:
            raise PartagesError(f"{TEMPLATE_FILE.name}: expected the placeholder {token!r} exactly once")
    summary = [
        f"PARTAGES {guide.cu} — {_comment_safe(guide.title)}",
        f" * Label Studio plugin for the guide `{guide.name}` version {guide.version} (guides/{guide.name}.yaml).",
    ]
    engine = "\n".join(f"  {line}" if line else "" for line in ENGINE_FILE.read_text(encoding="utf-8").splitlines())
    rules = json.dumps(compile_rules(guide), indent=2, ensure_ascii=False).replace("\n", "\n  ")
    # The rules go in last, so that nothing a guide says can be taken for a placeholder.
    text = template.replace(SUMMARY_TOKEN, "\n".join(summary)).replace(ENGINE_TOKEN, engine.lstrip())
    return text.replace(RULES_TOKEN, rules)


def sample_task(guide: Guide, samples: Path) -> str:
    """One task in Label Studio's import shape, from the first sample report of the guide in ``samples``."""
    folder = samples / guide.name / "reports"
    reports = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not reports:
        raise PartagesError(f"plugins/{guide.name}/data.json needs a sample report in samples/{guide.name}/reports/")
    text = reports[0].read_bytes().decode("utf-8")
    task = {"data": {guide.text.data_key: text, guide.text.report_key: reports[0].stem}}
    return json.dumps(task, indent=2, ensure_ascii=False) + "\n"


def _labels(guide: Guide, labels: list[str]) -> str:
    if labels == ["*"]:
        return "every label"
    return ", ".join(f"`{label}`" for label in labels)


def _rule_meaning(guide: Guide, rule: Rule) -> str:
    if isinstance(rule, SpanBoundariesRule):
        shown = _characters(rule.forbidden)
        meaning = f"spans of {_labels(guide, rule.labels)} must not start or end with one of: {shown}"
        if rule.initial_dot_labels:
            meaning += f" (the dot closing an initial is part of spans of {_labels(guide, rule.initial_dot_labels)})"
        return meaning
    if isinstance(rule, LeadingWordsRule):
        words = ", ".join(f"« {word} »" for word in rule.words)
        meaning = f"spans of {_labels(guide, rule.labels)} must not start with: {words}"
        if rule.particle_labels:
            meaning += f" (a capitalised name particle is allowed in {_labels(guide, rule.particle_labels)})"
        return meaning
    if isinstance(rule, NoLineBreakRule):
        return f"spans of {_labels(guide, rule.labels)} must not cross a line break"
    if isinstance(rule, NoOverlapRule):
        return f"spans of {_labels(guide, rule.labels)} must not overlap each other"
    if isinstance(rule, CountRule):
        bounds = [f"at least {rule.min}"] if rule.min is not None else []
        bounds += [f"at most {rule.max}"] if rule.max is not None else []
        return f"{' and '.join(bounds) or 'any number of'} span(s) of {_labels(guide, rule.labels)} per report"
    raise PartagesError(f"plugins: no description for rules of kind {rule.kind!r}")


def _try_it(guide: Guide) -> str:
    for label_set in guide.label_sets:
        for attribute in label_set.attributes:
            if attribute.required:
                label = guide.label(attribute.applies_to[0])
                shown = label.display if label is not None else attribute.applies_to[0]
                return f"annotate a span « {shown} » without its « {attribute.display} » and submit"
    for field in guide.document_fields:
        if field.required:
            return f"submit without choosing « {field.display} »"
    return "break one of the rules above and submit"


_CHARACTER_NAMES = {" ": "space", "\t": "tab", "\r": "CR", "\n": "LF", "\u00a0": "no-break space"}


def _characters(forbidden: str) -> str:
    named = [name for char, name in _CHARACTER_NAMES.items() if char in forbidden]
    others = "".join(char for char in forbidden if char not in _CHARACTER_NAMES)
    return ", ".join([*named, f"`{others}`"] if others else named)


def _applicable_checks(guide: Guide) -> list[str]:
    has_attributes = any(ls.attributes for ls in guide.label_sets)
    skipped: set[str] = set()
    if not has_attributes:
        skipped.update(_ATTRIBUTE_CHECKS)
    if not any(a.required for ls in guide.label_sets for a in ls.attributes):
        skipped.add("required-attribute")
    if not guide.relations:
        skipped.update(_RELATION_CHECKS)
    if not guide.document_fields:
        skipped.update(_FIELD_CHECKS)
    if not guide.label_sets:
        skipped.update({"unknown-label", "label-count", "offsets", "text-mismatch", "duplicate-region", "duplicate-id"})
    return [rule for rule in STRUCTURAL_MESSAGES if rule not in skipped]


def render_readme(guide: Guide) -> str:
    """What the plugin enforces and why, its events, how to install it, its limits (English)."""
    lines = [
        f"# PARTAGES {guide.cu} plugin: `{guide.name}` guide rules",
        "",
        f"Generated by `partages-ls build` from `guides/{guide.name}.yaml` (version {guide.version}) and the "
        "hand-written JavaScript in `src/partages_ls/plugins/js/`. Do not edit the files of this folder: "
        "edit those and rebuild.",
        "",
        f"Guide: {guide.title}.",
        "",
        "## What it enforces, and why",
        "",
        "Before Label Studio saves an annotation (submit or update), the plugin checks its results against the "
        "guide and lists every problem in one French message that says what to fix. **Error**-level problems "
        "block the save and the first offending span is selected; **warning**-level problems are listed but the "
        "save goes on. Annotators learn the guide's rules while they annotate instead of seeing their work "
        "rejected on export. The check is the one `partages-ls validate` runs on export (a JavaScript twin of "
        "the Python engine, kept identical by shared test vectors), so what the plugin accepts the export "
        "accepts.",
        "",
        "Structural checks (the annotation must be readable as the guide's data):",
        "",
    ]
    for rule in _applicable_checks(guide):
        level, meaning = STRUCTURAL_RULES[rule]
        lines.append(f"- `{rule}` ({level}): {meaning}.")
    required = [
        f"`{a.name}` for {', '.join(f'`{label}`' for label in a.applies_to)}"
        for ls in guide.label_sets
        for a in ls.attributes
        if a.required
    ]
    if required:
        lines += ["", f"Required attributes (`required-attribute`): {'; '.join(required)}."]
    if guide.relations:
        lines += ["", "Relations (`relation-pair`, `relation-direction`):", ""]
        for relation in guide.relations:
            sense = "directed" if relation.directed else "direction does not matter"
            lines.append(
                f"- `{relation.id}` ({sense}): {', '.join(f'`{s}`' for s in relation.sources)} → "
                f"{', '.join(f'`{t}`' for t in relation.targets)}."
            )
    if guide.document_fields:
        lines += ["", "Document-level fields:", ""]
        for field in guide.document_fields:
            how = "required" if field.required else "optional"
            how += ", several values allowed" if field.multiple else ", one value"
            lines.append(f"- `{field.name}` ({how}).")
    if guide.rules:
        lines += ["", "Rules of the guide:", ""]
        for item in guide.rules:
            lines.append(f"- `{item.id}` ({item.level}): {_rule_meaning(guide, item)}. Message: « {item.message} »")
    lines += [
        "",
        "## Events and APIs used",
        "",
        '- `LSI.on("beforeSaveAnnotation", (store, annotation) => …)`: the only handler; returning `false` '
        "blocks the save. Enterprise removes it when another annotation is shown; partages-ls' Community loader "
        "keeps it for the life of the labeling instance. The script defines no global (everything lives in one "
        "closure).",
        "- `annotation.serializeAnnotation()`: the results exactly as Label Studio will save them.",
        f"- `LSI.task.data` (or `store.task.dataObj`): the report text, under `{guide.text.data_key}`.",
        '- `Htx.showModal(message, "error")` when the save is blocked, `Htx.showModal(message, "warning")` '
        "for warnings only.",
        "- `annotation.selectArea(region)`: selects the first offending span.",
        "",
        "## Install",
        "",
        "The plugin runs in the labeling pages of Label Studio **Enterprise** (plugins enabled per organisation) "
        "and of Label Studio **Community** through partages-ls' plugin loader (`partages_ls.ls_plugin_loader`).",
        "",
        "On Enterprise:",
        "",
        f"1. Create the project with the labeling config `view.xml` (identical to `label_configs/{guide.name}.xml`).",
        "2. Open the project's Settings › Labeling Interface, and paste `plugin.js` into the plugin (custom script) "
        "field; save.",
        "3. Optionally try it in the plugin testing panel with the sample task `data.json` (a bundled, fictitious "
        f"report): {_try_it(guide)}; the save is refused and the message says why.",
        "",
        "On Community (which ignores a project's `custom_script`):",
        "",
        "1. Run Label Studio with the loader: `partages-ls server start` does so by default (`--no-plugins` "
        "turns it off); on your own server, install partages-ls in Label Studio's environment and start it "
        "with `DJANGO_SETTINGS_MODULE=partages_ls.ls_plugin_loader.settings` (and "
        "`PARTAGES_LS_BASE_SETTINGS=core.settings.label_studio` in Label Studio's Docker image). The main "
        "README's section « Plugins on Label Studio Community » lists every variable and the version guard.",
        f"2. Create the project with `partages-ls project create {guide.name} --with-plugin`: the "
        "`partages-ls:guide=` marker it writes tells the loader which plugin to serve, and the command says "
        "whether the server runs it.",
        "",
        "## Testing and limits",
        "",
        "How the plugin is tested without Enterprise:",
        "",
        "- Its rule engine and the Python one give the same violations on shared test vectors "
        "(`tests/plugins/vectors/`), and `plugin.js` itself is run by Node against fake `LSI`/`Htx` objects.",
        "- It is run through partages-ls' plugin loader on a real Community Label Studio (1.23) in headless "
        "Chromium, with nothing injected by the test (`tests/plugins/test_plugin_community.py`).",
        "- It is also run in the real labeling interface of a Community Label Studio "
        "(`tests/plugins/test_plugin_in_browser.py`) with a test adapter. The Community frontend already has the "
        "save hook plugins use: before its submit and update requests, the store calls the "
        "`beforeSaveAnnotation` handlers of its event bus and stops when one returns `false`; `window.Htx` (the "
        "store, with `showModal`) exists too. What it lacks is `LSI` and the loading of `custom_script`, so the "
        "test injects a small adapter (`tests/plugins/lsi_adapter.js`: `LSI.on` registers on that same event "
        "bus, `LSI.task` gives the task data), then the generated `plugin.js`, annotates with the mouse and "
        "presses Submit: the save request is never sent, nothing is stored, Label Studio's error modal shows the "
        "plugin's French message; once the annotation is fixed it is saved. Warnings alone do not block.",
        "",
        "Limits of those Community runs (the loader's `LSI` shim and the test adapter), against real Enterprise "
        "plugins:",
        "",
        "- Enterprise loads the project's `custom_script` itself, runs it again each time an annotation is shown "
        "and removes the handlers of the previous run; the shim runs the script once per labeling instance and "
        "the adapter once per page, and its handlers stay until that instance or page is gone.",
        "- Only `LSI.on` and `LSI.task` are provided (what the plugin uses), no other `LSI` member.",
        "- The message is shown by the Community `Htx.showModal` (an antd modal that folds the line breaks of "
        "the list into one paragraph); Enterprise's display may differ.",
        "",
        "Limits of the plugin:",
        "",
        "- Where the plugin does not run (Community without the loader, or with its version guard off; Enterprise "
        "without plugins enabled), nothing is checked while annotating. Every rule is also checked on export by "
        "`partages-ls validate`, which is the check that counts.",
        "- Only saves are checked (submit, update, and a reviewer's accept or reject); drafts saved automatically "
        "and skipped tasks are not.",
        "- Label Studio runs its own checks (the config's `required`) before the plugin: when one fails, its "
        "message is shown and the plugin does not run.",
        "- If the check itself fails (a fault of the plugin, not of the annotation), the save is let through with "
        "a warning; the export check still applies.",
        "- Offsets are Unicode code points, as Label Studio stores them; both engines read them so.",
        "",
    ]
    return "\n".join(lines)
