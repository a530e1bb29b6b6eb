"""What a file format is to partages-ls: one writer signature, one reader signature, one registry entry.

Every format lives in its own sub-package of :mod:`partages_ls.exporters` with the same modules:
``schema`` (the guide's naming in that format, shared by the others), ``read``, ``write`` and
``generate`` (the files generated from a guide: ``annotation.conf``, ``typesystem.xml``, the
dataset card). :mod:`partages_ls.exporters.registry` lists the formats; export, import and build
find them there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from partages_ls.exporters.corpus import Corpus, Document
from partages_ls.guides.model import Guide


@dataclass(frozen=True)
class WriteOptions:
    """What a writer is told beside the corpus; a format uses what it has room for.

    ``splits`` maps each report to its split (formats that have splits: PARHAF); ``gold_policy``
    and ``annotators`` describe the export (PARHAF's dataset card states them).
    """

    splits: Mapping[str, str] = field(default_factory=dict)
    gold_policy: str = ""
    annotators: Sequence[str] = ()


class Writer(Protocol):
    """Write a gold corpus (one annotation per document) into an empty ``folder``; return its counts."""

    def __call__(self, corpus: Corpus, guide: Guide, folder: Path, options: WriteOptions, /) -> dict[str, Any]: ...


class DocumentWriter(Protocol):
    """A writer fed one gold document at a time, so that an export never holds the corpus.

    :meth:`add` is called once per document (each holding exactly one annotation): in report order
    (``sorted(documents, key=lambda d: d.report)``) when the format is ``ordered``, in any order
    otherwise. :meth:`close` returns the counts the format's ``write`` returns, or raises the error
    ``write`` raises on the same corpus (every problem, in the same order). Files written before a
    refusal are discarded with the output folder (:mod:`partages_ls.exporters.output`).
    """

    def add(self, document: Document, /) -> None: ...

    def close(self) -> dict[str, Any]: ...


class OpenWriter(Protocol):
    """Start writing a gold corpus into an empty ``folder``, document by document."""

    def __call__(self, guide: Guide, folder: Path, options: WriteOptions, /) -> DocumentWriter: ...


class Reader(Protocol):
    """Read a folder of the format back into the corpus model; ``partial`` (import) leaves out
    each unreadable item alone and lists it in ``corpus.skipped`` instead of raising."""

    def __call__(self, folder: Path, guide: Guide, /, *, partial: bool = False) -> Corpus: ...


# The files a format generates from the guides for `partages-ls build`: {relative path: text}.
Generator = Callable[[Mapping[str, Guide]], dict[str, str]]


@dataclass(frozen=True)
class Format:
    """One registry entry: the format's name (``export --to``, the import kind) and its parts."""

    name: str
    read: Reader
    write: Writer
    detect: Callable[[Path], bool]  # whether a folder holds this format (import's kind detection)
    generate: Generator | None = None  # files for `partages-ls build`, if the format has any
    splits: bool = False  # whether the writer needs the report → split assignment
    open: OpenWriter | None = None  # the document-by-document writer, when the format has one
    ordered: bool = False  # whether ``open``'s writer needs the documents in report order
