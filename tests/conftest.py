"""Shared fixtures: one real Label Studio server per session, and headless Chromium logged into it.

To use a server that is already up, set PARTAGES_LS_TEST_SERVER_URL and PARTAGES_LS_TEST_SERVER_TOKEN
(plus PARTAGES_LS_TEST_SERVER_USERNAME and _PASSWORD for the browser tests). With
PARTAGES_LS_TEST_DATABASE=postgresql the local server keeps its data in a throw-away PostgreSQL cluster
(tests/postgres_cluster.py) instead of SQLite.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from partages_ls.studio.database import PostgresDatabase
from partages_ls.studio.server import LABEL_STUDIO_VERSION, LocalServer, StudioServerError, default_cache_dir
from partages_ls.studio.server_setup import Credentials, _default_credentials

from .postgres_cluster import PostgresClusterError, TemporaryPostgres

# CI draws the property and fuzz tests' examples from a fixed sequence, so that a landing never depends on
# luck; local runs draw new ones each time, and `PARTAGES_LS_FUZZ_EXAMPLES=10000` runs the long fuzz.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

DATABASE_VARIABLE = "PARTAGES_LS_TEST_DATABASE"  # "sqlite" (default) or "postgresql"
CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium keeps calling out to a network this machine does not have.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Console noise of the stock Label Studio 1.23 frontend, unrelated to our configs:
# the Community build asks the server for "Heidi tips" that only the cloud serves (404).
KNOWN_CONSOLE_NOISE = ("/heidi-tips",)
# The bounding box of the first occurrence of a string in the rendered task text.
_TEXT_RECT_JS = """(needle) => {
  const root = document.querySelector('.lsf-htx-richtext');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at >= 0) {
      node.parentElement.scrollIntoView({block: 'center'});
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + needle.length);
      // A needle can wrap over lines in a narrow column: drag from its first line box to its last.
      const lines = Array.from(range.getClientRects()).filter((r) => r.width > 0);
      const first = lines[0], last = lines[lines.length - 1];
      return {x: first.x, y: first.y, h: first.height, endX: last.x + last.width, endY: last.y + last.height / 2};
    }
  }
  return null;
}"""


@dataclass
class ServerHandle:
    """What a test needs: URL, admin token and web login (the secrets stay out of the repr)."""

    url: str
    token: str = field(repr=False)
    username: str = ""
    password: str = field(default="", repr=False)

    def api(self, method: str, path: str, payload: Any = None, *, token: str | None = None) -> Any:
        """Call the REST API with `Authorization: Token`; return the decoded JSON (None for an empty body)."""
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Token {token or self.token}", "Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def status(self, method: str, path: str, *, token: str | None = None) -> int:
        """HTTP status of a bodiless call (401 and friends are returned, not raised)."""
        try:
            self.api(method, path, token=token)
        except urllib.error.HTTPError as err:
            err.close()
            return err.code
        return 200


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[TemporaryPostgres | None]:
    """The session's PostgreSQL cluster when PARTAGES_LS_TEST_DATABASE=postgresql, else None (SQLite)."""
    wanted = os.environ.get(DATABASE_VARIABLE, "sqlite")
    if wanted not in ("sqlite", "postgresql"):
        pytest.fail(f"{DATABASE_VARIABLE} must be sqlite or postgresql, not {wanted!r}", pytrace=False)
    if wanted == "sqlite" or os.environ.get("PARTAGES_LS_TEST_SERVER_URL"):
        yield None
        return
    cluster = TemporaryPostgres()
    problem = None
    try:
        cluster.start()
    except PostgresClusterError as err:
        problem = str(err)
    if problem is not None:
        cluster.stop()
        pytest.fail(f"could not start a PostgreSQL cluster for the tests: {problem}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


def _postgres_template(cluster: TemporaryPostgres, credentials: Credentials) -> Path:
    """Where the migrated database is kept, like the SQLite template: migrating an empty PostgreSQL database takes
    Label Studio 30 s to minutes, loading this SQL a second. It holds the admin and token, hence the key."""
    key = credentials.template_key(LABEL_STUDIO_VERSION)
    folder = default_cache_dir() / f"label-studio-{LABEL_STUDIO_VERSION}" / "postgresql-templates"
    return folder / f"{key}-postgresql-{cluster.bindir.parent.name}.sql"


@pytest.fixture(scope="session")
def ls_server(postgres_cluster: TemporaryPostgres | None) -> Iterator[ServerHandle]:
    """A real Label Studio for the whole session: the external one from the environment, else a local one."""
    url = os.environ.get("PARTAGES_LS_TEST_SERVER_URL")
    if url:
        token = os.environ.get("PARTAGES_LS_TEST_SERVER_TOKEN")
        if not token:
            pytest.fail("PARTAGES_LS_TEST_SERVER_URL is set but PARTAGES_LS_TEST_SERVER_TOKEN is not", False)
        yield ServerHandle(
            url.rstrip("/"),
            token,
            os.environ.get("PARTAGES_LS_TEST_SERVER_USERNAME", ""),
            os.environ.get("PARTAGES_LS_TEST_SERVER_PASSWORD", ""),
        )
        return
    server, template = LocalServer(), None
    problem = None
    try:
        if postgres_cluster is not None:
            credentials = _default_credentials(None, LABEL_STUDIO_VERSION)
            template = _postgres_template(postgres_cluster, credentials)
            if template.is_file():
                postgres_cluster.restore(template)
            server = LocalServer(database=PostgresDatabase.parse(postgres_cluster.url), credentials=credentials)
        server.start()
        if postgres_cluster is not None and template is not None and not template.is_file():
            postgres_cluster.dump(template)
    except (StudioServerError, PostgresClusterError) as err:
        problem = str(err)
    if problem is not None:
        server.stop()
        pytest.fail(f"could not start the local Label Studio server: {problem}", pytrace=False)
    try:
        yield ServerHandle(server.url, server.token, server.username, server.password)
    finally:
        server.stop()


@dataclass
class BrowserPage:
    """A logged-in Playwright page plus the console and page errors seen so far."""

    page: Any
    server: ServerHandle
    errors: list[str] = field(default_factory=list)

    def open_task(self, project_id: int, task_id: int) -> None:
        """Open the labeling interface of one task and wait until its text is rendered."""
        self.page.goto(f"{self.server.url}/projects/{project_id}/data?task={task_id}")
        self.page.locator(".lsf-htx-richtext").wait_for(timeout=30_000)

    def select_text(self, needle: str) -> None:
        """Drag the mouse over the first occurrence of ``needle`` in the task text, as an annotator does."""
        box = self.page.evaluate(_TEXT_RECT_JS, needle)
        assert box, f"{needle!r} is not in the displayed text"
        y = box["y"] + box["h"] / 2
        self.page.mouse.move(box["x"] + 1, y)
        self.page.mouse.down()
        self.page.mouse.move((box["x"] + box["endX"]) / 2, (y + box["endY"]) / 2, steps=5)
        self.page.mouse.move(box["endX"] - 1, box["endY"], steps=5)
        self.page.mouse.up()
        self.page.wait_for_timeout(400)

    def label_text(self, label: str, needle: str) -> None:
        """Pick a label by its displayed name, select ``needle``, then select the new region in the outliner."""
        self.page.keyboard.press("Escape")
        self.page.locator(".lsf-labels .lsf-label", has_text=label).first.click()
        self.select_text(needle)
        # Label Studio 1.23 does not select a region it just created; its attributes show once selected.
        self.page.locator(".lsf-outliner-item").filter(has_text=needle).last.click()
        self.page.wait_for_timeout(400)

    def assert_no_errors(self) -> None:
        """Fail the test if the page logged a console error or threw."""
        assert self.errors == [], "browser errors:\n" + "\n".join(self.errors)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (never Playwright's downloaded browser)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-chromium.sh (as root)", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        pytest.fail(f"playwright is not installed ({err}): pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as playwright:
        problem = None
        try:
            # Playwright passes a fresh temporary --user-data-dir to every launch.
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        except Exception as err:  # playwright raises its own Error type; any failure here is fatal
            problem = str(err)
        if problem is not None:
            pytest.fail(f"could not start {CHROMIUM}: {problem}", pytrace=False)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any, ls_server: ServerHandle) -> Iterator[BrowserPage]:
    """A fresh browser context logged into the server's web UI, collecting console and page errors."""
    if not (ls_server.username and ls_server.password):
        pytest.fail("the browser tests need PARTAGES_LS_TEST_SERVER_USERNAME and _PASSWORD", pytrace=False)
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    page = context.new_page()
    result = BrowserPage(page, ls_server)

    def on_console(message: Any) -> None:
        where = (message.location or {}).get("url", "")
        if message.type == "error" and not any(noise in where for noise in KNOWN_CONSOLE_NOISE):
            result.errors.append(f"console: {message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: result.errors.append(f"pageerror: {error}"))
    try:
        page.goto(f"{ls_server.url}/user/login/")
        page.fill("input[name=email]", ls_server.username)
        page.fill("input[name=password]", ls_server.password)
        page.click("button[type=submit]")
        problem = None
        try:
            page.wait_for_url(lambda url: "/user/login" not in url, timeout=30_000)
        except Exception as err:  # playwright's TimeoutError: the form stayed on the login page
            problem = str(err)
        if problem is not None:
            pytest.fail(f"could not log into {ls_server.url} as {ls_server.username}: {problem}", False)
        yield result
    finally:
        context.close()
