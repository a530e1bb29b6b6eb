"""Report ids that equal the names of the files an export writes itself, or are too long for a file.

No document may be lost to a name: either every report comes back when the folder is read again, or
the export is refused with a message naming the report, and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.exporters.brat.read import read_brat
from partages_ls.exporters.cas.read import read_cas
from partages_ls.exporters.parhaf.read import read_parhaf
from partages_ls.guides.loader import load_guide

from .lsexport import annotation, choice, region, task

GUIDE = load_guide("infectiologie", content_dir("guides"))
TEXT = "Bacteriemie a E. coli sur pyelonephrite."
HOSTILE = ["export-report", "EXPORT-REPORT", "typesystem", "annotation", "visual", "README", "data", "x" * 300]
READERS = {"cas": read_cas, "brat": read_brat, "parhaf": read_parhaf}


def _write_export(path: Path, reports: list[str]) -> None:
    spans = [region("r1", 14, 21, "Bacterie", TEXT), choice("r1", 14, 21, "NEGATION", "Present")]
    tasks = [task(n, report, TEXT, [annotation(100 + n, "a@x.fr", spans)]) for n, report in enumerate(reports, 1)]
    path.write_text(json.dumps(tasks), encoding="utf-8")


@pytest.mark.parametrize("target", sorted(READERS))
@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda r: r[:20])
def test_no_document_is_lost_to_its_name(tmp_path: Path, target: str, hostile: str) -> None:
    export = tmp_path / "x.json"
    _write_export(export, ["R1", hostile])
    out = tmp_path / "out"
    args = ["export", str(export), "--guide", "infectiologie", "--to", target, "--out", str(out)]
    if target == "parhaf":
        args += ["--single-split", "train"]
    result = CliRunner().invoke(cli, args)
    if result.exit_code == 0:
        run_report = json.loads((out / "export-report.json").read_text(encoding="utf-8"))
        assert run_report["summary"]["documents_exported"] == 2
        read_back = READERS[target](out, GUIDE)
        assert sorted(d.report for d in read_back.documents) == sorted(["R1", hostile])
    else:
        assert result.exit_code == 1 and result.exception is not None
        assert isinstance(result.exception, SystemExit), result.exception
        assert hostile[:40] in result.output and "Traceback" not in result.output
        assert "writes itself" in result.output or "255" in result.output
        assert not out.exists()


def test_only_the_real_collisions_are_refused(tmp_path: Path) -> None:
    """CAS documents are <report>.json: only the run report's name collides there; brat never collides."""
    outcomes = {}
    for target in ("cas", "brat"):
        for hostile in ("export-report", "typesystem", "annotation", "x" * 300):
            export = tmp_path / f"{target}-{hostile[:5]}.json"
            _write_export(export, [hostile])
            out = tmp_path / f"out-{target}-{hostile[:5]}"
            args = ["export", str(export), "--guide", "infectiologie", "--to", target, "--out", str(out)]
            outcomes[target, hostile[:5]] = CliRunner().invoke(cli, args).exit_code
    assert outcomes == {
        ("cas", "expor"): 1,
        ("cas", "types"): 0,
        ("cas", "annot"): 0,
        ("cas", "xxxxx"): 1,
        ("brat", "expor"): 0,
        ("brat", "types"): 0,
        ("brat", "annot"): 0,
        ("brat", "xxxxx"): 1,
    }
