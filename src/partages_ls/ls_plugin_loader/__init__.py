"""Run the guides' plugins on a Label Studio Community server, without patching Label Studio.

Community Label Studio drops a project's ``custom_script``, but its labeling frontend keeps the hook the
plugins use: the store's submit/update actions await the ``beforeSaveAnnotation`` handlers of the
LabelStudio instance's event bus and stop before any request when one answers ``false`` (behind the
feature flag :data:`HOOK_FLAG`, on by default in Community). What Community lacks is loading the script
and the ``LSI`` global. This package adds both through Label Studio's own extension point, its Django
settings:

- :mod:`.settings` extends Label Studio's settings (``DJANGO_SETTINGS_MODULE``) with one middleware;
- :mod:`.middleware` adds a constant ``<script src>`` (``static/boot.js``, no user data, CSP ``'self'``)
  to the HTML shell of the web app, and serves under :data:`PREFIX` the static scripts and two small
  JSON answers (``status.json``; ``projects/<id>/plugin.json``: which guide a project's marker names);
- ``boot.js`` waits for a labeling interface of a project, then loads ``static/lsi.js`` (the ``LSI``
  shim over that instance's event bus) and the guide's generated ``plugin.js`` as static scripts.

This module is imported inside the Label Studio server's own environment: standard library only (Django
is imported by the middleware, which runs there). It also holds the version guard, pure Python, so
that it can be tested here.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Label Studio versions whose labeling frontend was proven with the guides' plugins (browser tests).
TESTED_VERSIONS = ("1.23.2",)
HOOK_EVENT = "beforeSaveAnnotation"
HOOK_FLAG = "fflag_feat_all_leap_883_custom_script_270524_short"
# Everything the middleware serves lives under this path of the Label Studio site.
PREFIX = "/partages-ls/"
# Response header of the app pages and of status.json: "on" or "off".
HEADER = "X-Partages-LS-Plugins"
SETTINGS_MODULE = "partages_ls.ls_plugin_loader.settings"
MIDDLEWARE = "partages_ls.ls_plugin_loader.middleware.PluginInjectionMiddleware"

ENV_SWITCH = "PARTAGES_LS_PLUGINS"  # "off" (or 0/false/no) keeps the middleware inert
ENV_BASE_SETTINGS = "PARTAGES_LS_BASE_SETTINGS"  # Label Studio's settings module to extend
ENV_PLUGINS_DIR = "PARTAGES_LS_PLUGINS_DIR"  # where <guide>/plugin.js are (default: the package's)
DEFAULT_BASE_SETTINGS = "label_studio.core.settings.label_studio"
_OFF_WORDS = {"0", "off", "false", "no"}

# The marker `partages-ls project create` writes into a project's description (see studio/projects.py).
GUIDE_MARKER = re.compile(r"partages-ls:guide=(?P<guide>[a-z][a-z0-9-]*)")
# A curation project (partages_ls.curation; same text as studio.projects.CURATION_MARKER, repeated here because
# the loader runs inside Label Studio with the standard library only) names its guide too, but its config adds
# curation controls the guide's plugin does not know: the plugin would refuse every curator's save. The curated
# gold is checked by `validate`/`export` instead.
CURATION_MARKER = "partages-ls:curation-of="
GUIDE_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
STATIC_FILES = ("boot.js", "lsi.js")

_HERE = Path(__file__).resolve().parent


def static_dir() -> Path:
    """The folder of ``boot.js`` and ``lsi.js``."""
    return _HERE / "static"


def plugins_dir(env: dict[str, str] | None = None) -> Path | None:
    """Where ``<guide>/plugin.js`` are: ``$PARTAGES_LS_PLUGINS_DIR``, the bundled copy, else the package content."""
    env = dict(os.environ) if env is None else env
    if env.get(ENV_PLUGINS_DIR):
        return Path(env[ENV_PLUGINS_DIR])
    bundled = _HERE / "_plugins"
    if bundled.is_dir():
        return bundled
    try:
        from partages_ls.content import content_dir
    except ImportError:  # a bare copy of this package without the rest of partages-ls
        return None
    try:
        return content_dir("plugins")
    except Exception:  # PartagesError: neither a checkout nor an installed wheel
        return None


def available_guides(folder: Path | None) -> dict[str, Path]:
    """``{guide: plugin.js}`` for every generated plugin in ``folder``."""
    if folder is None or not folder.is_dir():
        return {}
    return {
        entry.name: entry / "plugin.js"
        for entry in sorted(folder.iterdir())
        if GUIDE_NAME.match(entry.name) and (entry / "plugin.js").is_file()
    }


def guide_of(description: str | None) -> str | None:
    """The guide named by a project description's ``partages-ls:guide=<name>`` marker, or None
    (also None for a curation project, see :data:`CURATION_MARKER`)."""
    if CURATION_MARKER in (description or ""):
        return None
    match = GUIDE_MARKER.search(description or "")
    return match.group("guide") if match else None


def digest(content: bytes) -> str:
    """A short content digest, used as the ``?v=`` of a served script (cache busting)."""
    return hashlib.sha256(content).hexdigest()[:12]


def frontend_has_hook(files: Iterable[Path]) -> bool:
    """True when the labeling frontend's bundles mention both the save hook and its feature flag."""
    seen = {HOOK_EVENT.encode(): False, HOOK_FLAG.encode(): False}
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for needle in seen:
            seen[needle] = seen[needle] or needle in data
        if all(seen.values()):
            return True
    return False


@dataclass(frozen=True)
class Guard:
    """Whether the injection runs on this server, and if not why (French-free: developer facing)."""

    label_studio_version: str | None
    guides: tuple[str, ...]
    reasons: tuple[str, ...] = field(default=())

    @property
    def on(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict[str, object]:
        return {
            "plugins": "on" if self.on else "off",
            "reasons": list(self.reasons),
            "label_studio_version": self.label_studio_version,
            "tested_versions": list(TESTED_VERSIONS),
            "hook": {"event": HOOK_EVENT, "feature_flag": HOOK_FLAG},
            "guides": list(self.guides),
        }


def evaluate(
    *,
    version: str | None,
    frontend_files: Iterable[Path],
    flag_on: bool | None,
    guides: Iterable[str],
    env: dict[str, str] | None = None,
) -> Guard:
    """The version guard: every reason to stay off (none means on).

    ``flag_on`` is the server's value of :data:`HOOK_FLAG` (None when it could not be read).
    """
    env = dict(os.environ) if env is None else env
    names = tuple(guides)
    reasons: list[str] = []
    if env.get(ENV_SWITCH, "").strip().lower() in _OFF_WORDS:
        reasons.append(f"turned off by {ENV_SWITCH}={env[ENV_SWITCH]}")
    if version is None:
        reasons.append("the Label Studio version cannot be read")
    elif version not in TESTED_VERSIONS:
        reasons.append(f"Label Studio {version} is not a tested version ({', '.join(TESTED_VERSIONS)})")
    if not frontend_has_hook(frontend_files):
        reasons.append(f"the labeling frontend has no {HOOK_EVENT!r} hook behind {HOOK_FLAG}")
    if flag_on is False:
        reasons.append(f"the feature flag {HOOK_FLAG} is off on this server")
    if not names:
        reasons.append("no generated plugin found (set PARTAGES_LS_PLUGINS_DIR or reinstall partages-ls)")
    return Guard(version, names, tuple(reasons))
