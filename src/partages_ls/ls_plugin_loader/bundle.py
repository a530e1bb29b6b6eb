"""A copy of this package, with the generated plugins, for the ``PYTHONPATH`` of the managed server.

Label Studio runs in its own virtualenv (its pins must not meet ours), so the managed server cannot
import partages-ls from our environment: putting our site-packages on its path would shadow its own
Django, pydantic... Installing partages-ls into that virtualenv would work but drags our dependencies
(pyarrow, numpy...) into Label Studio's. The loader needs none of them (standard library + the Django
Label Studio already has), so the managed server gets a folder holding only ``partages_ls/__init__.py``,
this package and the generated ``plugins/<guide>/plugin.js``, named by a digest of its content and put
first on ``PYTHONPATH``. Label Studio's installed files are not touched.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from partages_ls.ls_plugin_loader import available_guides, plugins_dir

_PACKAGE = Path(__file__).resolve().parent
_FILES = ("__init__.py", "settings.py", "middleware.py", "static/boot.js", "static/lsi.js")
_MARKER = ".complete"


def _sources() -> dict[str, bytes]:
    """``{relative path in the bundle: content}``."""
    files = {f"partages_ls/ls_plugin_loader/{name}": (_PACKAGE / name).read_bytes() for name in _FILES}
    files["partages_ls/__init__.py"] = (_PACKAGE.parent / "__init__.py").read_bytes()
    for guide, path in available_guides(plugins_dir()).items():
        files[f"partages_ls/ls_plugin_loader/_plugins/{guide}/plugin.js"] = path.read_bytes()
    return files


def prepare_bundle(parent: Path) -> Path:
    """Write (once per content) the bundle under ``parent`` and return the folder for ``PYTHONPATH``."""
    files = _sources()
    material = hashlib.sha256()
    for name in sorted(files):
        material.update(name.encode() + b"\0" + files[name] + b"\0")
    target = parent / material.hexdigest()[:16]
    if (target / _MARKER).is_file():
        return target
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".bundle-", dir=parent))
    try:
        for name, content in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        (staging / _MARKER).write_text("ok\n", encoding="utf-8")
        try:
            staging.rename(target)
        except OSError:  # another process wrote the same bundle first
            if not (target / _MARKER).is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
