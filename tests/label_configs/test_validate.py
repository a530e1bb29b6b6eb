"""Our config checks catch what the server and the SDK let through."""

from __future__ import annotations

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guides
from partages_ls.label_configs import validate
from partages_ls.label_configs.render import render_label_config
from partages_ls.label_configs.validate import check_label_config

GOOD = """<View>
  <Labels name="label" toName="text"><Label value="A" background="#ff0000"/><Label value="B"/></Labels>
  <Text name="text" value="$text"/>
  <Choices name="neg" toName="text" perRegion="true"><Choice value="x"/></Choices>
</View>"""


def test_good_config_passes() -> None:
    assert check_label_config(GOOD) == []


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (GOOD.replace('value="B"', "value='B'"), "single-quoted attribute"),
        (GOOD.replace('value="B"', 'value="A"'), "share value='A'"),
        (GOOD.replace("<Choices", "<Choises").replace("</Choices>", "</Choises>"), "unknown tag <Choises>"),
        (GOOD.replace('perRegion="true"', 'perRegion="maybe"'), "perRegion='maybe' is not true or false"),
        (GOOD.replace('name="neg" toName="text"', 'name="neg" toName="txt"'), "toName 'txt' names no object"),
        (GOOD.replace('name="neg"', 'name="label"'), "control name 'label' is used 2 times"),
        (GOOD.replace('background="#ff0000"', 'background="red"'), "background 'red' is not #rrggbb"),
        (GOOD.replace('<Label value="A"', '<Label vlaue="A"'), "unknown attribute vlaue"),
        (GOOD.replace("</View>", ""), "not well-formed XML"),
    ],
)
def test_broken_configs_are_refused(broken: str, expected: str) -> None:
    problems = check_label_config(broken, where="x.xml")
    assert any(expected in p.render() for p in problems), [p.render() for p in problems]
    assert all(p.location.startswith("x.xml") for p in problems)


def test_every_generated_config_passes_all_checks() -> None:
    for name, guide in load_guides(content_dir("guides")).items():
        assert check_label_config(render_label_config(guide), where=name) == []


def test_the_sdk_validator_is_asked_and_its_refusal_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    interface = pytest.importorskip(
        "label_studio_sdk.label_interface.interface",
        reason="label-studio-sdk is the optional `sdk` extra: pip install 'partages-ls[sdk]'",
    )

    def refuse(self: object) -> None:
        raise ValueError("tag Labels: no object named text")

    monkeypatch.setattr(interface.LabelInterface, "validate", refuse)
    problems = [p.render() for p in check_label_config(GOOD, where="x.xml")]
    assert problems == ["x.xml: error: rejected by label-studio-sdk: tag Labels: no object named text"]


def test_without_the_sdk_our_checks_still_decide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "sdk_installed", lambda: False)
    assert check_label_config(GOOD) == []
    broken = GOOD.replace('value="B"', 'value="A"')
    assert any("share value='A'" in p.render() for p in check_label_config(broken))
