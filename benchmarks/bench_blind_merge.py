"""Benchmark: `pull blind:GUIDE`'s merge of the members' snapshots, streamed against held in memory.

Builds a blind group's snapshots from the synthetic PARHAF-scale export (``--scale 1``: 7,394 reports;
each of the 2 annotators' annotations in their own member "project" file, as Label Studio would
export each member project), then runs in a child process each (peak RSS is the step's own):

- ``memory``: both member files loaded whole, merged as a list, dumped whole (what `pull` did before);
- ``stream``: :class:`~partages_ls.studio.blind_merge.GroupMerger` over each member file read task
  by task, merged tasks written one report at a time (what `pull` does now).

Both outputs are compared byte for byte. The server's part of a pull (making each snapshot) is
measured by ``bench_pull.py``; this isolates what partages-ls does with the downloads.

    .venv/bin/python benchmarks/bench_blind_merge.py [--scale N] [--keep DIR] [--only memory|stream]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EMAILS = ("annotateur1@parhaf.fr", "annotateur2@parhaf.fr")


def _members(workdir: Path) -> dict[str, Path]:
    return {email: workdir / f"member-{number}.json" for number, email in enumerate(EMAILS, start=1)}


def _group() -> dict[str, object]:
    from partages_ls.studio.projects import Project

    return {email: Project(number, f"blind {email}", "infectiologie", None, {}) for number, email in enumerate(EMAILS)}


def generate(scale: int, workdir: Path) -> None:
    """Each annotator's tasks in their own file: the same reports, that annotator's annotations only."""
    sys.path.insert(0, str(HERE))
    from bench_stream_export import generate as generate_export

    from partages_ls.exporters.task_stream import iter_tasks

    export = workdir / "export.json"
    generate_export(scale, export)
    members = _members(workdir)
    handles = {email: path.open("w", encoding="utf-8") for email, path in members.items()}
    try:
        for handle in handles.values():
            handle.write("[")
        for position, task in enumerate(iter_tasks(export)):
            for offset, (email, handle) in enumerate(handles.items()):
                mine = [a for a in task["annotations"] if a["completed_by"]["email"] == email]
                own = {**task, "id": task["id"] * 2 + offset, "annotations": mine}
                handle.write(("" if position == 0 else ", ") + json.dumps(own, ensure_ascii=False))
        for handle in handles.values():
            handle.write("]")
    finally:
        for handle in handles.values():
            handle.close()
    export.unlink()


def _step(kind: str, workdir: Path) -> int:
    from partages_ls.studio.blind_merge import GroupMerger, merge_group_tasks

    members, group = _members(workdir), _group()
    out = workdir / f"{kind}.json"
    if kind == "memory":
        loaded = {email: json.loads(path.read_text(encoding="utf-8")) for email, path in members.items()}
        merged = merge_group_tasks(group, loaded, "report", {})  # type: ignore[arg-type]
        out.write_text(json.dumps(merged.tasks, ensure_ascii=False) + "\n", encoding="utf-8")
        return len(merged.tasks)
    from partages_ls.exporters.task_stream import iter_tasks

    with GroupMerger("report", {}) as merger, out.open("wb") as handle:
        for email in sorted(members):
            merger.add(email, group[email], iter_tasks(members[email]))  # type: ignore[arg-type]
        merger.write(handle)
        return len(merger)


def _child(kind: str, workdir: Path) -> None:
    import partages_ls.studio.blind_merge  # noqa: F401

    start, cpu = time.perf_counter(), time.process_time()
    count = _step(kind, workdir)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "count": count}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="folder for the member files (reused when present)")
    parser.add_argument("--only", choices=("memory", "stream"), help="run one step (10x in memory needs ~13 GB)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    if args.generate:
        generate(args.scale, args.generate)
        return
    with tempfile.TemporaryDirectory() as scratch:
        workdir = args.keep or Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        if not all(path.exists() for path in _members(workdir).values()):
            # In a child: a child's peak RSS starts from its parent's, so this process stays small.
            command = [sys.executable, __file__, "--scale", str(args.scale), "--generate", str(workdir)]
            subprocess.run(command, check=True)
        sizes = sum(path.stat().st_size for path in _members(workdir).values()) / 1e6
        print(f"{len(EMAILS)} member snapshots, {sizes:.1f} MB in all")
        for kind in [args.only] if args.only else ["memory", "stream"]:
            result = subprocess.run(
                [sys.executable, __file__, "--child", kind, str(workdir)], capture_output=True, text=True, check=False
            )
            if result.returncode != 0:
                raise SystemExit(f"{kind} failed:\n{result.stdout}\n{result.stderr}")
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"{kind:>6}: {figures['seconds']:.2f} s wall, {figures['cpu']:.2f} s CPU, "
                f"peak RSS {figures['peak_mb']:.0f} MB, {figures['count']} merged tasks"
            )
        if args.only:
            return
        same = (workdir / "memory.json").read_bytes() == (workdir / "stream.json").read_bytes()
        print(f"outputs identical byte for byte: {same}")
        if not same:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
