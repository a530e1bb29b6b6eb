"""A wheel built from the repository carries the content folders and templates (works outside a checkout)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_carries_content_and_templates(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("partages_ls-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    content = "partages_ls/_content/"
    guides = sorted(p.stem for p in (REPO / "guides").glob("*.yaml"))
    assert len(guides) >= 4, guides
    for guide in guides:
        assert f"{content}guides/{guide}.yaml" in names
        assert f"{content}label_configs/{guide}.xml" in names
        assert f"{content}plugins/{guide}/plugin.js" in names
        assert f"{content}exporters/{guide}/typesystem.xml" in names
        assert any(n.startswith(f"{content}samples/{guide}/reports/") for n in names)
    for packaged in (
        f"{content}guides/data/biomarqueurs.csv",
        "partages_ls/label_configs/templates/label_config.xml.j2",
        "partages_ls/agreement/templates/agreement.html.j2",
        "partages_ls/agreement/report.schema.json",
        "partages_ls/plugins/js/engine.js",
        # The Community plugin loader: `pip install partages-ls` in Label Studio's environment brings it.
        "partages_ls/ls_plugin_loader/settings.py",
        "partages_ls/ls_plugin_loader/static/boot.js",
        "partages_ls/ls_plugin_loader/static/lsi.js",
        "partages_ls/py.typed",
    ):
        assert packaged in names, packaged
