"""α_u summed one document at a time equals α_u of the documents laid end to end (random cases)."""

from __future__ import annotations

import random

import pytest

from partages_ls.agreement.unitizing import UnitizingSums, alpha_unitizing


def _document(rng: random.Random, raters: list[str], labels: list[str]) -> tuple[int, list[tuple[str, str, int, int]]]:
    length = rng.randint(1, 60)
    units = []
    for rater in raters:
        for _ in range(rng.randint(0, 6)):
            begin = rng.randrange(length)
            end = rng.randint(begin + 1, min(length, begin + 15))
            units.append((rater, rng.choice(labels), begin, end))  # overlaps and touching ends included
    return length, units


@pytest.mark.parametrize("seed", range(25))
def test_summed_alpha_u_is_alpha_u_of_the_concatenation(seed: int) -> None:
    rng = random.Random(seed)
    raters = ["a", "b", "c"][: rng.randint(2, 3)]
    labels = ["X", "Y", "Z"][: rng.randint(1, 3)]
    documents = {f"doc-{n:02d}": _document(rng, raters, labels) for n in range(rng.randint(1, 8))}
    sums = UnitizingSums()
    for key in rng.sample(sorted(documents), len(documents)):  # added in any order, laid out by key
        length, units = documents[key]
        sums.add(key, length, raters, units)
    units, offset = [], 0
    for key in sorted(documents):
        length, spans = documents[key]
        units.extend((rater, label, offset + begin, end - begin) for rater, label, begin, end in spans)
        offset += length
    expected = alpha_unitizing(units, 0, offset, raters=raters, merge_overlaps=True)
    found = sums.result(raters)
    assert found.overall == expected.overall
    assert dict(found.categories) == dict(expected.categories)
