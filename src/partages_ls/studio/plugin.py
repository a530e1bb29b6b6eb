"""Attach a guide's generated plugin to a Label Studio project, and say whether the server will run it.

A plugin is stored in the project's ``custom_script`` field, which only Label Studio Enterprise (with
plugins enabled for the organisation) keeps and runs. The Community edition accepts the PATCH and
silently drops the field, so the only honest answer is to read the project back. When the field is
gone, the server may still run the plugin through partages-ls' loader (``partages_ls.ls_plugin_loader``,
on by default on the managed server): its ``/partages-ls/status.json`` says whether it is on, for which
guides, and the plugin it serves is compared with ours. Otherwise nothing is checked while annotating;
every rule is still checked by ``partages-ls validate`` on export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from partages_ls.guides.model import Guide
from partages_ls.ls_plugin_loader import guide_of
from partages_ls.plugins.artifacts import render_plugin
from partages_ls.studio.client import StudioClient, StudioError

FIELD = "custom_script"
ON_EXPORT = "the rules are enforced by `partages-ls validate` on export"

PluginStatus = Literal["installed", "injected", "injection-off", "unsupported", "not-kept", "changed"]
STATUS_PATH = "/partages-ls/status.json"
GUIDE_MARKER_TEXT = "partages-ls:guide="
ENABLE_HINT = (
    "to run it on Community, install partages-ls in the server's environment and start Label Studio with "
    "DJANGO_SETTINGS_MODULE=partages_ls.ls_plugin_loader.settings (README: Plugins on Label Studio Community)"
)


@dataclass(frozen=True)
class PluginResult:
    """What happened to the plugin of ``guide`` on project ``project_id``.

    ``status`` is ``installed`` (the server holds the script: Enterprise), ``injected`` (Community with
    partages-ls' loader on: it serves this very plugin to the project's labeling pages), ``injection-off``
    (Community with the loader, but off or without this guide), ``unsupported`` (Community edition without
    the loader), ``not-kept`` (the field exists but stayed empty: Enterprise without plugins enabled) or
    ``changed`` (the server holds, or its loader serves, another script).
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

    @property
    def runs(self) -> bool:
        """True when the labeling pages of the project run the plugin (Enterprise, or Community's loader)."""
        return self.status in ("installed", "injected")


def plugin_script(guide: Guide) -> str:
    """The generated ``plugins/<guide>/plugin.js`` of this guide."""
    return render_plugin(guide)


def set_project_plugin(client: StudioClient, project_id: int, guide: Guide) -> PluginResult:
    """PATCH the project's ``custom_script`` with the guide's plugin, read the project back, report."""
    script = plugin_script(guide)
    client.patch(f"/api/projects/{project_id}", {FIELD: script})
    project: Any = client.get(f"/api/projects/{project_id}")
    if not isinstance(project, dict):
        raise StudioError(f"GET /api/projects/{project_id}: unexpected answer (not a project)")
    where = f"project {project_id}"
    status: PluginStatus
    if FIELD not in project:
        status, message = _community(client, where, guide, script, project.get("description"))
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


def loader_status(client: StudioClient) -> dict[str, Any] | None:
    """The ``status.json`` of partages-ls' plugin loader on that server, or None when it has none."""
    try:
        status = client.get(STATUS_PATH)
    except StudioError as exc:
        if exc.status == 404:
            return None
        raise
    except ValueError:  # an HTML page: no loader
        return None
    return status if isinstance(status, dict) and status.get("plugins") in ("on", "off") else None


def _community(
    client: StudioClient, where: str, guide: Guide, script: str, description: object
) -> tuple[PluginStatus, str]:
    """A server without ``custom_script``: does partages-ls' loader run the guide's plugin there?"""
    loader = loader_status(client)
    if loader is None:
        return (
            "unsupported",
            f"{where}: this server does not run plugins (Community edition without partages-ls' plugin loader): "
            f"{ON_EXPORT}; {ENABLE_HINT}",
        )
    if loader["plugins"] != "on":
        reasons = "; ".join(str(r) for r in loader.get("reasons") or []) or "no reason given"
        return "injection-off", f"{where}: the partages-ls plugin loader of this server is off ({reasons}): {ON_EXPORT}"
    named = guide_of(description if isinstance(description, str) else None)
    if named != guide.name:
        return (
            "injection-off",
            f"{where}: the loader finds a project's guide by the marker {GUIDE_MARKER_TEXT}{guide.name} in its "
            f"description, and this project's description {'names ' + repr(named) if named else 'has none'} "
            f"(create the project with `partages-ls project create {guide.name}`): {ON_EXPORT}",
        )
    if guide.name not in (loader.get("guides") or []):
        return (
            "injection-off",
            f"{where}: the partages-ls plugin loader of this server has no plugin for the guide {guide.name!r} "
            f"(update partages-ls in the server's environment): {ON_EXPORT}",
        )
    served = client.request("GET", f"/partages-ls/plugins/{guide.name}.js").text
    if served.strip() != script.strip():
        return (
            "changed",
            f"{where}: the server's partages-ls serves another plugin for the guide {guide.name!r} ({len(served)} "
            f"characters, {len(script)} here): update partages-ls in the server's environment; {ON_EXPORT}",
        )
    version = loader.get("label_studio_version")
    return (
        "injected",
        f"{where}: plugin of the guide {guide.name!r} loaded into the labeling pages by partages-ls (Label Studio "
        f"Community {version}, {len(script)} characters); Label Studio checks every submit and update against the "
        "guide, and the export check still applies",
    )
