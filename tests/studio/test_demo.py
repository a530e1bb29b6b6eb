"""The demo on its own persistent server: everything set up, exported, and a second run changes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from partages_ls.content import content_dir
from partages_ls.exporters.export import read_sidecar
from partages_ls.guides.loader import load_guide
from partages_ls.studio.demo import DemoOptions, own_command, run_demo
from partages_ls.studio.server import find_server, stop_server

from .synthetic import make_results

pytestmark = pytest.mark.server
ANNOTATORS = ["anne.demo@exemple.fr", "bruno.demo@exemple.fr"]
GUIDES = ["biomarqueurs", "infectiologie", "pseudonymisation", "reponse-traitement"]


def _samples_with_annotations(root: Path) -> Path:
    """A copy of the bundled samples plus two annotators' files for infectiologie."""
    samples = root / "samples"
    shutil.copytree(content_dir("samples"), samples)
    guide = load_guide("infectiologie")
    folder = samples / "infectiologie" / "annotations"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for variant, email in enumerate(ANNOTATORS):
        items = [
            {"report": p.stem, "result": make_results(guide, p.read_text(encoding="utf-8"), variant=variant)}
            for p in sorted((samples / "infectiologie" / "reports").glob("*.txt"))
        ]
        (folder / f"{email}.json").write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    for other in GUIDES:
        if other != "infectiologie":
            shutil.rmtree(samples / other / "annotations", ignore_errors=True)
    return samples


def test_demo_runs_twice_harmlessly(tmp_path: Path) -> None:
    data_dir, out = tmp_path / "ls", tmp_path / "demo-output"
    options = DemoOptions(out=out, data_dir=data_dir, samples=_samples_with_annotations(tmp_path))
    lines: list[str] = []
    started = []
    try:
        first = run_demo(options, echo=lines.append)
        assert first.started and first.server is not None
        started.append(first.server)
        state = find_server(data_dir)
        assert state is not None and state.url == first.url
        assert [g.guide for g in first.guides] == GUIDES
        for outcome in first.guides:
            assert outcome.reports.tasks_created == 4
            record = read_sidecar(out / "exports" / f"{outcome.guide}.json")
            assert record is not None and record["guide"] == outcome.guide and record["tasks"] == 4
        infectio = first.guides[1]
        assert infectio.annotators == ANNOTATORS
        assert [a.annotations_created for a in infectio.annotations] == [4, 4]
        assert infectio.annotations_pulled == 8
        assert sorted(infectio.subsets) == ["brat", "cas", "parhaf"]
        for target, folder in infectio.subsets.items():
            report = json.loads((folder / "export-report.json").read_text(encoding="utf-8"))
            assert report["gold_policy"] == f"annotator:{ANNOTATORS[0]}", target
            assert report["summary"]["documents_exported"] == 4
        assert infectio.agreement == out / "agreement" / "infectiologie"
        assert (infectio.agreement / "agreement.json").is_file()
        assert any("no sample annotations" in n for n in first.guides[0].notes)
        assert any("reset_password --username anne.demo@exemple.fr" in line for line in first.login_lines)
        assert first.stop_command == f"{own_command()} server stop --data-dir {data_dir}"
        assert any(line.startswith("guide plugins: on (Label Studio ") for line in lines), lines  # the loader

        second = run_demo(options, echo=lines.append)
        assert not second.started and second.url == first.url
        for outcome in second.guides:
            assert outcome.project_action == "unchanged"
            assert (outcome.reports.tasks_created, outcome.reports.tasks_present) == (0, 4)
            assert all(a.annotations_created == 0 for a in outcome.annotations)
        assert second.guides[1].annotations_pulled == 8
        text = "\n".join(lines + first.login_lines)
        secrets = json.loads((data_dir / "partages-ls-credentials.json").read_text())
        assert secrets["token"] not in text and secrets["password"] not in text
    finally:
        for server in started:
            server.stop()  # waits for its own process
        stop_server(data_dir)
