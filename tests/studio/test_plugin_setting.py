"""Attaching a guide's plugin to a project: the real Community server drops it, and the report says so."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from partages_ls.guides.loader import load_guide
from partages_ls.label_configs.render import render_label_config
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.plugin import PluginResult, plugin_script, set_project_plugin

COMMUNITY = (
    "this server does not run plugins (Community edition): the rules are enforced by `partages-ls validate` on export"
)


@pytest.fixture
def project(ls_server: Any) -> Iterator[int]:
    guide = load_guide("infectiologie")
    created = ls_server.api(
        "POST", "/api/projects", {"title": "test: plugin setting", "label_config": render_label_config(guide)}
    )
    try:
        yield int(created["id"])
    finally:
        ls_server.api("DELETE", f"/api/projects/{created['id']}")


@pytest.mark.server
def test_the_community_server_drops_the_plugin_and_the_result_says_so(ls_server: Any, project: int) -> None:
    guide = load_guide("infectiologie")
    with StudioClient(Connection(ls_server.url, ls_server.token)) as client:
        result = set_project_plugin(client, project, guide)
    assert result.status == "unsupported" and not result.kept
    assert result.message == f"project {project}: {COMMUNITY}"
    assert result.script_chars == len(plugin_script(guide)) > 1000
    stored = ls_server.api("GET", f"/api/projects/{project}")
    assert "custom_script" not in stored  # dropped, not stored under another name
    assert stored["label_config"] == render_label_config(guide).strip()  # the PATCH changed nothing else


def test_the_script_is_the_generated_plugin_file() -> None:
    guide = load_guide("reponse-traitement")
    script = plugin_script(guide)
    assert script.startswith("/**\n * PARTAGES CU5b") and 'LSI.on("beforeSaveAnnotation"' in script
    assert '"guide": "reponse-traitement"' in script


# --- the other answers, from a fake server ----------------------------------------------------------
def _fake_client(stored: Callable[[str], dict[str, Any]], calls: list[tuple[str, Any]]) -> StudioClient:
    """A client whose server answers GET /api/projects/7 with ``stored(<script sent>)``."""
    sent: dict[str, str] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        calls.append((f"{request.method} {request.url.path}", body))
        if request.method == "PATCH":
            sent["script"] = body["custom_script"]
            return httpx.Response(200, json={"id": 7})
        return httpx.Response(200, json={"id": 7, "title": "p", **stored(sent.get("script", ""))})

    return StudioClient(Connection("http://ls.test", "token-0123456789"), transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("stored", "status", "words"),
    [
        (lambda script: {"custom_script": script}, "installed", "installed (custom_script,"),
        (lambda script: {"custom_script": script + "\n"}, "installed", "checks every save"),
        (lambda script: {"custom_script": ""}, "not-kept", "may not be enabled for this organisation"),
        (lambda script: {"custom_script": None}, "not-kept", "custom_script is empty"),
        (lambda script: {"custom_script": "console.log(1)"}, "changed", "holds a different custom_script (14"),
        (lambda script: {}, "unsupported", COMMUNITY),
    ],
)
def test_each_answer_of_the_server_is_reported(
    stored: Callable[[str], dict[str, Any]], status: str, words: str
) -> None:
    calls: list[tuple[str, Any]] = []
    guide = load_guide("infectiologie")
    with _fake_client(stored, calls) as client:
        result = set_project_plugin(client, 7, guide)
    assert isinstance(result, PluginResult)
    assert (result.status, result.kept, result.guide) == (status, status == "installed", "infectiologie")
    assert words in result.message and result.message.startswith("project 7: ")
    assert [call for call, _ in calls] == ["PATCH /api/projects/7", "GET /api/projects/7"]
    assert calls[0][1] == {"custom_script": plugin_script(guide)}
    if status != "installed":
        assert "`partages-ls validate` on export" in result.message
