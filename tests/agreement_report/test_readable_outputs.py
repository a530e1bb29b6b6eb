"""What people read in the agreement outputs: who was counted, French names, exact text, a safe CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.agreement.disagreements import CSV_COLUMNS, context, make, spreadsheet_safe, to_csv
from partages_ls.agreement.render import DisagreementNames, render_html, render_markdown
from partages_ls.cli.agreement import agreement_command
from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide

from ..exporters.lsexport import annotation, task
from .fixtures import SCHEMA, A, B, C, entity, infectio_tasks, report_of, write_export

ADMIN = "admin@partages-ls.local"


def with_a_visitor() -> list[dict[str, Any]]:
    """The CU6 fixture plus one annotation saved by the admin while looking around."""
    tasks = infectio_tasks()
    first = tasks[0]
    text = first["data"]["text"]
    first["annotations"].append(annotation(999, ADMIN, entity("v1", text, "Bactériémie", "Bacteriemie", "Absent")))
    return tasks


# --- item 6: every report names the annotators it counted, and anyone it left out -----------------
def test_reports_name_counted_annotators_with_documents_and_the_others(tmp_path: Path) -> None:
    export = write_export(with_a_visitor(), tmp_path)
    out = tmp_path / "report"
    result = CliRunner().invoke(
        agreement_command,
        [str(export), "--out", str(out), "--guide", "infectiologie", "--annotators", f"{A},{B}", "--bootstrap", "0"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "agreement.json").read_text("utf-8"))
    assert list(SCHEMA.iter_errors(data)) == []
    assert data["annotators"] == [A, B]
    assert data["coverage"]["annotators"] == {A: {"documents": 3}, B: {"documents": 3}}
    assert data["coverage"]["annotators_not_compared"] == {ADMIN: {"documents": 1}, C: {"documents": 2}}
    markdown = (out / "agreement.md").read_text("utf-8")
    assert "Annotateurs comparés : ann1@chu.fr (3 document(s)), ann2@chu.fr (3 document(s))." in markdown
    assert "Présents dans l'export mais non comparés : admin@partages-ls.local (1 document(s)), ann3@chu.fr" in markdown
    html = (out / "agreement.html").read_text("utf-8")
    counted = html[html.index('id="annotateurs-comptes"') :]
    counted = counted[: counted.index("</p>")]
    assert f"<code>{A}</code> (3 document(s))" in counted and f"<code>{B}</code> (3 document(s))" in counted
    assert f"<code>{ADMIN}</code> (1 document(s))" in counted and f"<code>{C}</code> (2 document(s))" in counted


def test_without_a_selection_everyone_is_counted_and_nobody_left_out() -> None:
    report = report_of("infectiologie", with_a_visitor())
    assert report.data["annotators"] == sorted([A, B, C, ADMIN])
    assert report.data["coverage"]["annotators_not_compared"] == {}
    assert "non comparés" not in render_markdown(report) and "non comparés" not in render_html(report)


# --- item 7: French display names in the HTML table, ids in tooltips ----------------------------------
def test_disagreement_names_are_the_guides_french_names() -> None:
    names = DisagreementNames(load_guide("infectiologie", content_dir("guides")))
    assert names.layer("NEGATION") == "Négation"
    assert names.value("LABEL", "Bacterie") == "Bactérie"
    assert names.value("NEGATION", "Indetermine") == "Indéterminé"
    assert names.layer("AGENT_PATHOGENE") == "Agent pathogène"
    assert names.value("AGENT_PATHOGENE", "AGENT_PATHOGENE : Bacteriemie → Bacterie") == (
        "Agent pathogène : Bactériémie → Bactérie"
    )
    assert names.value("LABEL", "Inconnu") == "Inconnu"  # an id the guide does not know stays as stored
    fields = DisagreementNames(load_guide("reponse-traitement", content_dir("guides")))
    (spec,) = load_guide("reponse-traitement", content_dir("guides")).document_fields
    first, second = spec.values[0], spec.values[1]
    assert fields.value(spec.name, f"{first.id}+{second.id}") == f"{first.display} + {second.display}"


@pytest.fixture
def report_page(chromium: Any, tmp_path: Path) -> Iterator[Any]:
    report = report_of("infectiologie", infectio_tasks())
    path = tmp_path / "agreement.html"
    path.write_text(render_html(report), encoding="utf-8")
    context_ = chromium.new_context(java_script_enabled=True, locale="fr-FR")
    page = context_.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    try:
        yield page
        assert errors == []
    finally:
        context_.close()


@pytest.mark.browser
def test_html_table_shows_french_names_with_ids_in_tooltips(report_page: Any) -> None:
    cells = report_page.evaluate(
        """() => Array.from(document.querySelectorAll('#disagreement-rows tr')).map(
            tr => Array.from(tr.children).map(td => [td.textContent, td.title]))"""
    )
    assert cells
    layers = {row[1][0]: row[1][1] for row in cells}
    assert layers["Entité infectieuse"] == "LABEL" and layers["Négation"] == "NEGATION"
    assert layers["Agent pathogène"] == "AGENT_PATHOGENE"
    shown = {cell[0]: cell[1] for row in cells for cell in (row[5], row[6]) if cell[0]}
    assert shown["Bactérie"] == "Bacterie"
    assert any(
        text.startswith("Agent pathogène : ") and title.startswith("AGENT_PATHOGENE : ")
        for text, title in shown.items()
    )
    visible = " ".join(cell[0] for row in cells for cell in row)
    assert "AGENT_PATHOGENE" not in visible and "Bacterie " not in visible + " "
    options = report_page.evaluate(
        "() => Array.from(document.querySelectorAll('#filter-layer option')).map(o => [o.value, o.textContent])"
    )
    assert ["NEGATION", "Négation"] in options
    report_page.select_option("#filter-layer", "NEGATION")
    assert report_page.locator("#disagreement-rows tr").count() >= 1
    assert {
        row[1][0]
        for row in report_page.evaluate(
            """() => Array.from(document.querySelectorAll('#disagreement-rows tr')).map(
            tr => Array.from(tr.children).map(td => [td.textContent, td.title]))"""
        )
    } == {"Négation"}


# --- item 7: exact context, BOM, no formula injection ---------------------------------------------
def test_context_is_the_exact_text_around_the_passage() -> None:
    text = "Foyer d'embole septique, suivi\nde près."
    begin = text.index("embole septique")
    shown = context(text, begin, begin + len("embole septique"))
    assert shown == "Foyer d'⟦embole septique⟧, suivi\nde près."
    assert shown.replace("⟦", "").replace("⟧", "") == text
    long = "a" * 100 + "XY" + "b" * 100
    cut = context(long, 100, 102)
    assert cut == "…" + "a" * 40 + "⟦XY⟧" + "b" * 40 + "…"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(start: str) -> None:
    text = f'{start}HYPERLINK("http://x") suite du texte'
    at_start = make(text, start + "doc", "LABEL", "only_a", (A, B), ("Bacterie", None), (0, 10), None)
    further = make(text, "doc", "LABEL", "only_b", (A, B), (None, "Site"), None, (20, 25))
    rows = list(csv.reader(io.StringIO(to_csv([at_start, further]), newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    first, second = (dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:])
    assert first["document"] == "'" + start + "doc"
    assert first["text_a"] == "'" + text[:10]
    assert first["context"] == "⟦" + text[:10] + "⟧" + text[10:]  # starts with the bracket: harmless
    assert first["begin_a"] == "0"  # numbers are left alone
    assert second["document"] == "doc" and second["text_b"] == text[20:25]
    assert second["context"] == "'" + text[:20] + "⟦" + text[20:25] + "⟧" + text[25:]
    assert at_start.as_json()["text_a"] == text[:10]  # the JSON keeps the exact text


def test_spreadsheet_safe_leaves_ordinary_cells() -> None:
    assert spreadsheet_safe("Bactériémie") == "Bactériémie"
    assert spreadsheet_safe("…suite=") == "…suite="
    assert spreadsheet_safe(-3) == -3
    assert spreadsheet_safe("") == ""


def test_csv_file_is_utf8_with_bom_and_exact(tmp_path: Path) -> None:
    export = write_export(infectio_tasks(), tmp_path)
    out = tmp_path / "report"
    result = CliRunner().invoke(agreement_command, [str(export), "--out", str(out), "--guide", "infectiologie"])
    assert result.exit_code == 0, result.output
    raw = (out / "disagreements.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "Bactériémie".encode() in raw
    data = json.loads((out / "agreement.json").read_text("utf-8"))
    texts = {t["data"]["text"] for t in infectio_tasks()}
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == data["disagreements"]["count"]
    for row in rows:
        if row["context"]:
            plain = row["context"].lstrip("'").strip("…").replace("⟦", "").replace("⟧", "")
            assert any(plain in text for text in texts), row["context"]


def test_html_detail_keeps_the_exact_context() -> None:
    tasks = [task(1, "R1", "Il a une embole septique, dit-on.", [
        annotation(1, A, entity("x", "Il a une embole septique, dit-on.", "embole septique", "Site", "Present")),
        annotation(2, B, []),
    ])]  # fmt: skip
    report = report_of("infectiologie", tasks)
    (item,) = [d for d in report.disagreements if d.kind == "only_a"]
    assert item.context == "Il a une ⟦embole septique⟧, dit-on."
