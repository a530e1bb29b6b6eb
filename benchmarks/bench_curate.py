"""Benchmark: the curation merge and `partages-ls curate` at PARHAF scale.

Builds the synthetic export (default 7,394 reports × 2 annotators, infectiologie: spans, attributes,
directed relations), then prints:

1. the merge alone (reading the export into the corpus model, then merging every report);
2. against a fresh throw-away local Label Studio: the bulk import of the same reports with their two
   annotations (the import's speed, for comparison), then `curate` preparing every adjudication task
   (read the project, merge, load the curation project in bulk), with wall time and HTTP requests.

    .venv/bin/python benchmarks/bench_curate.py [--n 7394] [--strategy complete] [--merge-only]
"""

from __future__ import annotations

import argparse
import sys
import time

from synthetic import SyntheticSpec, import_entries, synthetic_export

from partages_ls.content import content_dir
from partages_ls.curation.merge import merge_document
from partages_ls.curation.prepare import prepare_curation
from partages_ls.curation.strategy import Strategy
from partages_ls.exporters.labelstudio.read import read_labelstudio
from partages_ls.guides.loader import load_guide
from partages_ls.studio.annotators import add_annotators
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.projects import create_project
from partages_ls.studio.server import LocalServer

CHUNK = 250


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=7394, help="reports (default 7394, PARHAF's size)")
    parser.add_argument("--strategy", default="complete", help="merge strategy (default complete)")
    parser.add_argument("--merge-only", action="store_true", help="skip the Label Studio part")
    args = parser.parse_args(argv)
    guide = load_guide("infectiologie", content_dir("guides"))
    strategy = Strategy.parse(args.strategy)
    spec = SyntheticSpec(reports=args.n)
    began = time.perf_counter()
    tasks = synthetic_export(guide, spec)
    print(
        f"synthetic export: {args.n} reports × {len(spec.annotators)} annotators in {time.perf_counter() - began:.1f} s"
    )

    began = time.perf_counter()
    corpus = read_labelstudio(tasks, guide)
    read_time = time.perf_counter() - began
    began = time.perf_counter()
    results = [merge_document(document, guide, strategy) for document in corpus.documents]
    merge_time = time.perf_counter() - began
    conflicts = sum(len(r.conflicts) for r in results)
    merged = sum(r.merged_units for r in results)
    print(f"read into the corpus model: {read_time:.1f} s")
    print(f"merge ({strategy}): {merge_time:.1f} s for {len(results)} reports", end="")
    print(f"; {merged} merged units, {conflicts} conflicts")
    if args.merge_only:
        return

    with LocalServer() as server:
        print(f"fresh Label Studio {server.version} at {server.url}", flush=True)
        with StudioClient(Connection(server.url, server.token)) as client:
            project = create_project(client, guide).project.id
            members = add_annotators(client, project, list(spec.annotators)).members
            uid = {m.email: m.user_id for m in members}
            entries = import_entries(tasks, uid)
            before = client.requests
            began = time.perf_counter()
            for start in range(0, len(entries), CHUNK):
                client.post(f"/api/projects/{project}/import", entries[start : start + CHUNK], retry=False)
            import_time, import_requests = time.perf_counter() - began, client.requests - before
            before = client.requests
            began = time.perf_counter()
            report = prepare_curation(client, project, strategy=strategy, guides=content_dir("guides"))
            curate_time, curate_requests = time.perf_counter() - began, client.requests - before
    prepared = len(report.review) + len(report.adjudication)
    print()
    print(f"{'step':<52} {'reports':>8} {'seconds':>9} {'reports/s':>10} {'requests':>9}")
    rows = [
        ("bulk import of the reports + 2 annotations (baseline)", len(entries), import_time, import_requests),
        ("curate: read, merge, load the curation tasks in bulk", prepared, curate_time, curate_requests),
    ]
    for name, count, seconds, requests in rows:
        print(f"{name:<52} {count:>8} {seconds:>9.1f} {count / seconds:>10.1f} {requests:>9}")
    print(f"curation tasks: {len(report.adjudication)} adjudication, {report.conflicts} conflicts to resolve")
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
    print(f"curate phases: {phases}")
    # Like for like: what the server stores per second, in annotations and in result items.
    loaded = [a for e in entries for a in e["annotations"]]
    items = sum(len(a["result"]) for a in loaded)
    print(f"import: {len(loaded) / import_time:.0f} annotations/s, {items / import_time:.0f} result items/s")
    load = report.seconds.get("load") or float("nan")
    rates = f"{report.loaded_annotations / load:.0f} annotations/s, {report.loaded_results / load:.0f} result items/s"
    print(f"curate load: {rates}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
