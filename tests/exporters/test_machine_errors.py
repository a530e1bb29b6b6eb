"""Failures of the machine and of options: full disk, permissions, long names, broken split files,
out-of-range options, terminal escape codes. Each is one clear line, never a traceback.

The disk and permission tests use a real small tmpfs and a real process without the root
capabilities (they are skipped where the machine allows neither).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from partages_ls.agreement.report import AgreementOptions, AgreementOptionsError
from partages_ls.cli.main import cli

from .lsexport import annotation, choice, region, task

TEXT = "Bacteriemie a E. coli sur pyelonephrite."


def _export(path: Path, text: str = TEXT, email: str = "a@x.fr", report: str = "R1") -> Path:
    spans = [region("r1", 14, 21, "Bacterie", text), choice("r1", 14, 21, "NEGATION", "Present")]
    path.write_text(json.dumps([task(1, report, text, [annotation(11, email, spans)])]), encoding="utf-8")
    return path


def _run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


def _cli(*args: str | Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    command = [*prefix, sys.executable, "-m", "partages_ls", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_is_one_clear_line_and_the_old_output_survives(tmp_path: Path, small_disk: Path) -> None:
    out = small_disk / "out"
    code, output = _run(
        "export", _export(tmp_path / "x.json"), "--guide", "infectiologie", "--to", "brat", "--out", out
    )
    assert code == 0, output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    big = TEXT + " Le patient va bien." * 20000  # about 400 kB: more than the disk holds
    done = _cli(
        "export",
        _export(tmp_path / "big.json", big),
        "--guide",
        "infectiologie",
        "--to",
        "brat",
        "--out",
        out,
        "--overwrite",
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "No space left on device" in done.stderr and "the disk is full" in done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in small_disk.iterdir()) == ["out"]  # no partial folder, no lock


def test_permission_denied_is_one_clear_line(tmp_path: Path) -> None:
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be denied")
    prefix = (setpriv, "--inh-caps=-all", "--bounding-set=-all", "--") if os.geteuid() == 0 and setpriv else ()
    export = _export(tmp_path / "x.json")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    unreadable = _export(tmp_path / "secret.json")
    unreadable.chmod(0o000)
    try:
        done = _cli(
            "export", export, "--guide", "infectiologie", "--to", "brat", "--out", locked / "out", prefix=prefix
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert "Permission denied" in done.stderr and "check the permissions" in done.stderr
        done = _cli("validate", unreadable, "--guide", "infectiologie", prefix=prefix)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert "secret.json' is not readable" in done.stderr
    finally:
        locked.chmod(0o755)
        unreadable.chmod(0o644)


def test_an_out_name_over_255_bytes_is_one_clear_line(tmp_path: Path) -> None:
    export = _export(tmp_path / "x.json")
    code, output = _run("export", export, "--guide", "infectiologie", "--to", "cas", "--out", tmp_path / ("é" * 200))
    assert code == 1 and "File name too long" in output and "255 bytes" in output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"report,split\nR\xe91,train\n", "x.csv:2: error: byte 14 is not UTF-8"),
        (b'report,split\n"R1,train\n', "not valid CSV"),
        (b"report,split\nR1,train,extra\n", "x.csv:2: error: expected two fields"),
        (b"report,split\nR1\n", "x.csv:2: error: expected two fields"),
        (b"report;split\nR1;train\n", "header must be report,split"),
        (b"report,split\nR1,tr\x00ain\n", "split 'tr\\x00ain' must be letters"),
    ],
)
def test_a_broken_split_file_is_located(tmp_path: Path, content: bytes, expected: str) -> None:
    export = _export(tmp_path / "x.json")
    split = tmp_path / "x.csv"
    split.write_bytes(content)
    out = tmp_path / "out"
    code, output = _run(
        "export", export, "--guide", "infectiologie", "--to", "parhaf", "--out", out, "--split-file", split
    )
    assert code == 1 and expected in output and "Traceback" not in output, output
    assert not out.exists()


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [("--seed", "-1", "--seed"), ("--seed", str(2**40), "--seed"), ("--bootstrap", "100000000", "--bootstrap")],
)
def test_out_of_range_agreement_options_are_refused(tmp_path: Path, option: str, value: str, expected: str) -> None:
    export = _export(tmp_path / "x.json")
    code, output = _run("agreement", export, "--guide", "infectiologie", "--out", tmp_path / "out", option, value)
    assert code == 2 and expected in output and "is not in the range" in output
    assert not (tmp_path / "out").exists()


def test_the_library_bounds_the_same_options() -> None:
    with pytest.raises(AgreementOptionsError, match="more than 100000"):
        AgreementOptions(bootstrap=100_000_000).check()
    with pytest.raises(AgreementOptionsError, match="--seed"):
        AgreementOptions(seed=-1).check()


def test_terminal_escape_codes_in_an_email_are_shown_escaped(tmp_path: Path) -> None:
    hostile = "\x1b]0;pwned\x07\x1b[31mevil\x1b[0m@x.fr\r\n"
    export = tmp_path / "x.json"
    spans = [region("r1", 14, 21, "Bacterie", TEXT)]  # no Négation: an error naming the annotator
    export.write_text(json.dumps([task(1, "R1", TEXT, [annotation(11, hostile, spans)])]), encoding="utf-8")
    done = _cli("validate", export, "--guide", "infectiologie")
    assert done.returncode == 1
    assert "\x1b" not in done.stderr + done.stdout and "\x07" not in done.stderr and "\r" not in done.stderr
    assert "by \\u001b]0;pwned\\u0007\\u001b[31mevil\\u001b[0m@x.fr\\u000d\\u000a: error" in done.stderr
