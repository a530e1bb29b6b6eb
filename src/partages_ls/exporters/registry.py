"""The file formats partages-ls writes and reads, in one table: export, import and build use it.

Adding a format is one sub-package (``schema``, ``read``, ``write``, ``generate``; see
:mod:`partages_ls.exporters.format`) and one entry here. The order is the order of import's kind
detection and of the formats listed in messages.

PARHAF's and CAS's readers and writers import pyarrow and cassis (and numpy through pyarrow), a
tenth of a second and tens of MB that commands such as ``--help`` and ``validate`` never use: their
entries here import the module on first call, so the libraries load only in a command that needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from partages_ls.errors import PartagesError
from partages_ls.exporters.brat.generate import brat_files
from partages_ls.exporters.brat.read import detect_brat, read_brat
from partages_ls.exporters.brat.write import open_brat, write_brat
from partages_ls.exporters.cas.generate import cas_files
from partages_ls.exporters.corpus import Corpus
from partages_ls.exporters.format import DocumentWriter, Format, Generator, WriteOptions
from partages_ls.guides.model import Guide


def _read_parhaf(folder: Path, guide: Guide, /, *, partial: bool = False) -> Corpus:
    from partages_ls.exporters.parhaf.read import read_parhaf

    return read_parhaf(folder, guide, partial=partial)


def _detect_parhaf(folder: Path) -> bool:
    from partages_ls.exporters.parhaf.read import detect_parhaf

    return detect_parhaf(folder)


def _write_parhaf(corpus: Corpus, guide: Guide, folder: Path, options: WriteOptions, /) -> dict[str, Any]:
    from partages_ls.exporters.parhaf.write import write_parhaf

    return write_parhaf(corpus, guide, folder, options)


def _open_parhaf(guide: Guide, folder: Path, options: WriteOptions, /) -> DocumentWriter:
    from partages_ls.exporters.parhaf.write import open_parhaf

    return open_parhaf(guide, folder, options)


def _read_cas(folder: Path, guide: Guide, /, *, partial: bool = False) -> Corpus:
    from partages_ls.exporters.cas.read import read_cas

    return read_cas(folder, guide, partial=partial)


def _detect_cas(folder: Path) -> bool:
    from partages_ls.exporters.cas.read import detect_cas

    return detect_cas(folder)


def _write_cas(corpus: Corpus, guide: Guide, folder: Path, options: WriteOptions, /) -> dict[str, Any]:
    from partages_ls.exporters.cas.write import write_cas

    return write_cas(corpus, guide, folder, options)


def _open_cas(guide: Guide, folder: Path, options: WriteOptions, /) -> DocumentWriter:
    from partages_ls.exporters.cas.write import open_cas

    return open_cas(guide, folder, options)


# Every writer is fed in report order (``ordered``): the problems it lists (and PARHAF's rows) follow it.
FORMATS: dict[str, Format] = {
    entry.name: entry
    for entry in (
        Format(
            "parhaf",
            read=_read_parhaf,
            write=_write_parhaf,
            detect=_detect_parhaf,
            splits=True,
            open=_open_parhaf,
            ordered=True,
        ),
        Format(
            "brat",
            read=read_brat,
            write=write_brat,
            detect=detect_brat,
            generate=brat_files,
            open=open_brat,
            ordered=True,
        ),
        Format(
            "cas",
            read=_read_cas,
            write=_write_cas,
            detect=_detect_cas,
            generate=cas_files,
            open=_open_cas,
            ordered=True,
        ),
    )
}


def get_format(name: str) -> Format:
    """The format called ``name``; an unknown name is an error listing the known ones."""
    if name not in FORMATS:
        raise PartagesError(f"unknown target {name!r}: choose one of {', '.join(sorted(FORMATS))}")
    return FORMATS[name]


def format_generators() -> list[Generator]:
    """The generators of the formats that have generated files (for `partages-ls build`)."""
    return [entry.generate for entry in FORMATS.values() if entry.generate is not None]
