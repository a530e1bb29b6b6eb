"""`partages-ls build --check` guards the committed generated files."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from partages_ls.cli.main import cli

REPO = Path(__file__).resolve().parents[1]


def test_committed_generated_files_are_up_to_date() -> None:
    result = CliRunner().invoke(cli, ["build", "--check", "--root", str(REPO)])
    assert result.exit_code == 0, f"stale generated files; run `partages-ls build`:\n{result.output}"


def _copy_checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    for folder in ("guides", "label_configs", "plugins", "exporters", "samples"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def test_check_names_stale_missing_and_orphan_files(tmp_path: Path) -> None:
    root = _copy_checkout(tmp_path)
    (root / "label_configs" / "infectiologie.xml").write_text("<View/>", encoding="utf-8")
    (root / "label_configs" / "infectiologie.instructions.html").unlink()
    (root / "label_configs" / "ancien-guide.xml").write_text("<View/>", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--check", "--root", str(root)])
    assert result.exit_code == 1
    assert "run `partages-ls build`" in result.output
    assert "label_configs/infectiologie.xml (differs)" in result.output
    assert "label_configs/infectiologie.instructions.html (missing)" in result.output
    assert "label_configs/ancien-guide.xml (no guide produces it)" in result.output

    result = CliRunner().invoke(cli, ["build", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert "removed label_configs/ancien-guide.xml" in result.output
    assert CliRunner().invoke(cli, ["build", "--check", "--root", str(root)]).exit_code == 0


def test_a_guide_change_makes_the_config_stale(tmp_path: Path) -> None:
    root = _copy_checkout(tmp_path)
    guide = root / "guides" / "infectiologie.yaml"
    guide.write_text(guide.read_text(encoding="utf-8").replace("Bactériémie", "Bactériémie !"), "utf-8")
    result = CliRunner().invoke(cli, ["build", "--check", "--root", str(root)])
    assert result.exit_code == 1
    assert "label_configs/infectiologie.xml (differs)" in result.output


def test_build_root_reads_that_checkouts_samples(tmp_path: Path) -> None:
    # The plugins' sample task comes from the samples of the checkout being built, not from this package's.
    root = _copy_checkout(tmp_path)
    first = sorted((root / "samples" / "infectiologie" / "reports").glob("*.txt"))[0]
    first.write_text("Compte rendu fictif réécrit pour ce test.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--check", "--root", str(root)])
    assert result.exit_code == 1
    assert "plugins/infectiologie/data.json (differs)" in result.output
    assert "plugins/biomarqueurs/data.json" not in result.output

    shutil.rmtree(root / "samples" / "biomarqueurs")
    result = CliRunner().invoke(cli, ["build", "--check", "--root", str(root)])
    assert result.exit_code == 1
    assert "plugins/biomarqueurs/data.json needs a sample report in samples/biomarqueurs/reports/" in result.output
