"""The file formats partages-ls writes and reads, in one table: export, import and build use it.

Adding a format is one sub-package (``schema``, ``read``, ``write``, ``generate``; see
:mod:`partages_ls.exporters.format`) and one entry here. The order is the order of import's kind
detection and of the formats listed in messages.
"""

from __future__ import annotations

from partages_ls.errors import PartagesError
from partages_ls.exporters.brat.generate import brat_files
from partages_ls.exporters.brat.read import detect_brat, read_brat
from partages_ls.exporters.brat.write import write_brat
from partages_ls.exporters.cas.generate import cas_files
from partages_ls.exporters.cas.read import detect_cas, read_cas
from partages_ls.exporters.cas.write import write_cas
from partages_ls.exporters.format import Format, Generator
from partages_ls.exporters.parhaf.read import detect_parhaf, read_parhaf
from partages_ls.exporters.parhaf.write import write_parhaf

FORMATS: dict[str, Format] = {
    entry.name: entry
    for entry in (
        Format("parhaf", read=read_parhaf, write=write_parhaf, detect=detect_parhaf, splits=True),
        Format("brat", read=read_brat, write=write_brat, detect=detect_brat, generate=brat_files),
        Format("cas", read=read_cas, write=write_cas, detect=detect_cas, generate=cas_files),
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
