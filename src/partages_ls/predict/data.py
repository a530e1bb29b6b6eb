"""The suggestion data of a guide (``guides/predict/<guide>.yaml``): lexicons and cue words.

Content, not code: people edit these files, so a problem is reported with the file and the key
(``guides/predict/infectiologie.yaml: labels.Bacterie.terms[3]: expected text``).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from partages_ls.errors import Diagnostic, DiagnosticError


def data_path(guide_name: str, guides: Path) -> Path:
    """Where the suggestion data of a guide of the ``guides`` folder is."""
    return guides / "predict" / f"{guide_name}.yaml"


class PredictData:
    """A parsed data file with typed, located accessors."""

    def __init__(self, path: Path) -> None:
        self.path = path
        raw = path.read_bytes()
        self.digest = hashlib.sha256(raw).hexdigest()[:8]
        try:
            data = yaml.safe_load(raw.decode("utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise DiagnosticError(f"cannot read {path}", [Diagnostic(str(path), f"not valid YAML: {exc}")]) from None
        if not isinstance(data, dict):
            raise DiagnosticError(f"cannot read {path}", [Diagnostic(str(path), "expected a mapping at the top")])
        self.data: dict[str, Any] = data
        self.model = self.text("model")
        self.version = self.text("version")

    def fail(self, where: str, message: str) -> DiagnosticError:
        return DiagnosticError(
            f"invalid suggestion data {self.path.name}", [Diagnostic(f"{self.path}: {where}", message)]
        )

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.data
        for key in dotted.split("."):
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    def text(self, dotted: str) -> str:
        value = self.get(dotted)
        if not isinstance(value, str) or not value:
            raise self.fail(dotted, "expected a non-empty text")
        return value

    def strings(self, dotted: str, *, required: bool = False) -> list[str]:
        value = self.get(dotted)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            raise self.fail(dotted, "expected a list of texts")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(f"{dotted}[{index}]", "expected a non-empty text")
        return [str(item) for item in value]

    def mapping(self, dotted: str) -> dict[str, Any]:
        value = self.get(dotted)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(dotted, "expected a mapping")
        return value

    def groups(self, dotted: str) -> dict[str, list[str]]:
        """A mapping of names to lists of texts (``titles``, ``statuses``...)."""
        return {str(key): self.strings(f"{dotted}.{key}", required=True) for key in self.mapping(dotted)}

    def regexes(self, dotted: str) -> list[re.Pattern[str]]:
        compiled = []
        for index, pattern in enumerate(self.strings(dotted)):
            try:
                compiled.append(re.compile(pattern))
            except re.error as exc:
                raise self.fail(f"{dotted}[{index}]", f"not a valid regular expression: {exc}") from None
        return compiled

    def regex(self, dotted: str) -> re.Pattern[str]:
        pattern = self.text(dotted)
        try:
            return re.compile(pattern)
        except re.error as exc:
            raise self.fail(dotted, f"not a valid regular expression: {exc}") from None


def load_data(guide_name: str, guides: Path) -> PredictData | None:
    """The guide's suggestion data in the ``guides`` folder, or None when the guide has none."""
    path = data_path(guide_name, guides)
    return PredictData(path) if path.is_file() else None
