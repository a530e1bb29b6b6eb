"""PARHAF → Label Studio (real server: import as annotations, pull) → PARHAF gives the same rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from partages_ls.content import bundled_workspace, content_dir
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.exporters.parhaf.read import read_parhaf_splits
from partages_ls.exporters.parhaf.write import write_parhaf
from partages_ls.exporters.splits import SplitPlan, assign_splits
from partages_ls.guides.loader import load_guide
from partages_ls.studio.annotators import add_annotators
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import ImportOptions
from partages_ls.studio.projects import create_project
from partages_ls.studio.pull import pull_project
from partages_ls.workflows.export import ExportRequest, run_export
from partages_ls.workflows.imports import import_sources

pytestmark = pytest.mark.server

ANNOTATOR = "camille.martin@exemple.fr"


def _sample_tasks(guide_name: str) -> list[dict[str, Any]]:
    """The bundled reports and one annotator's bundled annotations, as an export's task list."""
    samples = content_dir("samples") / guide_name
    items = json.loads((samples / "annotations" / f"{ANNOTATOR}.json").read_text(encoding="utf-8"))
    tasks = []
    for number, item in enumerate(items, start=1):
        text = (samples / "reports" / f"{item['report']}.txt").read_text(encoding="utf-8")
        annotation = {"id": number, "completed_by": {"email": ANNOTATOR}, "result": item["result"]}
        tasks.append({"id": number, "data": {"text": text, "report": item["report"]}, "annotations": [annotation]})
    return tasks


def _tables(folder: Path) -> dict[str, Any]:
    return {p.relative_to(folder).as_posix(): pq.read_table(p) for p in sorted((folder / "data").rglob("*.parquet"))}


@pytest.mark.parametrize("guide_name", ["infectiologie", "reponse-traitement"])
def test_parhaf_through_label_studio_gives_the_same_rows(studio: StudioClient, tmp_path: Path, guide_name: str) -> None:
    guide = load_guide(guide_name, content_dir("guides"))
    policy = GoldPolicy.parse(f"annotator:{ANNOTATOR}")
    gold = select_gold(read_labelstudio(_sample_tasks(guide_name), guide), policy)
    assert gold.skipped == [] and len(gold.documents) == 4
    original = tmp_path / "original"
    original.mkdir()
    write_parhaf(
        gold,
        guide,
        original,
        WriteOptions(assign_splits(gold, SplitPlan()), gold_policy=str(policy), annotators=[ANNOTATOR]),
    )

    create_project(studio, guide)
    add_annotators(studio, guide.name, [ANNOTATOR])
    options = ImportOptions(mode="annotations", annotator=ANNOTATOR)
    report = import_sources(studio, guide.name, [original], options, guides=content_dir("guides"))
    assert (report.tasks_created, report.annotations_created, report.problems, report.left_out) == (4, 4, [], [])
    export = tmp_path / "pulled.json"
    pull_project(studio, guide.name, export, guides=content_dir("guides"))

    split_file = tmp_path / "splits.csv"
    with split_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["report", "split"])
        writer.writerows(sorted(read_parhaf_splits(original, guide).items()))
    again = tmp_path / "again"
    result = run_export(
        ExportRequest(export, "parhaf", again, gold=str(policy), split=SplitPlan(file=split_file)), bundled_workspace()
    )
    assert result["summary"]["skipped_by_reason"] == {}
    before, after = _tables(original), _tables(again)
    assert sorted(before) == sorted(after)
    for name, table in before.items():
        assert after[name].equals(table), f"{name} differs after the trip through Label Studio"


def test_a_published_style_cu1_subset_with_only_roleper_round_trips(studio: StudioClient, tmp_path: Path) -> None:
    """The published CU1 subsets carry RolePER only: places, numbers and codes have no role. Such a
    subset breaks the guide (RoleLOC, RoleNUM, CodeType are required) yet must come back identical."""
    guide = load_guide("pseudonymisation", content_dir("guides"))
    policy = GoldPolicy.parse(f"annotator:{ANNOTATOR}")
    gold = select_gold(read_labelstudio(_sample_tasks(guide.name), guide), policy)
    stripped = 0
    for document in gold.documents:
        for span in document.annotations[0].spans:
            stripped += len([name for name in span.attributes if name != "RolePER"])
            span.attributes = {k: v for k, v in span.attributes.items() if k == "RolePER"}
    assert stripped > 0 and len(gold.documents) == 4
    original = tmp_path / "original"
    original.mkdir()
    write_parhaf(
        gold,
        guide,
        original,
        WriteOptions(assign_splits(gold, SplitPlan()), gold_policy=str(policy), annotators=[ANNOTATOR]),
    )
    rows = sum(t.num_rows for n, t in _tables(original).items() if n.startswith("data/spans/"))
    assert pq.read_table(next((original / "data" / "spans").glob("*.parquet"))).column_names.count("attribute_RolePER")

    create_project(studio, guide)
    add_annotators(studio, guide.name, [ANNOTATOR])
    report = import_sources(
        studio,
        guide.name,
        [original],
        ImportOptions(mode="annotations", annotator=ANNOTATOR),
        guides=content_dir("guides"),
    )
    assert (report.tasks_created, report.annotations_created, report.left_out) == (4, 4, [])
    assert {p.code for p in report.problems} == {"required-attribute"} and len(report.problems) == stripped
    export = tmp_path / "pulled.json"
    pull_project(studio, guide.name, export, guides=content_dir("guides"))

    split_file = tmp_path / "splits.csv"
    with split_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["report", "split"])
        writer.writerows(sorted(read_parhaf_splits(original, guide).items()))
    again = tmp_path / "again"
    result = run_export(
        ExportRequest(export, "parhaf", again, gold=str(policy), split=SplitPlan(file=split_file)), bundled_workspace()
    )
    assert result["exit_status"] == 0 and result["left_out"] == []
    assert result["summary"]["spans_exported"] == rows
    assert result["summary"]["violations_by_rule"] == {"required-attribute": stripped}
    before, after = _tables(original), _tables(again)
    assert sorted(before) == sorted(after)
    for name, table in before.items():
        assert after[name].equals(table), f"{name} differs after the trip through Label Studio"
