"""How a curation task looks in Label Studio: the curation config, the starting point, the markers.

A curation project uses the guide's own config plus four controls of its own:

* ``conflit`` (``<Labels>``, one label "Conflit"): a red region over every conflict of the
  starting point. It is the *conflict marker*: the curator resolves the conflict (adds, fixes or
  removes the guide's own regions and values), then deletes the marker.
* ``conflit_detail`` (per-region ``<TextArea>``, read-only): who said what, on each marker.
* ``conflits`` (document ``<TextArea>``, read-only): the list of every conflict of the report.
* ``curation`` (``<Choices>``, "Curation terminée"): ticked by the curator when done. Only a
  curator's annotation with this box ticked is curated (the gold); it must hold no marker.

Those controls are never part of the gold: :func:`strip_curation` removes them before a curated
annotation is validated or exported.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from partages_ls.curation.merge import MergeResult
from partages_ls.exporters.labelstudio.write import write_labelstudio
from partages_ls.exporters.shape import obj
from partages_ls.guides.model import Guide
from partages_ls.label_configs.render import render_label_config

MARKER_CONTROL = "conflit"
DETAIL_CONTROL = "conflit_detail"
SUMMARY_CONTROL = "conflits"
DONE_CONTROL = "curation"
DONE_VALUE = "terminee"
MARKER_LABEL = "Conflit"
CURATION_CONTROLS = frozenset({MARKER_CONTROL, DETAIL_CONTROL, SUMMARY_CONTROL, DONE_CONTROL})

_EXTRA_CONTROLS = """  <Header value="Curation : conflits entre annotateurs" size="5"/>
  <Labels name="{marker}" toName="{text}" showInline="true">
    <Label value="{label}" background="#d62728"
      hint="Conflit entre annotateurs : résolvez-le, puis supprimez cette région."/>
  </Labels>
  <View visibleWhen="region-selected" whenTagName="{marker}">
    <Header value="Qui a dit quoi (région sélectionnée)" size="6"/>
    <TextArea name="{detail}" toName="{text}" perRegion="true" editable="false" rows="3"/>
  </View>
  <Header value="Tous les conflits de ce compte rendu" size="6"/>
  <TextArea name="{summary}" toName="{text}" editable="false" rows="6"/>
  <Choices name="{done}" toName="{text}" showInline="true">
    <Choice value="Curation terminée" alias="{done_value}"
      hint="Cochez quand tous les conflits sont résolus et leurs régions Conflit supprimées."/>
  </Choices>
"""


def curation_config(guide: Guide) -> str:
    """The guide's labeling config with the curation controls added at the end."""
    config = render_label_config(guide).rstrip()
    assert config.endswith("</View>"), "the generated config ends with its root </View>"
    extra = _EXTRA_CONTROLS.format(
        marker=MARKER_CONTROL,
        detail=DETAIL_CONTROL,
        summary=SUMMARY_CONTROL,
        done=DONE_CONTROL,
        done_value=DONE_VALUE,
        text=guide.text.data_key,
        label=MARKER_LABEL,
    )
    return config[: -len("</View>")] + extra + "</View>\n"


def starting_results(result: MergeResult, guide: Guide, text: str) -> list[dict[str, Any]]:
    """The curator's starting annotation: the merged units, then one marker per conflict."""
    results = write_labelstudio(result.merged, guide, text=text)
    to_name = guide.text.data_key
    lines = []
    for index, conflict in enumerate(result.conflicts, start=1):
        marker_id = f"conflit{index}"
        region = {"start": conflict.begin, "end": conflict.end, "text": text[conflict.begin : conflict.end]}
        described = f"C{index} {conflict.describe()}"
        lines.append(described)
        results.append(
            {
                "id": marker_id,
                "from_name": MARKER_CONTROL,
                "to_name": to_name,
                "type": "labels",
                "value": {**region, "labels": [MARKER_LABEL]},
            }
        )
        results.append(
            {
                "id": marker_id,
                "from_name": DETAIL_CONTROL,
                "to_name": to_name,
                "type": "textarea",
                "value": {**region, "text": [described]},
            }
        )
    if lines:
        results.append(
            {
                "id": "conflits",
                "from_name": SUMMARY_CONTROL,
                "to_name": to_name,
                "type": "textarea",
                "value": {"text": ["\n".join(lines)]},
            }
        )
    return results


def results_digest(results: list[dict[str, Any]]) -> str:
    """A digest of what a result list says (ids, controls, values), insensitive to order and extra keys."""
    items = sorted(
        json.dumps(
            {k: item.get(k) for k in ("id", "from_name", "type", "value", "from_id", "to_id", "labels")},
            sort_keys=True,
            ensure_ascii=False,
        )
        for item in results
    )
    return hashlib.sha256("\n".join(items).encode("utf-8")).hexdigest()[:16]


def is_done(results: list[dict[str, Any]]) -> bool:
    """The curator ticked "Curation terminée"."""
    return any(
        item.get("from_name") == DONE_CONTROL and DONE_VALUE in (obj(item.get("value")).get("choices") or [])
        for item in results
    )


def markers(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conflict markers still in a result list, each with its detail text when present."""
    details = {
        str(item.get("id")): " ".join((item.get("value") or {}).get("text") or [])
        for item in results
        if item.get("from_name") == DETAIL_CONTROL
    }
    found = []
    for item in results:
        if item.get("from_name") == MARKER_CONTROL:
            value = item.get("value") or {}
            found.append(
                {
                    "id": str(item.get("id")),
                    "start": value.get("start"),
                    "end": value.get("end"),
                    "text": value.get("text"),
                    "detail": details.get(str(item.get("id")), ""),
                }
            )
    return found


def strip_curation(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The result list without the curation controls (what the guide knows)."""
    marker_ids = {str(item.get("id")) for item in results if item.get("from_name") == MARKER_CONTROL}
    return [
        item
        for item in results
        if item.get("from_name") not in CURATION_CONTROLS
        and not (item.get("type") == "relation" and {str(item.get("from_id")), str(item.get("to_id"))} & marker_ids)
    ]
