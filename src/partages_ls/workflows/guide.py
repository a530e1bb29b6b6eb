"""Which guide an export is read against: the one named on the command line, else the pull record's."""

from __future__ import annotations

from pathlib import Path

from partages_ls.errors import PartagesError
from partages_ls.guides.loader import load_guide
from partages_ls.guides.model import Guide
from partages_ls.pull_record import SIDECAR_SUFFIX, read_sidecar, recorded_guide


def resolve_guide(export_path: Path, requested: str | None, guides: Path, *, force: bool = False) -> Guide:
    """The guide named by ``--guide``, else by the pull record, from the ``guides`` folder.

    A ``--guide`` that disagrees with the pull record is an error unless forced.
    """
    recorded = recorded_guide(read_sidecar(export_path))
    if requested is None and recorded is None:
        raise PartagesError(
            f"{export_path}: which guide? No pull record ({export_path.name}{SIDECAR_SUFFIX}) was found; "
            "pass --guide NAME"
        )
    if requested:
        load_guide(requested, guides)  # an unknown name (a typo) is reported first, with the closest known name
    if requested and recorded and requested != recorded and not force:
        raise PartagesError(
            f"{export_path} was pulled from a {recorded!r} project but --guide says {requested!r}; "
            "pass --force-guide if that is intended"
        )
    return load_guide(requested or str(recorded), guides)
