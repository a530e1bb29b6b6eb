"""Django settings for a Label Studio server that runs the guides' plugins: Label Studio's own, plus one middleware.

Use it by starting Label Studio with ``DJANGO_SETTINGS_MODULE=partages_ls.ls_plugin_loader.settings``
(``label-studio start`` keeps a value already set). Every setting of the base module is taken as it is;
only ``MIDDLEWARE`` gains :data:`partages_ls.ls_plugin_loader.MIDDLEWARE` at its end. The base module is
``label_studio.core.settings.label_studio`` (what ``label-studio start`` uses), or the module named by
``PARTAGES_LS_BASE_SETTINGS`` (``core.settings.label_studio`` in Label Studio's Docker image).
"""

from __future__ import annotations

import importlib
import os

from partages_ls.ls_plugin_loader import DEFAULT_BASE_SETTINGS, ENV_BASE_SETTINGS
from partages_ls.ls_plugin_loader import MIDDLEWARE as _OUR_MIDDLEWARE

_BASE = os.environ.get(ENV_BASE_SETTINGS) or DEFAULT_BASE_SETTINGS
# Label Studio's settings read `django.conf.settings` while they are being imported (Sentry's set-up), and
# Django then loads DJANGO_SETTINGS_MODULE a second time, half-imported. While the base module is imported
# the variable names it, as it does on a stock server; once this module is complete, Django reads it.
_ours = os.environ.get("DJANGO_SETTINGS_MODULE")
os.environ["DJANGO_SETTINGS_MODULE"] = _BASE
try:
    _base = importlib.import_module(_BASE)
finally:
    if _ours is None:
        del os.environ["DJANGO_SETTINGS_MODULE"]
    else:
        os.environ["DJANGO_SETTINGS_MODULE"] = _ours
# The equivalent of `from <base> import *` for what Django reads: the upper-case names.
globals().update({name: value for name, value in vars(_base).items() if name.isupper()})
MIDDLEWARE = [*vars(_base)["MIDDLEWARE"], _OUR_MIDDLEWARE]
