"""Organisation members (annotators) and how each one gets a login.

The Community edition creates members through ``POST /api/users`` but ignores any password sent
there, and its invite link only works for people who sign up themselves (an e-mail that already
exists is refused by the sign-up form). So a member created here gets a login from the server's
administrator: ``label-studio reset_password``, run on the server machine against its data folder.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from partages_ls.errors import PartagesError
from partages_ls.studio.client import StudioClient, StudioError
from partages_ls.studio.projects import Project, resolve_project

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AnnotatorError(PartagesError):
    """An e-mail that is not one, or a member the server would not create."""


def users_by_email(client: StudioClient) -> dict[str, dict[str, Any]]:
    """The organisation's members by lower-cased e-mail."""
    users = list(client.paginate("/api/users", key="results", params={}, page_size=500))
    return {str(u.get("email", "")).lower(): u for u in users if isinstance(u, dict) and u.get("email")}


def user_id(client: StudioClient, email: str) -> int:
    """The id of the member with this e-mail; a clear error when there is none."""
    user = users_by_email(client).get(email.strip().lower())
    if user is None:
        raise AnnotatorError(
            f"{email} is not a member of the organisation on {client.url}; "
            f"add them first with `partages-ls annotators add PROJECT {email}`"
        )
    return int(user["id"])


@dataclass(frozen=True)
class Member:
    """One annotator after `annotators add`."""

    email: str
    user_id: int
    created: bool


@dataclass
class LoginHelp:
    """How members get a login on this server (no secret in here)."""

    invite_url: str | None
    reset_command: str
    local: bool
    notes: list[str] = field(default_factory=list)

    def lines(self, emails: list[str]) -> list[str]:
        out = ["How annotators log in (Community edition: the server ignores passwords sent through the API):"]
        where = "on the server machine" if not self.local else "on this machine"
        out.append(f"  give each one a password {where}:")
        for email in emails:
            out.append("    " + self.reset_command.replace("{email}", shlex.quote(email)))
        out.append(
            "  then send them the URL, their e-mail and that password (they can change it in Account & Settings)."
        )
        if self.invite_url:
            out.append(
                f"  people not added yet can instead sign up themselves with the invite link {self.invite_url} "
                "(`annotators add` then finds them)"
            )
        out += [f"  {note}" for note in self.notes]
        return out


def login_help(client: StudioClient, *, data_dir: Path | None = None, venv: Path | None = None) -> LoginHelp:
    """The reset-password command (exact when the local server's data folder is known) and the invite link."""
    invite_url = None
    try:
        invite = client.get("/api/invite")
        if isinstance(invite, dict) and invite.get("invite_url"):
            invite_url = client.url + str(invite["invite_url"])
    except StudioError:
        invite_url = None
    if data_dir is not None:
        folder = shlex.quote(str(Path(data_dir).resolve()))
        program = shlex.quote(str(venv / "bin" / "label-studio")) if venv is not None else "label-studio"
        command = (
            f"env LABEL_STUDIO_BASE_DATA_DIR={folder} DJANGO_DB=sqlite {program} reset_password "
            f"--username {{email}} --password 'NEW-PASSWORD' --data-dir {folder}"
        )
        return LoginHelp(invite_url, command, local=True)
    command = (
        "env LABEL_STUDIO_BASE_DATA_DIR=DATA_DIR label-studio reset_password "
        "--username {email} --password 'NEW-PASSWORD' --data-dir DATA_DIR"
    )
    note = (
        "(DATA_DIR: the server's data folder; for `partages-ls server start` it is .partages-ls/label-studio and "
        "label-studio is in the cached virtualenv shown by `partages-ls server install`)"
    )
    return LoginHelp(invite_url, command, local=False, notes=[note])


@dataclass
class AddResult:
    project: Project
    members: list[Member]


def add_annotators(client: StudioClient, project: str | int, emails: list[str]) -> AddResult:
    """Make each e-mail a member of the organisation (those already members are left alone)."""
    resolved = resolve_project(client, project)
    wanted: list[str] = []
    for email in emails:
        clean = email.strip()
        if not _EMAIL.match(clean):
            raise AnnotatorError(f"{email!r} is not an e-mail address")
        if clean.lower() not in (w.lower() for w in wanted):
            wanted.append(clean)
    known = users_by_email(client)
    members: list[Member] = []
    for email in wanted:
        user = known.get(email.lower())
        if user is not None:
            members.append(Member(str(user["email"]), int(user["id"]), created=False))
            continue
        try:
            created = client.post("/api/users", {"email": email, "username": email}, retry=False)
        except StudioError as exc:
            if exc.status == 400 and "already exists" in str(exc):
                raise AnnotatorError(
                    f"{email} has an account on {client.url} but is not a member of this organisation; "
                    "an administrator must add them in Label Studio"
                ) from None
            raise
        members.append(Member(str(created["email"]), int(created["id"]), created=True))
    return AddResult(resolved, members)
