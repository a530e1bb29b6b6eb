"""partages-ls: the PARTAGES annotation guides, brought to Label Studio."""

from __future__ import annotations

__version__ = "0.1.0"
