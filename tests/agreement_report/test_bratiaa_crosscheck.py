"""Cross-check with bratiaa: its instance-level F1 equals our exact-mode micro F1 on a brat export."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from partages_ls.content import content_dir
from partages_ls.exporters.brat.write import write_brat_annotators
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.guides.loader import load_guide

from .fixtures import A, B, infectio_tasks, report_of

with np.errstate():  # bratiaa sets numpy's error handling globally on import; keep ours for the other tests
    import bratiaa  # a dev dependency: a missing install fails here, it is never skipped


def two_annotator_tasks() -> list[dict[str, object]]:
    tasks = infectio_tasks()
    for item in tasks:
        item["annotations"] = [a for a in item["annotations"] if a["completed_by"]["email"] in (A, B)]
    return tasks


def test_bratiaa_instance_f1_equals_exact_micro_f1(tmp_path: Path) -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    tasks = two_annotator_tasks()
    corpus = read_labelstudio(tasks, guide)
    write_brat_annotators(corpus, guide, tmp_path)
    agreement = bratiaa.compute_f1_agreement(str(tmp_path))
    assert agreement.annotators == [A, B]
    theirs, spread = agreement.mean_sd_total()
    ours = report_of("infectiologie", tasks).data["spans"]["LABEL"]["exact"]
    assert theirs == pytest.approx(ours["micro_f1"]["value"], abs=1e-6)
    assert theirs == pytest.approx(6 / 13)  # a1=b1, a6=b6, a7=b7 of |A| = 7 and |B| = 6
    assert spread == 0.0
    per_label, _ = agreement.mean_sd_per_label()
    for label, f1 in zip(agreement.labels, per_label, strict=True):
        mine = ours["per_label"][label]["f1"]["value"]
        assert (mine is None and math.isnan(f1)) or f1 == pytest.approx(mine, abs=1e-6), label
    per_document, _ = agreement.mean_sd_per_document()
    for document, f1 in zip(agreement.documents, per_document, strict=True):
        assert f1 == pytest.approx(ours["per_document"][document.removesuffix(".ann")]["f1"], abs=1e-6)
