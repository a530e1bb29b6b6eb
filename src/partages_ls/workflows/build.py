"""`partages-ls build`: regenerate every committed generated file from the guides, or check them.

Each content folder contributes a generator (guides → {relative path: text}); the build writes
them atomically and removes files of the managed folders that no guide produces any more.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from partages_ls.exporters.registry import format_generators
from partages_ls.guides.loader import load_guides
from partages_ls.guides.model import Guide
from partages_ls.guides.table import readme_files
from partages_ls.io import write_text_atomic
from partages_ls.label_configs.artifacts import label_config_files
from partages_ls.plugins.artifacts import plugin_files
from partages_ls.workspace import Workspace

Generator = Callable[[Mapping[str, Guide]], dict[str, str]]

# Folders whose every file is generated: a file there that no generator produces is stale.
MANAGED_FOLDERS = ("label_configs", "exporters", "plugins")


def guide_schema_files(guides: Mapping[str, Guide]) -> dict[str, str]:
    """The JSON schema of guide files, so editors can validate them."""
    schema = Guide.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "PARTAGES annotation guide (partages-ls)"
    return {"guides/guide.schema.json": json.dumps(schema, indent=2, ensure_ascii=False) + "\n"}


GENERATORS: list[Generator] = [guide_schema_files, label_config_files, *format_generators()]


def generated_files(guides: Mapping[str, Guide], workspace: Workspace) -> dict[str, str]:
    """Every generated file of the guides; the plugins' sample tasks come from the workspace's samples."""
    files: dict[str, str] = {}
    for generator in GENERATORS:
        files.update(generator(guides))
    files.update(plugin_files(guides, workspace.samples))
    return files


@dataclass
class BuildResult:
    """What a build wrote or, with ``check``, what is stale."""

    written: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def build(root: Path, *, check: bool = False) -> BuildResult:
    """Regenerate the files under ``root`` from its guides and samples; with ``check``, only report differences."""
    workspace = Workspace.at(root)
    guides = load_guides(workspace.guides)
    files = generated_files(guides, workspace)
    files.update(readme_files(guides, root))
    result = BuildResult()
    for relative, text in sorted(files.items()):
        path = root / relative
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            result.unchanged += 1
            continue
        if check:
            result.stale.append(relative + (" (missing)" if current is None else " (differs)"))
        else:
            write_text_atomic(path, text)
            result.written.append(relative)
    for folder in MANAGED_FOLDERS:
        for path in sorted((root / folder).rglob("*")) if (root / folder).is_dir() else []:
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative not in files:
                if check:
                    result.stale.append(relative + " (no guide produces it)")
                else:
                    path.unlink()
                    result.removed.append(relative)
    return result
