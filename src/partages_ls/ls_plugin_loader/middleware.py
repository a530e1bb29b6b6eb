"""The Django middleware that loads the guides' plugins into Label Studio's labeling pages.

It runs inside the Label Studio server (see :mod:`partages_ls.ls_plugin_loader`). Two jobs:

- serve, under ``/partages-ls/``, the static scripts (``static/boot.js``, ``static/lsi.js``,
  ``plugins/<guide>.js``), ``status.json`` (the version guard's verdict, public like ``/version``) and
  ``projects/<id>/plugin.json`` (which guide the project's marker names; logged-in members only);
- add ``<script src="/partages-ls/static/boot.js?v=…" defer>`` to the HTML shell of the web app (the page
  that carries ``window.APP_SETTINGS``), and only there: not to the login pages, the API, the admin or
  any other response. The web app is a single-page app that opens a task without reloading the page, so
  the boot script is in the shell and loads the ``LSI`` shim and the plugin only once a labeling
  interface is shown; on other pages it loads nothing else and defines no global.

Nothing here may break Label Studio: a failure while injecting returns the page untouched, and when the
guard is off the boot script only says why in the page's console.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from partages_ls.ls_plugin_loader import (
    HEADER,
    HOOK_FLAG,
    PREFIX,
    STATIC_FILES,
    Guard,
    available_guides,
    digest,
    evaluate,
    guide_of,
    plugins_dir,
    static_dir,
)

log = logging.getLogger("partages_ls.plugins")

_APP_SHELL = b'<script id="app-settings"'
# Never pages of the web app. The login and sign-up pages (/user/login, /user/signup) are left out by the shell
# test (they use another template) and are never served to a logged-in user anyway; /user/account is the app.
_NOT_APP = ("/api/", "/admin/", "/docs/", "/django-rq/", "/api-auth/", "/static/", "/react-app/")
_PROJECT_JSON = re.compile(r"^projects/(?P<id>[0-9]{1,12})/plugin\.json$")
_PLUGIN_JS = re.compile(r"^plugins/(?P<guide>[a-z][a-z0-9-]*)\.js$")
_STATIC_JS = re.compile(r"^static/(?P<name>[a-z]+\.js)$")


def _label_studio_version() -> str | None:
    try:
        return importlib.metadata.version("label-studio")
    except importlib.metadata.PackageNotFoundError:
        return None


def _frontend_files() -> list[Path]:
    from django.conf import settings  # type: ignore[import-not-found]

    root = Path(str(getattr(settings, "REACT_APP_ROOT", "")))
    return sorted(root.glob("*.js")) if root.is_dir() else []


def _flag_on() -> bool | None:
    try:
        from core.feature_flags import flag_set  # type: ignore[import-not-found]

        return bool(flag_set(HOOK_FLAG, user=None))
    except Exception:  # an older or newer Label Studio: the page checks the flag again
        return None


def _guard() -> Guard:
    try:
        return evaluate(
            version=_label_studio_version(),
            frontend_files=_frontend_files(),
            flag_on=_flag_on(),
            guides=available_guides(plugins_dir()),
        )
    except Exception as err:  # the guard itself failed: stay off, say why
        return Guard(_label_studio_version(), (), (f"the guard could not run: {err!r}",))


class PluginInjectionMiddleware:
    """Serve ``/partages-ls/…`` and add the boot script to the web app's HTML shell."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response
        self.guard = _guard()
        # Read once: what is served always matches the digest in its URL, whatever happens to the files later.
        self.static = {name: (static_dir() / name).read_bytes() for name in STATIC_FILES}
        found = available_guides(plugins_dir()) if self.guard.on else {}
        self.plugins = {name: path.read_bytes() for name, path in found.items()}
        self.versions = {name: digest(content) for name, content in self.static.items()}
        self.plugin_versions = {name: digest(content) for name, content in self.plugins.items()}
        if self.guard.on:
            log.warning("partages-ls: guide plugins on for %s", ", ".join(self.plugins))
        else:
            log.warning("partages-ls: guide plugins off: %s", "; ".join(self.guard.reasons))

    def __call__(self, request: Any) -> Any:
        path = str(request.path_info)
        if path.startswith(PREFIX):
            return self._serve(request, path[len(PREFIX) :])
        response = self.get_response(request)
        try:
            return self._inject(request, response)
        except Exception as err:  # never break a Label Studio page
            log.warning("partages-ls: page left as it is (%r)", err)
            return response

    # --- the app shell ----------------------------------------------------------------------------
    def _inject(self, request: Any, response: Any) -> Any:
        if (
            request.method != "GET"
            or response.status_code != 200
            or getattr(response, "streaming", False)
            or not str(response.get("Content-Type", "")).startswith("text/html")
            or str(request.path_info).startswith(_NOT_APP)
            or not getattr(getattr(request, "user", None), "is_authenticated", False)
        ):
            return response
        body = bytes(response.content)
        at = body.rfind(b"</body>")
        if _APP_SHELL not in body or at < 0:
            return response
        src = f"{request.META.get('SCRIPT_NAME', '')}{PREFIX}static/boot.js?v={self.versions['boot.js']}"
        tag = f'<script src="{src}" defer data-partages-ls="boot"></script>\n'.encode()
        response.content = body[:at] + tag + body[at:]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        response[HEADER] = "on" if self.guard.on else "off"
        return response

    # --- what we serve ----------------------------------------------------------------------------
    def _serve(self, request: Any, rest: str) -> Any:
        from django.http import HttpResponse, HttpResponseNotAllowed  # type: ignore[import-not-found]

        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        if rest == "status.json":
            status = {**self.guard.as_dict(), "scripts": self._scripts()}
            return self._json(HttpResponse, status)
        if match := _STATIC_JS.match(rest):
            name = match["name"]
            if name in self.static:
                return self._script(HttpResponse, self.static[name])
        elif match := _PLUGIN_JS.match(rest):
            content = self.plugins.get(match["guide"])
            if content is not None:
                return self._script(HttpResponse, content)
        elif match := _PROJECT_JSON.match(rest):
            return self._project_plugin(request, HttpResponse, int(match["id"]))
        return self._json(HttpResponse, {"error": "not found"}, status=404)

    def _scripts(self) -> dict[str, str]:
        """Paths relative to ``/partages-ls/`` of the scripts, with their content digest."""
        scripts = {name: f"static/{name}?v={version}" for name, version in self.versions.items()}
        return scripts

    def _project_plugin(self, request: Any, http_response: Any, project_id: int) -> Any:
        user = getattr(request, "user", None)
        if not getattr(user, "is_authenticated", False):
            return self._json(http_response, {"error": "log in first"}, status=401)
        from projects.models import Project  # type: ignore[import-not-found]

        project = Project.objects.filter(pk=project_id).first()
        if project is None or not _may_see(user, project):
            return self._json(http_response, {"error": "not found"}, status=404)
        answer: dict[str, Any] = {"project": project_id, "guide": None, "src": None}
        guide = guide_of(getattr(project, "description", ""))
        if not self.guard.on:
            answer["reason"] = "guide plugins are off on this server: " + "; ".join(self.guard.reasons)
        elif guide is None:
            answer["reason"] = "no partages-ls:guide= marker in the project's description"
        elif guide not in self.plugins:
            answer["reason"] = f"no generated plugin for the guide {guide!r} on this server"
        else:
            answer.update(guide=guide, src=f"plugins/{guide}.js?v={self.plugin_versions[guide]}")
        return self._json(http_response, answer)

    def _json(self, http_response: Any, payload: dict[str, Any], status: int = 200) -> Any:
        response = http_response(json.dumps(payload), content_type="application/json", status=status)
        response["Cache-Control"] = "no-store"
        response[HEADER] = "on" if self.guard.on else "off"
        return response

    def _script(self, http_response: Any, content: bytes) -> Any:
        response = http_response(content, content_type="text/javascript; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "public, max-age=31536000, immutable"  # the URL carries the digest
        return response


def _may_see(user: Any, project: Any) -> bool:
    """Label Studio's own rule when it has one (``Project.has_permission``), else same organisation."""
    check = getattr(project, "has_permission", None)
    if callable(check):
        return bool(check(user))
    return bool(getattr(project, "organization_id", None) == getattr(user, "active_organization_id", object()))
