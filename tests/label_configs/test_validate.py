"""Our config checks catch what the server and the SDK let through."""

from __future__ import annotations

import pytest

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guides
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
