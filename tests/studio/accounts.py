"""Annotator accounts made the way an annotator makes one: through the project's invite link."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Account:
    password: str
    token: str  # the user's own API token (Community gives a user only their own)


def sign_up(url: str, invite_url: str, email: str) -> Account:
    """Sign up through the invite link with a web session, then read the new user's API token."""
    password = secrets.token_urlsafe(16)
    with httpx.Client(base_url=url, follow_redirects=True, timeout=30, trust_env=False) as web:
        page = web.get(invite_url.removeprefix(url))
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        csrf = match.group(1) if match else web.cookies.get("csrftoken", "")
        signed = web.post(
            invite_url.removeprefix(url),
            data={"email": email, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": invite_url},
        )
        assert signed.status_code == 200, signed.text[:300]
        token = web.get("/api/current-user/token")
        assert token.status_code == 200, token.text[:300]
        return Account(password, str(token.json()["token"]))
