"""Output folders written atomically, never overwritten without ``--overwrite``, guarded for the run.

Writers fill a hidden temporary folder beside the target; only a complete result replaces the
target. While a command writes, an exclusive lock beside the target keeps a second command out,
and the target is checked again just before the swap, so a file put there meanwhile is never
deleted without ``--overwrite``. The swap exchanges the two folders in one step where the kernel
can (``renameat2(RENAME_EXCHANGE)``): at every instant the target holds the old or the new result.
Elsewhere it falls back to two renames, and a later run puts back an old result that a kill
between them left aside. Leftovers of dead processes are removed; SIGTERM is handled like Ctrl-C.

A target that is ``/``, the current or home folder, a repository root, or that contains a file
the command reads (or the current folder) is refused: ``--overwrite`` must never delete input.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import re
import shutil
import signal
from collections.abc import Iterable
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from partages_ls.errors import PartagesError


class OutputExistsError(PartagesError):
    """The output folder holds files and ``--overwrite`` was not given."""


class OutputRefusedError(PartagesError):
    """The output folder is one that ``--overwrite`` could destroy input or a home with."""


class OutputBusyError(PartagesError):
    """Another command is writing the same output folder."""


RUN_REPORT = "export-report.json"
NAME_MAX = 255  # bytes in one file name, on every common file system


def file_name_problem(name: str, reserved: Iterable[str] = (RUN_REPORT,)) -> str | None:
    """Why a document's file ``name`` cannot be written beside the run's own files, or None.

    A document never takes the name of a file the command writes itself (the run report, a type
    system, a configuration): on any file system, so names are compared case-folded.
    """
    size = len(os.fsencode(name))
    if size > NAME_MAX:
        return f"its file name would be {size} bytes long; file systems allow {NAME_MAX}"
    if name.casefold() in {r.casefold() for r in reserved}:
        return (
            f"its file name {name} is the name of a file the export writes itself; "
            "rename the report (data.report of its task)"
        )
    return None


def _listing(folder: Path, limit: int = 8) -> str:
    names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def guard_target(target: Path, reads: Iterable[Path] = ()) -> Path:
    """The real folder ``target`` names (symbolic links followed), or a refusal saying why."""
    if target.is_symlink() and not target.exists():
        raise OutputRefusedError(
            f"--out {target} is a symbolic link to {target.readlink()}, which does not exist; "
            "remove the link or give another --out"
        )
    real = target.resolve()
    home = Path.home().resolve()
    cwd = Path.cwd().resolve()
    if real == Path(real.anchor):
        raise OutputRefusedError(f"--out {target} is the root folder; give a folder of its own")
    if real == home:
        raise OutputRefusedError(f"--out {target} is your home folder; give a folder of its own")
    if (real / ".git").exists():
        raise OutputRefusedError(f"--out {target} is the root of a repository; give a folder of its own")
    if _inside(cwd, real):
        raise OutputRefusedError(
            f"--out {target} is the current folder or holds it; give a folder of its own, such as {target / 'out'}"
        )
    for read in reads:
        if _inside(read.resolve(), real):
            raise OutputRefusedError(
                f"--out {target} holds {read}, which this command reads; "
                "write the output elsewhere (--overwrite would delete it)"
            )
    return real


_LIBC: Any = None


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where the system cannot."""
    global _LIBC
    if os.environ.get("PARTAGES_LS_NO_RENAME_EXCHANGE"):  # exercises the fallback in tests
        return False
    try:
        if _LIBC is None:
            _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = _LIBC.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pause(step: str) -> None:
    """Test hook: ``PARTAGES_LS_PAUSE_AT=step:seconds`` sleeps there (kill tests use it);
    ``step:/path/to/file`` waits there until that file exists (at most two minutes), so a test can hold
    the command at that step for exactly as long as it needs, whatever the machine's load."""
    wanted = os.environ.get("PARTAGES_LS_PAUSE_AT", "")
    name, _, value = wanted.partition(":")
    if name != step:
        return
    import time

    if value.startswith("/"):
        deadline = time.monotonic() + 120
        while not Path(value).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return
    time.sleep(float(value or 1))


class _Lock:
    """An exclusive ``flock`` on ``.NAME.lock`` beside the target, removed when released."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, target: Path) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise OutputBusyError(
                    f"another command (process {holder}) is writing {target}; wait for it or choose another --out"
                ) from None
            # The file may have been removed by its previous holder between open and lock: retry.
            try:
                same = self.path.stat().st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
                self.fd = fd
                return
            os.close(fd)

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            os.close(self.fd)
            self.fd = None


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


class OutputFolder:
    """``with OutputFolder(out, overwrite, reads=[...]) as tmp:`` write into ``tmp``; it becomes ``out``."""

    def __init__(self, target: Path, *, overwrite: bool = False, reads: Iterable[Path] = ()) -> None:
        self.given = target
        self.target = guard_target(target, reads)
        self.overwrite = overwrite
        parent, name = self.target.parent, self.target.name
        self.temporary = parent / f".{name}.partial-{os.getpid()}"
        self.previous = parent / f".{name}.previous-{os.getpid()}"
        self.lock = _Lock(parent / f".{name}.lock")
        self._sigterm: Any = None

    def _check_target(self) -> None:
        if self.target.exists() and not self.target.is_dir():
            raise OutputExistsError(f"{self.given} exists and is not a folder")
        if self.target.is_dir() and any(self.target.iterdir()) and not self.overwrite:
            raise OutputExistsError(
                f"{self.given} is not empty ({_listing(self.target)}); "
                "choose another --out or pass --overwrite to replace it"
            )

    def _clean_leftovers(self) -> None:
        """Remove partial and previous folders of dead processes (we hold the lock: nobody else writes).

        A previous result left aside by a kill between the two renames of the fallback swap comes back.
        """
        pattern = re.compile(rf"\.{re.escape(self.target.name)}\.(partial|previous)-(\d+)")
        for path in sorted(self.target.parent.iterdir()):
            found = pattern.fullmatch(path.name)
            if not found or _alive(int(found[2])) or path.is_symlink():
                continue
            if found[1] == "previous" and not self.target.exists() and path.is_dir():
                path.rename(self.target)
            else:
                shutil.rmtree(path, ignore_errors=True)

    def __enter__(self) -> Path:
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.lock.acquire(self.given)
        try:
            self._clean_leftovers()
            self._check_target()
            shutil.rmtree(self.temporary, ignore_errors=True)
            self.temporary.mkdir()
        except BaseException:
            self.lock.release()
            raise
        with contextlib.suppress(ValueError):  # only the main thread may install handlers
            self._sigterm = signal.signal(signal.SIGTERM, _raise_interrupt)
        return self.temporary

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if kind is not None:
                shutil.rmtree(self.temporary, ignore_errors=True)
                return
            try:
                _pause("before-swap")
                self._check_target()  # again: something may have been put there during the run
            except BaseException:
                shutil.rmtree(self.temporary, ignore_errors=True)
                raise
            self._swap()
        finally:
            if self._sigterm is not None:
                signal.signal(signal.SIGTERM, self._sigterm)
            self.lock.release()

    def _swap(self) -> None:
        # Ctrl-C and SIGTERM wait until the swap is done; only SIGKILL can come between its steps.
        blocked = {signal.SIGINT, signal.SIGTERM}
        previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            self._swap_steps()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)

    def _swap_steps(self) -> None:
        if self.target.is_dir() and _exchange(self.temporary, self.target):
            _pause("after-exchange")
            shutil.rmtree(self.temporary, ignore_errors=True)  # now the old result
            return
        if self.target.exists():
            self.target.rename(self.previous)
            _pause("between-renames")
        self.temporary.rename(self.target)
        shutil.rmtree(self.previous, ignore_errors=True)
