"""Benchmark: `validate` and `export --to parhaf|cas|brat` beside the bare msgspec parse, at 1x or 10x PARHAF.

Prints, for one synthetic export (``--scale 1``: 7,394 reports, 2 annotators, ~112 MB; ``--scale 10``:
73,940 reports, ~1.1 GB), the wall time and the peak RSS of each step, every step in a child process
of this one (so each peak is its own, and all run in one process tree on the same file):

- ``msgspec``: ``msgspec.json.decode`` of the whole file (the fastest bare parse, the floor);
- ``stream``: ``task_stream.iter_tasks`` over every task (the reader the commands use);
- ``validate``: ``workflows.validate.run_validate``;
- ``parhaf`` / ``cas`` / ``brat``: ``workflows.export.run_export`` (gold: the first annotator).

Each row also gives the step's CPU time (user + system, imports excluded): with other jobs on the
machine, wall time varies more than CPU time.

The export is generated to disk block by block (one block of 7,394 reports, seed 2024 + block, in
memory at a time; ids renumbered), so the 10x file is never held whole. The 1x file is byte for
byte the export ``bench_export.py`` and ``bench_parsers.py`` generate.

``--profile KIND`` runs one step under cProfile and prints its 25 most expensive functions
(cumulative time), to see where the time goes.

    .venv/bin/python benchmarks/bench_stream_export.py [--scale N] [--export FILE] [--keep DIR] [--profile KIND]
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
KINDS = ("msgspec", "stream", "validate", "parhaf", "cas", "brat")
GOLD = "annotator:annotateur1@parhaf.fr"
BLOCK = 7394


def _step(kind: str, export: Path, workdir: Path) -> int:
    """Run one step; returns the number of tasks or diagnostics it saw (a check that it did the work)."""
    if kind == "msgspec":
        import msgspec

        return len(msgspec.json.decode(export.read_bytes()))
    if kind == "stream":
        from partages_ls.exporters.task_stream import iter_tasks

        return sum(1 for _ in iter_tasks(export))
    from partages_ls.content import bundled_workspace

    if kind == "validate":
        from partages_ls.workflows.validate import run_validate

        return len(run_validate(export, bundled_workspace(), guide="infectiologie")[1])
    from partages_ls.workflows.export import ExportRequest, run_export

    request = ExportRequest(export, kind, workdir / kind, guide="infectiologie", gold=GOLD, overwrite=True)
    report = run_export(request, bundled_workspace())
    return int(report["summary"]["documents_exported"])


def _child(kind: str, export: Path, workdir: Path, profile: bool) -> None:
    """One step, timed from inside (imports excluded); peak RSS of the whole child process."""
    import partages_ls.workflows.export
    import partages_ls.workflows.validate  # noqa: F401

    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        count = profiler.runcall(_step, kind, export, workdir)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    else:
        count = _step(kind, export, workdir)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime  # the machine may be shared
    peak_mb = after.ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "count": count}))


def _measure(kind: str, export: Path, workdir: Path, profile: bool = False) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", kind, str(export), str(workdir)]
    result = subprocess.run(command + (["--profile", kind] if profile else []), capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{result.stdout}\n{result.stderr}")
    if profile:
        print(result.stderr)
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def generate(scale: int, export: Path) -> None:
    """Write ``scale`` blocks of 7,394 synthetic reports to ``export``, one block in memory at a time."""
    sys.path.insert(0, str(HERE))
    from synthetic import SyntheticSpec, synthetic_export

    from partages_ls.content import content_dir
    from partages_ls.guides.loader import load_guide

    guide = load_guide("infectiologie", content_dir("guides"))
    with export.open("w", encoding="utf-8") as handle:
        handle.write("[")
        first = True
        for block in range(scale):
            tasks = synthetic_export(guide, SyntheticSpec(reports=BLOCK, seed=2024 + block))
            annotations = sum(len(t["annotations"]) for t in tasks)
            for task in tasks:
                if block:
                    task["id"] += block * BLOCK
                    task["data"]["report"] = f"PARHAF-SYNTH-{task['id']:06d}_CRH"
                    for annotation in task["annotations"]:
                        annotation["id"] += block * annotations
                handle.write(("" if first else ", ") + json.dumps(task, ensure_ascii=False))
                first = False
            del tasks
        handle.write("]")
    export.with_name(export.name + ".meta.json").write_text(json.dumps({"guide": "infectiologie"}), encoding="utf-8")


def prepare(export: Path | None, workdir: Path, scale: int) -> Path:
    """``export`` if given, else a synthetic export of ``scale`` blocks generated into ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    if export is not None:
        return export
    export = workdir / "export.json"
    start = time.perf_counter()
    # In a child: a child's peak RSS starts from its parent's, so this process stays small.
    subprocess.run([sys.executable, __file__, "--scale", str(scale), "--generate", str(export)], check=True)
    print(f"generated {export} in {time.perf_counter() - start:.0f} s")
    return export


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="Blocks of 7,394 reports (1 = PARHAF, 10 = 10x).")
    parser.add_argument("--export", type=Path, default=None, help="Measure this export instead of generating one.")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the export and outputs in this folder.")
    parser.add_argument("--only", nargs="+", choices=KINDS, default=list(KINDS), help="Measure these steps only.")
    parser.add_argument("--profile", choices=KINDS, default=None, help="Profile this step (cProfile) and stop.")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]), args.profile is not None)
        return
    if args.generate:
        generate(args.scale, args.generate)
        return
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-stream-export-"))
    export = prepare(args.export, workdir, args.scale)
    print(f"export: {export} ({export.stat().st_size / 1e6:.0f} MB)")
    if args.profile:
        _measure(args.profile, export, workdir, profile=True)
        return
    print(f"\n{'step':<20}{'count':>8}{'wall s':>9}{'cpu s':>8}{'x msgspec':>11}{'peak MB':>9}")
    floor = None
    for kind in args.only:  # each row as soon as it is measured (a 10x run takes minutes)
        figures = _measure(kind, export, workdir)
        floor = figures["seconds"] if kind == "msgspec" else floor
        label = {"msgspec": "msgspec.decode", "stream": "iter_tasks"}.get(kind, kind)
        label = f"export {kind}" if kind in ("parhaf", "cas", "brat") else label
        ratio = f"{figures['seconds'] / floor:.1f}" if floor else ""
        row = f"{label:<20}{figures['count']:>8.0f}{figures['seconds']:>9.2f}{figures['cpu']:>8.2f}{ratio:>11}"
        row += f"{figures['peak_mb']:>9.0f}"
        print(row, flush=True)


if __name__ == "__main__":
    main()
