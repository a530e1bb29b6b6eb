"""Which suggestion models each guide has, and the ``model_version`` that names them.

Per guide: ``rules`` (the guide's rule and lexicon model, when it has suggestion data in
``guides/predict/``), ``matcher`` (learns from the project's annotations, every guide) and
``all`` (both; where they overlap the rules win). Predictions carry
``model_version = "partages-ls:<guide>/<model>@<version>"``; a model's version changes with its
code version and a digest of its data file, so editing a lexicon yields new predictions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from partages_ls.errors import PartagesError
from partages_ls.guides.model import Guide
from partages_ls.predict.base import Model
from partages_ls.predict.biomarqueurs import BiomarkerModel
from partages_ls.predict.data import load_data
from partages_ls.predict.infectiologie import InfectiologyModel
from partages_ls.predict.matcher import StringMatcher
from partages_ls.predict.pseudonymisation import PseudonymisationModel
from partages_ls.predict.spans import Suggestion, resolve_overlaps

MODEL_NAMES = ("all", "rules", "matcher")
PREFIX = "partages-ls:"


class PredictError(PartagesError):
    """A model that does not exist for a guide, or a prediction run that cannot proceed."""


def rules_model(guide: Guide, guides: Path) -> Model | None:
    """The guide's rule/lexicon model, or None when ``<guides>/predict/<guide>.yaml`` does not exist.

    The data file names the engine that reads it (``model:``): the engines are code, their words data.
    """
    data = load_data(guide.name, guides)
    if data is None:
        return None
    if data.model == "cu1-rules":
        return PseudonymisationModel(data)
    if data.model == "cu6-lexicon":
        return InfectiologyModel(data)
    if data.model == "cu5a-lexicon":
        return BiomarkerModel(data, guide)
    raise data.fail("model", f"unknown rule engine {data.model!r}; known: cu1-rules, cu6-lexicon, cu5a-lexicon")


@dataclass
class Combined:
    """Several models; where suggestions overlap, the earlier model's win."""

    name: str
    version: str
    models: list[Model]
    stack: bool = False

    def predict(self, text: str) -> list[Suggestion]:
        merged = [s for model in self.models for s in model.predict(text)]
        return resolve_overlaps(merged, {model.name: rank for rank, model in enumerate(self.models)}, stack=self.stack)


@dataclass
class GuideModels:
    """The models of one guide, sharing one string matcher."""

    guide: Guide
    rules: Model | None
    matcher: StringMatcher

    @classmethod
    def for_guide(cls, guide: Guide, guides: Path) -> GuideModels:
        """The models of a guide, its rule model read from the ``guides`` folder."""
        return cls(guide, rules_model(guide, guides), StringMatcher(guide))

    def names(self) -> list[str]:
        return [n for n in MODEL_NAMES if n != "rules" or self.rules is not None]

    def get(self, name: str) -> Model:
        if name == "matcher":
            return self.matcher
        if name == "rules":
            if self.rules is None:
                raise PredictError(
                    f"guide {self.guide.name} has no rule model (no guides/predict/{self.guide.name}.yaml); "
                    "use --model matcher"
                )
            return self.rules
        if name == "all":
            models: list[Model] = [m for m in (self.rules, self.matcher) if m is not None]
            version = "+".join(f"{m.name}.{m.version}" for m in models)
            stack = not any(rule.kind == "no_overlap" for rule in self.guide.rules)
            return Combined("all", version, models, stack)
        raise PredictError(f"unknown model {name!r} for guide {self.guide.name}; known: {', '.join(self.names())}")

    def model_version(self, name: str) -> str:
        model = self.get(name)
        return model_version(self.guide, name, model.version)


def model_version(guide: Guide, name: str, version: str) -> str:
    return f"{PREFIX}{guide.name}/{name}@{version}"
