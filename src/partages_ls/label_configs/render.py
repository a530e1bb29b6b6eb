"""Render a guide to its Label Studio labeling config and its French instructions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import jinja2

from partages_ls.guides.model import Guide


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("partages_ls.label_configs", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["label_display"] = _label_display
    return env


def _label_display(label_id: str, guide: Guide) -> str:
    label = guide.label(label_id)
    if label is None:  # guides are checked before rendering; this guards direct callers
        raise ValueError(f"guide {guide.name}: unknown label {label_id!r}")
    return label.display


@dataclass(frozen=True)
class Layout:
    """Inline CSS of the two-column labeling layout (Label Studio's ``<View style>``).

    The side panel is sticky at the top of the scrolling annotation area and scrolls on its own when
    taller than the window, so the labels, the selected region's attributes and the document fields
    stay beside the text wherever the annotator is in a long report.
    """

    row: str = "display: flex; flex-wrap: nowrap; align-items: flex-start; gap: 1.5em;"
    text: str = "flex: 1 1 0; min-width: 0;"
    panel: str = (
        "flex: 0 0 20em; max-width: 40%; position: sticky; top: 0; align-self: flex-start; "
        "max-height: 100vh; overflow-y: auto; padding-left: 1em; border-left: 1px solid #ddd;"
    )
    attribute: str = "margin-top: 0.8em;"


LAYOUT = Layout()


def render_label_config(guide: Guide) -> str:
    """The Label Studio XML config: French names shown, stable ids stored (``alias``); see :class:`Layout`."""
    return _environment().get_template("label_config.xml.j2").render(guide=guide, layout=LAYOUT)


def render_instructions(guide: Guide) -> str:
    """The project instructions (Label Studio ``expert_instruction``), HTML in French."""
    return _environment().get_template("instructions.html.j2").render(guide=guide)
