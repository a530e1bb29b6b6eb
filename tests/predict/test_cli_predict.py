"""The thin commands: `ml-backend serve` as a process, `project create --ml-backend`, data file errors."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.content import content_dir
from partages_ls.errors import DiagnosticError
from partages_ls.guides.loader import load_guide
from partages_ls.predict.data import PredictData
from partages_ls.studio.client import StudioClient
from partages_ls.studio.projects import ProjectError, connect_ml_backend, create_project

from .conftest import Backend


def test_serve_listens_on_loopback_and_answers_health() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "partages_ls", "ml-backend", "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        assert match, line
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{match.group(1)}/health", timeout=10) as response:
            assert json.loads(response.read())["status"] == "UP"
    finally:
        os.kill(process.pid, signal.SIGINT)
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()
    assert process.returncode == 0


@pytest.mark.server
def test_project_create_connects_the_backend(studio: StudioClient, backend: Backend) -> None:
    env = {"LABEL_STUDIO_URL": studio.url, "LABEL_STUDIO_API_KEY": studio.connection.api_key}
    result = CliRunner().invoke(cli, ["project", "create", "biomarqueurs", "--ml-backend", backend.url], env=env)
    assert result.exit_code == 0, result.output
    assert f"ML backend connected: {backend.url} (model_version partages-ls:biomarqueurs/all@" in result.output
    again = CliRunner().invoke(cli, ["project", "create", "biomarqueurs", "--ml-backend", backend.url], env=env)
    assert "ML backend unchanged" in again.output


@pytest.mark.server
def test_an_unreachable_backend_is_a_clear_error(studio: StudioClient) -> None:
    project = create_project(studio, load_guide("infectiologie", content_dir("guides"))).project
    with pytest.raises(
        ProjectError, match=r"could not connect the ML backend at http://127\.0\.0\.1:9: .*health check failed"
    ):
        connect_ml_backend(studio, project.id, "http://127.0.0.1:9/")


def test_a_broken_data_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "infectiologie.yaml"
    path.write_text("model: x\nversion: 1.0.0\nlabels:\n  Bacterie:\n    terms: [E. coli, 3]\n", encoding="utf-8")
    data = PredictData(path)
    with pytest.raises(DiagnosticError) as error:
        data.strings("labels.Bacterie.terms")
    assert f"{path}: labels.Bacterie.terms[1]: error: expected a non-empty text" in error.value.render()
    path.write_text("model: [\n", encoding="utf-8")
    with pytest.raises(DiagnosticError, match="cannot read"):
        PredictData(path)
