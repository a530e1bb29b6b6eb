"""partages-ls' loader for Label Studio Community, without a server: the version guard and the bundle the
managed server puts on its PYTHONPATH. The loader in a running server is proven by test_plugin_community.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide, load_guides
from partages_ls.ls_plugin_loader import (
    HOOK_EVENT,
    HOOK_FLAG,
    TESTED_VERSIONS,
    available_guides,
    evaluate,
    guide_of,
    plugins_dir,
)
from partages_ls.ls_plugin_loader.bundle import prepare_bundle
from partages_ls.studio.projects import marker_line, project_description
from partages_ls.studio.server import describe_plugin_status

GUIDES = tuple(sorted(load_guides(content_dir("guides"))))


@pytest.fixture
def frontend(tmp_path: Path) -> list[Path]:
    """Two bundles of a labeling frontend that has the hook (its event name and feature flag)."""
    (tmp_path / "1.js").write_text(f'events.invoke("{HOOK_EVENT}",store,annotation)', encoding="utf-8")
    (tmp_path / "2.js").write_text(f'I="{HOOK_FLAG}"', encoding="utf-8")
    return [tmp_path / "1.js", tmp_path / "2.js"]


def test_the_guard_is_on_for_a_tested_version_with_the_hook(frontend: list[Path]) -> None:
    guard = evaluate(version=TESTED_VERSIONS[0], frontend_files=frontend, flag_on=True, guides=GUIDES, env={})
    assert guard.on and guard.reasons == ()
    assert guard.as_dict()["plugins"] == "on" and guard.as_dict()["guides"] == list(GUIDES)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"version": "1.24.0"}, "Label Studio 1.24.0 is not a tested version (1.23.2)"),
        ({"version": None}, "the Label Studio version cannot be read"),
        ({"frontend_files": "no-flag"}, f"the labeling frontend has no 'beforeSaveAnnotation' hook behind {HOOK_FLAG}"),
        ({"frontend_files": "none"}, "the labeling frontend has no 'beforeSaveAnnotation' hook"),
        ({"flag_on": False}, f"the feature flag {HOOK_FLAG} is off on this server"),
        ({"guides": ()}, "no generated plugin found"),
        ({"env": {"PARTAGES_LS_PLUGINS": "off"}}, "turned off by PARTAGES_LS_PLUGINS=off"),
    ],
)  # fmt: skip
def test_the_guard_stays_off_and_says_why(frontend: list[Path], change: dict[str, object], reason: str) -> None:
    arguments: dict[str, object] = {
        "version": TESTED_VERSIONS[0], "frontend_files": frontend, "flag_on": True, "guides": GUIDES, "env": {}
    }  # fmt: skip
    arguments.update(change)
    if arguments["frontend_files"] == "no-flag":
        arguments["frontend_files"] = frontend[:1]
    elif arguments["frontend_files"] == "none":
        arguments["frontend_files"] = []
    guard = evaluate(**arguments)  # type: ignore[arg-type]
    assert not guard.on
    assert len(guard.reasons) == 1 and guard.reasons[0].startswith(reason), guard.reasons
    status = guard.as_dict()
    assert status["plugins"] == "off"
    assert describe_plugin_status(status).startswith(f"guide plugins: off ({reason}")


def test_an_unknown_flag_value_is_not_a_reason_to_stay_off(frontend: list[Path]) -> None:
    """Some Label Studio versions cannot tell the flag server-side; the page checks it again (boot.js)."""
    assert evaluate(version=TESTED_VERSIONS[0], frontend_files=frontend, flag_on=None, guides=GUIDES, env={}).on


def test_the_loader_reads_the_marker_project_create_writes() -> None:
    for name in GUIDES:
        guide = load_guide(name, content_dir("guides"))
        assert guide_of(project_description(guide)) == name
        assert guide_of(f"Notes de l'équipe\n{marker_line(guide)}\nautre texte") == name
    assert guide_of("Un projet sans repère") is None and guide_of(None) is None
    assert guide_of("partages-ls:guide=../etc") is None  # only guide names, never a path


def test_a_curation_project_gets_no_guide_plugin() -> None:
    """Its config adds curation controls the guide's plugin would refuse on every curator's save."""
    from partages_ls.curation.prepare import curation_description
    from partages_ls.ls_plugin_loader import CURATION_MARKER
    from partages_ls.studio.projects import CURATION_MARKER as STUDIO_CURATION_MARKER
    from partages_ls.studio.projects import Project

    assert CURATION_MARKER == STUDIO_CURATION_MARKER
    guide = load_guide("reponse-traitement", content_dir("guides"))
    description = curation_description(Project(7, "CU5b", "reponse-traitement", guide.version, {}), guide)
    assert "partages-ls:guide=reponse-traitement" in description
    assert guide_of(description) is None


def test_the_bundle_holds_the_loader_and_the_plugins_and_nothing_else(tmp_path: Path) -> None:
    bundle = prepare_bundle(tmp_path / "loader")
    assert prepare_bundle(tmp_path / "loader") == bundle  # same content, same folder, written once
    files = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file())
    assert files == sorted(
        [".complete", "partages_ls/__init__.py"]
        + [f"partages_ls/ls_plugin_loader/{name}" for name in ("__init__.py", "middleware.py", "settings.py")]
        + ["partages_ls/ls_plugin_loader/static/boot.js", "partages_ls/ls_plugin_loader/static/lsi.js"]
        + [f"partages_ls/ls_plugin_loader/_plugins/{guide}/plugin.js" for guide in GUIDES]
    )
    for guide in GUIDES:
        shipped = bundle / "partages_ls" / "ls_plugin_loader" / "_plugins" / guide / "plugin.js"
        assert shipped.read_bytes() == (content_dir("plugins") / guide / "plugin.js").read_bytes()
    # In a bare interpreter (no site-packages: none of our dependencies), the bundle finds its plugins.
    probe = (
        "import json; from partages_ls.ls_plugin_loader import available_guides, plugins_dir;"
        "print(json.dumps(sorted(available_guides(plugins_dir({})))))"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={"PYTHONPATH": str(bundle)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == list(GUIDES)


def test_outside_a_bundle_the_plugins_come_from_the_package_content() -> None:
    assert plugins_dir({}) == content_dir("plugins")
    assert sorted(available_guides(plugins_dir({}))) == list(GUIDES)
