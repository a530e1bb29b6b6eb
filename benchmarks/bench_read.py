"""Benchmark: CPU of ``TaskReader.read`` alone (tasks → documents, every guide rule checked), over one export.

The tasks are decoded first (not timed), then read one by one as ``validate``, ``export`` and ``agreement``
read them; prints the CPU and wall seconds of the reading, and a digest of everything it produced (the
documents, skipped items, warnings and flaws, as ``repr``), so two versions of the reader can be compared on
the same file: same digest, same output.

    .venv/bin/python benchmarks/bench_read.py --export FILE [--guide infectiologie] [--repeat 3] [--profile N]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export", type=Path, required=True, help="A Label Studio JSON export.")
    parser.add_argument("--guide", default="infectiologie")
    parser.add_argument("--repeat", type=int, default=3, help="Read every task this many times; best CPU kept.")
    parser.add_argument("--profile", type=int, default=0, help="Profile one read; print this many functions.")
    args = parser.parse_args()

    from partages_ls.content import content_dir
    from partages_ls.exporters.labelstudio.read import TaskReader
    from partages_ls.exporters.task_stream import iter_tasks
    from partages_ls.guides.loader import load_guide

    guide = load_guide(args.guide, content_dir("guides"))
    tasks = list(iter_tasks(args.export))
    gc.freeze()  # the decoded tasks stand for the stream: the collector does not walk them on every pass

    def read_all() -> TaskReader:
        """Every task read as a streaming command reads it (each document forgotten at once)."""
        reader = TaskReader(guide)
        for task in tasks:
            reader.read(task)
        return reader

    def digest_all() -> tuple[TaskReader, str]:
        """What :func:`read_all` produces, as one digest (documents, then the problem lists)."""
        reader, digest = TaskReader(guide), hashlib.sha256()
        for task in tasks:
            digest.update(repr(reader.read(task)).encode("utf-8", "backslashreplace"))
        corpus = reader.corpus
        for part in (corpus.skipped, corpus.warnings, corpus.flaws):
            for item in part:
                digest.update(repr(item).encode("utf-8", "backslashreplace"))
        return reader, digest.hexdigest()

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(read_all)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
        return
    best_cpu, best_wall = float("inf"), float("inf")
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        read_all()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    reader, digest = digest_all()
    corpus = reader.corpus
    problems = f"skipped {len(corpus.skipped)}, warnings {len(corpus.warnings)}, flaws {len(corpus.flaws)}"
    print(f"tasks {len(tasks)}, {problems}")
    print(f"TaskReader.read: cpu {best_cpu:.2f} s, wall {best_wall:.2f} s (best of {args.repeat})")
    print(f"digest {digest}")


if __name__ == "__main__":
    main()
