"""Biome lint and format check of the hand-written JavaScript (the engine, the plugin template, the tests)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PATHS = ["src/partages_ls/plugins/js", "src/partages_ls/ls_plugin_loader/static", "tests/plugins"]


def test_biome_passes_on_the_javascript() -> None:
    npx = shutil.which("npx")
    if npx is None:
        pytest.fail("Node.js 20+ with npm is needed for the JavaScript lint: install it, then run `npm ci`")
    if not (ROOT / "node_modules" / ".bin" / "biome").exists():
        pytest.fail("Biome is not installed: run `npm ci` at the repository root (it reads package-lock.json)")
    done = subprocess.run(
        [npx, "--no-install", "biome", "ci", "--colors=off", *PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"biome ci {' '.join(PATHS)} failed:\n{done.stdout}\n{done.stderr}"
