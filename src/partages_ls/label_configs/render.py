"""Render a guide to its Label Studio labeling config and its French instructions."""

from __future__ import annotations

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


def render_label_config(guide: Guide) -> str:
    """The Label Studio XML config: French names shown, stable ids stored (``alias``)."""
    return _environment().get_template("label_config.xml.j2").render(guide=guide)


def render_instructions(guide: Guide) -> str:
    """The project instructions (Label Studio ``expert_instruction``), HTML in French."""
    return _environment().get_template("instructions.html.j2").render(guide=guide)
