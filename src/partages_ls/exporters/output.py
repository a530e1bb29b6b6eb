"""Output folders written atomically, never overwritten without ``--overwrite``.

Writers fill a hidden temporary folder beside the target; only a complete result replaces the
target, in one rename. A non-empty target is refused with a list of what is there.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from types import TracebackType

from partages_ls.errors import PartagesError


class OutputExistsError(PartagesError):
    """The output folder holds files and ``--overwrite`` was not given."""


def _listing(folder: Path, limit: int = 8) -> str:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


class OutputFolder:
    """``with OutputFolder(out, overwrite) as tmp:`` write into ``tmp``; it becomes ``out`` on success."""

    def __init__(self, target: Path, *, overwrite: bool = False) -> None:
        self.target = target
        self.overwrite = overwrite
        self.temporary = target.parent / f".{target.name}.partial-{os.getpid()}"

    def __enter__(self) -> Path:
        if self.target.exists() and not self.target.is_dir():
            raise OutputExistsError(f"{self.target} exists and is not a folder")
        if self.target.is_dir() and any(self.target.iterdir()) and not self.overwrite:
            raise OutputExistsError(
                f"{self.target} is not empty ({_listing(self.target)}); "
                "choose another --out or pass --overwrite to replace it"
            )
        self.target.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.temporary, ignore_errors=True)
        self.temporary.mkdir()
        return self.temporary

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)
            return
        previous = self.target.parent / f".{self.target.name}.previous-{os.getpid()}"
        if self.target.exists():
            self.target.rename(previous)
        self.temporary.rename(self.target)
        shutil.rmtree(previous, ignore_errors=True)
