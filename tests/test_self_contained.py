"""A clone of this repository alone runs its tests: nothing reads a folder beside the repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# The folder beside the repository ("../shared"), or ".." joined as a path segment (Path / ".." / x).
# Strings such as "../x" stay allowed: tests feed them as hostile file names.
OUTSIDE = re.compile(r"""\.\./+shared\b|["']\.\.["']\s*/|\bshared/oracles\b|["']shared["']\s*/""")


def tracked(*suffixes: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=False).stdout
    files = [REPO / line for line in out.splitlines() if line.endswith(suffixes)]
    if not files:  # not a git checkout (an sdist): walk the tree
        files = [p for p in REPO.rglob("*") if p.suffix in suffixes and ".venv" not in p.parts]
    return [p for p in files if "node_modules" not in p.parts and p.is_file()]


def test_no_code_reads_outside_the_repository() -> None:
    offenders = []
    for path in tracked(".py", ".sh", ".mjs", ".js", ".toml"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line) and path.name != "test_self_contained.py":
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_guard_catches_the_former_oracle_path() -> None:
    assert OUTSIDE.search('ORACLES = REPO_ROOT / ".." / "shared" / "oracles"')
    assert OUTSIDE.search('open("../shared/oracles/x.json")')
    assert OUTSIDE.search('ROOT / ".." / "data"')
    assert not OUTSIDE.search('Path(__file__).resolve().parents[1] / "data"')
    assert not OUTSIDE.search('if name in {".", ".."}:')
    assert not OUTSIDE.search('Annotation(annotator="../x", annotation_id=4)')
