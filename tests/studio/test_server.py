"""The real local Label Studio server: health, token auth, persistent mode, and secrets kept out of sight."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from partages_ls.studio.server import (
    CREDENTIALS_FILE,
    LOG_FILE,
    STATE_FILE,
    Credentials,
    LocalServer,
    ServerInstallError,
    ServerStartError,
    _pid_is_label_studio,
    check_token,
    ensure_server_install,
    find_server,
    server_environment,
    stop_server,
)


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" in status.read_text()


@pytest.mark.server
def test_health_is_up(ls_server: Any) -> None:
    assert ls_server.api("GET", "/health") == {"status": "UP"}


@pytest.mark.server
def test_token_authenticates_and_a_wrong_token_gets_401(ls_server: Any) -> None:
    assert check_token(ls_server.url, ls_server.token) == 200
    assert ls_server.status("GET", "/api/projects") == 200
    assert check_token(ls_server.url, "not-the-token-0123456789") == 401
    assert ls_server.status("GET", "/api/projects", token="not-the-token-0123456789") == 401


@pytest.mark.server
def test_persistent_server_is_found_through_its_state_file_and_stopped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="partages_ls")
    data_dir = tmp_path / "demo"
    server = LocalServer(data_dir=data_dir).start()
    try:
        token, password = server.token, server.password
        state = find_server(data_dir)
        assert state is not None
        assert (state.pid, state.url, state.token) == (server.pid, server.url, token)
        assert state.database == "sqlite"  # what `server status` reports
        assert check_token(state.url, token) == 200

        state_text = (data_dir / STATE_FILE).read_text()
        assert token not in state_text and password not in state_text
        assert json.loads(state_text)["url"] == server.url
        creds_mode = stat.S_IMODE((data_dir / CREDENTIALS_FILE).stat().st_mode)
        assert creds_mode == 0o600
        for shown in (repr(server), str(server), repr(state), repr(server.credentials), caplog.text):
            assert token not in shown and password not in shown

        assert stop_server(data_dir) is True
        assert _process_gone(state.pid)
        assert find_server(data_dir) is None
        assert stop_server(data_dir) is False
    finally:
        server.stop()

    with LocalServer(data_dir=data_dir) as again:
        assert again.url == server.url, "a restart keeps the port of the state file when it is free"
        assert check_token(again.url, token) == 200
    assert find_server(data_dir) is None
    assert token not in caplog.text and token not in (data_dir / LOG_FILE).read_text()


@pytest.mark.server
def test_a_data_dir_made_with_other_credentials_is_refused_without_leaking_them(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    with LocalServer(data_dir=data_dir):
        pass
    other = Credentials("someone@example.org", "a-password-for-the-test", "t" * 40)
    with pytest.raises(ServerStartError) as caught:
        LocalServer(data_dir=data_dir, credentials=other).start()
    assert "preset token" in str(caught.value)
    assert other.token not in str(caught.value) and other.password not in str(caught.value)


@pytest.mark.server
def test_a_start_timeout_reports_the_log_tail(tmp_path: Path) -> None:
    server = LocalServer(data_dir=tmp_path / "demo", startup_timeout=0.01)
    with pytest.raises(ServerStartError, match="last lines of") as caught:
        server.start()
    assert server.process is None
    assert server.token not in str(caught.value)


@pytest.mark.server
def test_a_failed_install_raises_with_the_pip_output_and_leaves_no_marker(tmp_path: Path) -> None:
    with pytest.raises(ServerInstallError) as caught:
        ensure_server_install(tmp_path, version="0.0.0.dev0")
    assert "label-studio==0.0.0.dev0" in caught.value.output_tail
    assert not (tmp_path / "label-studio-0.0.0.dev0" / "venv" / ".partages-ls-installed").exists()


def test_the_server_environment_is_clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("USERNAME", "PASSWORD", "HOST", "PORT", "DEBUG", "LOG_LEVEL", "DJANGO_SETTINGS_MODULE"):
        monkeypatch.setenv(name, "leaked")
    env = server_environment(tmp_path, Credentials.generate(), tmp_path / "venv")
    assert not {"USERNAME", "PASSWORD", "HOST", "PORT", "DEBUG", "DJANGO_SETTINGS_MODULE"} & env.keys()
    assert env["LOG_LEVEL"] == "WARNING"
    assert env["LABEL_STUDIO_BASE_DATA_DIR"] == str(tmp_path)
    assert env["SENTRY_DSN"] == env["FRONTEND_SENTRY_DSN"] == ""
    assert env["LABEL_STUDIO_COLLECT_ANALYTICS"] == env["LABEL_STUDIO_LATEST_VERSION_CHECK"] == "false"
    assert env["PATH"].startswith(str(tmp_path / "venv" / "bin"))


def test_the_template_key_follows_version_user_and_token() -> None:
    creds = Credentials("admin@example.org", "pw", "a" * 40)
    key = creds.template_key("1.23.2")
    assert key != Credentials("admin@example.org", "pw", "b" * 40).template_key("1.23.2")
    assert key != Credentials("other@example.org", "pw", "a" * 40).template_key("1.23.2")
    assert key != creds.template_key("1.23.3")
    assert creds.token not in key and creds.token not in repr(creds) and "pw" not in repr(creds)


def test_the_plugin_loader_is_a_path_and_a_settings_module(tmp_path: Path) -> None:
    """`LocalServer(plugins=True)` (the default): partages-ls' settings, found on the PYTHONPATH."""
    loader = tmp_path / "loader"
    env = server_environment(tmp_path, Credentials.generate(), tmp_path / "venv", plugin_loader=loader)
    assert env["DJANGO_SETTINGS_MODULE"] == "partages_ls.ls_plugin_loader.settings"
    assert env["PYTHONPATH"] == str(loader)
    assert LocalServer().plugins is True and LocalServer(plugins=False).plugins is False


@pytest.mark.parametrize(
    ("cmdline", "status", "ours"),
    [
        (b"python\0/venv/bin/label-studio\0start\0", "State:\tS (sleeping)\nPPid:\t1\n", True),
        (b"/usr/bin/sleep\0100\0", "State:\tS (sleeping)\nPPid:\t1\n", False),  # a recycled pid
        # Exiting: its memory released, its command line reads empty until it is a zombie. Still ours.
        (b"", "Name:\tlabel-studio\nState:\tR (running)\nPPid:\t1\n", True),
        (b"", "Name:\tlabel-studio\nState:\tZ (zombie)\nPPid:\t1\n", False),
        (b"", "Name:\tkworker/0:1\nState:\tI (idle)\nPPid:\t2\n", False),  # a kernel thread
    ],
    ids=["running", "recycled", "exiting", "zombie", "kernel-thread"],
)
def test_a_server_still_exiting_is_waited_for_and_a_zombie_is_gone(
    tmp_path: Path, cmdline: bytes, status: str, ours: bool
) -> None:
    # A stop that took the empty command line of an exiting server for another process returned while
    # the server still ran. The pid must be alive for /proc to be read: this test's own, under a fake /proc.
    entry = tmp_path / str(os.getpid())
    entry.mkdir()
    (entry / "cmdline").write_bytes(cmdline)
    (entry / "status").write_text(status)
    assert _pid_is_label_studio(os.getpid(), tmp_path) is ours
