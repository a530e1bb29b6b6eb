"""Random small CU6 exports: the report never fails, fits the schema, ignores storage order, stays coherent."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partages_ls.agreement.render import render_json
from partages_ls.agreement.report import AgreementOptions, compute_report
from partages_ls.content import content_dir
from partages_ls.errors import PartagesError
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.guides.loader import load_guide

from ..exporters.lsexport import annotation, choice, region, relation, task
from ..exporters.mutations import hostile
from .fixtures import SCHEMA, A, B, C, report_of, shuffled

WORDS = [
    "Bacteriemie",
    "sur",
    "pyelonephrite",
    "aigue",
    "avec",
    "hemocultures",
    "positives",
    "germe",
    "inconnu",
    "staphylocoque",
    "urinaire",
]
TEXT = " ".join(WORDS) + "."
STARTS = [sum(len(w) + 1 for w in WORDS[:i]) for i in range(len(WORDS))]
LABELS = ["Bacterie", "Bacteriemie", "Infection", "Site"]
NEGATIONS = ["Present", "Absent", "Indetermine"]


@st.composite
def exports(draw: st.DrawFn) -> list[dict[str, Any]]:
    annotators = draw(st.lists(st.sampled_from([A, B, C]), min_size=1, max_size=3, unique=True))
    tasks = []
    for number in range(draw(st.integers(1, 4))):
        annotations = []
        for position, who in enumerate(annotators):
            if position and draw(st.booleans()) and draw(st.booleans()):
                continue  # this annotator skipped the document
            raw = draw(
                st.lists(
                    st.tuples(
                        st.integers(0, len(WORDS) - 1),
                        st.integers(1, 3),
                        st.sampled_from(LABELS),
                        st.sampled_from(NEGATIONS),
                    ),
                    max_size=6,
                )
            )
            spans: dict[tuple[int, int, str], str] = {}
            for first, size, label, negation in raw:
                last = min(len(WORDS) - 1, first + size - 1)
                spans.setdefault((first, last, label), negation)
            results: list[dict[str, Any]] = []
            ids: list[tuple[str, str]] = []
            for index, ((first, last, label), negation) in enumerate(sorted(spans.items())):
                begin, end = STARTS[first], STARTS[last] + len(WORDS[last])
                rid = f"r{number}{position}{index}"
                results += [region(rid, begin, end, label, TEXT), choice(rid, begin, end, "NEGATION", negation)]
                ids.append((rid, label))
            sources = [rid for rid, label in ids if label == "Bacteriemie"]
            targets = [rid for rid, label in ids if label == "Bacterie"]
            links = (
                draw(st.lists(st.tuples(st.sampled_from(sources), st.sampled_from(targets)), max_size=2, unique=True))
                if sources and targets
                else []
            )
            results += [relation(source, target, "AGENT_PATHOGENE") for source, target in links]
            annotations.append(annotation(100 * number + position, who, results))
        tasks.append(task(number + 1, f"R{number}", TEXT, annotations))
    return tasks


def _pair_f1(report: dict[str, Any], mode: str) -> dict[str, float | None]:
    return {key: entry["f1"]["value"] for key, entry in report["spans"]["LABEL"][mode]["pairs"].items()}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports(), st.integers(0, 1000))
def test_random_exports(tasks: list[dict[str, Any]], seed: int) -> None:
    text = render_json(report_of("infectiologie", tasks, bootstrap=30))
    assert render_json(report_of("infectiologie", shuffled(tasks, seed), bootstrap=30)) == text
    report = json.loads(text)
    assert list(SCHEMA.iter_errors(report)) == []
    exact, overlap, boundary = (_pair_f1(report, mode) for mode in ("exact", "overlap", "boundary"))
    for key, value in exact.items():
        # Exact pairs are also overlap and boundary candidates: the looser modes never match fewer.
        if value is not None:
            assert value <= overlap[key] + 1e-9 and value <= boundary[key] + 1e-9  # type: ignore[operator]
    spans = report["spans"]["LABEL"]
    for mode in ("exact", "overlap", "boundary"):
        pairs = spans[mode]["pairs"].values()
        assert sum(p["a"] for p in pairs) == sum(d["a"] for d in spans[mode]["per_document"].values())
        assert sum(p["matched"] for p in pairs) == sum(e["matched"] for e in spans[mode]["per_label"].values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(exports().flatmap(hostile))
def test_type_swapped_and_damaged_exports_give_a_report_or_a_located_error(tasks: list[dict[str, Any]]) -> None:
    """Any JSON value where a field is expected: the report is computed from what can be read, or a
    located error says why not; never an unhandled exception."""
    guide = load_guide("infectiologie", content_dir("guides"))
    try:
        corpus = read_labelstudio(tasks, guide, source="export.json")
        report = compute_report(corpus, guide, AgreementOptions(bootstrap=20), source="export.json")
    except PartagesError as error:
        assert "task" in str(error) or "export.json" in str(error)
        return
    assert list(SCHEMA.iter_errors(json.loads(render_json(report)))) == []
