"""Benchmark: how close can a Python export get to the bare parse? A ladder from the parse to the real export.

``bench_stream_export.py`` compares ``export --to parhaf`` with the fastest bare parse of the export
(``task_stream.iter_tasks``). This script asks what the gap is made of, by timing steps that each do
a little more than the one before, on the same file, every step in its own child process, alternated
over ``--rounds`` rounds (this machine's speed drifts; the lowest CPU time of each step is compared):

- ``stream``: ``iter_tasks`` over every task, nothing else (the floor);
- ``touch``: the same, and for the gold annotator's annotation, each span's id, label, offsets and
  text slice appended to six lists: the least Python work a span row needs, with no check at all
  (no shape screening, no guide rule, no attribute, no relation, no document row);
- ``touch+write``: the same, and those span rows written as one parquet file with pyarrow;
- ``typed+write``: the ``touch+write`` work, but each task decoded by msgspec into typed structs
  that keep only the fields used (the rest is skipped inside msgspec), from the file split into raw
  tasks: the other way to read that could be faster (no dict is built for a field not used); it
  also checks nothing. Measured, it is not faster here: the raw split costs what the structs save,
  and it holds the whole file in memory;
- ``validate``: ``workflows.validate.run_validate``: every item screened and read, every guide rule
  checked, the diagnostics kept; no output written. The export makes the same checks (the plugins
  run only in Label Studio Enterprise, so the rules are checked again in Python on export);
- ``export``: ``workflows.export.run_export`` to parhaf, as ``bench_stream_export.py`` runs it
  (every item screened and read, every guide rule checked, spans, attributes, relations, documents,
  splits, the export report).

Each row gives the lowest and highest CPU time (user + system, imports excluded) and the lowest as a
multiple of ``stream``'s lowest. The ``count`` column is the number of tasks (``stream``), of span
rows (``touch`` and ``typed``), of diagnostics (``validate``) or of documents exported: the same
span count on the three middle steps shows that they did the same work.

    .venv/bin/python benchmarks/bench_floor.py [--export FILE] [--rounds N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import msgspec

HERE = Path(__file__).resolve().parent
STEPS = ("stream", "touch", "touch+write", "typed+write", "validate", "export")
GOLD_EMAIL = "annotateur1@parhaf.fr"


class Value(msgspec.Struct):
    """The fields of a result item's value that a span row uses; msgspec skips the others."""

    start: int = 0
    end: int = 0
    labels: list[str] = []


class Item(msgspec.Struct):
    type: str
    id: str = ""
    value: Value | None = None


class User(msgspec.Struct):
    email: str = ""


class Annotation(msgspec.Struct):
    completed_by: User
    result: list[Item]


class Data(msgspec.Struct):
    text: str
    report: str


class Task(msgspec.Struct):
    data: Data
    annotations: list[Annotation]


def _span_rows() -> tuple[list[str], list[str], list[str], list[int], list[int], list[str]]:
    return [], [], [], [], [], []


def _write(rows: tuple[list[Any], ...], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = ("report", "span_id", "label", "begin", "end", "span_text")
    pq.write_table(pa.table({name: pa.array(column) for name, column in zip(names, rows, strict=True)}), path)


def _touch(export: Path) -> tuple[list[Any], ...]:
    """Span rows of the gold annotator, read from the same dicts the commands get, checking nothing."""
    from partages_ls.exporters.task_stream import iter_tasks

    reports, ids, labels, begins, ends, texts = rows = _span_rows()
    for task in iter_tasks(export):
        report, text = task["data"]["report"], task["data"]["text"]
        for annotation in task["annotations"]:
            if annotation["completed_by"]["email"] != GOLD_EMAIL:
                continue
            for item in annotation["result"]:
                if item["type"] == "labels":
                    value = item["value"]
                    start, end = value["start"], value["end"]
                    reports.append(report)
                    ids.append(item["id"])
                    labels.append(value["labels"][0])
                    begins.append(start)
                    ends.append(end)
                    texts.append(text[start:end])
    return rows


def _typed(export: Path) -> tuple[list[Any], ...]:
    """The same span rows, from tasks msgspec decodes into structs holding only the fields used."""
    decode = msgspec.json.Decoder(Task).decode
    reports, ids, labels, begins, ends, texts = rows = _span_rows()
    for raw in msgspec.json.Decoder(list[msgspec.Raw]).decode(export.read_bytes()):
        task = decode(raw)
        report, text = task.data.report, task.data.text
        for annotation in task.annotations:
            if annotation.completed_by.email != GOLD_EMAIL:
                continue
            for item in annotation.result:
                if item.type == "labels" and item.value is not None:
                    value = item.value
                    reports.append(report)
                    ids.append(item.id)
                    labels.append(value.labels[0])
                    begins.append(value.start)
                    ends.append(value.end)
                    texts.append(text[value.start : value.end])
    return rows


def _step(step: str, export: Path, workdir: Path) -> int:
    """Run one step; returns what it counted (tasks, span rows or documents)."""
    if step == "stream":
        from partages_ls.exporters.task_stream import iter_tasks

        return sum(1 for _ in iter_tasks(export))
    if step in ("touch", "touch+write", "typed+write"):
        rows = _typed(export) if step.startswith("typed") else _touch(export)
        if step.endswith("+write"):
            _write(rows, workdir / f"{step}.parquet")
        return len(rows[0])
    from partages_ls.content import bundled_workspace
    from partages_ls.workflows.export import ExportRequest, run_export

    if step == "validate":
        from partages_ls.workflows.validate import run_validate

        return len(run_validate(export, bundled_workspace(), guide="infectiologie")[1])

    gold = f"annotator:{GOLD_EMAIL}"
    request = ExportRequest(export, "parhaf", workdir / "parhaf", guide="infectiologie", gold=gold, overwrite=True)
    report = run_export(request, bundled_workspace())
    return int(report["summary"]["documents_exported"])


def _child(step: str, export: Path, workdir: Path) -> None:
    """One step, timed from inside (imports excluded), printed as one JSON line."""
    import pyarrow as pa
    import pyarrow.parquet

    import partages_ls.exporters.task_stream
    import partages_ls.workflows.export
    import partages_ls.workflows.validate  # noqa: F401

    pa.array([0])  # its first call imports pandas where pandas is installed: an import, left out like the others
    before = resource.getrusage(resource.RUSAGE_SELF)
    count = _step(step, export, workdir)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(json.dumps({"cpu": cpu, "count": count, "peak_mb": after.ru_maxrss / 1024}))


def _measure(step: str, export: Path, workdir: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", step, str(export), str(workdir)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{step} failed:\n{result.stdout}\n{result.stderr}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export", type=Path, default=None, help="Measure this export instead of generating one.")
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of all steps, alternated (default 3).")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the export and outputs in this folder.")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    sys.path.insert(0, str(HERE))
    from bench_stream_export import prepare

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-floor-"))
    export = prepare(args.export, workdir, 1)
    print(f"export: {export} ({export.stat().st_size / 1e6:.0f} MB), {args.rounds} round(s)")
    runs: dict[str, list[dict[str, float]]] = {step: [] for step in STEPS}
    for _ in range(args.rounds):
        for step in STEPS:
            runs[step].append(_measure(step, export, workdir))
    floor = min(run["cpu"] for run in runs["stream"])
    print(f"\n{'step':<14}{'count':>9}{'cpu s min':>11}{'cpu s max':>11}{'x stream':>10}{'peak MB':>9}")
    for step in STEPS:
        cpus = [run["cpu"] for run in runs[step]]
        counts = {run["count"] for run in runs[step]}
        count = f"{counts.pop():.0f}" if len(counts) == 1 else "varies"
        peak = max(run["peak_mb"] for run in runs[step])
        print(f"{step:<14}{count:>9}{min(cpus):>11.2f}{max(cpus):>11.2f}{min(cpus) / floor:>10.1f}{peak:>9.0f}")


if __name__ == "__main__":
    main()
