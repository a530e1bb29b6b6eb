"""Annotator vs a reference: each annotator compared with a reference set, and the list of differences.

Generic on purpose: the reference is any set of annotations by report. ``--reference curated`` takes
the curated gold of a curation project export (`partages-ls curate`), so that annotators see the
curator's corrections; ``--reference predictions:MODEL_VERSION`` takes the predictions of one model
version ("annotateur vs suggestions"); ``--reference annotator:EMAIL`` one annotator's version.

Per annotator, on the documents both they and the reference have: span F1 in the three matching
modes (with precision and recall, the reference taken as truth), attribute agreement on the spans
matched exactly, document-field agreement (share and Cohen's κ), each with a 95 % bootstrap
interval over documents; and every difference from the reference (missing, extra or relabelled
spans, attribute values, relations, document fields).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from partages_ls.agreement.bootstrap import Figure, Ledger, Measure, Sums, f1, no_data, ratio
from partages_ls.agreement.coefficients import cohen_kappa_counts
from partages_ls.agreement.matching import MODES, match_spans
from partages_ls.agreement.results import Note
from partages_ls.curation.gold import CURATED_FLAG, guide_view, is_curation_task
from partages_ls.errors import PartagesError
from partages_ls.exporters.corpus import Annotation, Corpus, Provenance
from partages_ls.exporters.labelstudio.read import annotator_of, read_annotation, read_labelstudio
from partages_ls.exporters.shape import obj, objects
from partages_ls.guides.model import Guide
from partages_ls.rules.compile import compile_rules

REFERENCE_HELP = (
    "curated (the curated gold of a curation project export), predictions:MODEL_VERSION (the "
    "suggestions of one model version) or annotator:EMAIL"
)
OUTPUTS = ("reference.json", "reference.md", "reference-differences.csv")


# Suggestion models of `partages-ls predict` that learn from the project's own annotations.
_LEARNING_MODELS = ("/matcher@", "/all@")


@dataclass
class Reference:
    """A reference set: one annotation per report, and what it is.

    For a model's suggestions, ``started_from`` counts, per annotator, the annotations that began from
    the reference's own suggestion (Label Studio's ``parent_prediction``), out of ``compared`` on the
    reports the reference covers: agreement with a suggestion the annotator accepted measures the
    acceptance, not an independent reading (:meth:`caveats`).
    """

    kind: str
    name: str
    annotations: dict[str, Annotation] = field(default_factory=dict)
    started_from: Counter[str] = field(default_factory=Counter)
    compared: Counter[str] = field(default_factory=Counter)

    def caveats(self) -> list[str]:
        """Why the comparison is not independent of the reference (French, for the report), if it is not."""
        found = []
        if self.kind == "predictions" and any(marker in self.name for marker in _LEARNING_MODELS):
            found.append(
                f"Les suggestions « {self.name} » viennent d'un modèle qui apprend des annotations du projet "
                "(matcher) : elles ne sont pas indépendantes des annotateurs, et l'accord avec elles est surestimé. "
                "Seule une version `--model rules` est indépendante."
            )
        for who in sorted(self.started_from):
            found.append(
                f"{who} : {self.started_from[who]} annotation(s) sur {self.compared[who]} commencée(s) à partir de "
                "ces suggestions (parent_prediction) : l'accord avec la référence y mesure en partie "
                "l'acceptation des suggestions, pas un jugement indépendant."
            )
        return found

    @property
    def title(self) -> str:
        return {
            "curated": "référence curée",
            "predictions": f"suggestions « {self.name} »",
            "annotator": f"annotation de {self.name}",
        }[self.kind]


def parse_reference(text: str) -> tuple[str, str]:
    kind, _, name = text.partition(":")
    if (kind == "curated" and not name) or (kind in {"predictions", "annotator"} and name):
        return kind, name or "curated"
    raise PartagesError(f"unknown reference {text!r}: use {REFERENCE_HELP}")


def _ambiguous_predictions(task: dict[str, Any], report: str, name: str, found: list[dict[str, Any]]) -> str:
    """Several different suggestions of one model version for a task: no single reference to compare with."""
    projects = sorted({str(p.get("project")) for p in found if p.get("project") is not None})
    origin = f" (from projects {', '.join(projects)}" + ": each member of a blind group is predicted apart)"
    return (
        f"task {task.get('id')} ({report}) holds {len(found)} different suggestions of model version {name}"
        f"{origin if len(projects) > 1 else ''}; no single reference to compare with: predict with a model that "
        "does not learn from the annotators (`partages-ls predict PROJECT --model rules`) or compare each member "
        "project's pull on its own"
    )


def _how_to_get(kind: str, name: str, tasks: list[dict[str, Any]]) -> str:
    """What the export holds instead of the reference asked for, and how to get that reference."""
    if kind == "curated":
        if not any(is_curation_task(t) for t in tasks):
            return (
                "this is not the export of a curation project: run `partages-ls curate PROJECT`, curate there, "
                "then `partages-ls pull CURATION_PROJECT -o FILE.json`"
            )
        return (
            "no curation task is finished yet: in each one, resolve every Conflit region, tick « Curation "
            "terminée » and click Update, then pull the curation project again"
        )
    if kind == "predictions":
        versions = sorted({str(p.get("model_version")) for t in tasks for p in objects(t.get("predictions"))})
        if not versions:
            return "the export holds no prediction: run `partages-ls predict PROJECT`, then pull again"
        return f"model versions in the export: {', '.join(versions)}"
    present = sorted(
        {annotator_of(a) or "?" for t in tasks for a in objects(t.get("annotations")) if not a.get("was_cancelled")}
    )
    return f"annotators in the export: {', '.join(present) or 'none'}"


def _count_started_from(reference: Reference, annotations: list[Any], suggestions: set[Any]) -> None:
    """Count each annotator's annotations of a report, and those begun from the reference's suggestion."""
    for annotation in objects(annotations):
        if annotation.get("was_cancelled"):
            continue
        who = annotator_of(annotation) or "?"
        reference.compared[who] += 1
        parent = annotation.get("parent_prediction")
        if parent is not None and not isinstance(parent, (dict, list)) and parent in suggestions:
            reference.started_from[who] += 1


def load_reference(
    tasks: list[dict[str, Any]], guide: Guide, spec: str, *, source: str | None = None
) -> tuple[Corpus, Reference]:
    """The annotators' corpus and the reference, both read (and validated) from one export's tasks."""
    kind, name = parse_reference(spec)
    reference = Reference(kind, name)
    rules = compile_rules(guide)
    report_key = guide.text.report_key
    kept_tasks = []
    scratch = Corpus(guide.name, guide.version)
    for task in guide_view(tasks):  # curation controls removed; other tasks unchanged
        data = obj(task.get("data"))  # damaged fields hold nothing here; the reader lists them below
        text = data.get(guide.text.data_key)
        report = str(data.get(report_key) or f"task-{task.get('id')}")
        raw = task.get("annotations")
        annotations: list[Any] = list(raw) if isinstance(raw, list) else []
        chosen: dict[str, Any] | None = None
        if kind == "curated":
            chosen = next((a for a in objects(annotations) if a.get(CURATED_FLAG)), None)
        elif kind == "predictions":
            found = [p for p in objects(task.get("predictions")) if p.get("model_version") == name]
            if len({json.dumps(p.get("result"), sort_keys=True) for p in found}) > 1:
                raise PartagesError(_ambiguous_predictions(task, report, name, found))
            chosen = found[0] if found else None
        else:
            chosen = next((a for a in objects(annotations) if (annotator_of(a) or "").lower() == name.lower()), None)
            annotations = [a for a in annotations if a is not chosen]
        if is_curation_task(task):  # the curator's own annotations are not an annotator's work, whatever the reference
            curator = str(data.get("curation_curator") or "").lower()
            annotations = [
                a for a in annotations if not isinstance(a, dict) or (annotator_of(a) or "").lower() != curator
            ]
        if kind == "predictions" and chosen is not None:
            _count_started_from(reference, annotations, {p.get("id") for p in found} - {None})
        kept_annotations = annotations if isinstance(raw, list) else raw
        kept_tasks.append({**task, "annotations": kept_annotations, "predictions": [], "drafts": []})
        if chosen is not None and isinstance(text, str) and not chosen.get("was_cancelled"):
            where = Provenance(task.get("id"), chosen.get("id"), None, reference.title, source)
            annotation = read_annotation(rules, text, chosen, where, scratch)
            if annotation is not None:
                reference.annotations[report] = annotation
    if not reference.annotations:
        raise PartagesError(
            f"the export holds no {reference.title}: nothing to compare the annotators with; "
            + _how_to_get(kind, name, tasks)
        )
    corpus = read_labelstudio(kept_tasks, guide, source=source)
    corpus.skipped.extend(scratch.skipped)
    return corpus, reference


def _spans(document: str, annotation: Annotation) -> list[tuple[str, int, int, str, str]]:
    return [(document, s.begin, s.end, f"{s.label_set}:{s.label}", s.id) for s in annotation.spans]


def _snippet(text: str, begin: int, end: int, no_text: bool) -> str:
    return "" if no_text else text[begin:end]


class _Comparison:
    def __init__(self, corpus: Corpus, reference: Reference, guide: Guide, iou: float | None, no_text: bool) -> None:
        self.reference, self.guide, self.iou, self.no_text = reference, guide, iou, no_text
        self.texts = {d.report: d.text for d in corpus.documents}
        self.by_annotator: dict[str, dict[str, Annotation]] = {}
        for document in corpus.documents:
            if document.report not in reference.annotations:
                continue
            for annotation in document.annotations:
                who = annotation.annotator or "(inconnu)"
                previous = self.by_annotator.setdefault(who, {}).get(document.report)
                if previous is None or (previous.annotation_id or 0) < (annotation.annotation_id or 0):
                    self.by_annotator[who][document.report] = annotation

    def annotator(self, who: str, samples: int, seed: int) -> dict[str, Any]:
        mine = self.by_annotator[who]
        documents = sorted(mine)
        ledger = Ledger(documents)
        differences: list[dict[str, Any]] = []
        spans: dict[str, dict[str, Figure]] = {}
        exact_pairs: list[tuple[str, str, str]] = []
        for mode in MODES:
            for document in documents:
                result = match_spans(
                    _spans(document, mine[document]),
                    _spans(document, self.reference.annotations[document]),
                    mode,
                    self.iou if mode == "overlap" else None,
                )
                ledger.add(document, (mode, "matched"), result.matched)
                ledger.add(document, (mode, "annotator"), result.a)
                ledger.add(document, (mode, "reference"), result.b)
                if mode == "exact":
                    exact_pairs.extend((document, pair.a[4], pair.b[4]) for pair in result.pairs)
                    differences += self._span_differences(document, result.unmatched_a, result.unmatched_b)
            spans[mode] = self._span_figures(ledger, mode)
        attributes = self._attributes(ledger, mine, exact_pairs, differences)
        fields = self._fields(ledger, mine, documents, differences)
        differences += self._relation_differences(mine, documents)
        ledger.evaluate(samples, seed)
        differences.sort(key=lambda d: (d["document"], d.get("begin") or 0, d.get("end") or 0, d["kind"], d["what"]))
        return {
            "documents": len(documents),
            "spans": {mode: {k: v.as_json() for k, v in figures.items()} for mode, figures in spans.items()},
            "attributes": {
                name: {**entry, "agreement": entry["agreement"].as_json()} for name, entry in attributes.items()
            },
            "document_fields": {
                name: {
                    **entry,
                    "agreement": entry["agreement"].as_json(),
                    "cohen_kappa": entry["cohen_kappa"].as_json(),
                }
                for name, entry in fields.items()
            },
            "differences": differences,
        }

    def _span_figures(self, ledger: Ledger, mode: str) -> dict[str, Figure]:
        cols = [ledger.column((mode, part)) for part in ("matched", "annotator", "reference")]

        def measures(sums: Sums) -> list[Measure]:
            matched, mine, theirs = (sums[i] if i < len(sums) else 0.0 for i in cols)
            return [
                f1(matched, mine, theirs, reason="aucune zone chez l'annotateur ni dans la référence"),
                ratio(matched, mine, "aucune zone chez l'annotateur"),
                ratio(matched, theirs, "aucune zone dans la référence"),
            ]

        f1_figure, precision, recall = ledger.figures(3, measures)
        return {"f1": f1_figure, "precision": precision, "recall": recall}

    def _span_differences(self, document: str, extra: Any, missing: Any) -> list[dict[str, Any]]:
        text = self.texts[document]
        out = []
        relabelled = {(s[1], s[2]): s for s in missing}
        for span in extra:
            ref = relabelled.pop((span[1], span[2]), None)
            if ref is not None:
                out.append(self._difference(document, "étiquette", span[1], span[2], span[3], ref[3], text))
            else:
                out.append(self._difference(document, "zone en trop", span[1], span[2], span[3], None, text))
        for ref in relabelled.values():
            out.append(self._difference(document, "zone manquante", ref[1], ref[2], None, ref[3], text))
        return out

    def _difference(
        self, document: str, kind: str, begin: int | None, end: int | None, mine: Any, theirs: Any, text: str
    ) -> dict[str, Any]:
        snippet = "" if begin is None or end is None else _snippet(text, begin, end, self.no_text)
        return {
            "document": document,
            "kind": kind,
            "begin": begin,
            "end": end,
            "text": snippet,
            "what": f"{mine or '—'} / {theirs or '—'}",
            "annotator": mine,
            "reference": theirs,
        }

    def _attributes(
        self, ledger: Ledger, mine: dict[str, Annotation], pairs: list[tuple[str, str, str]], out: list[dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        support: Counter[str] = Counter()
        for document, mine_id, ref_id in pairs:
            span = next(s for s in mine[document].spans if s.id == mine_id)
            ref = next(s for s in self.reference.annotations[document].spans if s.id == ref_id)
            for name in sorted(set(span.attributes) | set(ref.attributes)):
                same = span.attributes.get(name) == ref.attributes.get(name)
                ledger.add(document, ("attr", name, "agree"), 1.0 if same else 0.0)
                ledger.add(document, ("attr", name, "total"))
                support[name] += 1
                if not same:
                    diff = self._difference(
                        document,
                        f"attribut {name}",
                        span.begin,
                        span.end,
                        span.attributes.get(name),
                        ref.attributes.get(name),
                        self.texts[document],
                    )
                    out.append(diff)
        result = {}
        for name in sorted(support):
            agree, total = ledger.column(("attr", name, "agree")), ledger.column(("attr", name, "total"))
            figure = ledger.figure(_share(agree, total, "aucune zone appariée"))
            result[name] = {"support": support[name], "agreement": figure}
        return result

    def _fields(
        self, ledger: Ledger, mine: dict[str, Annotation], documents: list[str], out: list[dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        result = {}
        for spec in self.guide.document_fields:
            cells: dict[tuple[str, str], int] = {}
            support = 0
            for document in documents:
                theirs = self.reference.annotations[document].fields.get(spec.name)
                if not theirs:
                    continue
                value = "|".join(sorted(mine[document].fields.get(spec.name) or [])) or "(aucune)"
                ref_value = "|".join(sorted(theirs))
                support += 1
                ledger.add(document, ("field", spec.name, "agree"), 1.0 if value == ref_value else 0.0)
                ledger.add(document, ("field", spec.name, "total"))
                key = ("cell", spec.name, value, ref_value)
                ledger.add(document, key)
                cells[(value, ref_value)] = ledger.column(key)
                if value != ref_value:
                    out.append(self._difference(document, f"champ {spec.name}", None, None, value, ref_value, ""))
            if not support:
                continue
            agree, total = ledger.column(("field", spec.name, "agree")), ledger.column(("field", spec.name, "total"))
            result[spec.name] = {
                "support": support,
                "agreement": ledger.figure(_share(agree, total, "aucun compte rendu classé")),
                "cohen_kappa": ledger.figure(_kappa(cells)),
            }
        return result

    def _relation_differences(self, mine: dict[str, Annotation], documents: list[str]) -> list[dict[str, Any]]:
        out = []
        for document in documents:
            sides = []
            for annotation in (mine[document], self.reference.annotations[document]):
                ends = {s.id: (s.begin, s.end, s.label) for s in annotation.spans}
                sides.append(
                    {
                        (ends[r.source], ends[r.target], r.type)
                        for r in annotation.relations
                        if r.source in ends and r.target in ends
                    }
                )
            for kind, items in (("relation en trop", sides[0] - sides[1]), ("relation manquante", sides[1] - sides[0])):
                for source, target, relation in sorted(items):
                    what = f"{relation} {source[2]} [{source[0]}-{source[1]}] → {target[2]} [{target[0]}-{target[1]}]"
                    mine_value, ref_value = (what, None) if kind == "relation en trop" else (None, what)
                    out.append(
                        self._difference(
                            document, kind, source[0], source[1], mine_value, ref_value, self.texts[document]
                        )
                    )
        return out


def _share(agree: int, total: int, reason: str) -> Callable[[Sums], Measure]:
    def function(sums: Sums) -> Measure:
        return ratio(sums[agree], sums[total], reason)

    return function


def _kappa(cells: dict[tuple[str, str], int]) -> Callable[[Sums], Measure]:
    def function(sums: Sums) -> Measure:
        counts = {pair: round(sums[index]) for pair, index in cells.items()}
        if not sum(counts.values()):
            return no_data("aucun compte rendu classé")
        result = cohen_kappa_counts(counts)
        return Measure(result.value, result.note, "" if result.note is not Note.NO_DATA else "aucune donnée")

    return function


def compare_to_reference(
    corpus: Corpus,
    reference: Reference,
    guide: Guide,
    *,
    iou: float | None = None,
    samples: int = 1000,
    seed: int = 1,
    no_text: bool = False,
) -> dict[str, Any]:
    """The "annotateur vs référence" section: figures per annotator and their differences."""
    comparison = _Comparison(corpus, reference, guide, iou, no_text)
    return {
        "reference": {
            "kind": reference.kind,
            "name": reference.name,
            "title": reference.title,
            "documents": len(reference.annotations),
            "caveats": reference.caveats(),
        },
        "annotators": {who: comparison.annotator(who, samples, seed) for who in sorted(comparison.by_annotator)},
    }
