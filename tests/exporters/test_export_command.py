"""`partages-ls export` end to end on an export in Label Studio's shape: outputs, report, safety."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.exporters.parhaf.read import read_parhaf
from partages_ls.guides.loader import load_guide

from .lsexport import annotation, choice, region, relation, task

TEXT = "Hémocultures positives à Escherichia coli 😷.\r\nPas de pyélonéphrite."


def _export(tmp_path: Path, *, sidecar: bool = True, extra: list[dict[str, Any]] | None = None) -> Path:
    extra = extra or []
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
    # Task 2: the human flaws of the issue: a missing required attribute and a relation drawn backwards.
    flawed = [
        region("a", b, b + 22, "Bacteriemie", TEXT),
        choice("a", b, b + 22, "NEGATION", "Present"),
        region("b", e, e + 16, "Bacterie", TEXT),
        choice("b", e, e + 16, "NEGATION", "Present"),
        relation("b", "a", "AGENT_PATHOGENE"),
        region("z", p, p + 13, "Infection", TEXT),
    ]
    tasks: list[dict[str, Any]] = [
        task(1, "MALADIES-INFECTIEUSES-00001_CRH", TEXT, [annotation(11, "camille@x.fr", good)]),
        task(2, "MALADIES-INFECTIEUSES-00002_CRH", TEXT, [annotation(12, "camille@x.fr", flawed + extra)]),
        task(3, "MALADIES-INFECTIEUSES-00003_CRH", TEXT, [annotation(13, "camille@x.fr", good, was_cancelled=True)]),
    ]
    path = tmp_path / "projet.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    if sidecar:
        record = {"guide": "infectiologie", "guide_version": "1.0.0", "project_id": 1}
        (tmp_path / "projet.json.meta.json").write_text(json.dumps(record), encoding="utf-8")
    return path


def _run(tmp_path: Path, export: Path, target: str, *options: str) -> tuple[Any, dict[str, Any] | None, Path]:
    out = tmp_path / f"out-{target}-{'-'.join(o.strip('-') for o in options) or 'default'}"
    result = CliRunner().invoke(cli, ["export", str(export), "--to", target, "--out", str(out), *options])
    path = out / "export-report.json"
    return result, json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None, out


@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_keep_writes_every_annotation_as_stored_and_lists_violations(tmp_path: Path, target: str) -> None:
    result, report, _ = _run(tmp_path, _export(tmp_path), target)
    assert result.exit_code == 0, result.output
    # 3 + 3 spans, 1 + 1 relations: the missing attribute and the reversed relation are written.
    assert "annotations read 3 (cancelled 1), exported 2 (6 spans, 2 relations)" in result.output
    assert "written as stored, breaks the guide (required-attribute): 1" in result.output
    assert "written as stored, breaks the guide (relation-pair): 1" in result.output
    assert report is not None and report["guide"] == "infectiologie" and report["gold_policy"] == "single"
    assert report["invalid"] == "keep" and report["exit_status"] == 0 and report["left_out"] == []
    assert sorted(s["rule"] for s in report["skipped"]) == ["cancelled", "gold-policy"]
    assert sorted(v["rule"] for v in report["violations"]) == ["relation-pair", "required-attribute"]
    listed = next(v for v in report["violations"] if v["rule"] == "required-attribute")
    assert listed["where"] == 'projet.json / task 2 / annotation 12 / result "z" / by camille@x.fr'
    assert listed["kind"] == "error"
    assert not list(tmp_path.glob(".out*.partial-*")), "temporary folder left behind"


@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_skip_leaves_out_rule_breaking_items_and_exits_3(tmp_path: Path, target: str) -> None:
    result, report, _ = _run(tmp_path, _export(tmp_path), target, "--invalid", "skip")
    assert result.exit_code == 3, result.output
    assert "exported 2 (5 spans, 1 relations)" in result.output
    assert "NOT WRITTEN: 2 item(s)" in result.output
    assert report is not None and report["exit_status"] == 3
    assert sorted((s["kind"], s["rule"]) for s in report["left_out"]) == [
        ("relation", "relation-pair"),
        ("span", "required-attribute"),
    ]


@pytest.mark.parametrize("strict", [False, True])
def test_fail_writes_nothing_and_exits_4(tmp_path: Path, strict: bool) -> None:
    options = ["--invalid", "fail", *(["--strict"] if strict else [])]
    result, report, out = _run(tmp_path, _export(tmp_path), "parhaf", *options)
    assert result.exit_code == 4, result.output
    assert report is None and not out.exists()
    assert "2 item(s) break the guide's rules" in result.output
    assert 'task 2 / annotation 12 / result "z" / by camille@x.fr: required-attribute' in result.output


def test_fail_with_strict_counts_warnings(tmp_path: Path) -> None:
    clean = _export(tmp_path)
    tasks = json.loads(clean.read_text(encoding="utf-8"))
    tasks[1]["annotations"][0]["result"] = tasks[0]["annotations"][0]["result"]
    tasks[0]["annotations"][0]["result"][0]["value"]["text"] = "autre chose"  # text-mismatch: a warning
    clean.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert _run(tmp_path, clean, "parhaf", "--invalid", "fail")[0].exit_code == 0
    strict, report, _ = _run(tmp_path, clean, "parhaf", "--invalid", "fail", "--strict")
    assert strict.exit_code == 4 and report is None
    assert "2 item(s) break the guide's rules (warnings included: --strict)" in strict.output  # one per task


def test_unrepresentable_item_is_left_out_alone_and_exits_3(tmp_path: Path) -> None:
    p = TEXT.index("pyélonéphrite")
    export = _export(tmp_path, extra=[region("v", p, p + 13, "Virus", TEXT)])
    result, report, _ = _run(tmp_path, export, "parhaf")
    assert result.exit_code == 3, result.output
    assert "exported 2 (6 spans, 2 relations)" in result.output  # its neighbours are all written
    assert report is not None
    assert [(s["kind"], s["rule"], s["where"]) for s in report["left_out"]] == [
        ("span", "unknown-label", 'projet.json / task 2 / annotation 12 / result "v" / by camille@x.fr')
    ]


def test_an_export_that_writes_nothing_says_why(tmp_path: Path) -> None:
    export = _export(tmp_path)
    nobody, report, out = _run(tmp_path, export, "brat", "--gold", "annotator:nobody@x.fr")
    assert nobody.exit_code == 5 and report is None and not out.exists()
    assert "no submitted annotation by nobody@x.fr in the export; annotators present: camille@x.fr" in nobody.output
    empty = tmp_path / "vide.json"
    empty.write_text("[]", encoding="utf-8")
    (tmp_path / "vide.json.meta.json").write_text(json.dumps({"guide": "infectiologie"}), encoding="utf-8")
    result, report, out = _run(tmp_path, empty, "cas")
    assert result.exit_code == 5 and report is None and not out.exists()
    assert "the export holds no task ([])" in result.output


def test_undecided_task_is_a_loss_exit_3(tmp_path: Path) -> None:
    export = _export(tmp_path)
    tasks = json.loads(export.read_text(encoding="utf-8"))
    tasks[0]["annotations"].append(dict(tasks[0]["annotations"][0], id=99))  # two submitted: single cannot decide
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    result, report, _ = _run(tmp_path, export, "cas")
    assert result.exit_code == 3, result.output
    assert report is not None
    assert [(s["kind"], s["rule"]) for s in report["left_out"]] == [("task", "gold-policy")]


def test_parhaf_export_reads_back(tmp_path: Path) -> None:
    export = _export(tmp_path)
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["export", str(export), "--to", "parhaf", "--out", str(out)]).exit_code == 0
    corpus = read_parhaf(out, load_guide("infectiologie", content_dir("guides")))
    spans = {d.report: [(s.label, s.attributes) for s in d.annotations[0].spans] for d in corpus.documents}
    assert spans["MALADIES-INFECTIEUSES-00001_CRH"] == [
        ("Bacteriemie", {"NEGATION": "Present"}),
        ("Bacterie", {"NEGATION": "Present"}),
        ("Infection", {"NEGATION": "Absent"}),
    ]
    assert spans["MALADIES-INFECTIEUSES-00002_CRH"] == [
        ("Bacteriemie", {"NEGATION": "Present"}),
        ("Bacterie", {"NEGATION": "Present"}),
        ("Infection", {}),
    ]


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


CU1 = "Patient : M. H. Martin, 12 rue des Lilas, 69003 Lyon.\n"


@pytest.mark.parametrize("target", ["parhaf", "cas", "brat"])
def test_every_writer_holds_a_published_style_cu1_annotation(tmp_path: Path, target: str) -> None:
    """RolePER only (as the published subsets) and an initial with its dot: written, read back the same."""
    from partages_ls.exporters.brat.read import read_brat
    from partages_ls.exporters.cas.read import read_cas

    h, m, v = CU1.index("H."), CU1.index("Martin"), CU1.index("Lyon")
    results = [
        region("p", h, h + 2, "Prenom", CU1, control="Categorie"),
        choice("p", h, h + 2, "RolePER", "Patient"),
        region("n", m, m + 6, "Nom", CU1, control="Categorie"),
        choice("n", m, m + 6, "RolePER", "Patient"),
        region("v", v, v + 4, "Ville", CU1, control="Categorie"),  # no RoleLOC: required by the guide
    ]
    tasks = [task(1, "CU1-00001", CU1, [annotation(1, "camille@x.fr", results)])]
    export = tmp_path / "cu1.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "cu1.json.meta.json").write_text(json.dumps({"guide": "pseudonymisation"}), encoding="utf-8")
    result, report, out = _run(tmp_path, export, target)
    assert result.exit_code == 0, result.output
    assert report is not None and [v["rule"] for v in report["violations"]] == ["required-attribute"]
    guide = load_guide("pseudonymisation", content_dir("guides"))
    reader = {"parhaf": read_parhaf, "cas": read_cas, "brat": read_brat}[target]
    (document,) = reader(out, guide).documents
    assert [(s.label, CU1[s.begin : s.end], s.attributes) for s in document.annotations[0].spans] == [
        ("Prenom", "H.", {"RolePER": "Patient"}),
        ("Nom", "Martin", {"RolePER": "Patient"}),
        ("Ville", "Lyon", {}),
    ]
