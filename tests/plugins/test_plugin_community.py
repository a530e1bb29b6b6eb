"""The guides' plugins on the managed Label Studio Community server, loaded by partages-ls' loader.

Unlike test_plugin_in_browser.py (where the test injects an adapter and the plugin itself), nothing is
injected by the test here: the session server runs with ``partages_ls.ls_plugin_loader.settings`` (the
default of `LocalServer`), the projects are made as `partages-ls project create --with-plugin` makes them
(the guide's real generated config, the guide marker in the description), and the labeling page loads
the `LSI` shim and the guide's plugin by itself. Each case checks that a blocked save sent no request
and stored nothing, then that the fixed annotation is stored as made. A control server started with the
stock settings (`plugins=False`) lets the same flawed annotation through.

Screenshots of the last run are kept in ``SCREENSHOTS``.
"""

from __future__ import annotations

import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.plugin import set_project_plugin
from partages_ls.studio.projects import create_project
from partages_ls.studio.server import (
    LABEL_STUDIO_VERSION,
    LocalServer,
    StudioServerError,
    describe_plugin_status,
    plugin_status,
)

from ..conftest import BrowserPage, ServerHandle
from .labeling import (
    Session,
    Task,
    boundary_flaw_then_fix,
    flaw_is_saved,
    import_sample,
    overlap_warns_and_saves,
    saved_shot,
    screenshot,
    watch_saves,
    zero_then_two_justifications,
)

pytestmark = [pytest.mark.server, pytest.mark.browser]

SCREENSHOTS = Path(tempfile.gettempdir()) / "partages-ls-community-proof"
GUIDES = tuple(sorted(load_guides(content_dir("guides"))))
PLUGIN_ACTIVE = "() => window.LSI?.adapter?.describe().handlers.includes('beforeSaveAnnotation') === true"


# --- projects made as `project create --with-plugin` makes them -------------------------------------
@pytest.fixture
def make_project(ls_server: ServerHandle) -> Iterator[Callable[..., Task]]:
    made: list[tuple[ServerHandle, int]] = []

    def make(name: str, server: ServerHandle = ls_server, *, expect: str = "injected") -> Task:
        guide = load_guide(name, content_dir("guides"))
        with StudioClient(Connection(server.url, server.token)) as client:
            project_id = create_project(client, guide).project.id
            made.append((server, project_id))
            plugin = set_project_plugin(client, project_id, guide)
        assert plugin.status == expect, plugin.message
        return import_sample(server, project_id, name)

    try:
        yield make
    finally:
        for server, project_id in made:
            server.api("DELETE", f"/api/projects/{project_id}")


def _open(server: ServerHandle, browser_page: BrowserPage, task: Task, guide: str) -> Session:
    """Open the task as an annotator does; wait for the loader to activate the guide's plugin by itself."""
    browser_page.open_task(task.project_id, task.task_id)
    page = browser_page.page
    page.wait_for_function(PLUGIN_ACTIVE, timeout=30_000)
    state = page.evaluate("() => window.LSI.adapter.describe()")
    assert state == {"injected": True, "project": task.project_id, "guide": guide, "handlers": ["beforeSaveAnnotation"]}
    loaded = page.evaluate("() => [...document.scripts].map((s) => s.dataset.partagesLs).filter(Boolean)")
    assert sorted(loaded) == sorted(["boot", "lsi", f"plugin:{guide}"]), loaded
    return Session(server, browser_page, task, watch_saves(page), SCREENSHOTS)


# --- CU6: boundary flaw ------------------------------------------------------------------------------
def test_cu6_boundary_flaw_is_blocked_then_the_fix_is_saved(
    ls_server: ServerHandle, browser_page: BrowserPage, make_project: Any
) -> None:
    session = _open(ls_server, browser_page, make_project("infectiologie"), "infectiologie")
    boundary_flaw_then_fix(session)
    session.saved_shot("cu6-enregistre")
    browser_page.assert_no_errors()


# --- CU5b: zero, then two justifications --------------------------------------------------------------
def test_cu5b_zero_and_two_justifications_are_blocked(
    ls_server: ServerHandle, browser_page: BrowserPage, make_project: Any
) -> None:
    session = _open(ls_server, browser_page, make_project("reponse-traitement"), "reponse-traitement")
    zero_then_two_justifications(session)
    session.saved_shot("cu5b-enregistre")
    browser_page.assert_no_errors()


# --- CU1: a warning does not block ---------------------------------------------------------------------
def test_cu1_overlap_warns_and_saves(ls_server: ServerHandle, browser_page: BrowserPage, make_project: Any) -> None:
    overlap_warns_and_saves(_open(ls_server, browser_page, make_project("pseudonymisation"), "pseudonymisation"))
    browser_page.assert_no_errors()


# --- pages that are not labeling pages ----------------------------------------------------------------
def _partages_scripts(page: Any) -> list[str]:
    return list(
        page.evaluate("() => [...document.scripts].map((s) => s.src).filter((s) => s.includes('/partages-ls/'))")
    )


def test_no_plugin_outside_the_labeling_interface(
    ls_server: ServerHandle, browser_page: BrowserPage, make_project: Any, chromium: Any
) -> None:
    """Login page, API and non-HTML answers: untouched. App pages without a task open: the constant boot
    script only (the app opens a task without reloading), no shim, no plugin, no `LSI`, no plugin request."""
    task = make_project("infectiologie")
    anonymous = chromium.new_context()
    try:
        login = anonymous.new_page()
        login.goto(f"{ls_server.url}/user/login/")
        assert "/partages-ls/" not in login.content() and _partages_scripts(login) == []
    finally:
        anonymous.close()
    projects = ls_server.api("GET", "/api/projects")
    assert "partages-ls/static" not in str(projects)
    page = browser_page.page
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/partages-ls/" in request.url else None)
    pages = (
        "/projects/",
        f"/projects/{task.project_id}/data",
        f"/projects/{task.project_id}/settings",
        "/user/account",
    )
    for path in pages:
        page.goto(f"{ls_server.url}{path}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(1500)  # several rounds of the boot script's check
        scripts = _partages_scripts(page)
        assert [s.split("?")[0] for s in scripts] == [f"{ls_server.url}/partages-ls/static/boot.js"], (path, scripts)
        assert page.evaluate("() => [typeof window.LSI, typeof window.PartagesLsShim]") == ["undefined", "undefined"]
    assert not [url for url in asked if "plugin" in url or "lsi.js" in url], asked
    screenshot(SCREENSHOTS, page, "hors-annotation")
    # Then the annotator opens a task from the data manager, without a page load: the plugin comes then.
    page.goto(f"{ls_server.url}/projects/{task.project_id}/data")
    page.get_by_text(task.text.strip().splitlines()[0][:25]).first.click(timeout=30_000)  # the task's row
    page.wait_for_function(PLUGIN_ACTIVE, timeout=30_000)
    assert any("/partages-ls/plugins/infectiologie.js" in url for url in asked), asked
    browser_page.assert_no_errors()


def _fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30) as response:
            return int(response.status), dict(response.headers), bytes(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code), dict(err.headers), bytes(err.read())


def test_the_loader_serves_only_what_it_knows(ls_server: ServerHandle, make_project: Any) -> None:
    task = make_project("infectiologie")
    base = f"{ls_server.url}/partages-ls"
    status, headers, _ = _fetch(f"{base}/status.json")
    assert (status, headers["X-Partages-LS-Plugins"]) == (200, "on")
    # Which guide a project uses is for its members only: the session cookie of a logged-in page.
    assert _fetch(f"{base}/projects/{task.project_id}/plugin.json")[0] == 401
    for path in ("plugins/unknown-guide.js", "plugins/../settings.py", "static/settings.py", "static/../__init__.py",
                 "plugins/infectiologie/plugin.js", "anything"):  # fmt: skip
        assert _fetch(f"{base}/{path}")[0] == 404, path
    assert _fetch(f"{base}/status.json", method="POST")[0] == 405
    # The API and its JSON are never touched.
    status, headers, body = _fetch(f"{ls_server.url}/api/version")
    assert status == 200 and "X-Partages-LS-Plugins" not in headers and b"partages-ls" not in body


def test_status_and_headers_say_the_loader_is_on(ls_server: ServerHandle) -> None:
    status = plugin_status(ls_server.url)
    assert status is not None and status["plugins"] == "on", status
    assert status["label_studio_version"] in status["tested_versions"]
    assert set(status["guides"]) >= {"infectiologie", "pseudonymisation", "reponse-traitement", "biomarqueurs"}
    request = urllib.request.Request(f"{ls_server.url}/partages-ls/plugins/infectiologie.js")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30) as response:
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert response.read() == (content_dir("plugins") / "infectiologie" / "plugin.js").read_bytes()


def test_when_the_guard_is_off_the_page_says_so_and_saves_as_label_studio_does(
    ls_server: ServerHandle, browser_page: BrowserPage, make_project: Any
) -> None:
    """The page side of the version guard: the server's status says off (here, as an untested version
    would make it say), so the boot script loads nothing and tells why in the console."""
    task = make_project("infectiologie")
    page = browser_page.page
    off = {"plugins": "off", "reasons": ["Label Studio 1.99.0 is not a tested version (1.23.2)"], "guides": []}
    page.route("**/partages-ls/status.json", lambda route: route.fulfill(json=off))
    console: list[tuple[str, str]] = []
    page.on("console", lambda message: console.append((message.type, message.text)))
    browser_page.open_task(task.project_id, task.task_id)
    page.wait_for_function("() => window.Htx?.annotationStore?.selected", timeout=30_000)
    page.wait_for_timeout(1500)
    said = [text for kind, text in console if kind == "warning" and text.startswith("partages-ls:")]
    assert said == [
        "partages-ls: guide plugins are off on this server: Label Studio 1.99.0 is not a tested version (1.23.2); "
        "saves are not checked while annotating; `partages-ls validate` checks every rule on export"
    ], console
    assert page.evaluate("() => typeof window.LSI") == "undefined"
    flaw_is_saved(ls_server, browser_page, task, watch_saves(page))
    browser_page.assert_no_errors()


# The page's settings with the save hook's feature flag off, as a Label Studio without the hook would send them.
FLAG_OFF = """Object.defineProperty(window, "APP_SETTINGS", {
  configurable: true,
  get() { return this.__settings; },
  set(value) {
    value.feature_flags.fflag_feat_all_leap_883_custom_script_270524_short = false;
    this.__settings = value;
  },
});"""


def test_without_the_hook_in_the_page_the_plugin_stays_off_and_says_so(
    ls_server: ServerHandle, browser_page: BrowserPage, make_project: Any
) -> None:
    task = make_project("infectiologie")
    page = browser_page.page
    page.add_init_script(FLAG_OFF)
    console: list[tuple[str, str]] = []
    page.on("console", lambda message: console.append((message.type, message.text)))
    browser_page.open_task(task.project_id, task.task_id)
    page.wait_for_function("() => window.Htx?.annotationStore?.selected", timeout=30_000)
    page.wait_for_timeout(1500)
    said = [text for kind, text in console if kind == "warning" and text.startswith("partages-ls:")]
    assert len(said) == 1 and said[0].startswith(
        "partages-ls: guide plugin off: this Label Studio page lacks the feature flag "
        "fflag_feat_all_leap_883_custom_script_270524_short (it gates the beforeSaveAnnotation hook)"
    ), console
    assert page.evaluate("() => [typeof window.LSI, typeof window.PartagesLsShim]") == ["undefined", "undefined"]
    browser_page.assert_no_errors()


# --- control: the same flaw on a server without the loader ----------------------------------------------
@pytest.fixture(scope="module")
def stock_local_server() -> Iterator[LocalServer]:
    """A second local server with Label Studio's stock settings (`server start --no-plugins`)."""
    server = LocalServer(plugins=False)
    problem = None
    try:
        server.start()
    except StudioServerError as err:
        problem = str(err)
    if problem is not None:
        pytest.fail(f"could not start the control server: {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stock_server(stock_local_server: LocalServer) -> ServerHandle:
    server = stock_local_server
    return ServerHandle(server.url, server.token, server.username, server.password)


def test_server_status_says_whether_the_plugins_run(stock_local_server: LocalServer, ls_server: ServerHandle) -> None:
    assert stock_local_server.data_dir is not None
    shown = CliRunner().invoke(cli, ["server", "status", "--data-dir", str(stock_local_server.data_dir)])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[:2] == [
        f"running: {stock_local_server.url} (pid {stock_local_server.pid})",
        "guide plugins: not loaded (the server runs without partages-ls' plugin loader)",
    ]
    on = describe_plugin_status(plugin_status(ls_server.url))
    assert on == f"guide plugins: on (Label Studio {LABEL_STUDIO_VERSION}; guides {', '.join(GUIDES)})"


def test_control_without_the_loader_the_flaw_is_saved(
    stock_server: ServerHandle, chromium: Any, make_project: Any
) -> None:
    assert plugin_status(stock_server.url) is None
    task = make_project("infectiologie", stock_server, expect="unsupported")
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"{stock_server.url}/user/login/")
        page.fill("input[name=email]", stock_server.username)
        page.fill("input[name=password]", stock_server.password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/user/login" not in url, timeout=30_000)
        browser_page = BrowserPage(page, stock_server)
        browser_page.open_task(task.project_id, task.task_id)
        page.wait_for_function("() => window.Htx?.annotationStore?.selected", timeout=30_000)
        page.wait_for_timeout(1500)
        assert _partages_scripts(page) == [] and page.evaluate("() => typeof window.LSI") == "undefined"
        flaw_is_saved(stock_server, browser_page, task, watch_saves(page))
        saved_shot(SCREENSHOTS, page, "controle-sans-chargeur")
        assert page.locator(".ant-modal-confirm").count() == 0
    finally:
        context.close()
