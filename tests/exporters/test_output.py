"""The output folder under hostile conditions: real files, real processes, real signals.

An ``--out`` that would let ``--overwrite`` delete input is refused; the folder is locked for the
run and checked again before the swap; the swap leaves the old or the new result at every instant,
even when the process is killed between its steps; leftovers of dead processes are cleaned.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.cli.main import cli
from partages_ls.exporters.output import OutputExistsError, OutputFolder

from .lsexport import annotation, region, task

TEXT = "Bacteriemie a E. coli sur pyelonephrite."


def _export(path: Path, report: str = "R1") -> Path:
    spans = [region("r1", 14, 21, "Bacterie", TEXT)]
    path.write_text(json.dumps([task(1, report, TEXT, [annotation(11, "a@x.fr", spans)])]), encoding="utf-8")
    return path


def _run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def _spawn(
    export: Path, out: Path, *extra: str, pause: str = "", env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    environment = {**os.environ, **(env or {})}
    if pause:
        environment["PARTAGES_LS_PAUSE_AT"] = pause
    command = [sys.executable, "-m", "partages_ls", "export", str(export), "--guide", "infectiologie"]
    command += ["--to", "brat", "--out", str(out), *extra]
    return subprocess.Popen(command, env=environment, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _partials(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def test_an_out_holding_the_input_is_refused_and_nothing_is_deleted(tmp_path: Path) -> None:
    inp = tmp_path / "inp"
    inp.mkdir()
    export = _export(inp / "x.json")
    (inp / "notes.txt").write_text("précieux", encoding="utf-8")
    code, output = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", inp, "--overwrite")
    assert code == 1 and "which this command reads" in output and "Traceback" not in output
    assert sorted(p.name for p in inp.iterdir()) == ["notes.txt", "x.json"]
    code, output = _run("agreement", export, "--guide", "infectiologie", "--out", tmp_path, "--overwrite")
    assert code == 1 and "which this command reads" in output
    assert export.is_file()


def test_split_file_inside_out_is_refused(tmp_path: Path) -> None:
    export = _export(tmp_path / "x.json")
    out = tmp_path / "out"
    out.mkdir()
    split = out / "splits.csv"
    split.write_text("report,split\nR1,train\n", encoding="utf-8")
    code, output = _run(
        "export",
        export,
        "--guide",
        "infectiologie",
        "--to",
        "parhaf",
        "--out",
        out,
        "--split-file",
        split,
        "--overwrite",
    )
    assert code == 1 and "splits.csv, which this command reads" in output
    assert split.is_file()


@pytest.mark.parametrize("which", ["root", "current", "home", "repository"])
def test_dangerous_outs_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str) -> None:
    export = _export(tmp_path / "x.json")
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(home / "work")
    out = {"root": Path("/"), "current": Path(), "home": home, "repository": tmp_path / "repo"}[which]
    code, output = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", out, "--overwrite")
    assert code == 1, output
    expected = {"root": "root folder", "current": "current folder", "home": "home folder", "repository": "repository"}
    assert expected[which] in output and "Traceback" not in output
    assert export.is_file() and (tmp_path / "repo" / ".git").is_dir()


def test_a_symlinked_out_keeps_its_link_and_a_dangling_one_is_refused(tmp_path: Path) -> None:
    export = _export(tmp_path / "x.json")
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    for _ in range(2):
        code, output = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", link, "--overwrite")
        assert code == 0, output
    assert link.is_symlink() and (real / "R1.ann").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real", "x.json"]  # no .previous, no .lock
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    code, output = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", dangling)
    assert code == 1 and "which does not exist" in output and "Traceback" not in output


def test_a_file_put_into_out_during_the_run_is_not_deleted(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(OutputExistsError, match="pass --overwrite"), OutputFolder(out) as folder:
        (folder / "result.txt").write_text("new", encoding="utf-8")
        out.mkdir()
        (out / "mine.txt").write_text("keep me", encoding="utf-8")
    assert (out / "mine.txt").read_text(encoding="utf-8") == "keep me"
    assert _partials(out) == []


def test_a_file_put_into_out_during_a_real_export_is_kept(tmp_path: Path) -> None:
    export = _export(tmp_path / "x.json")
    out = tmp_path / "out"
    process = _spawn(export, out, pause="before-swap:3")
    _wait_for(lambda: (tmp_path / ".out.lock").exists(), "the lock")
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1 and "out is not empty (mine.txt)" in stderr, stderr
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"] and _partials(out) == []


def test_two_concurrent_exports_to_one_new_out_one_fails_clearly(tmp_path: Path) -> None:
    export = _export(tmp_path / "x.json")
    out = tmp_path / "out"
    release = tmp_path / "release"
    # The first export holds its lock until the second one has finished, however slow either starts.
    first = _spawn(export, out, pause=f"before-swap:{release}")
    _wait_for(lambda: (tmp_path / ".out.lock").exists(), "the lock")
    second = _spawn(export, out)
    _, second_err = second.communicate(timeout=120)
    release.touch()
    first.communicate(timeout=120)
    assert first.returncode == 0
    assert second.returncode == 1 and "another command (process" in second_err and "is writing" in second_err
    assert (out / "R1.ann").is_file() and _partials(out) == []


def test_stale_partials_of_dead_processes_are_cleaned(tmp_path: Path) -> None:
    export = _export(tmp_path / "x.json")
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = tmp_path / f".out.partial-{dead.pid}"
    stale.mkdir()
    (stale / "R9.txt").write_text("texte de compte rendu", encoding="utf-8")
    code, output = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", tmp_path / "out")
    assert code == 0, output
    assert not stale.exists() and _partials(tmp_path / "out") == []


def test_sigterm_cleans_up_like_ctrl_c_and_keeps_the_old_result(tmp_path: Path) -> None:
    export = _export(tmp_path / "x.json")
    out = tmp_path / "out"
    code, _ = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", out)
    assert code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _export(export, report="R2")
    process = _spawn(export, out, "--overwrite", pause="before-swap:30")
    _wait_for(lambda: any(".partial-" in name for name in _partials(out)), "the partial folder")
    _wait_for(lambda: (tmp_path / ".out.lock").exists(), "the lock")
    time.sleep(0.3)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0 and "Traceback" not in stderr, stderr
    assert _partials(out) == []  # no partial folder, no lock left behind
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _old_then_killed(tmp_path: Path, step: str, env: dict[str, str] | None = None) -> tuple[Path, Path]:
    export = _export(tmp_path / "x.json")
    out = tmp_path / "out"
    code, _ = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", out)
    assert code == 0 and (out / "R1.txt").is_file()
    _export(export, report="R2")
    process = _spawn(export, out, "--overwrite", pause=f"{step}:30", env=env)
    # Old and new results differ: R1.txt leaves out/ at the first step of the swap, and the pause holds there.
    _wait_for(lambda: process.poll() is not None or not (out / "R1.txt").exists(), "the first step of the swap")
    assert process.poll() is None
    process.kill()
    process.communicate(timeout=60)
    return export, out


def test_a_kill_right_after_the_exchange_leaves_the_new_result(tmp_path: Path) -> None:
    export, out = _old_then_killed(tmp_path, "after-exchange")
    assert (out / "R2.txt").is_file() and (out / "export-report.json").is_file()
    assert any(".partial-" in name for name in _partials(out))  # the old result, left by the kill
    code, output = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", out, "--overwrite")
    assert code == 0, output
    assert _partials(out) == []


def test_a_kill_between_the_fallback_renames_gets_the_old_result_back(tmp_path: Path) -> None:
    export, out = _old_then_killed(tmp_path, "between-renames", env={"PARTAGES_LS_NO_RENAME_EXCHANGE": "1"})
    assert not out.exists() and any(".previous-" in name for name in _partials(out))
    code, output = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", out)
    # The next run puts the old result back first; being non-empty, it is then refused without --overwrite.
    assert code == 1 and "pass --overwrite" in output
    assert (out / "R1.txt").is_file() and _partials(out) == []


def test_the_target_exists_at_every_instant_of_repeated_swaps(tmp_path: Path) -> None:
    export = _export(tmp_path / "x.json")
    out = tmp_path / "out"
    code, _ = _run("export", export, "--guide", "infectiologie", "--to", "brat", "--out", out)
    assert code == 0
    missing = 0
    looks = 0
    for _ in range(3):
        process = _spawn(export, out, "--overwrite")
        while process.poll() is None:
            looks += 1
            if not (out / "export-report.json").is_file():
                missing += 1
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
    assert looks > 100 and missing == 0


@pytest.mark.parametrize("which", ["home", "repository"])
def test_demo_refuses_a_dangerous_out_before_starting_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    out = home if which == "home" else tmp_path / "repo"
    data_dir = tmp_path / "ls-data"
    code, output = _run("demo", "--out", out, "--data-dir", data_dir)
    assert code == 1 and ("home folder" in output or "root of a repository" in output), output
    assert not data_dir.exists() and sorted(p.name for p in out.iterdir()) == ([] if which == "home" else [".git"])
