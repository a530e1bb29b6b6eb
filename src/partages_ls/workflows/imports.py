"""`partages-ls import`: reports (and their annotations) into a guide's project or blind group.

The project (or each member project of a blind group) is planned and filled by
:class:`~partages_ls.studio.importer.ProjectImporter`, idempotently; see that module for the rules.
"""

from __future__ import annotations

from pathlib import Path

from partages_ls.guides.loader import load_guide
from partages_ls.studio.blind import BlindGroup, find_group, import_group
from partages_ls.studio.bulk import ProgressFn
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import MODES, ImportFailedError, ImportOptions, ImportReport, ProjectImporter
from partages_ls.studio.projects import resolve_project
from partages_ls.studio.sources import read_source
from partages_ls.workspace import Workspace


def import_sources(
    client: StudioClient,
    project: str | int,
    sources: list[Path],
    options: ImportOptions | None = None,
    *,
    progress: ProgressFn | None = None,
    guides: Path,
) -> ImportReport:
    """Import every SOURCE into the project (a project id or a guide name); see the module docstring.

    The project's guide is read from the ``guides`` folder.
    """
    options = options or ImportOptions()
    if options.mode is not None and options.mode not in MODES:
        raise ImportFailedError(f"--as must be one of {', '.join(MODES)}, got {options.mode!r}")
    if options.mode == "annotations" and not options.annotator:
        raise ImportFailedError("--as annotations needs --annotator EMAIL (whose annotations they are)")
    if options.annotator and options.mode != "annotations":
        raise ImportFailedError("--annotator only applies with --as annotations")
    if not sources:
        raise ImportFailedError("nothing to import: give at least one SOURCE")
    resolved = resolve_project(client, project)
    guide = resolved.guide(guides)
    read = [read_source(path, guide) for path in sources]
    return ProjectImporter(client, resolved, guide, read, options, progress).run()


def run_import(
    client: StudioClient,
    project: str | int,
    sources: list[Path],
    options: ImportOptions,
    workspace: Workspace,
    *,
    progress: ProgressFn | None = None,
) -> tuple[list[ImportReport], BlindGroup | None]:
    """Import into PROJECT, or into every member of the blind group it names; the reports, and the group."""
    group = find_group(client, project)
    if group is None:
        return [import_sources(client, project, sources, options, progress=progress, guides=workspace.guides)], None
    guide = load_guide(group.guide, workspace.guides)
    return import_group(client, group, guide, sources, options, progress), group
