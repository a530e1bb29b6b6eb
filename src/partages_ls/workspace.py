"""The folders one run works on: the guides and the content generated from them or shipped beside them.

A :class:`Workspace` is chosen by the command line only (the bundled content, or a checkout named by
``build --root``) and passed down explicitly; library code never falls back to a global folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Workspace:
    """The guides folder and the content folders (configs, plugins, exporter schemas, samples)."""

    guides: Path
    label_configs: Path
    plugins: Path
    exporters: Path
    samples: Path

    @classmethod
    def at(cls, root: Path) -> Workspace:
        """The workspace of a checkout laid out like this repository (``root/guides``, ``root/samples``…)."""
        return cls(root / "guides", root / "label_configs", root / "plugins", root / "exporters", root / "samples")
