"""Where the CLI finds its server: options, variables, partages-ls.toml, then the working folder's local server."""

from __future__ import annotations

from pathlib import Path

import pytest

from partages_ls.studio import connection
from partages_ls.studio.connection import ConnectionSettingsError, resolve_connection

LOCAL = ("http://127.0.0.1:8765", "local-token-0123456789abcdef")


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with no settings anywhere."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("LABEL_STUDIO_URL", raising=False)
    monkeypatch.delenv("LABEL_STUDIO_API_KEY", raising=False)
    return tmp_path


def test_the_local_server_of_the_working_folder_comes_last(bare: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_local_server", lambda: LOCAL)
    found = resolve_connection()
    assert (found.url, found.api_key) == LOCAL
    assert ".partages-ls/label-studio" in str(found) and LOCAL[1] not in str(found)
    monkeypatch.setenv("LABEL_STUDIO_URL", LOCAL[0] + "/")  # the same server named by the variable
    assert resolve_connection().api_key == LOCAL[1]
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "from-the-environment")
    assert resolve_connection().api_key == "from-the-environment"


def test_the_local_token_is_never_sent_to_another_server(bare: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "_local_server", lambda: LOCAL)
    with pytest.raises(ConnectionSettingsError, match="no API token given") as error:
        resolve_connection(url="https://label-studio.example.org")
    assert LOCAL[1] not in str(error.value)


def test_without_any_server_the_message_says_how_to_get_one(bare: Path) -> None:
    with pytest.raises(ConnectionSettingsError) as error:
        resolve_connection()  # nothing runs in bare/.partages-ls/label-studio
    message = str(error.value)
    assert "no Label Studio server given" in message and "partages-ls server start" in message
    assert "LABEL_STUDIO_URL" in message and "partages-ls.toml" in message
