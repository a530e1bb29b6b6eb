"""Attaching a guide's plugin to a project: the real Community server drops it, runs it through partages-ls'
loader when the project carries the guide marker, and the report says which."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.label_configs.render import render_label_config
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.plugin import ENABLE_HINT, PluginResult, plugin_script, set_project_plugin
from partages_ls.studio.projects import project_description

COMMUNITY = (
    "this server does not run plugins (Community edition without partages-ls' plugin loader): "
    "the rules are enforced by `partages-ls validate` on export"
)


@pytest.fixture
def make_project(ls_server: Any) -> Iterator[Callable[[bool], int]]:
    made: list[int] = []
    guide = load_guide("infectiologie", content_dir("guides"))

    def make(marker: bool) -> int:
        payload = {"title": "test: plugin setting", "label_config": render_label_config(guide)}
        if marker:
            payload["description"] = project_description(guide)
        made.append(int(ls_server.api("POST", "/api/projects", payload)["id"]))
        return made[-1]

    try:
        yield make
    finally:
        for project in made:
            ls_server.api("DELETE", f"/api/projects/{project}")


@pytest.mark.server
def test_the_community_server_runs_the_plugin_through_the_loader(ls_server: Any, make_project: Any) -> None:
    """The session server runs partages-ls' loader: custom_script is dropped, the marker finds the plugin."""
    guide = load_guide("infectiologie", content_dir("guides"))
    project = make_project(True)
    with StudioClient(Connection(ls_server.url, ls_server.token)) as client:
        result = set_project_plugin(client, project, guide)
    assert (result.status, result.kept, result.runs) == ("injected", False, True), result.message
    assert "loaded into the labeling pages by partages-ls (Label Studio Community 1.23.2" in result.message
    assert result.script_chars == len(plugin_script(guide)) > 1000
    stored = ls_server.api("GET", f"/api/projects/{project}")
    assert "custom_script" not in stored  # dropped, not stored under another name
    assert stored["label_config"] == render_label_config(guide).strip()  # the PATCH changed nothing else


@pytest.mark.server
def test_without_the_marker_the_loader_cannot_find_the_plugin(ls_server: Any, make_project: Any) -> None:
    project = make_project(False)
    with StudioClient(Connection(ls_server.url, ls_server.token)) as client:
        result = set_project_plugin(client, project, load_guide("infectiologie", content_dir("guides")))
    assert (result.status, result.runs) == ("injection-off", False)
    assert "marker partages-ls:guide=infectiologie" in result.message and "has none" in result.message


def test_the_script_is_the_generated_plugin_file() -> None:
    guide = load_guide("reponse-traitement", content_dir("guides"))
    script = plugin_script(guide)
    assert script.startswith("/**\n * PARTAGES CU5b") and 'LSI.on("beforeSaveAnnotation"' in script
    assert '"guide": "reponse-traitement"' in script


# --- the other answers, from a fake server ----------------------------------------------------------
MARKED = {"description": "partages-ls:guide=infectiologie version=1.0.0"}
LOADER_ON = {"plugins": "on", "reasons": [], "label_studio_version": "1.23.2", "guides": ["infectiologie"]}


def _fake_client(
    stored: Callable[[str], dict[str, Any]],
    calls: list[tuple[str, Any]],
    loader: dict[str, Any] | None = None,
    served: str | None = None,
) -> StudioClient:
    """A client whose server answers GET /api/projects/7 with ``stored(<script sent>)``; ``loader`` is the
    ``/partages-ls/status.json`` of a Community server with partages-ls' loader (404 when None), which
    serves ``served`` (default: the script sent) as the guide's plugin."""
    sent: dict[str, str] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        calls.append((f"{request.method} {request.url.path}", body))
        if request.method == "PATCH":
            sent["script"] = body["custom_script"]
            return httpx.Response(200, json={"id": 7})
        if request.url.path == "/partages-ls/status.json":
            return httpx.Response(200, json=loader) if loader else httpx.Response(404, text="<html>Not found</html>")
        if request.url.path.startswith("/partages-ls/plugins/"):
            return httpx.Response(200, text=sent["script"] if served is None else served)
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
    guide = load_guide("infectiologie", content_dir("guides"))
    with _fake_client(stored, calls) as client:
        result = set_project_plugin(client, 7, guide)
    assert isinstance(result, PluginResult)
    assert (result.status, result.kept, result.guide) == (status, status == "installed", "infectiologie")
    assert words in result.message and result.message.startswith("project 7: ")
    expected = ["PATCH /api/projects/7", "GET /api/projects/7"]
    assert [call for call, _ in calls] == [*expected, "GET /partages-ls/status.json"][
        : 3 if status == "unsupported" else 2
    ]
    assert calls[0][1] == {"custom_script": plugin_script(guide)}
    if status != "installed":
        assert "`partages-ls validate` on export" in result.message
    if status == "unsupported":
        assert ENABLE_HINT in result.message


@pytest.mark.parametrize(
    ("stored", "loader", "served", "status", "words"),
    [
        (MARKED, LOADER_ON, None, "injected", "loaded into the labeling pages by partages-ls (Label Studio Community"),
        (MARKED, {**LOADER_ON, "plugins": "off", "reasons": ["Label Studio 1.30.0 is not a tested version"]}, None,
         "injection-off", "loader of this server is off (Label Studio 1.30.0 is not a tested version)"),
        (MARKED, {**LOADER_ON, "guides": ["biomarqueurs"]}, None, "injection-off", "has no plugin for the guide"),
        ({"description": "partages-ls:guide=biomarqueurs"}, LOADER_ON, None, "injection-off", "names 'biomarqueurs'"),
        (MARKED, LOADER_ON, "console.log(1)", "changed", "serves another plugin for the guide 'infectiologie' (14"),
    ],
)  # fmt: skip
def test_each_answer_of_a_community_loader_is_reported(
    stored: dict[str, Any], loader: dict[str, Any], served: str | None, status: str, words: str
) -> None:
    calls: list[tuple[str, Any]] = []
    with _fake_client(lambda script: stored, calls, loader, served) as client:
        result = set_project_plugin(client, 7, load_guide("infectiologie", content_dir("guides")))
    assert (result.status, result.runs, result.kept) == (status, status == "injected", False), result.message
    assert words in result.message, result.message
    if status != "injected":
        assert "`partages-ls validate` on export" in result.message
