"""``leading_word`` looks words up by size; it must answer exactly what a word-by-word scan answers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from partages_ls.rules.kinds import APOSTROPHES, WORD_END, leading_word


def scanned(shown: str, words: list[str]) -> str | None:
    """The straightforward definition: every word, longest first (then alphabetical), compared in turn."""
    for word in sorted(words, key=lambda w: (-len(w), w)):
        elided = word[-1:] in APOSTROPHES
        size = len(word)
        head = shown[:size].lower()
        if elided:
            head = head[:-1] + "'" if head[-1:] in APOSTROPHES else head
            word = word[:-1] + "'"
        if len(shown) <= size or head != word:
            continue
        if elided or shown[size] in WORD_END:
            return shown[:size]
    return None


WORDS = ["le", "la", "les", "l'", "l\u2019", "de", "de la", "du", "d'", "un", "une", "des", "qu'"]
# Letters whose lower case is longer (İ) or that fold together, apostrophes, every word end.
ALPHABET = "lLeEaAsdDuUnqQ İi'\u2019x" + WORD_END


def test_the_usual_cases() -> None:
    assert leading_word("le patient", WORDS) == "le"
    assert leading_word("De la fièvre", WORDS) == "De la"
    assert leading_word("L\u2019hôpital", WORDS) == "L\u2019"
    assert leading_word("l'", WORDS) is None  # nothing after the word
    assert leading_word("lesion", WORDS) is None  # not followed by a word end
    assert leading_word("les\u00a0reins", WORDS) == "les"
    assert leading_word("x", [""]) == ""  # an empty word matches any span, as the scan says


@settings(max_examples=400, deadline=None)
@given(
    shown=st.text(alphabet=ALPHABET, min_size=1, max_size=12),
    words=st.lists(st.sampled_from([*WORDS, "", "'", "i", "i\u0307", "ab cd"]) | st.text(ALPHABET, max_size=4)),
)
def test_same_answer_as_the_scan(shown: str, words: list[str]) -> None:
    words = [word.lower() for word in words]  # compiled rules hold lower-case words
    assert leading_word(shown, words) == scanned(shown, words)
    assert leading_word(shown, tuple(words)) == scanned(shown, words)
