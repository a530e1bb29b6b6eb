"""The report summed document by document does not depend on the order the export stores its tasks.

The streamed path (``partages_ls.agreement.stream``) sees documents in storage order, keeps the α_u
spans only of the documents with the most annotators so far, and sorts the disagreements per
document before spilling them; the in-memory path sorts the whole corpus first. Both must write the
same bytes whatever the order of tasks, annotations and results.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from partages_ls.agreement.report import AgreementOptions
from partages_ls.content import bundled_workspace
from partages_ls.exporters.contamination import ContaminationScan, find_contaminated
from partages_ls.workflows.agreement import AgreementRequest, run_agreement

from .fixtures import A, C, infectio_tasks, shuffled, treatment_tasks
from .test_streaming import _every_kind_with_contamination_and_curation, _in_memory_agreement, _outputs


def _same_bytes(tmp_path: Path, tasks: list[Any], guide: str, options: AgreementOptions) -> dict[str, Any]:
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    streamed, in_memory = tmp_path / "streamed", tmp_path / "in-memory"
    report = run_agreement(AgreementRequest(export, streamed, guide, options), bundled_workspace())
    _in_memory_agreement(AgreementRequest(export, in_memory, guide, options))
    new, old = _outputs(streamed), _outputs(in_memory)
    assert sorted(new) == ["agreement.html", "agreement.json", "agreement.md", "disagreements.csv"]
    for name in old:
        assert new[name] == old[name], name
    return report.data


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_tasks_in_any_order_give_the_same_bytes(tmp_path: Path, seed: int) -> None:
    """D1 (the one document all three annotators submitted) comes first, last or in between."""
    tasks = shuffled(infectio_tasks(), seed)
    data = _same_bytes(tmp_path, tasks, "infectiologie", AgreementOptions(bootstrap=100, seed=seed))
    assert data["coverage"]["complete_documents"] == 1
    assert all(entry["alpha_u"]["documents"] == 1 for entry in data["spans"].values())
    assert data["disagreements"]["count"] > 0


def test_a_subset_of_annotators_in_any_order(tmp_path: Path) -> None:
    tasks = shuffled(infectio_tasks(), 5)
    data = _same_bytes(tmp_path, tasks, "infectiologie", AgreementOptions(annotators=[A, C], bootstrap=50))
    assert data["annotators"] == [A, C]
    assert data["coverage"]["annotators_not_compared"]


def test_document_classes_in_any_order(tmp_path: Path) -> None:
    data = _same_bytes(tmp_path, shuffled(treatment_tasks(), 4), "reponse-traitement", AgreementOptions(bootstrap=50))
    assert data["document_fields"]


def test_every_kind_of_item_and_skip_in_reverse_and_random_order(tmp_path: Path) -> None:
    tasks = _every_kind_with_contamination_and_curation()
    for number, order in enumerate([tasks[::-1], random.Random(9).sample(tasks, len(tasks))]):
        folder = tmp_path / str(number)
        folder.mkdir()
        data = _same_bytes(folder, order, "infectiologie", AgreementOptions(bootstrap=50, exclude_contaminated=True))
        assert data["contamination"]["annotations"] and data["coverage"]["skipped_by_reason"]


def test_the_contamination_scan_finds_what_find_contaminated_finds() -> None:
    tasks = _every_kind_with_contamination_and_curation()
    scan = ContaminationScan("report")
    for task in tasks:
        scan.add(task)
    expected = find_contaminated(tasks, "report")
    assert expected, "the export has annotations edited by another annotator"
    assert scan.found() == expected


def test_fewer_weights_drawn_at_once_give_the_same_intervals(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large corpus draws its bootstrap weights a few samples at a time: the intervals do not change."""
    from partages_ls.agreement import bootstrap
    from partages_ls.agreement.bootstrap import Ledger, f1

    documents = [f"doc-{n}" for n in range(40)]
    rng = random.Random(3)

    def intervals() -> list[tuple[float, float] | None]:
        ledger = Ledger(documents)
        for document in documents:
            ledger.add(document, "m", rng.randint(0, 5))
            ledger.add(document, "a", rng.randint(5, 8))
            ledger.add(document, "b", rng.randint(5, 8))
        columns = [ledger.column(key) for key in "mab"]
        figure = ledger.figure(lambda sums: f1(*(sums[i] for i in columns)))
        ledger.evaluate(300, 5)
        return [figure.ci95]

    rng.seed(3)
    whole = intervals()
    monkeypatch.setattr(bootstrap, "CHUNK_CELLS", 7 * len(documents))  # 7 samples at a time
    rng.seed(3)
    assert intervals() == whole and whole[0] is not None


def test_packed_rows_total_to_the_floats_of_a_plain_loop_in_row_order() -> None:
    """Rows packed in storage order from document ledgers sum, column by column, as adding every cell in row order.

    IoU-like values are not exact in binary, so the order of the additions shows in the last bits.
    """
    from array import array

    from partages_ls.agreement.bootstrap import DocumentLedger, Ledger

    rng = random.Random(7)
    stored = [f"doc-{n:03}" for n in range(60)]
    rng.shuffle(stored)
    columns: dict[Any, int] = {}
    ends, indices, values = array("Q"), array("I"), array("d")
    expected: dict[str, list[tuple[int, float]]] = {}
    for document in stored:
        row = DocumentLedger(document, columns)
        cells = [(key, rng.random() / rng.choice([3, 7, 10])) for key in rng.sample("abcdefgh", rng.randint(0, 5))]
        for key, value in cells:
            row.add(document, key, value)
        row.add(document, "a", 0.1)  # a second addition to a cell already in the row
        indices.extend(row.row.keys())
        values.extend(row.row.values())
        ends.append(len(indices))
        expected[document] = list(row.row.items())
    ledger = Ledger(sorted(stored))
    ledger.load(columns, stored, ends, indices, values)
    plain = [0.0] * len(columns)
    for document in sorted(stored):
        for index, value in expected[document]:
            plain[index] += value
    assert ledger.totals() == plain
    assert sorted(columns) == sorted(set("abcdefgh") & set(columns)) and "a" in columns


def test_only_whole_and_half_counts_take_the_single_thread_product() -> None:
    """Resampled sums skip BLAS only when any order of addition gives the same floats."""
    import numpy as np

    from partages_ls.agreement.bootstrap import _whole_or_half

    assert _whole_or_half(np.array([0.0, 1.0, 2.5, 7.0, -3.5]))
    assert not _whole_or_half(np.array([1.0, 0.3]))  # an IoU: order matters in the last bits
    assert not _whole_or_half(np.array([2.0**31]))  # too large for every weighted sum to stay exact
