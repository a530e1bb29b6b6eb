"""The generated files of label_configs/: one XML config and one instructions page per guide."""

from __future__ import annotations

from collections.abc import Mapping

from partages_ls.errors import Diagnostic, DiagnosticError
from partages_ls.guides.model import Guide
from partages_ls.label_configs.render import render_instructions, render_label_config
from partages_ls.label_configs.validate import check_label_config


def label_config_files(guides: Mapping[str, Guide]) -> dict[str, str]:
    """``label_configs/<guide>.xml`` and ``.instructions.html``; refuses configs that fail the checks."""
    files: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for name, guide in sorted(guides.items()):
        xml = render_label_config(guide)
        problems += check_label_config(xml, where=f"label_configs/{name}.xml (generated)")
        files[f"label_configs/{name}.xml"] = xml
        files[f"label_configs/{name}.instructions.html"] = render_instructions(guide)
    if problems:
        raise DiagnosticError("a generated label config is invalid (fix the guide or the template)", problems)
    return files
