"""The suggestion models on short French passages, and their results checked against the guides."""

from __future__ import annotations

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.predict.lexicon import Lexicon, Tokens, fold
from partages_ls.predict.matcher import StringMatcher
from partages_ls.predict.pseudonymisation import nir_key_ok
from partages_ls.predict.registry import GuideModels, PredictError
from partages_ls.predict.spans import Suggestion, fit, from_results, resolve_overlaps, to_results
from partages_ls.rules.compile import compile_rules
from partages_ls.rules.engine import check_results

GUIDES = ("pseudonymisation", "infectiologie", "biomarqueurs", "reponse-traitement")

GUIDES_DIR = content_dir("guides")


def _models(guide: str) -> GuideModels:
    return GuideModels.for_guide(load_guide(guide, GUIDES_DIR), GUIDES_DIR)


def _found(guide: str, text: str, model: str = "rules") -> dict[str, tuple[str, dict[str, str]]]:
    suggestions = _models(guide).get(model).predict(text)
    return {text[s.start : s.end]: (s.label, s.attribute_map) for s in suggestions}


def test_fold_keeps_offsets_and_drops_case_and_accents() -> None:
    text = "Pyélonéphrite AIGUË à Escherichia coli — œdème"
    assert len(fold(text)) == len(text)
    assert fold(text).startswith("pyelonephrite aigue a escherichia coli")


def test_lexicon_prefers_the_longest_term_and_respects_acronym_case() -> None:
    lexicon = Lexicon()
    lexicon.add("pyélonéphrite", "Infection")
    lexicon.add("pyélonéphrite aiguë", "Infection")
    lexicon.add("MET", "Biomarker")
    tokens = Tokens.of("Pyelonephrite aiguë droite ; on met en route MET.")
    found = [(tokens.text[s.start : s.end], s.label) for s in lexicon.suggest(tokens)]
    assert found == [("Pyelonephrite aiguë", "Infection"), ("MET", "Biomarker")]


def test_cu1_dates_distinguish_birth_day_precise_and_less_precise() -> None:
    text = "Née le 12/03/1958. Admise le 14 mars 2024, suivie depuis mars 2019, opérée en 2015 ; il y a deux ans."
    found = _found("pseudonymisation", text)
    assert found["12/03/1958"][0] == "DateNaissancePatient"
    assert found["14 mars 2024"][0] == "DateIdentifiante"
    assert found["mars 2019"][0] == "DateNonIdentifiante"
    assert found["2015"][0] == "DateNonIdentifiante"
    assert not any("deux ans" in surface for surface in found)


def test_cu1_contacts_places_and_roles() -> None:
    text = (
        "Secrétariat : 01 99 00 12 34, secretariat.cardio@chu-exemple.fr, https://www.chu-exemple.fr/cardio.\n"
        "Domicile : 5 allée Victor Hugo, 31000 Toulouse. Sa fille : 06 39 98 00 11.\n"
        "Transférée au CHU de Montpellier."
    )
    found = _found("pseudonymisation", text)
    assert found["01 99 00 12 34"] == ("NumeroTelephone", {"RoleNUM": "Hopital"})
    assert found["06 39 98 00 11"] == ("NumeroTelephone", {"RoleNUM": "Autre"})
    assert found["secretariat.cardio@chu-exemple.fr"] == ("AdresseEmail", {"RoleNUM": "Hopital"})
    assert found["https://www.chu-exemple.fr/cardio"][0] == "Url"  # the final full stop is left out
    assert found["5 allée Victor Hugo"] == ("Adresse", {"RoleLOC": "Patient"})
    assert found["31000"] == ("CodePostal", {"RoleLOC": "Patient"})
    assert found["Toulouse"] == ("Ville", {"RoleLOC": "Patient"})
    assert found["Montpellier"] == ("Ville", {"RoleLOC": "Hopital"})


def test_cu1_identifiers_take_their_type_from_the_label_and_the_nir_key_is_checked() -> None:
    valid = "1 58 03 75 112 048 " + f"{97 - int('1580375112048') % 97:02d}"
    assert nir_key_ok(valid.replace(" ", ""))
    assert not nir_key_ok("158037511204836")
    text = f"IPP : 8004521736. Numéro sans libellé {valid}. Autre numéro 1 58 03 75 112 048 36."
    found = _found("pseudonymisation", text)
    assert found["8004521736"] == ("CodeIdentifiant", {"CodeType": "NIPouIPP"})
    assert found[valid] == ("CodeIdentifiant", {"CodeType": "NIR"})
    assert "1 58 03 75 112 048 36" not in found  # wrong key and no label: not proposed


def test_cu1_names_after_titles_with_roles_and_every_other_occurrence() -> None:
    text = (
        "Patiente : Mme Claire DUBOIS. Vue par le Dr Jean-Marc Lefèvre. Sa fille, Mme Anne Dubois. Mme DUBOIS va bien."
    )
    found = _found("pseudonymisation", text)
    assert found["Claire"] == ("Prenom", {"RolePER": "Patient"})
    assert found["DUBOIS"] == ("Nom", {"RolePER": "Patient"})
    assert found["Jean-Marc"] == ("Prenom", {"RolePER": "PersonnelSante"})
    assert found["Lefèvre"] == ("Nom", {"RolePER": "PersonnelSante"})
    assert found["Anne"] == ("Prenom", {"RolePER": "Autre"})
    suggestions = _models("pseudonymisation").get("rules").predict(text)
    assert sum(text[s.start : s.end] == "DUBOIS" for s in suggestions) == 2


def test_cu6_lexicons_and_negation_cues() -> None:
    text = (
        "Hémocultures positives à E. coli, bactériémie à point de départ urinaire. "
        "Pas d'abcès rénal. Suspicion de spondylodiscite. Hémocultures de contrôle négatives."
    )
    found = _found("infectiologie", text)
    assert found["E. coli"] == ("Bacterie", {"NEGATION": "Present"})
    assert found["Hémocultures positives"] == ("Bacteriemie", {"NEGATION": "Present"})
    assert found["urinaire"] == ("Site", {"NEGATION": "Present"})
    assert found["abcès rénal"] == ("Infection", {"NEGATION": "Absent"})
    assert found["spondylodiscite"] == ("Infection", {"NEGATION": "Indetermine"})
    assert found["Hémocultures de contrôle négatives"] == ("Bacteriemie", {"NEGATION": "Absent"})


def test_cu5a_normalises_biomarkers_and_finds_results_on_their_line() -> None:
    text = "RE positifs à 90 %, récepteurs à la progestérone négatifs. HER2 score 2+ en IHC. Tumeur MSS.\nSpO2 98 %."
    suggestions = _models("biomarqueurs").get("rules").predict(text)
    found = {(text[s.start : s.end], s.label): s.attribute_map for s in suggestions}
    assert found[("RE", "Biomarker")] == {"Normalized": "ER"}
    assert found[("récepteurs à la progestérone", "Biomarker")] == {"Normalized": "PR"}
    assert found[("positifs", "Status")] == {"Presence": "Positive"}
    assert ("90", "Value") in found and ("%", "Unit") in found
    assert ("2+", "Value") in found and ("IHC", "Technique") in found
    # « MSS » is a biomarker and its status on the same span, as the guide asks.
    assert found[("MSS", "Biomarker")] == {"Normalized": "MSI"}
    assert found[("MSS", "Status")] == {"Presence": "Negative"}
    assert ("98", "Value") not in found  # no biomarker on that line


def test_the_matcher_learns_proposes_and_forgets() -> None:
    guide = load_guide("infectiologie", content_dir("guides"))
    matcher = StringMatcher(guide)
    text = "Sepsis sur escarre sacrée."
    start = text.index("escarre sacrée")
    span = {"start": start, "end": start + len("escarre sacrée"), "text": "escarre sacrée"}
    result = [
        {"id": "a", "from_name": "LABEL", "to_name": "text", "type": "labels", "value": {**span, "labels": ["Site"]}},
        {
            "id": "a",
            "from_name": "NEGATION",
            "to_name": "text",
            "type": "choices",
            "value": {**span, "choices": ["Present"]},
        },
    ]
    assert matcher.learn(text, result, key="40") == 1
    other = "Escarre sacrée surinfectée ; pas d'autre escarre sacrée."
    proposed = matcher.predict(other)
    assert [(other[s.start : s.end], s.label, s.attribute_map) for s in proposed] == [
        ("Escarre sacrée", "Site", {"NEGATION": "Present"}),
        ("escarre sacrée", "Site", {"NEGATION": "Present"}),
    ]
    matcher.learn("", [], key="40")  # the annotation was deleted
    assert matcher.predict(other) == []


@pytest.mark.parametrize("guide_name", GUIDES)
def test_suggestions_on_the_samples_are_valid_results_of_the_guide(guide_name: str) -> None:
    guide = load_guide(guide_name, content_dir("guides"))
    rules = compile_rules(guide)
    models = GuideModels.for_guide(guide, GUIDES_DIR)
    for path in sorted((content_dir("samples") / guide_name / "reports").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        suggestions = models.get("all").predict(text)
        results = to_results(guide, text, suggestions)
        regions = {item["id"] for item in results}
        # A suggestion is a partial annotation: completeness (document fields, counts) is the annotator's job.
        errors = [v for v in check_results(rules, text, results) if v.level == "error" and v.target in regions]
        assert errors == [], f"{path.name}: {errors[:3]}"
        fitted = fit(guide, text, suggestions)
        assert from_results(results) == [Suggestion(s.start, s.end, s.label, s.attributes) for s in fitted]


def test_overlaps_are_resolved_and_unknown_models_are_refused() -> None:
    a, b, c = Suggestion(0, 10, "X", score=1.0), Suggestion(5, 12, "Y", score=2.0), Suggestion(12, 14, "Z")
    assert resolve_overlaps([a, b, c]) == [b, c]
    with pytest.raises(PredictError, match="no rule model"):
        _models("reponse-traitement").get("rules")
    with pytest.raises(PredictError, match="unknown model"):
        _models("infectiologie").get("bert")
