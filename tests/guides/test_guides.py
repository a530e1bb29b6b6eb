"""The bundled guides load cleanly and carry every label the PARHAF reference lists."""

from __future__ import annotations

import pytest

from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.guides.checks import check_guide
from partages_ls.guides.loader import guide_files, load_guide, load_guides
from partages_ls.guides.model import Guide

# Guides whose hub subsets this suite must keep serving; more may be added (a guide is data).
REQUIRED = {"pseudonymisation", "biomarqueurs", "reponse-traitement", "infectiologie"}
GUIDE_NAMES = sorted(p.stem for p in guide_files(content_dir("guides")))


@pytest.fixture(scope="module")
def guides() -> dict[str, Guide]:
    return load_guides(content_dir("guides"))


def test_every_guide_file_is_bundled_under_its_name(guides: dict[str, Guide]) -> None:
    assert sorted(guides) == GUIDE_NAMES
    assert set(guides) >= REQUIRED
    hubs = [guide.export.hub_dataset for guide in guides.values()]
    assert len(set(hubs)) == len(hubs), f"two guides claim the same hub dataset: {sorted(hubs)}"


@pytest.mark.parametrize("name", GUIDE_NAMES)
def test_guide_has_no_warnings(name: str, guides: dict[str, Guide]) -> None:
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
