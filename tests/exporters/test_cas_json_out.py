"""``cas_json`` writes CAS JSON without cassis's pure-Python indenting: every file must be the text
``cas.to_json(pretty_print=True, ensure_ascii=False)`` gives for the same CAS, byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import cassis
import pytest

from partages_ls.content import content_dir
from partages_ls.exporters.cas import write
from partages_ls.exporters.cas.generate import typesystem_xml
from partages_ls.exporters.cas.json_out import cas_json, fast_path_for, new_cas
from partages_ls.exporters.cas.read import read_cas
from partages_ls.exporters.format import WriteOptions
from partages_ls.exporters.gold import GoldPolicy, select_gold
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.guides.loader import guide_files, load_guide

from .every_kind import every_kind_export
from .mutations import sample_export

GUIDES = [path.stem for path in guide_files(content_dir("guides"))]


def _written_against_cassis(tasks: list[dict[str, Any]], guide_name: str, gold: str, folder: Path) -> int:
    """Export ``tasks`` as CAS; every file written must be cassis's text. Returns the files compared."""
    guide = load_guide(guide_name, content_dir("guides"))
    corpus = select_gold(read_labelstudio(tasks, guide), GoldPolicy.parse(gold))
    compared = []

    def checked(cas: Any) -> str:
        text = cas_json(cas)
        assert text == cas.to_json(pretty_print=True, ensure_ascii=False)
        compared.append(text)
        return text

    with mock.patch.object(write, "cas_json", side_effect=checked):
        stats = write.write_cas(corpus, guide, folder, WriteOptions())
    assert len(compared) == stats["documents"] == len(corpus.documents)
    assert read_cas(folder, guide).documents  # and cassis's reader loads what was written
    return len(compared)


@pytest.mark.parametrize("gold", ["single", "annotator:camille.martin@exemple.fr"])
def test_the_every_kind_export_is_written_as_cassis_writes_it(tmp_path: Path, gold: str) -> None:
    assert _written_against_cassis(every_kind_export(), "infectiologie", gold, tmp_path) > 0


@pytest.mark.parametrize("name", GUIDES)
def test_the_samples_of_every_guide_are_written_as_cassis_writes_them(name: str, tmp_path: Path) -> None:
    typesystem = cassis.load_typesystem(typesystem_xml(load_guide(name, content_dir("guides"))))
    assert fast_path_for(typesystem)  # the guides' type systems never need cassis's writer
    for gold in ("annotator:camille.martin@exemple.fr", "annotator:louis.bernard@exemple.fr"):
        folder = tmp_path / gold.rsplit(":", 1)[-1]
        folder.mkdir()
        assert _written_against_cassis(sample_export(name), name, gold, folder) > 0


def _small_typesystem(floating: bool) -> tuple[Any, Any]:
    typesystem = cassis.TypeSystem()
    mention = typesystem.create_type("x.Mention", supertypeName="uima.tcas.Annotation", description="Mention « é »")
    typesystem.create_feature(mention, "label", "uima.cas.String")
    typesystem.create_feature(mention, "rank", "uima.cas.Integer")
    typesystem.create_feature(mention, "sure", "uima.cas.Boolean")
    typesystem.create_feature(mention, "tags", "uima.cas.StringArray")
    typesystem.create_feature(mention, "head", "x.Mention")
    if floating:
        typesystem.create_feature(mention, "score", "uima.cas.Double")
    return typesystem, mention


@pytest.mark.parametrize("floating", [False, True])
def test_any_cas_is_cassis_text_whichever_path_writes_it(floating: bool) -> None:
    """Integers, booleans, arrays, references, astral characters; a float type system takes cassis's writer."""
    typesystem, mention = _small_typesystem(floating)
    assert fast_path_for(typesystem) is not floating
    cas = cassis.Cas(typesystem=typesystem, sofa_string="Un \U0001f600 « texte »\ttab\n\x01.", sofa_mime="text/plain")
    tags = typesystem.get_type("uima.cas.StringArray")(elements=['a"b', "\\", "\u2028"])
    first = mention(begin=0, end=2, label="Un", rank=-(2**40), sure=True, tags=tags)
    cas.add(first)
    second = mention(begin=3, end=4, label="\U0001f600", rank=0, sure=False, head=first)
    if floating:
        second.score = 0.1
    cas.add(second)
    assert cas_json(cas) == cas.to_json(pretty_print=True, ensure_ascii=False)


def test_a_value_msgspec_refuses_takes_cassis_writer() -> None:
    typesystem, mention = _small_typesystem(False)
    cas = cassis.Cas(typesystem=typesystem, sofa_string="abc", sofa_mime="text/plain")
    cas.add(mention(begin=0, end=1, label="\ud800"))  # a lone surrogate: json writes it, msgspec refuses
    assert cas_json(cas) == cas.to_json(pretty_print=True, ensure_ascii=False)


@pytest.mark.parametrize(
    "text",
    ["", "abc", "Fièvre à 39 °C\r\nCRP 120 mg/L « élevée »\u2028fin", "Un \U0001f600 puis 𝔸 et é", "\U0010ffff"],
)
def test_a_cas_built_without_offset_tables_writes_what_cassis_setter_gives(text: str) -> None:
    """``new_cas`` skips cassis's offset tables when code point and UTF-16 offsets are equal; the JSON,
    whose offsets are UTF-16, must not change, astral characters or not."""
    typesystem, mention = _small_typesystem(False)

    def filled(cas: Any) -> Any:
        if text:
            cas.add(mention(begin=0, end=len(text), label="tout", rank=1, sure=True))
            cas.add(mention(begin=len(text) - 1, end=len(text), label="fin", rank=2, sure=False))
        return cas

    ours = filled(new_cas(typesystem, text, "text/plain"))
    theirs = filled(cassis.Cas(typesystem=typesystem, sofa_string=text, sofa_mime="text/plain"))
    assert ours.sofa_string == text and ours.sofa_mime == "text/plain"
    assert cas_json(ours) == cas_json(theirs) == theirs.to_json(pretty_print=True, ensure_ascii=False)


def test_a_cassis_that_keeps_the_text_elsewhere_gets_its_own_setter(monkeypatch: pytest.MonkeyPatch) -> None:
    """``new_cas`` sets cassis's private text field; when the sofa does not give that text back (internals
    changed), the text goes through cassis's setter, offset tables and all, instead of being lost."""
    setter = cassis.cas.Sofa.sofaString.fset
    stored: dict[int, str] = {}

    def remember(sofa: Any, value: str) -> None:
        stored[id(sofa)] = value
        setter(sofa, value)

    changed = property(lambda sofa: stored.get(id(sofa)), remember)
    monkeypatch.setattr(cassis.cas.Sofa, "sofaString", changed)
    typesystem, _ = _small_typesystem(False)
    cas = new_cas(typesystem, "abc", "text/plain")
    assert cas.sofa_string == "abc" and cas.get_sofa()._offset_converter._python_to_external is not None
