"""CU5a suggestions: biomarkers normalised to the guide's list, values, units, statuses, techniques."""

from __future__ import annotations

import re

from partages_ls.guides.model import Guide
from partages_ls.predict.cues import Clauses, cue_regex
from partages_ls.predict.data import PredictData
from partages_ls.predict.lexicon import Lexicon, Tokens, default_case, fold
from partages_ls.predict.spans import Suggestion, resolve_overlaps

NORMALIZED, PRESENCE, OTHER = "Normalized", "Presence", "AUTRE"
_BRACKETS = re.compile(r"\(([^)]*)\)")
_CLONE = re.compile(r"(?<=clone )[A-Za-z0-9-]{2,8}\b|(?<=clone : )[A-Za-z0-9-]{2,8}\b")


def _display_names(display: str) -> list[str]:
    """« Récepteurs aux œstrogènes (RE) » -> the name without brackets, and « RE »."""
    names = [_BRACKETS.sub("", display).strip()]
    names += [inner.strip() for inner in _BRACKETS.findall(display) if " à " not in inner]
    return [n for n in names if len(n) >= 2]


class BiomarkerModel:
    """Biomarker mentions with Normalized pre-filled; results found on the lines that name one."""

    def __init__(self, data: PredictData, guide: Guide) -> None:
        self.name = data.model
        self.version = f"{data.version}+{data.digest}"
        self.biomarkers = Lexicon()
        listed = self._listed(guide)
        for value_id, display in listed.items():
            if value_id == OTHER:
                continue
            for name in [value_id, *_display_names(display)]:
                self._add_biomarker(name, value_id)
        synonyms = data.mapping("synonyms")
        for value_id in synonyms:
            if value_id not in listed:
                raise data.fail(f"synonyms.{value_id}", "not an id of the Normalized list of the guide")
            for name in data.strings(f"synonyms.{value_id}"):
                self._add_biomarker(name, value_id)
        for name in data.strings("others"):
            self._add_biomarker(name, OTHER if OTHER in listed else next(iter(listed)))
        self.results = Lexicon()
        for term in data.strings("techniques") + data.strings("clones"):
            self.results.add(term, "Technique", case="exact" if term in data.strings("clones") else None)
        for presence, terms in data.groups("statuses").items():
            for term in terms:
                self.results.add(term, "Status", [(PRESENCE, presence)], case="insensitive")
        for term in data.strings("mutations.terms"):
            self.results.add(term, "Mutation", case="insensitive")
        self.mutation_patterns = data.regexes("mutations.patterns")
        self.negative = cue_regex(data.strings("mutations.negative_cues"))
        units = sorted(data.strings("units"), key=len, reverse=True)
        unit_alt = "|".join(re.escape(u) for u in units)
        self.value_unit = re.compile(rf"(?<![\w,.])(\d+(?:[.,]\d+)?)\s?({unit_alt})(?![\w/])")
        self.score = data.regex("scores")

    @staticmethod
    def _listed(guide: Guide) -> dict[str, str]:
        for label_set in guide.label_sets:
            for attribute in label_set.attributes:
                if attribute.name == NORMALIZED:
                    return {v.id: v.display for v in attribute.values}
        return {}

    def _add_biomarker(self, name: str, value_id: str) -> None:
        self.biomarkers.add(name, "Biomarker", [(NORMALIZED, value_id)], case=default_case(name))

    def predict(self, text: str) -> list[Suggestion]:
        tokens = Tokens.of(text)
        folded = fold(text)
        markers = self.biomarkers.suggest(tokens, self.name)
        lines_with_marker = {text.count("\n", 0, s.start) for s in markers}
        found: list[Suggestion] = []
        for suggestion in self.results.suggest(tokens, self.name):
            found.append(
                Suggestion(suggestion.start, suggestion.end, suggestion.label, suggestion.attributes, 0.9, self.name)
            )
        for pattern in self.mutation_patterns:
            for match in pattern.finditer(text):
                found.append(Suggestion(match.start(), match.end(), "Mutation", (), 1.2, self.name))
        for match in _CLONE.finditer(text):
            found.append(Suggestion(match.start(), match.end(), "Technique", (), 1.1, self.name))

        def on_marker_line(offset: int) -> bool:
            return text.count("\n", 0, offset) in lines_with_marker

        for match in self.value_unit.finditer(text):
            if on_marker_line(match.start()):
                found.append(Suggestion(match.start(1), match.end(1), "Value", (), 1.0, self.name))
                found.append(Suggestion(match.start(2), match.end(2), "Unit", (), 1.0, self.name))
        for match in self.score.finditer(text):
            start = match.end() - 2
            if on_marker_line(start):
                found.append(Suggestion(start, match.end(), "Value", (), 1.0, self.name))
        kept = resolve_overlaps([*markers, *found])
        clauses = Clauses(folded)
        out: list[Suggestion] = []
        for suggestion in kept:
            if suggestion.label == "Mutation":
                before, after = clauses.before(suggestion.start, 50), clauses.after(suggestion.end, 40)
                negative = self.negative is not None and (self.negative.search(before) or self.negative.search(after))
                suggestion = suggestion.with_attributes(**{PRESENCE: "Negative" if negative else "Positive"})
            out.append(suggestion)
            # « MSS », « pMMR », « dMMR »: the guide annotates them twice, as Biomarker and as Status.
            surface = text[suggestion.start : suggestion.end]
            if suggestion.label == "Biomarker" and surface in _COMBINED:
                out.append(
                    Suggestion(
                        suggestion.start, suggestion.end, "Status", ((PRESENCE, _COMBINED[surface]),), 1.0, self.name
                    )
                )
        return out


_COMBINED = {"MSS": "Negative", "pMMR": "Negative", "dMMR": "Positive"}
