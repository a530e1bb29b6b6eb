"""The agreement report read task by task writes the same bytes as the report read from the whole export.

``_in_memory_agreement`` is the `agreement` workflow as it was before the export was streamed
(``load_export`` then the same steps, ``agreement.json`` written by ``json.dump``); it lives here
only, as the reference the streaming path is compared with, file by file and byte for byte.
"""

from __future__ import annotations

import copy
import gc
import json
from pathlib import Path
from typing import Any

import pytest

from partages_ls.agreement.reference import compare_to_reference, load_reference
from partages_ls.agreement.reference_render import write_reference
from partages_ls.agreement.render import write_outputs
from partages_ls.agreement.report import AgreementOptions, compute_report
from partages_ls.content import bundled_workspace
from partages_ls.curation.gold import annotators_view
from partages_ls.errors import DiagnosticError
from partages_ls.exporters.contamination import find_contaminated
from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
from partages_ls.exporters.output import OutputFolder
from partages_ls.workflows.agreement import AgreementRequest, run_agreement
from partages_ls.workflows.guide import resolve_guide

from ..exporters.every_kind import every_kind_export
from .fixtures import biomarker_tasks, infectio_tasks, treatment_tasks


def _in_memory_agreement(request: AgreementRequest) -> None:
    """The pre-streaming workflow: the whole export in memory, then the same computation and writers."""
    workspace = bundled_workspace()
    guide = resolve_guide(request.export_path, request.guide, workspace.guides, force=request.force_guide)
    with OutputFolder(request.out, overwrite=request.overwrite) as folder:
        tasks = load_export(request.export_path)
        contaminated = find_contaminated(tasks, guide.text.report_key)
        if request.reference:
            corpus, reference = load_reference(tasks, guide, request.reference, source=request.export_path.name)
        else:
            corpus = read_labelstudio(annotators_view(tasks), guide, source=request.export_path.name)
        report = compute_report(
            corpus, guide, request.options, source=request.export_path.name, contaminated=contaminated
        )
        write_outputs(report, folder)
        with (folder / "agreement.json").open("w", encoding="utf-8") as handle:  # as written before write_json
            json.dump(report.data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        if request.reference:
            options = request.options
            section = compare_to_reference(
                corpus, reference, guide, iou=options.iou, samples=options.bootstrap, seed=options.seed,
                no_text=options.no_text,
            )  # fmt: skip
            write_reference(section, folder)


def _user(annotation: dict[str, Any]) -> Any:
    who = annotation.get("completed_by")
    return who.get("id") if isinstance(who, dict) else who


def _every_kind_with_contamination_and_curation() -> list[dict[str, Any]]:
    """The export with every kind of item and skip, plus edited-by-another annotations and a curation task."""
    tasks = every_kind_export()
    edited = 0
    for item in tasks:
        annotations = (
            [a for a in item.get("annotations") or [] if isinstance(a, dict)] if isinstance(item, dict) else []
        )
        users = [_user(a) for a in annotations]
        if len(annotations) >= 2 and users[0] != users[1] and users[1] is not None:
            annotations[0]["updated_by"] = users[1]  # the second annotator edited the first one's work
            edited += 1
        if edited == 2:
            break
    assert edited == 2
    # A curation task: the curator's starting point is not an annotator's work and is left out.
    curated = copy.deepcopy(next(t for t in tasks if isinstance(t, dict) and len(t.get("annotations") or []) >= 2))
    curated["id"] = 99_001
    curated["data"] = {**curated["data"], "report": "CURATED-1", "curation_strategy": "complete"}
    curated["data"]["curation_curator"] = "curateur@x.fr"
    curator = copy.deepcopy(curated["annotations"][0])
    curator["id"] = 990_011
    curator["completed_by"] = {"id": 6, "email": "curateur@x.fr", "first_name": "", "last_name": ""}
    curated["annotations"] = [*curated["annotations"], curator]
    for number, raw in enumerate(curated["annotations"][:-1]):
        raw["id"] = 990_000 + number
    tasks.append(curated)
    return tasks


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


EXPORTS = {
    "every-kind": ("infectiologie", _every_kind_with_contamination_and_curation),
    "infectio": ("infectiologie", infectio_tasks),
    "treatment": ("reponse-traitement", treatment_tasks),
    "biomarker": ("biomarqueurs", biomarker_tasks),
}
RUNS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "exclude-contaminated": {"exclude_contaminated": True},
    "no-text-iou": {"no_text": True, "iou": 0.5, "seed": 7},
}


@pytest.mark.parametrize("run", sorted(RUNS))
@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_the_streamed_report_is_byte_identical(tmp_path: Path, name: str, run: str) -> None:
    guide, make = EXPORTS[name]
    export = tmp_path / "export.json"
    export.write_text(json.dumps(make(), indent=1), encoding="utf-8")
    options = AgreementOptions(bootstrap=200, **RUNS[run])
    streamed, in_memory = tmp_path / "streamed", tmp_path / "in-memory"
    report = run_agreement(AgreementRequest(export, streamed, guide, options), bundled_workspace())
    assert gc.isenabled(), "the cycle collector paused during the report must be running again"
    _in_memory_agreement(AgreementRequest(export, in_memory, guide, options))
    new, old = _outputs(streamed), _outputs(in_memory)
    assert sorted(new) == ["agreement.html", "agreement.json", "agreement.md", "disagreements.csv"]
    for file_name in old:
        assert new[file_name] == old[file_name], file_name
    assert new == old
    assert report.data["documents"]["compared"] > 0
    if name == "every-kind":
        assert report.data["contamination"]["annotations"], "the contaminated annotations must be found"
        assert "curateur@x.fr" not in report.data["annotators"]
        assert report.data["coverage"]["skipped_by_reason"]
        assert report.data["disagreements"]["count"] > 0


def test_a_subset_of_annotators_and_a_reference_are_byte_identical(tmp_path: Path) -> None:
    """--annotators on the streaming path; --reference (held in memory on purpose) writes its files the same way."""
    export = tmp_path / "export.json"
    export.write_text(json.dumps(_every_kind_with_contamination_and_curation()), encoding="utf-8")
    annotators = sorted(
        run_agreement(AgreementRequest(export, tmp_path / "all", "infectiologie"), bundled_workspace()).data[
            "annotators"
        ]
    )
    assert len(annotators) >= 2
    cases = [
        (AgreementOptions(annotators=annotators[:2], bootstrap=50), None),
        (AgreementOptions(bootstrap=50), f"annotator:{annotators[0]}"),
        (AgreementOptions(bootstrap=50), "predictions:m"),
    ]
    for number, (options, reference) in enumerate(cases):
        new, old = tmp_path / f"new{number}", tmp_path / f"old{number}"
        run_agreement(AgreementRequest(export, new, "infectiologie", options, reference=reference), bundled_workspace())
        _in_memory_agreement(AgreementRequest(export, old, "infectiologie", options, reference=reference))
        assert _outputs(new) == _outputs(old)
        assert len(_outputs(new)) == (4 if reference is None else 7)


def test_the_cycle_collector_is_restored_after_an_error(tmp_path: Path) -> None:
    export = tmp_path / "export.json"
    export.write_text('[{"id": 1, "data": {"text": "a", "report": "R"}}, {"id": 2', encoding="utf-8")
    # The broken file gets the words every command gives it (see exporters.labelstudio.read.stream_export).
    with pytest.raises(DiagnosticError, match="the export is not JSON") as refused:
        run_agreement(AgreementRequest(export, tmp_path / "out", "infectiologie"), bundled_workspace())
    assert "line 1 column" in str(refused.value.diagnostics[0])
    assert gc.isenabled()
    assert not (tmp_path / "out").exists()
