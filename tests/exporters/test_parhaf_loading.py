"""The card's loading line returns the rows on disk, with ONE `datasets` cache shared by every load.

`datasets` keys its cache of a local folder on the folder's base name and the card's ``configs``
header, not on the files: two subsets in folders named ``parhaf`` with the same configs, or a
re-export, used to load rows cached from another export. The card's config descriptions carry the
parquet digest so each content gets its own cache entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from partages_ls.exporters.corpus import Annotation, Corpus, Document

from .test_parhaf import (
    INFECTIO,
    INFECTIO_SPLITS,
    REPONSE,
    infectio_corpus,
    offline_datasets,
    reponse_corpus,
    write,
)

Load = Callable[[Path, str], Any]


@pytest.fixture
def documented_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Load:
    """Exactly the card's line, ``datasets.load_dataset(FOLDER, CONFIG)``, offline, one cache for the whole test."""
    offline_datasets(tmp_path, monkeypatch)
    import datasets

    def load(folder: Path, config: str) -> Any:
        return datasets.load_dataset(str(folder), config)

    return load


def on_disk(folder: Path, config: str) -> dict[str, list[dict[str, Any]]]:
    rows = {}
    for path in sorted((folder / "data" / config).glob("*.parquet")):
        table = pq.read_table(path)
        if table.num_rows:
            rows[path.stem.removeprefix(f"{config}_")] = table.to_pylist()
    return rows


def loaded(load: Load, folder: Path, config: str) -> dict[str, list[dict[str, Any]]]:
    return {split: dataset.to_list() for split, dataset in load(folder, config).items()}


def other_team() -> Corpus:
    """Another infectiology subset with the same splits: its card's configs match the first one's."""
    corpus = infectio_corpus()
    return Corpus(corpus.guide, corpus.guide_version, list(reversed(corpus.documents[1:])) + corpus.documents[:1])


def another_gold() -> Corpus:
    """The first subset exported with another gold: one span fewer (the 66-vs-65 rows of the issue)."""
    corpus = infectio_corpus()
    first = corpus.documents[0]
    (annotation,) = first.annotations
    spans = [s for s in annotation.spans if s.id != "m2"]  # "endocardite": in no relation
    kept = Annotation(spans=spans, relations=annotation.relations, annotator=annotation.annotator)
    return Corpus(
        corpus.guide, corpus.guide_version, [Document(first.report, first.text, [kept]), *corpus.documents[1:]]
    )


def test_two_subsets_and_a_re_export_share_one_cache(tmp_path: Path, documented_load: Load) -> None:
    first = tmp_path / "one" / "parhaf"
    second = tmp_path / "two" / "parhaf"
    third = tmp_path / "three" / "parhaf"
    write(infectio_corpus(), INFECTIO, first, INFECTIO_SPLITS)
    reponse, reponse_splits = reponse_corpus()
    write(reponse, REPONSE, second, reponse_splits)
    third_splits = dict(INFECTIO_SPLITS)
    third_splits["MALADIES-INFECTIEUSES-00048_CRH"] = "dev"  # same split names: same configs shape
    write(other_team(), INFECTIO, third, third_splits)

    for folder in (first, second, third, first, second):  # back and forth through the same cache
        for config in ("document_metadata", "spans"):
            assert loaded(documented_load, folder, config) == on_disk(folder, config), (folder, config)
    assert loaded(documented_load, third, "relations") == on_disk(third, "relations")

    before = sum(len(rows) for rows in on_disk(first, "spans").values())
    write(another_gold(), INFECTIO, first, INFECTIO_SPLITS)  # export --overwrite with another gold
    after = on_disk(first, "spans")
    assert sum(len(rows) for rows in after.values()) == before - 1
    assert loaded(documented_load, first, "spans") == after
    assert loaded(documented_load, first, "relations") == on_disk(first, "relations")


def test_card_configs_carry_the_digest_of_their_files(tmp_path: Path) -> None:
    write(infectio_corpus(), INFECTIO, tmp_path / "a", INFECTIO_SPLITS)
    write(another_gold(), INFECTIO, tmp_path / "b", INFECTIO_SPLITS)

    def descriptions(folder: Path) -> dict[str, str]:
        header = yaml.safe_load((folder / "README.md").read_text(encoding="utf-8").split("---\n")[1])
        return {c["config_name"]: c["description"] for c in header["configs"]}

    a, b = descriptions(tmp_path / "a"), descriptions(tmp_path / "b")
    assert all(re.search(r"sha256 [0-9a-f]{64}$", text) for text in a.values())
    assert a["document_metadata"] == b["document_metadata"]  # same reports and texts
    assert a["spans"] != b["spans"]
    assert "load_dataset(FOLDER, CONFIG)" in (tmp_path / "a" / "README.md").read_text(encoding="utf-8")


def test_without_the_digest_the_cache_serves_another_folder(tmp_path: Path, documented_load: Load) -> None:
    """The cause, shown with the installed `datasets`: same folder name and same card header, stale rows."""
    first, third = tmp_path / "one" / "parhaf", tmp_path / "three" / "parhaf"
    write(infectio_corpus(), INFECTIO, first, INFECTIO_SPLITS)
    write(another_gold(), INFECTIO, third, INFECTIO_SPLITS)
    for folder in (first, third):
        card = folder / "README.md"
        card.write_text(re.sub(r"\n  description: [^\n]*", "", card.read_text(encoding="utf-8")), encoding="utf-8")
    assert loaded(documented_load, first, "spans") == on_disk(first, "spans")
    stale = loaded(documented_load, third, "spans")
    assert stale == on_disk(first, "spans") != on_disk(third, "spans")
