"""The kinds of rule a guide declares: how each compiles, how it checks, what it means.

A guide's ``rules:`` item names its kind (``kind: span_boundaries``) and gives the rule's id,
level and French message; the kind owns the rest. Each kind here is one class:

- ``model``: the guide model class the YAML item is read into (``guides/model.py``);
- ``compile``: the kind's parameters in the compiled rules (JSON, read by both engines), beside
  the rule's id, kind, level, message and labels that every kind has;
- ``check``: the Python check, on the in-bounds spans of the rule's labels (sorted by position);
  its JavaScript twin is the branch ``rule.kind === "<kind>"`` of ``plugins/js/engine.js``;
- ``meaning``: what the rule asks, in English, for the generated plugin README.

``rules/table.py`` lists them in ``RULE_KINDS``; see its docstring for the map of a rule's homes.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from partages_ls.guides.model import (
    CountRule,
    LeadingWordsRule,
    NoLineBreakRule,
    NoOverlapRule,
    SpanBoundariesRule,
)


class Span(Protocol):
    """What a kind's check reads of a region (``rules.engine.Region``)."""

    @property
    def id(self) -> str: ...
    @property
    def label(self) -> str | None: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


# What a check finds: the target (a region's result id, or ``rule:<id>``) and the message's values.
Finding = tuple[str, dict[str, object]]

ModelT = TypeVar("ModelT", SpanBoundariesRule, LeadingWordsRule, NoLineBreakRule, CountRule, NoOverlapRule)

# Characters that end a leading word (the JavaScript engine uses the same set).
WORD_END = " \t\r\n\u00a0\u202f"
APOSTROPHES = "'\u2019"


def capitalised(char: str) -> bool:
    """An upper-case (or title-case) letter: it has a different lower-case form."""
    return char != char.lower()


@functools.lru_cache(maxsize=64)
def _by_size(words: tuple[str, ...]) -> tuple[tuple[int, frozenset[str], frozenset[str]], ...]:
    """``words`` grouped by length, longest first: (size, plain words, elided words with a straight
    apostrophe). Built once per word list; a span then looks up one head per size, not every word."""
    sizes = sorted({len(word) for word in words}, reverse=True)
    return tuple(
        (
            size,
            frozenset(w for w in words if len(w) == size and w[-1:] not in APOSTROPHES),
            frozenset(w[:-1] + "'" for w in words if len(w) == size and w[-1:] in APOSTROPHES),
        )
        for size in sizes
    )


def leading_word(shown: str, words: list[str] | tuple[str, ...]) -> str | None:
    """The word of ``words`` the span starts with, as written, or None.

    A word ending with an apostrophe (``l'``) matches the typographic one too and is glued to the next
    word; any other word must be followed by a space. The span must hold more than the word itself.
    The longest word wins (« de la » before « de »).
    """
    return _leading_word(shown, _by_size(tuple(words)))


def _leading_word(shown: str, groups: tuple[tuple[int, frozenset[str], frozenset[str]], ...]) -> str | None:
    """:func:`leading_word` with the words already grouped (a rule groups its words once, not once per span)."""
    for size, plain, elided in groups:
        if len(shown) <= size:
            continue
        # Every elided word ends with an apostrophe, and only an apostrophe lowers to one: a span whose
        # character at that place is not one is spared the slice and lower() (an empty word counts as elided).
        if elided and (size == 0 or shown[size - 1] in APOSTROPHES):
            head = shown[:size].lower()
            if (head[:-1] + "'" if head[-1:] in APOSTROPHES else head) in elided:
                return shown[:size]
        # The end of a word first: most spans have none at this size, and are spared the slice and lower().
        if shown[size] in WORD_END and shown[:size].lower() in plain:
            return shown[:size]
    return None


def closes_initial(shown: str) -> bool:
    """The span ends with an initial's dot: « H. », « J.-B. », « Jean H. »."""
    if len(shown) < 2 or shown[-1] != "." or not capitalised(shown[-2]):
        return False
    return len(shown) == 2 or shown[-3] in " -.\u00a0"


def described_labels(labels: list[str]) -> str:
    if labels == ["*"]:
        return "every label"
    return ", ".join(f"`{label}`" for label in labels)


def spans_must(labels: list[str], what: str, note: str = "", note_labels: list[str] | None = None) -> str:
    """« spans of <labels> must <what> », with « (<note> <note_labels>) » when there are such labels."""
    meaning = f"spans of {described_labels(labels)} must {what}"
    return meaning + (f" ({note} {described_labels(note_labels)})" if note_labels else "")


_CHARACTER_NAMES = {" ": "space", "\t": "tab", "\r": "CR", "\n": "LF", "\u00a0": "no-break space"}


def described_characters(forbidden: str) -> str:
    named = [name for char, name in _CHARACTER_NAMES.items() if char in forbidden]
    others = "".join(char for char in forbidden if char not in _CHARACTER_NAMES)
    return ", ".join([*named, f"`{others}`"] if others else named)


class RuleKind(ABC, Generic[ModelT]):
    """One kind of guide rule; subclasses set ``kind`` and ``model`` and implement the three parts."""

    kind: ClassVar[str]
    model: type[ModelT]

    def compile(self, rule: ModelT) -> dict[str, Any]:
        """The kind's parameters, added to the rule's id, kind, level, message and labels (none here)."""
        return {}

    @abstractmethod
    def check(self, rule: dict[str, Any], spans: list[Span]) -> Iterator[Finding]:
        """Violations of one compiled rule by the spans of its labels (in bounds, sorted by position)."""

    @abstractmethod
    def meaning(self, rule: ModelT) -> str:
        """What the rule asks, in English (plugin README)."""


class SpanBoundaries(RuleKind[SpanBoundariesRule]):
    """A span starts and ends on a word: none of the ``forbidden`` characters at either end."""

    kind = "span_boundaries"
    model = SpanBoundariesRule

    def compile(self, rule: SpanBoundariesRule) -> dict[str, Any]:
        return {
            "forbidden": rule.forbidden,
            "initial_dot_labels": list(rule.initial_dot_labels),
        }

    def check(self, rule: dict[str, Any], spans: list[Span]) -> Iterator[Finding]:
        if not spans:
            return
        forbidden, initial_dot = rule["forbidden"], rule.get("initial_dot_labels", [])
        for span in spans:
            shown = span.text
            # The dot of an initial is only looked for at an end that would break the rule.
            if shown[0] in forbidden or (
                shown[-1] in forbidden and not (span.label in initial_dot and closes_initial(shown))
            ):
                yield span.id, {"text": shown}

    def meaning(self, rule: SpanBoundariesRule) -> str:
        what = f"not start or end with one of: {described_characters(rule.forbidden)}"
        note = "the dot closing an initial is part of spans of"
        return spans_must(rule.labels, what, note, rule.initial_dot_labels)


class LeadingWords(RuleKind[LeadingWordsRule]):
    """A span does not start with a determiner or another listed word."""

    kind = "leading_words"
    model = LeadingWordsRule

    def compile(self, rule: LeadingWordsRule) -> dict[str, Any]:
        return {
            "words": [word.lower() for word in rule.words],
            "particle_labels": list(rule.particle_labels),
        }

    def check(self, rule: dict[str, Any], spans: list[Span]) -> Iterator[Finding]:
        if not spans:
            return
        groups = _by_size(tuple(rule["words"]))
        particle = rule["particle_labels"]
        for span in spans:
            shown = span.text
            word = _leading_word(shown, groups)
            if word is None or (span.label in particle and capitalised(shown[0])):
                continue
            yield span.id, {"text": shown, "word": word}

    def meaning(self, rule: LeadingWordsRule) -> str:
        what = "not start with: " + ", ".join(f"« {word} »" for word in rule.words)
        return spans_must(rule.labels, what, "a capitalised name particle is allowed in", rule.particle_labels)


class NoLineBreak(RuleKind[NoLineBreakRule]):
    """A span stays on one line."""

    kind = "no_line_break"
    model = NoLineBreakRule

    def check(self, rule: dict[str, Any], spans: list[Span]) -> Iterator[Finding]:
        for span in spans:
            if "\n" in span.text or "\r" in span.text:
                yield span.id, {"text": span.text}

    def meaning(self, rule: NoLineBreakRule) -> str:
        return spans_must(rule.labels, "not cross a line break")


class Count(RuleKind[CountRule]):
    """How many spans of the labels a report holds (``min``, ``max``, either optional)."""

    kind = "count"
    model = CountRule

    def compile(self, rule: CountRule) -> dict[str, Any]:
        return {"min": rule.min, "max": rule.max}

    def check(self, rule: dict[str, Any], spans: list[Span]) -> Iterator[Finding]:
        count = len(spans)
        too_few = rule["min"] is not None and count < rule["min"]
        too_many = rule["max"] is not None and count > rule["max"]
        if too_few or too_many:
            yield f"rule:{rule['id']}", {"count": count}

    def meaning(self, rule: CountRule) -> str:
        bounds = [f"at least {rule.min}"] if rule.min is not None else []
        bounds += [f"at most {rule.max}"] if rule.max is not None else []
        return f"{' and '.join(bounds) or 'any number of'} span(s) of {described_labels(rule.labels)} per report"


class NoOverlap(RuleKind[NoOverlapRule]):
    """Spans of the labels do not overlap one another (each later span that does is reported)."""

    kind = "no_overlap"
    model = NoOverlapRule

    def check(self, rule: dict[str, Any], spans: list[Span]) -> Iterator[Finding]:
        for index, span in enumerate(spans):
            if any(other.end > span.start for other in spans[:index]):
                yield span.id, {"text": span.text}

    def meaning(self, rule: NoOverlapRule) -> str:
        return spans_must(rule.labels, "not overlap each other")
