"""Attach a guide's generated plugin to a Label Studio project, and say whether the server kept it.

A plugin is stored in the project's ``custom_script`` field, which only Label Studio Enterprise (with
plugins enabled for the organisation) keeps and runs. The Community edition accepts the PATCH and
silently drops the field, so the only honest answer is to read the project back: the server kept the
script (the plugin runs at every save), or it did not (nothing is checked while annotating; every
rule is still checked by ``partages-ls validate`` on export).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from partages_ls.guides.model import Guide
from partages_ls.plugins.artifacts import plugin_files
from partages_ls.studio.client import StudioClient, StudioError

FIELD = "custom_script"
ON_EXPORT = "the rules are enforced by `partages-ls validate` on export"

PluginStatus = Literal["installed", "unsupported", "not-kept", "changed"]


@dataclass(frozen=True)
class PluginResult:
    """What happened to the plugin of ``guide`` on project ``project_id``.

    ``status`` is ``installed`` (the server holds the script: Enterprise), ``unsupported`` (the project
    has no ``custom_script`` field at all: Community edition), ``not-kept`` (the field exists but stayed
    empty: Enterprise without plugins enabled) or ``changed`` (the server holds another script).
    """

    project_id: int
    guide: str
    status: PluginStatus
    message: str
    script_chars: int

    @property
    def kept(self) -> bool:
        """True when the server holds the plugin and runs it at every save."""
        return self.status == "installed"


def plugin_script(guide: Guide) -> str:
    """The generated ``plugins/<guide>/plugin.js`` of this guide."""
    return plugin_files({guide.name: guide})[f"plugins/{guide.name}/plugin.js"]


def set_project_plugin(client: StudioClient, project_id: int, guide: Guide) -> PluginResult:
    """PATCH the project's ``custom_script`` with the guide's plugin, read the project back, report."""
    script = plugin_script(guide)
    client.patch(f"/api/projects/{project_id}", {FIELD: script})
    project: Any = client.get(f"/api/projects/{project_id}")
    if not isinstance(project, dict):
        raise StudioError(f"GET /api/projects/{project_id}: unexpected answer (not a project)")
    where = f"project {project_id}"
    if FIELD not in project:
        status: PluginStatus = "unsupported"
        message = f"{where}: this server does not run plugins (Community edition): {ON_EXPORT}"
    else:
        stored = project[FIELD]
        if isinstance(stored, str) and stored.strip() == script.strip():
            status = "installed"
            message = (
                f"{where}: plugin of the guide {guide.name!r} installed (custom_script, {len(script)} characters); "
                "Label Studio checks every save against the guide, and the export check still applies"
            )
        elif not stored:
            status = "not-kept"
            message = (
                f"{where}: the server did not keep the plugin (custom_script is empty after saving it): plugins "
                f"may not be enabled for this organisation; {ON_EXPORT}"
            )
        else:
            status = "changed"
            message = (
                f"{where}: the server holds a different custom_script ({len(str(stored))} characters, "
                f"{len(script)} sent); the plugin of the guide {guide.name!r} may not run as generated; {ON_EXPORT}"
            )
    return PluginResult(project_id, guide.name, status, message, len(script))
