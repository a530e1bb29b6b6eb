"""The demo on its own persistent server: everything set up, exported, and a second run changes nothing."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import bundled_workspace, content_dir
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.pull_record import read_sidecar
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import LOCAL_DATA_DIR, Connection
from partages_ls.studio.projects import list_tasks
from partages_ls.studio.server import find_server, stop_server
from partages_ls.workflows.demo import DemoOptions, DemoResult, GuideOutcome, own_command, run_demo

from .synthetic import make_results

pytestmark = pytest.mark.server
ANNOTATORS = ["anne.demo@exemple.fr", "bruno.demo@exemple.fr"]
GUIDES = sorted(load_guides(content_dir("guides")))


def _samples_with_annotations(root: Path) -> Path:
    """A copy of the bundled samples plus two annotators' files for infectiologie."""
    samples = root / "samples"
    shutil.copytree(content_dir("samples"), samples)
    guide = load_guide("infectiologie", content_dir("guides"))
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


def _outcome(result: DemoResult, guide: str) -> GuideOutcome:
    """The demo's outcome for one guide, found by name (the guides run in name order)."""
    (found,) = [g for g in result.guides if g.guide == guide]
    return found


def test_demo_runs_twice_harmlessly(tmp_path: Path) -> None:
    data_dir, out = tmp_path / "ls", tmp_path / "demo-output"
    options = DemoOptions(out=out, data_dir=data_dir, samples=_samples_with_annotations(tmp_path))
    lines: list[str] = []
    started = []
    try:
        first = run_demo(options, echo=lines.append, workspace=bundled_workspace())
        assert first.started and first.server is not None
        started.append(first.server)
        state = find_server(data_dir)
        assert state is not None and state.url == first.url
        assert [g.guide for g in first.guides] == GUIDES
        for outcome in first.guides:
            reports = len(list((content_dir("samples") / outcome.guide / "reports").glob("*.txt")))
            assert outcome.reports.tasks_created == reports
            record = read_sidecar(out / "exports" / f"{outcome.guide}.json")
            assert record is not None and record["guide"] == outcome.guide and record["tasks"] == reports
        infectio = _outcome(first, "infectiologie")
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
        others = [g for g in first.guides if g.guide != "infectiologie"]
        assert others and all(any("no sample annotations" in n for n in g.notes) for g in others)
        assert any("reset_password --username anne.demo@exemple.fr" in line for line in first.login_lines)
        assert first.stop_command == f"{own_command()} server stop --data-dir {data_dir}"
        assert any(line.startswith("guide plugins: on (Label Studio ") for line in lines), lines  # the loader
        assert infectio.subsets["parhaf"].name == "PARHAF-infectiology-annotated"
        # Another data folder than the working folder's: the next commands start by loading the settings.
        env_line = f'eval "$({own_command(absolute=True)} server status --data-dir {data_dir.resolve()} --env)"'
        assert first.next_commands[0] == env_line
        assert [line.removeprefix(own_command()).split()[0] for line in first.next_commands[1:]] == [
            "status", "pull", "validate", "export", "agreement"
        ]  # fmt: skip

        second = run_demo(options, echo=lines.append, workspace=bundled_workspace())
        assert not second.started and second.url == first.url
        for outcome, before in zip(second.guides, first.guides, strict=True):
            assert outcome.project_action == "unchanged"
            assert (outcome.reports.tasks_created, outcome.reports.tasks_present) == (0, before.reports.tasks_created)
            assert all(a.annotations_created == 0 for a in outcome.annotations)
        assert _outcome(second, "infectiologie").annotations_pulled == 8
        text = "\n".join(lines + first.login_lines)
        secrets = json.loads((data_dir / "partages-ls-credentials.json").read_text())
        assert secrets["token"] not in text and secrets["password"] not in text
    finally:
        for server in started:
            server.stop()  # waits for its own process
        stop_server(data_dir)


def test_after_the_demo_the_cli_finds_its_server_and_agreement_counts_the_campaign(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer's path: demo in a folder, then `status`/`pull` from there with no settings at all."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no user-level partages-ls.toml
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    samples = _samples_with_annotations(tmp_path)
    options = DemoOptions(out=Path("demo-output"), samples=samples, guides=["infectiologie"])
    assert options.data_dir == LOCAL_DATA_DIR
    runner = CliRunner()
    started = []
    try:
        first = run_demo(options, bundled_workspace())
        assert first.server is not None
        started.append(first.server)
        assert first.next_commands[0] == f"{own_command()} status infectiologie"  # no settings step needed
        status = runner.invoke(cli, ["status", "infectiologie"])
        assert status.exit_code == 0, status.output
        assert ANNOTATORS[0] in status.output
        pulled = runner.invoke(cli, ["pull", "infectiologie", "-o", "infectiologie.json"])
        assert pulled.exit_code == 0, pulled.output
        assert json.loads(Path("infectiologie.json").read_text(encoding="utf-8"))

        # From another folder the export lines connect any tool; they hold the token only on request.
        shown = runner.invoke(cli, ["server", "status"])
        token = find_server(LOCAL_DATA_DIR).token  # type: ignore[union-attr]
        assert shown.exit_code == 0 and token and token not in shown.output
        env = runner.invoke(cli, ["server", "status", "--env"])
        assert env.exit_code == 0, env.output
        script = env.output + 'printf "%s\\n%s" "$LABEL_STUDIO_URL" "$LABEL_STUDIO_API_KEY"'
        printed = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout
        assert printed.splitlines() == [first.url, token]
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        lost = runner.invoke(cli, ["status", "infectiologie"])
        assert lost.exit_code == 1 and "no Label Studio server given" in lost.output
        assert "server start" in lost.output
        found = CliRunner(env={"LABEL_STUDIO_URL": first.url, "LABEL_STUDIO_API_KEY": token}).invoke(
            cli, ["status", "infectiologie"]
        )
        assert found.exit_code == 0, found.output
        monkeypatch.chdir(tmp_path)

        # The admin saves an annotation while looking around: the demo's agreement still compares the
        # campaign's two annotators and names the admin as present but not compared.
        with StudioClient(Connection(first.url, token)) as client:
            task = list_tasks(client, first.guides[0].project_id)[0]
            guide = load_guide("infectiologie", content_dir("guides"))
            text = task["data"][guide.text.data_key]
            client.post(f"/api/tasks/{task['id']}/annotations", {"result": make_results(guide, text, variant=1)})
        second = run_demo(options, bundled_workspace())
        assert second.guides[0].annotations_pulled == 9
        report = json.loads((Path("demo-output/agreement/infectiologie/agreement.json")).read_text(encoding="utf-8"))
        assert report["annotators"] == ANNOTATORS
        assert report["coverage"]["annotators"] == {a: {"documents": 4} for a in ANNOTATORS}
        assert report["coverage"]["annotators_not_compared"] == {first.username: {"documents": 1}}
        html = Path("demo-output/agreement/infectiologie/agreement.html").read_text(encoding="utf-8")
        assert "mais non comparés" in html and first.username in html
        assert shlex.quote(",".join(ANNOTATORS)) in second.next_commands[-1]
    finally:
        for server in started:
            server.stop()  # waits for its own process
        stop_server(LOCAL_DATA_DIR)
