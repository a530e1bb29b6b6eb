"""Where the content folders (guides/, label_configs/, plugins/, exporters/) are.

In a checkout (editable install) they sit at the repository root; in an installed wheel
they travel as package data under ``partages_ls/_content``.
"""

from __future__ import annotations

from pathlib import Path

from partages_ls.errors import PartagesError
from partages_ls.workspace import Workspace

CONTENT_FOLDERS = ("guides", "label_configs", "plugins", "exporters", "samples")

_PACKAGE_DIR = Path(__file__).resolve().parent


def checkout_root() -> Path | None:
    """The repository root when running from a source checkout, else None."""
    root = _PACKAGE_DIR.parents[1]
    if (root / "pyproject.toml").is_file() and (root / "guides").is_dir():
        return root
    return None


def content_dir(name: str) -> Path:
    """The folder holding one kind of content, from the checkout or the installed package."""
    if name not in CONTENT_FOLDERS:
        raise ValueError(f"unknown content folder {name!r}")
    root = checkout_root()
    if root is not None:
        return root / name
    packaged = _PACKAGE_DIR / "_content" / name
    if packaged.is_dir():
        return packaged
    raise PartagesError(
        f"cannot find the {name}/ folder: neither a partages-ls checkout nor an installed package "
        "with its content (reinstall with `pip install partages-ls`)"
    )


def project_root(start: Path | None = None) -> Path:
    """The checkout that `partages-ls build` writes into: the package's own, else one above ``start``."""
    root = checkout_root()
    if root is not None:
        return root
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "guides").is_dir() and (candidate / "pyproject.toml").is_file():
            return candidate
    raise PartagesError("`partages-ls build` regenerates files of a partages-ls checkout; run it inside one")


def bundled_workspace() -> Workspace:
    """The workspace of this installation's own content (the command line's default)."""
    return Workspace(*(content_dir(name) for name in ("guides", "label_configs", "plugins", "exporters", "samples")))
