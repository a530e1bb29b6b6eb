"""`partages-ls export` end to end on an export in Label Studio's shape: outputs, report, safety."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.exporters.parhaf_read import read_parhaf
from partages_ls.guides.loader import load_guide

from .lsexport import annotation, choice, region, relation, task

TEXT = "Hémocultures positives à Escherichia coli 😷.\r\nPas de pyélonéphrite."


def _export(tmp_path: Path, *, sidecar: bool = True) -> Path:
    b = TEXT.index("Hémocultures positives")
    e = TEXT.index("Escherichia coli")
    p = TEXT.index("pyélonéphrite")
    good = [
        region("a", b, b + 22, "Bacteriemie", TEXT),
        choice("a", b, b + 22, "NEGATION", "Present"),
        region("b", e, e + 16, "Bacterie", TEXT),
        choice("b", e, e + 16, "NEGATION", "Present"),
        relation("a", "b", "AGENT_PATHOGENE"),
        region("c", p, p + 13, "Infection", TEXT),
        choice("c", p, p + 13, "NEGATION", "Absent"),
    ]
    missing_negation = [region("z", p, p + 13, "Infection", TEXT)]
    tasks: list[dict[str, Any]] = [
        task(1, "MALADIES-INFECTIEUSES-00001_CRH", TEXT, [annotation(11, "camille@x.fr", good)]),
        task(2, "MALADIES-INFECTIEUSES-00002_CRH", TEXT, [annotation(12, "camille@x.fr", missing_negation)]),
        task(3, "MALADIES-INFECTIEUSES-00003_CRH", TEXT, [annotation(13, "camille@x.fr", good, was_cancelled=True)]),
    ]
    path = tmp_path / "projet.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    if sidecar:
        record = {"guide": "infectiologie", "guide_version": "1.0.0", "project_id": 1}
        (tmp_path / "projet.json.meta.json").write_text(json.dumps(record), encoding="utf-8")
    return path


@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_export_writes_target_and_report(tmp_path: Path, target: str) -> None:
    export = _export(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["export", str(export), "--to", target, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "annotations read 3 (cancelled 1), exported 2 (3 spans, 1 relations)" in result.output
    assert "skipped (required-attribute): 1" in result.output
    report = json.loads((out / "export-report.json").read_text(encoding="utf-8"))
    assert report["guide"] == "infectiologie" and report["gold_policy"] == "single"
    reasons = sorted(s["rule"] for s in report["skipped"])
    assert reasons == ["cancelled", "gold-policy", "required-attribute"]
    skipped_span = next(s for s in report["skipped"] if s["rule"] == "required-attribute")
    assert skipped_span["where"] == 'projet.json / task 2 / annotation 12 / result "z" / by camille@x.fr'
    assert not list(tmp_path.glob(".out.partial-*")), "temporary folder left behind"


def test_parhaf_export_reads_back(tmp_path: Path) -> None:
    export = _export(tmp_path)
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["export", str(export), "--to", "parhaf", "--out", str(out)]).exit_code == 0
    corpus = read_parhaf(out, load_guide("infectiologie"))
    spans = {d.report: [(s.label, s.attributes) for s in d.annotations[0].spans] for d in corpus.documents}
    assert spans["MALADIES-INFECTIEUSES-00001_CRH"] == [
        ("Bacteriemie", {"NEGATION": "Present"}),
        ("Bacterie", {"NEGATION": "Present"}),
        ("Infection", {"NEGATION": "Absent"}),
    ]
    assert spans["MALADIES-INFECTIEUSES-00002_CRH"] == []


def test_refuses_non_empty_out_and_overwrites_on_request(tmp_path: Path) -> None:
    export = _export(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "precieux.txt").write_text("à garder", encoding="utf-8")
    refused = CliRunner().invoke(cli, ["export", str(export), "--to", "cas", "--out", str(out)])
    assert refused.exit_code == 1
    assert "not empty (precieux.txt)" in refused.output and "--overwrite" in refused.output
    assert (out / "precieux.txt").read_text(encoding="utf-8") == "à garder"
    done = CliRunner().invoke(cli, ["export", str(export), "--to", "cas", "--out", str(out), "--overwrite"])
    assert done.exit_code == 0, done.output
    assert not (out / "precieux.txt").exists() and (out / "export-report.json").is_file()


def test_failed_export_leaves_previous_output_untouched(tmp_path: Path) -> None:
    export = _export(tmp_path)
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["export", str(export), "--to", "cas", "--out", str(out)]).exit_code == 0
    before = sorted(p.name for p in out.iterdir())
    bad_split = CliRunner().invoke(
        cli, ["export", str(export), "--to", "parhaf", "--out", str(out), "--overwrite", "--single-split", "été"]
    )
    assert bad_split.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == before


def test_guide_resolution(tmp_path: Path) -> None:
    export = _export(tmp_path, sidecar=False)
    missing = CliRunner().invoke(cli, ["export", str(export), "--to", "cas", "--out", str(tmp_path / "o")])
    assert missing.exit_code == 1 and "pass --guide NAME" in missing.output
    export = _export(tmp_path)
    clash = CliRunner().invoke(
        cli, ["export", str(export), "--to", "cas", "--out", str(tmp_path / "o"), "--guide", "pseudonymisation"]
    )
    assert clash.exit_code == 1 and "--force-guide" in clash.output


def test_validate_lists_every_problem_with_location(tmp_path: Path) -> None:
    export = _export(tmp_path)
    result = CliRunner().invoke(cli, ["validate", str(export)])
    assert result.exit_code == 1
    assert 'projet.json / task 2 / annotation 12 / result "z" / by camille@x.fr: error: Renseignez « Négation »' in (
        result.output
    )
