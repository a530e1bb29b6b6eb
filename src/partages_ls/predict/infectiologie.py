"""CU6 suggestions: bacteria, bacteraemia, infection and site lexicons with NEGATION pre-filled."""

from __future__ import annotations

import re

from partages_ls.predict.base import plural_variants
from partages_ls.predict.cues import Clauses, cue_regex
from partages_ls.predict.data import PredictData
from partages_ls.predict.lexicon import Lexicon, Tokens, default_case, fold
from partages_ls.predict.spans import Suggestion, resolve_overlaps

NEGATION = "NEGATION"
DEFAULT_POLARITY = "Present"


class InfectiologyModel:
    """Lexicon matches in the report, each with a NEGATION value read from the cues of its clause."""

    def __init__(self, data: PredictData) -> None:
        self.name = data.model
        self.version = f"{data.version}+{data.digest}"
        self.lexicon = Lexicon()
        labels = data.mapping("labels")
        for label in labels:
            base = f"labels.{label}"
            for species in data.strings(f"{base}.species"):
                genus, _, epithet = species.partition(" ")
                self._add(species, label)
                if epithet:
                    for short in (f"{genus[0]}. {epithet}", f"{genus[0]} {epithet}", f"{genus[0]}.{epithet}"):
                        self.lexicon.add(short, label, case="exact")
            for genus in data.strings(f"{base}.genera"):
                self.lexicon.add(genus, label, case="first")
            for term in data.strings(f"{base}.terms"):
                self._add(term, label)
            for term in data.strings(f"{base}.devices"):
                self._add(term, label)
        self.site_label = "Site"
        self.site_triggers = cue_regex(data.strings("labels.Site.triggers"))
        self.site_terms = Lexicon()
        for term in data.strings("labels.Site.after_triggers"):
            self.site_terms.add(term, self.site_label)
        start, present = data.text("blood_cultures.start"), data.text("blood_cultures.present")
        absent, gap = data.text("blood_cultures.absent"), int(data.get("blood_cultures.max_gap", 60))
        self.blood = re.compile(
            rf"(?<!\w)(?:{fold(start)})(?!\w)[^.;\n]{{0,{gap}}}?(?<!\w)(?:(?P<present>{fold(present)})|(?P<absent>{fold(absent)}))(?!\w)"
        )
        self.cues: dict[str, tuple[re.Pattern[str] | None, re.Pattern[str] | None]] = {}
        for value in data.mapping("negation"):
            if value == "clause_breaks":
                continue
            self.cues[value] = (
                cue_regex(data.strings(f"negation.{value}.before")),
                cue_regex(data.strings(f"negation.{value}.after")),
            )
        self.breaks = data.strings("negation.clause_breaks")

    def _add(self, term: str, label: str) -> None:
        case = default_case(term)
        for variant in plural_variants(term) if case == "insensitive" else [term]:
            self.lexicon.add(variant, label, case=case)

    def polarity(self, clauses: Clauses, start: int, end: int) -> str:
        before, after = clauses.before(start), clauses.after(end)
        for value in ("Absent", "Indetermine"):
            cue_before, cue_after = self.cues.get(value, (None, None))
            if (cue_before and cue_before.search(before)) or (cue_after and cue_after.search(after)):
                return value
        return DEFAULT_POLARITY

    def predict(self, text: str) -> list[Suggestion]:
        tokens = Tokens.of(text)
        folded = fold(text)
        found = self.lexicon.suggest(tokens, self.name)
        for first, last, entry in self.site_terms.matches(tokens):
            start, end = tokens.starts[first], tokens.ends[last - 1]
            before = folded[max(0, start - 30) : start]
            trigger = None if self.site_triggers is None else self.site_triggers.search(before)
            # the trigger ends at most a short word away (« point de départ [du] urinaire »)
            if trigger is not None and len(before) - trigger.end() <= 5:
                found.append(Suggestion(start, end, entry.label, (), 0.9, self.name))
        for match in self.blood.finditer(folded):
            value = "Present" if match.group("present") else "Absent"
            found.append(Suggestion(match.start(), match.end(), "Bacteriemie", ((NEGATION, value),), 1.5, self.name))
        clauses = Clauses(folded, self.breaks)
        kept = resolve_overlaps(found)
        out = []
        for suggestion in kept:
            if suggestion.attributes:
                out.append(suggestion)
            else:
                out.append(
                    suggestion.with_attributes(**{NEGATION: self.polarity(clauses, suggestion.start, suggestion.end)})
                )
        return out
