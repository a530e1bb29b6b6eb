"""Write the agreement report: self-contained French HTML, JSON, Markdown and the disagreement CSV.

Every text that comes from the data (report ids, annotator names, snippets) is escaped: Jinja2
autoescaping in the HTML, a Markdown escape applied to every interpolation of the Markdown
template, and ``<``, ``>``, ``&`` written as ``\\u`` escapes in the JSON embedded in the HTML page,
so no data can close the ``<script>`` element it sits in.
"""

from __future__ import annotations

import heapq
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from partages_ls.agreement.disagreements import CSV_COLUMNS, CSV_ENCODING, KINDS, write_csv
from partages_ls.agreement.report import AgreementReport
from partages_ls.guides.model import Guide
from partages_ls.json_text import write_json

MODE_NAMES = {"exact": "exact", "overlap": "chevauchement", "boundary": "frontières"}
READINGS = ((0.8, "accord élevé"), (0.6, "accord correct"), (0.4, "accord modéré"), (0.2, "accord faible"))
WORST_DOCUMENTS = 15


def number(value: float | None, digits: int = 3) -> str:
    """A figure the French way (``0,833``), or ``n/d`` when there is none."""
    if value is None:
        return "n/d"
    return f"{value:.{digits}f}".replace(".", ",").replace("-", "−")


def interval(figure: dict[str, Any] | None) -> str:
    """``[0,801 ; 0,862]``, or an empty string without an interval."""
    if not figure or not figure.get("ci95"):
        return ""
    low, high = figure["ci95"]
    return f"[{number(low)} ; {number(high)}]"


def reading(value: float | None) -> str:
    """Plain-language reading of a figure on the scale stated in the conventions."""
    if value is None:
        return "non calculable"
    for threshold, words in READINGS:
        if value >= threshold:
            return words
    return "accord très faible"


def heat(value: float | None) -> str:
    """Inline CSS colour of a heatmap cell: red (0) to green (1), grey without a value."""
    if value is None:
        return "background:#eeeeee"
    hue = round(120 * max(0.0, min(1.0, value)))
    return f"background:hsl({hue},65%,80%)"


_SCRIPT_ESCAPES = str.maketrans({"&": "\\u0026", "<": "\\u003c", ">": "\\u003e"})


def script_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left as such."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_SCRIPT_ESCAPES)


# Interpolations never start a line, so only inline syntax needs escaping (links, emphasis, code, HTML, cells).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~])")


def markdown_escape(value: Any) -> str:
    """Any interpolated value as inert Markdown text (no HTML, links or table breaks)."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("&", "&amp;")


class _MarkdownText(str):
    """Markdown already escaped piece by piece (the finalize hook lets it through unchanged)."""


def _markdown_finalize(value: Any) -> str:
    return value if isinstance(value, _MarkdownText) else markdown_escape(value)


def markdown_figure(figure: dict[str, Any] | None) -> _MarkdownText:
    """A figure for the Markdown report: value, interval and flag, or ``n/d`` with its reason."""
    if not figure or figure.get("value") is None:
        reason = figure.get("reason") if figure else None
        return _MarkdownText("n/d" + (f" ({markdown_escape(reason)})" if reason else ""))
    text = number(figure["value"])
    if figure.get("ci95"):
        text += " " + markdown_escape(interval(figure))
    if figure.get("note") == "degenerate":
        text += " (dégénéré)"
    return _MarkdownText(text)


class _Names:
    """French display names of the guide's ids, falling back to the id."""

    def __init__(self, guide: Guide) -> None:
        self.labels = {label.id: label.display or label.id for _, label in guide.all_labels()}
        self.sets = {ls.name: ls.display or ls.name for ls in guide.label_sets}
        self.attributes = {a.name: a.display or a.name for ls in guide.label_sets for a in ls.attributes}
        self.values = {v.id: v.display or v.id for ls in guide.label_sets for a in ls.attributes for v in a.values}
        self.fields = {f.name: f.display or f.name for f in guide.document_fields}
        self.values |= {v.id: v.display or v.id for f in guide.document_fields for v in f.values}
        self.relations = {r.id: r.display or r.id for r in guide.relations}


_RELATION_LABEL = re.compile(r"(?P<type>.*) : (?P<source>.*) → (?P<target>.*)")


class DisagreementNames:
    """French display names of a disagreement's layer and values, read per layer (ids kept for tooltips)."""

    def __init__(self, guide: Guide) -> None:
        self.layers: dict[str, str] = {}
        self.values: dict[str, dict[str, str]] = {}
        self.multiple: set[str] = set()
        labels = {label.id: label.display or label.id for _, label in guide.all_labels()}
        for label_set in guide.label_sets:
            self.layers[label_set.name] = label_set.display or label_set.name
            self.values[label_set.name] = {label.id: label.display or label.id for label in label_set.labels}
            for attribute in label_set.attributes:
                self.layers[attribute.name] = attribute.display or attribute.name
                self.values[attribute.name] = {v.id: v.display or v.id for v in attribute.values}
        for spec in guide.document_fields:
            self.layers[spec.name] = spec.display or spec.name
            self.values[spec.name] = {v.id: v.display or v.id for v in spec.values}
            self.multiple.add(spec.name)
        self.relations = {relation.id: relation.display or relation.id for relation in guide.relations}
        self.layers |= self.relations
        self.labels = labels

    def layer(self, layer: str) -> str:
        return self.layers.get(layer, layer)

    def value(self, layer: str, value: str | None) -> str | None:
        """A label, attribute value, class (``a+b`` when several) or relation (``TYPE : A → B``) in French."""
        if value is None:
            return None
        if layer in self.relations and (match := _RELATION_LABEL.fullmatch(value)):
            kind, source, target = match.group("type", "source", "target")
            return (
                f"{self.relations.get(kind, kind)} : {self.labels.get(source, source)} → "
                f"{self.labels.get(target, target)}"
            )
        names = self.values.get(layer, {})
        if layer in self.multiple:
            return " + ".join(names.get(part, part) for part in value.split("+"))
        return names.get(value, value)


def summary(report: dict[str, Any], names: _Names) -> list[dict[str, Any]]:
    """One headline row per layer (and a few companions), for the top of the report."""
    rows: list[dict[str, Any]] = []
    for control, entry in report["spans"].items():
        layer = f"Zones — {names.sets.get(control, control)}"
        rows.append({"layer": layer, "measure": "F1 micro, mode exact", "figure": entry["exact"]["micro_f1"]})
        rows.append({"layer": layer, "measure": "F1 micro, chevauchement", "figure": entry["overlap"]["micro_f1"]})
        rows.append({"layer": layer, "measure": "α_u de Krippendorff", "figure": entry["alpha_u"]["overall"]})
    for name, entry in report["attributes"].items():
        layer = f"Attribut — {names.attributes.get(name, name)}"
        rows.append({"layer": layer, "measure": "α de Krippendorff (nominal)", "figure": entry["krippendorff_alpha"]})
    if report["relations"]["types"]:
        rows.append({"layer": "Relations", "measure": "F1 micro", "figure": report["relations"]["micro_f1"]})
    for name, entry in report["document_fields"].items():
        layer = f"Document — {names.fields.get(name, name)}"
        rows.append({"layer": layer, "measure": "α de Krippendorff (nominal)", "figure": entry["krippendorff_alpha"]})
        rows.append({"layer": layer, "measure": "AC1 de Gwet", "figure": entry["gwet_ac1"]})
        if entry["justification"]:
            rows.append(
                {
                    "layer": layer,
                    "measure": "Justification, F1 chevauchement",
                    "figure": entry["justification"]["overlap_f1"],
                }
            )
    return rows


def matrix(annotators: list[str], pairs: dict[str, Any]) -> list[list[dict[str, Any] | None]]:
    """The annotator × annotator F1 matrix of one mode (``None`` on the diagonal)."""
    cells: list[list[dict[str, Any] | None]] = []
    for row in annotators:
        line: list[dict[str, Any] | None] = []
        for column in annotators:
            key = f"{row}|{column}" if row < column else f"{column}|{row}"
            line.append(None if row == column else pairs.get(key, {}).get("f1"))
        cells.append(line)
    return cells


def worst_documents(entry: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The documents with the lowest exact F1 (ties by id), for a first look at where to adjudicate."""
    scored = ((doc, cell) for doc, cell in entry["exact"]["per_document"].items() if cell["f1"] is not None)
    return heapq.nsmallest(WORST_DOCUMENTS, scored, key=lambda item: (item[1]["f1"], item[0]))


DISPLAY_COLUMNS = ("layer_fr", "label_a_fr", "label_b_fr")
"""Columns the HTML table shows (French display names); the ids stay in ``layer``, ``label_a``, ``label_b``."""

HTML_ROWS = 5000
"""Disagreements the HTML page carries (the first ones, in the list's order): enough to adjudicate from,
few enough that the page opens at once whatever the project's size (``benchmarks/bench_html_report.py``:
the whole list of a 10x PARHAF project is 216 MB of HTML and took 34 s to open). The CSV and the JSON
always hold the full list, and the page says so."""

PAGE_ROWS = 100
"""Rows of the disagreement table shown at a time (the page has previous/next buttons)."""


def _disagreement_table(report: AgreementReport) -> Iterator[str]:
    """The first :data:`HTML_ROWS` rows of the disagreement table as script-safe JSON, in pieces."""
    columns = [c for c in CSV_COLUMNS if c != "kind_fr"]
    names = DisagreementNames(report.guide)
    header = {
        "columns": [*columns, *DISPLAY_COLUMNS],
        "kinds": KINDS,
        "total": len(report.disagreements),
        "page": PAGE_ROWS,
    }
    yield script_json(header)[:-1] + ',"rows":['
    for index, item in enumerate(report.disagreements):
        if index == HTML_ROWS:
            break
        shown = [names.layer(item.layer), names.value(item.layer, item.label_a), names.value(item.layer, item.label_b)]
        yield ("," if index else "") + script_json([*(getattr(item, c) for c in columns), *shown])
    yield "]}"


@cache
def _environment(markdown: bool) -> jinja2.Environment:
    finalize: Callable[[Any], Any] | None = _markdown_finalize if markdown else None
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("partages_ls.agreement", "templates"),
        autoescape=not markdown,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
    )
    env.filters.update(number=number, interval=interval, reading=reading, heat=heat, figure=markdown_figure)
    return env


def _context(report: AgreementReport) -> dict[str, Any]:
    names = _Names(report.guide)
    data = report.data
    return {
        "r": data,
        "names": names,
        "modes": MODE_NAMES,
        "kinds": KINDS,
        "summary": summary(data, names),
        "matrices": {
            control: {mode: matrix(data["annotators"], entry[mode]["pairs"]) for mode in MODE_NAMES}
            for control, entry in data["spans"].items()
        },
        "worst": {control: worst_documents(entry) for control, entry in data["spans"].items()},
    }


def _html_stream(report: AgreementReport) -> jinja2.environment.TemplateStream:
    context = _context(report)
    context["table_json"] = _disagreement_table(report)
    context["table_shown"] = min(len(report.disagreements), HTML_ROWS)
    context["page_rows"] = PAGE_ROWS
    return _environment(False).get_template("agreement.html.j2").stream(**context)


def render_html(report: AgreementReport) -> str:
    """The self-contained French HTML report (inline CSS and script, no external resource)."""
    return "".join(_html_stream(report))


def render_markdown(report: AgreementReport) -> str:
    """The French Markdown report (figures and tables; the full disagreement list is in the CSV)."""
    return _environment(True).get_template("agreement.md.j2").render(**_context(report))


def render_json(report: AgreementReport) -> str:
    """The JSON report as text (what ``agreement.json`` holds)."""
    return json.dumps(report.data, indent=2, ensure_ascii=False) + "\n"


def write_outputs(report: AgreementReport, folder: Path) -> None:
    """The four files of the report, written into ``folder``; the large ones are streamed, not built whole."""
    with (folder / "agreement.json").open("w", encoding="utf-8") as handle:
        write_json(report.data, handle)  # json.dump(..., indent=2, ensure_ascii=False)'s bytes, faster
        handle.write("\n")
    with (folder / "agreement.html").open("w", encoding="utf-8") as handle:
        handle.writelines(_html_stream(report))
    (folder / "agreement.md").write_text(render_markdown(report), encoding="utf-8")
    with (folder / "disagreements.csv").open("w", encoding=CSV_ENCODING, newline="") as handle:
        write_csv(report.disagreements, handle)
