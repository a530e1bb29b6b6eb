"""`predict-eval`: the inline reference markup, the scores, and the README table kept current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.guides.loader import load_guide
from partages_ls.predict.evaluate import Document, eval_documents, evaluate, parse_marked
from partages_ls.predict.spans import Suggestion

README = Path(__file__).resolve().parents[2] / "README.md"


def test_inline_marks_give_the_text_and_the_reference_spans(tmp_path: Path) -> None:
    path = tmp_path / "X-00001_CRH.txt"
    path.write_text("Hémocultures à [E. coli]{Bacterie NEGATION=Present}, pas d'[abcès]{Infection NEGATION=Absent}.\n")
    document = parse_marked(path)
    assert document.text == "Hémocultures à E. coli, pas d'abcès.\n"
    assert [(document.text[s.start : s.end], s.label, s.attribute_map) for s in document.reference] == [
        ("E. coli", "Bacterie", {"NEGATION": "Present"}),
        ("abcès", "Infection", {"NEGATION": "Absent"}),
    ]
    path.write_text("ligne\n[E. coli]{Bacterie NEGATION=}\n")
    with pytest.raises(DiagnosticError) as error:
        parse_marked(path)
    assert f"{path}:2" in error.value.render()


def test_every_evaluation_report_has_reference_spans_of_its_guide() -> None:
    for name in ("pseudonymisation", "infectiologie", "biomarqueurs"):
        guide = load_guide(name, content_dir("guides"))
        labels = {label.id for _, label in guide.all_labels()}
        documents = eval_documents(guide, content_dir("samples"))
        assert len(documents) == 2
        for document in documents:
            assert len(document.reference) >= 10 and {s.label for s in document.reference} <= labels


def test_scores_count_exact_span_and_label_matches() -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    text = "Pas d'abcès rénal. E. coli."
    reference = [Suggestion(6, 17, "Infection", (("NEGATION", "Present"),)), Suggestion(19, 26, "Site")]
    evaluation = evaluate(guide, "rules", [Document("r", text, reference)], "test", content_dir("guides"))
    infection, site, bacteria = (evaluation.labels[k].as_dict() for k in ("Infection", "Site", "Bacterie"))
    assert (infection["tp"], infection["attr_acc"]) == (1, 0.0)  # « Absent » was suggested
    assert (site["fn"], bacteria["fp"]) == (1, 1)


def test_the_readme_table_is_what_predict_eval_prints() -> None:
    result = CliRunner().invoke(cli, ["predict-eval"])
    assert result.exit_code == 0, result.output
    match = re.search(r"<!-- predict-eval:start[^\n]*-->\n(.*?)\n<!-- predict-eval:end -->", README.read_text(), re.S)
    assert match, "README.md has no predict-eval table"
    assert match.group(1).strip() == result.output.strip(), "README table is stale: paste `partages-ls predict-eval`"
