"""Benchmark: bare parse of a PARHAF-scale Label Studio export with each candidate JSON parser.

Prints, for one synthetic export (default 7,394 reports, two annotators, ~112 MB; the generator of
``bench_export.py``), the wall time to decode every task and the peak RSS of the process, each
parser in its own child process so peak memory is its own (an empty child's RSS is printed as the
baseline):

- ``json.load`` (standard library, whole file), ``orjson.loads`` and ``msgspec.json.decode``
  (whole file as bytes): the floor each parser sets when the export is held whole;
- ``ijson`` C backend (yajl2_c), ``items(f, "item")`` with floats: streamed task by task;
- ``task_stream``: ``partages_ls.exporters.task_stream.iter_tasks``, streamed task by task
  (msgspec per task, standard library on refusal), the reader the commands will use.

orjson, ijson and msgspec are only needed by this script (``pip install orjson ijson``; msgspec is
a dependency). Exactness is not measured here but in ``tests/exporters/test_task_stream.py``.

    .venv/bin/python benchmarks/bench_parsers.py [--reports N] [--export FILE] [--keep DIR]
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
KINDS = ("baseline", "json", "orjson", "msgspec", "ijson-yajl2_c", "task_stream")


def _child(kind: str, export: Path) -> None:
    """Decode every task of ``export`` with one parser; prints seconds, tasks and peak RSS."""
    tasks = 0
    if kind == "baseline":
        start = time.perf_counter()
    elif kind == "json":
        start = time.perf_counter()
        with export.open(encoding="utf-8") as handle:
            tasks = len(json.load(handle))
    elif kind == "orjson":
        import orjson

        start = time.perf_counter()
        tasks = len(orjson.loads(export.read_bytes()))
    elif kind == "msgspec":
        import msgspec

        start = time.perf_counter()
        tasks = len(msgspec.json.decode(export.read_bytes()))
    elif kind == "ijson-yajl2_c":
        import ijson

        if ijson.backend != "yajl2_c":
            raise SystemExit(f"ijson's C backend is not available (backend: {ijson.backend})")
        start = time.perf_counter()
        with export.open("rb") as handle:
            for _ in ijson.items(handle, "item", use_float=True):
                tasks += 1
    else:
        from partages_ls.exporters.task_stream import iter_tasks

        start = time.perf_counter()
        for _ in iter_tasks(export):
            tasks += 1
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "tasks": tasks}))


def _measure(kind: str, export: Path) -> dict[str, float] | None:
    """One child's figures, or ``None`` when its parser is not installed."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(export)], capture_output=True, text=True, check=False
    )
    if "ModuleNotFoundError" in result.stderr:
        print(f"{kind}: not installed, left out ({result.stderr.strip().splitlines()[-1]})")
        return None
    if result.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{result.stdout}\n{result.stderr}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def _generate(reports: int, folder: Path) -> Path:
    sys.path.insert(0, str(HERE))
    from synthetic import SyntheticSpec, synthetic_export

    from partages_ls.content import content_dir
    from partages_ls.guides.loader import load_guide

    tasks = synthetic_export(load_guide("infectiologie", content_dir("guides")), SyntheticSpec(reports=reports))
    export = folder / "export.json"
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return export


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=7394)
    parser.add_argument("--export", type=Path, default=None, help="Measure this export instead of generating one.")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the generated export in this folder.")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    if args.export is None:
        folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-parsers-"))
        folder.mkdir(parents=True, exist_ok=True)
        export = _generate(args.reports, folder)
    else:
        export = args.export
    print(f"export: {export} ({export.stat().st_size / 1e6:.0f} MB)")
    measured = [(kind, _measure(kind, export)) for kind in KINDS]
    rows = [(kind, figures) for kind, figures in measured if figures is not None]
    fastest = min(figures["seconds"] for kind, figures in rows if kind != "baseline")
    print(f"\n{'parser':<16}{'tasks':>8}{'wall s':>9}{'x fastest':>11}{'peak MB':>9}")
    for kind, figures in rows:
        ratio = "" if kind == "baseline" else f"{figures['seconds'] / fastest:.1f}"
        print(f"{kind:<16}{figures['tasks']:>8.0f}{figures['seconds']:>9.2f}{ratio:>11}{figures['peak_mb']:>9.0f}")


if __name__ == "__main__":
    main()
