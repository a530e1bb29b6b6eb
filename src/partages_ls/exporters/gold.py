"""Choose "the" annotation of each document, explicitly, by a named policy.

A published subset holds one curated annotation per report; a Label Studio task may hold several.
Tasks where the policy does not pick exactly one annotation are listed, never guessed; every
annotation that is not picked is listed too, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from partages_ls.errors import PartagesError
from partages_ls.exporters.corpus import Annotation, Corpus, Document, Provenance, Skipped

NO_ANNOTATION = "aucune annotation soumise"  # the one undecided case that loses nothing
NOT_CURATED = "curation non terminée : « Curation terminée » n'est pas cochée dans la tâche de curation"
POLICY_HELP = (
    "single (each task has exactly one submitted annotation), ground-truth (the annotation flagged "
    "ground truth), annotator:EMAIL (that annotator's version), curator:EMAIL (the curator's version) or "
    "curated (the finished annotation of each task of a `partages-ls curate` project)"
)


@dataclass(frozen=True)
class GoldPolicy:
    """A parsed ``--gold`` value."""

    kind: str
    email: str | None = None

    @classmethod
    def parse(cls, text: str) -> GoldPolicy:
        kind, _, email = text.partition(":")
        if kind in {"single", "ground-truth", "curated"} and not email:
            return cls(kind)
        if kind in {"annotator", "curator"} and "@" in email:
            return cls(kind, email.strip().lower())
        raise PartagesError(f"unknown gold policy {text!r}: use {POLICY_HELP}")

    def __str__(self) -> str:
        return f"{self.kind}:{self.email}" if self.email else self.kind

    def picks_raw(self, raw: dict[str, Any]) -> bool:
        """The same choice made on a raw Label Studio annotation, before any conversion."""
        if raw.get("was_cancelled"):
            return False
        if self.kind == "single":
            return True
        if self.kind == "ground-truth":
            return bool(raw.get("ground_truth"))
        if self.kind == "curated":  # flagged by partages_ls.curation.gold.guide_view
            return bool(raw.get("partages_ls_curated"))
        who = raw.get("completed_by")
        email = who.get("email") if isinstance(who, dict) else who
        return str(email or "").lower() == self.email

    def picks(self, annotation: Annotation) -> bool:
        if self.kind == "single":
            return True
        if self.kind in {"ground-truth", "curated"}:
            return annotation.ground_truth
        return (annotation.annotator or "").lower() == self.email


def _where(document: Document, annotation: Annotation) -> str:
    return Provenance(document.task_id, annotation.annotation_id, None, annotation.annotator).where()


def gold_document(document: Document, policy: GoldPolicy) -> tuple[Document | None, list[Skipped]]:
    """The document with its one gold annotation (None when the policy does not pick exactly one),
    and every annotation not picked, listed with the reason."""
    skipped: list[Skipped] = []
    picked = [a for a in document.annotations if policy.picks(a)]
    task = Provenance(document.task_id).where() + f" ({document.report})"
    if len(picked) != 1:
        if not document.annotations and not document.submitted:
            reason = NO_ANNOTATION
        elif not picked and policy.kind == "curated":
            reason = NOT_CURATED
        elif not picked:
            reason = f"aucune annotation ne répond à la politique « {policy} »"
        else:
            reason = f"{len(picked)} annotations répondent à la politique « {policy} » : choix ambigu"
        skipped.append(Skipped(task, "task", reason, "gold-policy"))
        for annotation in document.annotations:
            skipped.append(
                Skipped(_where(document, annotation), "annotation", "tâche non exportée : " + reason, "gold-policy")
            )
        return None, skipped
    for annotation in document.annotations:
        if annotation is not picked[0]:
            skipped.append(
                Skipped(
                    _where(document, annotation),
                    "annotation",
                    f"pas l'annotation de référence (politique « {policy} »)",
                    "not-gold",
                )
            )
    kept = Document(
        document.report,
        document.text,
        [picked[0]],
        document.task_id,
        dict(document.metadata),
        document.submitted,
    )
    return kept, skipped


def select_gold(corpus: Corpus, policy: GoldPolicy) -> Corpus:
    """A corpus with exactly one annotation per kept document; the rest is listed as skipped.

    The corpus's documents are in report order (as :func:`read_labelstudio` leaves them), so the
    skipped list is: what reading left out, then the gold choices in report order.
    """
    gold = Corpus(
        guide=corpus.guide,
        guide_version=corpus.guide_version,
        skipped=list(corpus.skipped),
        warnings=list(corpus.warnings),
    )
    for document in corpus.documents:
        kept, skipped = gold_document(document, policy)
        gold.skipped += skipped
        if kept is not None:
            gold.documents.append(kept)
    return gold
