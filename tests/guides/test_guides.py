"""The bundled guides load cleanly and carry every label the PARHAF reference lists."""

from __future__ import annotations

import pytest

from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.guides.checks import check_guide
from partages_ls.guides.loader import guide_files, load_guide, load_guides
from partages_ls.guides.model import Guide

EXPECTED = {"pseudonymisation", "biomarqueurs", "reponse-traitement", "infectiologie"}


@pytest.fixture(scope="module")
def guides() -> dict[str, Guide]:
    return load_guides(content_dir("guides"))


def test_the_four_guides_are_bundled(guides: dict[str, Guide]) -> None:
    assert set(guides) == EXPECTED
    assert [p.stem for p in guide_files(content_dir("guides"))] == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_guide_has_no_warnings(name: str, guides: dict[str, Guide]) -> None:
    if name not in guides:
        pytest.fail(f"guide {name} is missing from guides/")
    problems = check_guide(guides[name], lambda path: name)
    assert problems == []


def test_infectiologie_matches_reference(guides: dict[str, Guide]) -> None:
    guide = guides["infectiologie"]
    (label_set,) = guide.label_sets
    assert label_set.column == "attribute_LABEL"
    assert {lab.hub_value for lab in label_set.labels} == {"Bacterie", "Bacteriemie", "Infection", "Site"}
    (negation,) = label_set.attributes
    assert negation.column == "attribute_NEGATION"
    assert negation.required
    assert [v.hub_value for v in negation.values] == ["Present", "Absent", "Indetermine"]
    pairs = {(r.id, tuple(r.sources), tuple(sorted(r.targets))) for r in guide.relations}
    assert pairs == {
        ("AGENT_PATHOGENE", ("Bacteriemie",), ("Bacterie",)),
        ("SITE_PRIMAIRE", ("Bacteriemie",), ("Infection", "Site")),
        ("ORIGINE", ("Bacterie",), ("Infection", "Site")),
    }


def test_unknown_guide_names_the_known_ones() -> None:
    with pytest.raises(DiagnosticError, match=r"known guides: .*infectiologie"):
        load_guide("no-such-guide", content_dir("guides"))
