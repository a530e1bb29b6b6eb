"""One Label Studio project per guide, found again by a marker stored in its description.

`partages-ls project create GUIDE` is idempotent: the project is found by the marker
``partages-ls:guide=<name>`` (not by its title, which people rename), and its config and
instructions are updated when the guide changed. Label Studio accepts a config that orphans
existing annotations (a removed label value, even a removed control), so before any update we read
every stored result and refuse a change that would leave some of them pointing at nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.errors import PartagesError
from partages_ls.guides.loader import load_guide
from partages_ls.guides.model import Guide
from partages_ls.label_configs.render import render_instructions, render_label_config
from partages_ls.rules.compile import compile_rules
from partages_ls.studio.client import StudioClient, StudioError

MARKER = "partages-ls:guide="
CURATION_MARKER = "partages-ls:curation-of="  # a curation project (partages_ls.curation) also names its guide
BLIND_MARKER = "partages-ls:blind-of="  # one annotator's project of a blind group (partages_ls.studio.blind)
_MARKER_RE = re.compile(
    r"partages-ls:guide=(?P<guide>[a-z][a-z0-9-]*)"
    r"(?:\s+version=(?P<version>[0-9]+\.[0-9]+\.[0-9]+))?(?:\s+instructions=(?P<instructions>[0-9a-f]+))?"
)
DEFAULT_OVERLAP = 2
TITLE_MIN, TITLE_LIMIT = 3, 50  # what Label Studio accepts for a project title


class ProjectError(PartagesError):
    """A project that cannot be found, is ambiguous, or cannot be updated safely."""


def instructions_digest(instructions: str) -> str:
    """A short digest of the rendered instructions.

    The server sanitises ``expert_instruction`` (drops comments and ``style`` attributes, rewrites
    ``<br/>``), so the stored HTML cannot be compared with ours: the marker records what we sent.
    """
    return hashlib.sha256(instructions.encode("utf-8")).hexdigest()[:12]


def marker_line(guide: Guide) -> str:
    """The line that identifies a guide's project (kept in its description)."""
    digest = instructions_digest(render_instructions(guide))
    return f"{MARKER}{guide.name} version={guide.version} instructions={digest}"


def read_marker(description: str | None) -> dict[str, str | None] | None:
    """``guide``, ``version`` and ``instructions`` (digest) from a project description, or None."""
    match = _MARKER_RE.search(description or "")
    return match.groupdict() if match else None


def project_description(guide: Guide) -> str:
    return f"{guide.description}\n\n{marker_line(guide)}".strip()


def default_title(guide: Guide) -> str:
    for title in (f"{guide.cu} {guide.title}", f"{guide.cu} {guide.title.split(' — ')[0]}"):
        if len(title) <= TITLE_LIMIT:
            return title
    return title[: TITLE_LIMIT - 1].rstrip() + "…"


@dataclass(frozen=True)
class Project:
    """A project as the server describes it, with the guide its marker names."""

    id: int
    title: str
    guide_name: str | None
    guide_version: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Project:
        marker = read_marker(data.get("description")) or {}
        return cls(int(data["id"]), str(data.get("title") or ""), marker.get("guide"), marker.get("version"), data)

    def guide(self, guides: Path) -> Guide:
        """The guide named by the marker, as it is now in the ``guides`` folder."""
        if self.guide_name is None:
            raise ProjectError(
                f"project {self.id} ({self.title!r}) was not created by partages-ls (no {MARKER}<name> in its "
                "description); create one with `partages-ls project create GUIDE`"
            )
        return load_guide(self.guide_name, guides)

    @property
    def curation_of(self) -> str | None:
        """The id of the annotation project this one curates (``partages-ls curate``), else None."""
        description = str(self.raw.get("description") or "")
        if CURATION_MARKER not in description:
            return None
        return description.split(CURATION_MARKER, 1)[1].split()[0]


def list_projects(client: StudioClient) -> list[Project]:
    """Every project of the organisation."""
    return [
        Project.from_api(p)
        for p in client.paginate(
            "/api/projects", key="results", params={"include": "id,title,description"}, page_size=100
        )
    ]


def find_guide_projects(client: StudioClient, guide_name: str) -> list[Project]:
    return [
        p
        for p in list_projects(client)
        if p.guide_name == guide_name
        and not any(m in str(p.raw.get("description") or "") for m in (CURATION_MARKER, BLIND_MARKER))
    ]


def get_project(client: StudioClient, project_id: int) -> Project:
    try:
        return Project.from_api(client.get(f"/api/projects/{project_id}"))
    except StudioError as exc:
        if exc.status == 404:
            raise ProjectError(f"no project {project_id} on {client.url}") from None
        raise


def resolve_project(client: StudioClient, reference: str | int) -> Project:
    """A PROJECT argument: a project id, or a guide name found by its marker."""
    text = str(reference).strip()
    if text.isdigit():
        return get_project(client, int(text))
    if text.startswith("blind:"):  # import, status, pull and curate resolve groups before reaching here
        raise ProjectError(
            f"{text} is a blind group (one project per annotator), and this command works on one project: "
            f"pass a member project's id (`partages-ls status {text}` lists them)"
        )
    found = find_guide_projects(client, text)
    if not found:
        raise ProjectError(
            f"no project for guide {text!r} on {client.url}; create it with `partages-ls project create {text}` "
            "(or pass a project id)"
        )
    if len(found) > 1:
        listing = ", ".join(f"{p.id} ({p.title!r})" for p in found)
        raise ProjectError(f"several projects carry the marker of guide {text!r}: {listing}; pass a project id")
    return found[0]


# --- what the stored results use ---------------------------------------------------------------
@dataclass
class Use:
    """One control/value used by stored results, with where (task ids) and how often."""

    what: str
    count: int = 0
    tasks: set[int] = field(default_factory=set)

    def describe(self) -> str:
        shown = ", ".join(str(t) for t in sorted(self.tasks)[:5])
        more = f" and {len(self.tasks) - 5} more" if len(self.tasks) > 5 else ""
        return f"{self.what}: used {self.count} time(s) (tasks {shown}{more})"


def _result_uses(item: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(kind, control, value) pairs one result item depends on."""
    if item.get("type") == "relation":
        for label in item.get("labels") or []:
            yield "relation", "", str(label)
        return
    control = str(item.get("from_name"))
    value = item.get("value") or {}
    kind = str(item.get("type"))
    if kind == "labels":
        yield from (("labels", control, str(v)) for v in value.get("labels") or [])
    elif kind == "choices":
        scope = "region" if "start" in value else "document"
        yield from ((f"choices-{scope}", control, str(v)) for v in value.get("choices") or [])
    else:
        yield kind, control, None


def _stored_results(task: dict[str, Any]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for kind in ("annotations", "predictions", "drafts"):
        for entry in task.get(kind) or []:
            if isinstance(entry, dict) and isinstance(entry.get("result"), list):
                yield kind[:-1], entry["result"]


def orphaned_uses(guide: Guide, tasks: Iterable[dict[str, Any]]) -> list[Use]:
    """Stored results (annotations, predictions, drafts) that ``guide``'s config would not know."""
    rules = compile_rules(guide)
    label_sets: dict[str, list[str]] = rules["label_sets"]
    attributes: dict[str, Any] = rules["attributes"]
    fields: dict[str, Any] = rules["document_fields"]
    controls = set(guide.control_names())
    uses: dict[str, Use] = {}
    for task in tasks:
        for owner, results in _stored_results(task):
            for item in results:
                for kind, control, value in _result_uses(item):
                    problem = None
                    if kind == "relation":
                        if value not in rules["relations"]:
                            problem = f"relation label « {value} »"
                    elif kind == "labels":
                        if control not in label_sets:
                            problem = f"control « {control} »"
                        elif value not in label_sets[control]:
                            problem = f"control « {control} », label « {value} »"
                    elif kind.startswith("choices"):
                        spec = attributes.get(control) if kind == "choices-region" else fields.get(control)
                        if spec is None:
                            problem = f"control « {control} »"
                        elif value not in spec["values"]:
                            problem = f"control « {control} », choice « {value} »"
                    elif control not in controls:
                        problem = f"control « {control} »"
                    if problem is not None:
                        use = uses.setdefault(f"{problem} ({owner}s)", Use(f"{problem} ({owner}s)"))
                        use.count += 1
                        if isinstance(task.get("id"), int):
                            use.tasks.add(task["id"])
    return sorted(uses.values(), key=lambda u: u.what)


def list_tasks(client: StudioClient, project_id: int, *, full: bool = False) -> list[dict[str, Any]]:
    """Every task of a project: ``id`` and ``data`` only, or (``full``) with annotations and predictions."""
    params: dict[str, Any] = {"project": project_id}
    if full:
        params["fields"] = "all"
    else:
        params["include"] = "id,data"
    return list(client.paginate("/api/tasks", key="tasks", params=params, page_size=500))


# --- create / update -----------------------------------------------------------------------------
@dataclass
class ProjectResult:
    """What `project create` did."""

    project: Project
    action: str  # created | updated | unchanged
    changes: list[str] = field(default_factory=list)


def _wanted(guide: Guide, title: str | None, overlap: int | None) -> dict[str, Any]:
    wanted: dict[str, Any] = {"label_config": render_label_config(guide), "show_instruction": True}
    if title is not None:
        wanted["title"] = title
    if overlap is not None:
        wanted["maximum_annotations"] = overlap
    return wanted


def _differences(
    current: dict[str, Any], wanted: dict[str, Any], guide: Guide, description: str | None = None
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in wanted.items():
        stored = current.get(key)
        if isinstance(value, str) and isinstance(stored, str):
            if stored.strip() != value.strip():  # the server trims a final newline
                changes[key] = value
        elif stored != value:
            changes[key] = value
    marker = read_marker(current.get("description")) or {}
    instructions = render_instructions(guide)
    if marker.get("instructions") != instructions_digest(instructions):
        changes["expert_instruction"] = instructions
    description = description or project_description(guide)
    if str(current.get("description") or "").strip() != description:
        changes["description"] = description
    return changes


def create_project(
    client: StudioClient, guide: Guide, *, title: str | None = None, overlap: int | None = None
) -> ProjectResult:
    """Create the guide's project, or bring the existing one (found by marker) up to date.

    ``overlap`` (Label Studio's ``maximum_annotations``) defaults to 2 on creation and is changed on
    an existing project only when given. A config change that would orphan stored results is
    refused with the list of what is in use.
    """
    if overlap is not None and overlap < 1:
        raise ProjectError(f"--overlap must be at least 1, got {overlap}")
    if title is not None and not (TITLE_MIN <= len(title) <= TITLE_LIMIT):
        raise ProjectError(f"--title must have {TITLE_MIN} to {TITLE_LIMIT} characters")
    found = find_guide_projects(client, guide.name)
    if len(found) > 1:
        listing = ", ".join(f"{p.id} ({p.title!r})" for p in found)
        raise ProjectError(f"several projects carry the marker of guide {guide.name!r}: {listing}; delete the extra")
    if not found:
        payload = _wanted(guide, title or default_title(guide), overlap or DEFAULT_OVERLAP)
        payload["expert_instruction"] = render_instructions(guide)
        payload["description"] = project_description(guide)
        created = client.post("/api/projects", payload, retry=False)
        return ProjectResult(Project.from_api(created), "created", sorted(payload))
    return update_project(client, found[0], guide, title, overlap)


def update_project(
    client: StudioClient,
    project: Project,
    guide: Guide,
    title: str | None,
    overlap: int | None,
    description: str | None = None,
) -> ProjectResult:
    """Bring an existing project's config, instructions and description up to date with ``guide``."""
    current = client.get(f"/api/projects/{project.id}")
    changes = _differences(current, _wanted(guide, title, overlap), guide, description)
    if not changes:
        return ProjectResult(project, "unchanged")
    if "label_config" in changes:
        orphans = orphaned_uses(guide, list_tasks(client, project.id, full=True))
        if orphans:
            listing = "\n  ".join(use.describe() for use in orphans)
            raise ProjectError(
                f"project {project.id} ({project.title!r}) keeps its current config: guide {guide.name} "
                f"v{guide.version} would orphan existing results:\n  {listing}\n"
                "Keep those labels in the guide (or rename them back), or delete or fix those annotations "
                "in Label Studio first."
            )
    updated = client.patch(f"/api/projects/{project.id}", changes)
    return ProjectResult(Project.from_api(updated), "updated", sorted(changes))


# --- ML backend --------------------------------------------------------------------------------
@dataclass
class MLBackendResult:
    """What `project create --ml-backend` did: the backend's id, title (= model_version) and state."""

    id: int
    url: str
    title: str
    state: str
    action: str  # connected | unchanged


def connect_ml_backend(client: StudioClient, project_id: int, url: str) -> MLBackendResult:
    """Connect the ML backend at ``url`` to the project (idempotent) and use its suggestions.

    Label Studio checks ``/health`` and ``/setup`` on creation, registers ``<url>/webhook`` for
    annotation events, and shows predictions whose ``model_version`` is the project's: the
    backend's title is set to the ``model_version`` its ``/setup`` returned, and the project to it.
    """
    url = url.rstrip("/")
    existing = client.get("/api/ml", params={"project": project_id})
    found = [b for b in existing if isinstance(b, dict) and str(b.get("url", "")).rstrip("/") == url]
    action = "unchanged"
    if found:
        backend = found[0]
    else:
        try:
            backend = client.post(
                "/api/ml",
                {"url": url, "project": project_id, "title": "partages-ls", "is_interactive": False},
                retry=False,
            )
        except StudioError as exc:
            raise ProjectError(
                f"Label Studio could not connect the ML backend at {url}: {exc}. Is `partages-ls ml-backend serve` "
                "running there, and can the Label Studio server reach that address?"
            ) from None
        action = "connected"
    version = str(backend.get("model_version") or "")
    if not version:
        raise ProjectError(
            f"the ML backend at {url} did not give a model version (state {backend.get('readable_state')})"
        )
    if backend.get("title") != version:
        # Label Studio 1.23 re-checks the backend on update and needs its URL and project in the payload.
        backend = client.patch(f"/api/ml/{backend['id']}", {"url": url, "project": project_id, "title": version})
    client.patch(f"/api/projects/{project_id}", {"show_collab_predictions": True, "model_version": version})
    return MLBackendResult(int(backend["id"]), url, version, str(backend.get("readable_state") or ""), action)
