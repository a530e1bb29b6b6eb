"""Non-blind double annotation on the real server: an annotator edits another annotator's annotation.

Two annotator accounts sign up through the organisation's invite link (as people do), each gets
its own API token from ``/api/current-user/token`` with its web session, and the second one
PATCHes the first one's annotation through the API, as that user. ``status``, ``export`` and
``agreement`` must then report the annotation (``updated_by`` differs from ``completed_by``),
while the imports made by the administrator on the annotators' behalf are not reported.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from partages_ls.agreement.report import AgreementOptions
from partages_ls.cli.main import cli
from partages_ls.content import bundled_workspace, content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.studio.annotators import login_help
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import ImportOptions
from partages_ls.studio.projects import create_project, list_tasks
from partages_ls.studio.pull import pull_project
from partages_ls.studio.status import project_status
from partages_ls.workflows.agreement import AgreementRequest, run_agreement
from partages_ls.workflows.export import ExportRequest, run_export
from partages_ls.workflows.imports import import_sources

from .accounts import sign_up
from .synthetic import make_results

pytestmark = pytest.mark.server
GUIDE = "infectiologie"
REPORTS = content_dir("samples") / GUIDE / "reports"


def _as_user(url: str, token: str, method: str, path: str, payload: Any = None) -> Any:
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as api:
        response = api.request(method, path, json=payload, headers={"Authorization": f"Token {token}"})
        assert response.status_code < 300, response.text[:300]
        return response.json() if response.content else None


def test_an_edit_by_another_annotator_is_detected(studio: StudioClient, ls_server: Any, tmp_path: Path) -> None:
    guide = load_guide(GUIDE, content_dir("guides"))
    project = create_project(studio, guide).project
    invite = login_help(studio).invite_url
    assert invite is not None
    tag = secrets.token_hex(4)
    anne, bruno = f"anne.{tag}@exemple.fr", f"bruno.{tag}@exemple.fr"
    tokens = {email: sign_up(ls_server.url, invite, email).token for email in (anne, bruno)}
    assert tokens[anne] != tokens[bruno] != ls_server.token

    # Both annotators' annotations are imported by the administrator, on their behalf.
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted(REPORTS.glob("*.txt"))}
    for variant, email in enumerate((anne, bruno)):
        items = [{"report": r, "result": make_results(guide, t, variant=variant)} for r, t in texts.items()]
        path = tmp_path / f"{email}.json"
        path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        sources = [REPORTS, path] if variant == 0 else [path]
        import_sources(
            studio, GUIDE, sources, ImportOptions(mode="annotations", annotator=email), guides=content_dir("guides")
        )
    assert (
        project_status(studio, GUIDE, guides=content_dir("guides")).contaminated == []
    )  # the importing account is not an annotator

    # Bruno opens Anne's annotation of the first report and edits it, through the API, as himself.
    tasks = list_tasks(studio, project.id, full=True)
    first = min(tasks, key=lambda t: t["data"]["report"])
    users = {u["email"]: u["id"] for u in _as_user(ls_server.url, ls_server.token, "GET", "/api/users")}
    target = next(a for a in first["annotations"] if a["completed_by"] == users[anne])
    edited = [r for r in target["result"] if r.get("type") != "relation"][:-1]  # he deletes one item
    _as_user(ls_server.url, tokens[bruno], "PATCH", f"/api/annotations/{target['id']}", {"result": edited})
    stored = _as_user(ls_server.url, ls_server.token, "GET", f"/api/annotations/{target['id']}")
    assert stored["completed_by"] == users[anne] and stored["updated_by"] == users[bruno]

    status = project_status(studio, GUIDE, guides=content_dir("guides"))
    assert [(c.report, c.annotation_id, c.completed_by, c.updated_by) for c in status.contaminated] == [
        (first["data"]["report"], target["id"], anne, bruno)
    ]
    shown = CliRunner().invoke(
        cli, ["status", GUIDE, "--url", ls_server.url, "--api-key", ls_server.token], catch_exceptions=False
    )
    assert f"annotation {target['id']}" in shown.output and f"last updated by {bruno}" in shown.output

    export = tmp_path / "export.json"
    pull_project(studio, GUIDE, export, guides=content_dir("guides"))
    report = run_export(
        ExportRequest(export, "parhaf", tmp_path / "out", gold=f"annotator:{anne}"), bundled_workspace()
    )
    assert [(c["annotation"], c["completed_by"], c["updated_by"]) for c in report["contaminated"]] == [
        (target["id"], anne, bruno)
    ]
    assert report["summary"]["contaminated"] == 1

    counted = run_agreement(
        AgreementRequest(export, tmp_path / "all", GUIDE, AgreementOptions(bootstrap=0)), bundled_workspace()
    )
    contamination = counted.data["contamination"]
    assert contamination["excluded"] is False and [c["annotation"] for c in contamination["annotations"]] == [
        target["id"]
    ]
    assert counted.data["coverage"]["annotators"][anne]["documents"] == 4
    left_out = run_agreement(
        AgreementRequest(export, tmp_path / "clean", GUIDE, AgreementOptions(bootstrap=0, exclude_contaminated=True)),
        bundled_workspace(),
    )
    assert left_out.data["contamination"]["excluded"] is True
    assert left_out.data["coverage"]["annotators"][anne]["documents"] == 3  # the edited annotation is out
    assert left_out.data["documents"]["compared"] == 3
    markdown = (tmp_path / "clean" / "agreement.md").read_text(encoding="utf-8")
    assert "modifiée(s) par un autre annotateur" in markdown and "écartée(s) du calcul" in markdown
