"""Headless Chromium proof: in a blind group, an annotator's labeling stream never shows the other's work.

Two annotator accounts sign up through the organisation's invite link (as people do). The group
holds the same reports in both projects; Bruno's annotations are in his project. Anne logs in and
labels through her stream ("Label All Tasks": ``/projects/<id>/data?labeling=1``): every task it
serves holds no annotation, no region and no mention of Bruno, and no API answer the page received
carries Bruno's e-mail or his annotation ids. As a control (and the limit README states), the same
checks do see Bruno's annotation when Anne opens his project's task directly.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.studio.annotators import login_help
from partages_ls.studio.blind import create_blind_group, find_group, import_group
from partages_ls.studio.client import StudioClient
from partages_ls.studio.importer import ImportOptions
from partages_ls.studio.projects import list_tasks

from .accounts import sign_up

pytestmark = [pytest.mark.server, pytest.mark.browser]
GUIDE = load_guide("reponse-traitement", content_dir("guides"))
SAMPLES = content_dir("samples") / GUIDE.name
PROOF = Path("/tmp/partages-ls-blind-proof")


class Watch:
    """Every JSON answer of the server's API that the page received, as text."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, str]] = []
        self.errors: list[str] = []

    def on_response(self, response: Any) -> None:
        if "/api/" not in response.url:
            return
        try:
            self.bodies.append((response.url, response.text()))
        except Exception as err:  # a redirect or aborted request has no body
            self.errors.append(f"{response.url}: {err}")

    def mentioning(self, needles: list[str]) -> list[str]:
        return [url for url, body in self.bodies if any(n in body for n in needles)]

    def annotations(self) -> list[tuple[str, dict[str, Any]]]:
        """Every annotation-like object (a ``result`` and an author) in the JSON answers, with its URL."""
        found: list[tuple[str, dict[str, Any]]] = []

        def walk(url: str, value: Any) -> None:
            if isinstance(value, dict):
                if "result" in value and "completed_by" in value:
                    found.append((url, value))
                for item in value.values():
                    walk(url, item)
            elif isinstance(value, list):
                for item in value:
                    walk(url, item)

        for url, body in self.bodies:
            try:
                walk(url, json.loads(body))
            except ValueError:
                continue
        return found


def _login(chromium: Any, url: str, email: str, password: str) -> tuple[Any, Any, Watch]:
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="fr-FR")
    page = context.new_page()
    watch = Watch()
    page.on("response", watch.on_response)
    page.goto(f"{url}/user/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/user/login" not in u, timeout=30_000)
    return context, page, watch


def test_an_annotators_labeling_stream_never_shows_the_others_annotation(
    studio: StudioClient, ls_server: Any, chromium: Any, tmp_path: Path
) -> None:
    PROOF.mkdir(parents=True, exist_ok=True)
    tag = secrets.token_hex(4)
    anne, bruno = f"anne.{tag}@exemple.fr", f"bruno.{tag}@exemple.fr"
    invite = login_help(studio).invite_url
    assert invite is not None
    passwords = {email: sign_up(ls_server.url, invite, email).password for email in (anne, bruno)}

    create_blind_group(studio, GUIDE, [anne, bruno])
    group = find_group(studio, f"blind:{GUIDE.name}")
    assert group is not None
    import_group(studio, group, GUIDE, [SAMPLES / "reports"], ImportOptions())
    items = json.loads((SAMPLES / "annotations" / "louis.bernard@exemple.fr.json").read_text(encoding="utf-8"))
    source = tmp_path / "bruno.json"
    source.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    import_group(studio, group, GUIDE, [source], ImportOptions(mode="annotations", annotator=bruno))
    theirs = list_tasks(studio, group.members[bruno].id, full=True)
    bruno_ids = {a["id"] for t in theirs for a in t["annotations"]}
    assert len(bruno_ids) == len(items) == len(theirs)
    # What would betray his work: his results' region ids, his annotation ids, his e-mail as an author.
    region_ids = [f'"{r["id"]}"' for t in theirs for a in t["annotations"] for r in a["result"] if r.get("id")]
    needles = region_ids
    mine = {t["id"]: t["data"]["report"] for t in list_tasks(studio, group.members[anne].id)}

    context, page, watch = _login(chromium, ls_server.url, anne, passwords[anne])
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    try:
        project = group.members[anne].id
        page.goto(f"{ls_server.url}/projects/{project}/data?labeling=1")
        seen: list[int] = []
        for step in range(len(mine)):
            page.locator(".lsf-htx-richtext").wait_for(timeout=30_000)
            page.wait_for_timeout(800)
            served = [json.loads(body) for url, body in watch.bodies if "id=next_task" in url and body.startswith("{")]
            assert served, "the stream did not ask the server for a task"
            task = served[-1]
            assert task["id"] in mine and task["id"] not in seen
            seen.append(task["id"])
            assert task.get("annotations") in ([], None)  # nothing of anyone in Anne's stream
            html = page.content()
            assert bruno not in html and "louis.bernard" not in html
            assert page.locator(".lsf-outliner-item").count() == 0  # no region on the text
            page.screenshot(path=str(PROOF / f"{step + 1}-anne-stream-{mine[task['id']]}.png"))
            page.locator("button", has_text=re.compile(r"^(Skip|Passer)$")).first.click()
            page.wait_for_timeout(800)
        assert sorted(seen) == sorted(mine)  # the stream served every report of Anne's project
        assert watch.mentioning(needles) == [], "an API answer carried Bruno's regions"
        assert [a["id"] for _, a in watch.annotations() if a["id"] in bruno_ids] == []
        # His e-mail reaches the page only in the member list and the project list (his project's title names him):
        # Community lists every member and every project to everyone.
        listings = ("/api/users", "/api/projects?")
        assert [u for u in watch.mentioning([bruno]) if not any(x in u for x in listings)] == []
        assert errors == [], "\n".join(errors)

        # Control, and the limit of Community: Bruno's project is listed to Anne, who can open it.
        other = theirs[0]
        page.goto(f"{ls_server.url}/projects/{group.members[bruno].id}/data?task={other['id']}")
        page.locator(".lsf-htx-richtext").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(PROOF / "control-anne-opens-bruno-project.png"))
        assert watch.mentioning(needles), "the check would not have seen Bruno's regions"
        assert other["annotations"][0]["id"] in {a["id"] for _, a in watch.annotations()}
        assert bruno in page.content()  # his annotation's tab names him
        assert page.locator(".lsf-outliner-item").count() > 0
    finally:
        context.close()
