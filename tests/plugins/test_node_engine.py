"""The JavaScript engine's own tests (``node --test tests/plugins/``), run from pytest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_node_runs_the_javascript_engine_over_every_vector() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20+ is needed to test the plugin engine (node --test tests/plugins/): install it")
    done = subprocess.run(
        [node, "--test", "tests/plugins/"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"node --test tests/plugins/ failed:\n{done.stdout}\n{done.stderr}"
    assert "# fail 0" in done.stdout
