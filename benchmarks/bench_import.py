"""Benchmark: bulk import (`partages-ls import`) against a naive one-request-per-task loop.

Imports N synthetic reports (default 7,394, the size of PARHAF; about 4,000 characters each) into a
fresh throw-away local Label Studio, and prints reports/second and HTTP requests for both paths.
The naive loop (``POST /api/tasks`` per report) runs on a smaller N by default; the output says so.

    .venv/bin/python benchmarks/bench_import.py [--n 7394] [--naive-n 500] [--chunk-size 250]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import Connection
from partages_ls.studio.importer import ImportOptions
from partages_ls.studio.projects import create_project, list_tasks
from partages_ls.studio.server import LocalServer
from partages_ls.workflows.imports import import_sources

SPECIALTIES = ["CARDIOLOGIE", "PNEUMOLOGIE", "ONCOLOGIE", "NEUROLOGIE", "GERIATRIE", "HEMATOLOGIE"]
TYPES = ["CRH", "CRC", "CRO", "URGENCES", "ANAPATH"]
SENTENCES = [
    "Patient de {age} ans hospitalisé pour altération de l'état général.",
    "Hémocultures positives à Escherichia coli, antibiothérapie par ceftriaxone.",
    "Pas de foyer infectieux profond retrouvé au scanner thoraco-abdomino-pelvien.",
    "Évolution favorable sous traitement, apyrexie obtenue à J3.",
    "Échographie cardiaque transthoracique sans végétation.",
    "Antécédents : hypertension artérielle, diabète de type 2, cholécystectomie.",
    "Sortie à domicile avec consultation de contrôle dans un mois.",
    "Biologie : CRP à {crp} mg/L, leucocytes à {leuco} G/L, créatinine normale.",
]


def synthetic_reports(folder: Path, count: int, size: int = 4000, seed: int = 7394) -> list[str]:
    """Write ``count`` reports of about ``size`` characters; return their ids."""
    rng = random.Random(seed)
    ids = []
    for number in range(count):
        report = f"{rng.choice(SPECIALTIES)}-{number:05d}_{rng.choice(TYPES)}"
        parts: list[str] = [f"COMPTE RENDU {report}\n"]
        length = len(parts[0])
        while length < size:
            sentence = rng.choice(SENTENCES).format(
                age=rng.randint(18, 95), crp=rng.randint(1, 300), leuco=rng.randint(2, 30)
            )
            parts.append(sentence + ("\n" if rng.random() < 0.2 else " "))
            length += len(parts[-1])
        (folder / f"{report}.txt").write_text("".join(parts), encoding="utf-8")
        ids.append(report)
    return ids


def bulk(client: StudioClient, folder: Path, chunk_size: int) -> tuple[float, int, int]:
    guide = load_guide("infectiologie", content_dir("guides"))
    project = create_project(client, guide).project
    before = client.requests
    began = time.perf_counter()
    report = import_sources(
        client, project.id, [folder], ImportOptions(chunk_size=chunk_size), guides=content_dir("guides")
    )
    elapsed = time.perf_counter() - began
    assert len(list_tasks(client, project.id)) == report.tasks_created
    return elapsed, client.requests - before, report.tasks_created


def naive(client: StudioClient, folder: Path, count: int) -> tuple[float, int, int]:
    project = client.post("/api/projects", {"title": "bench: naive loop"})
    files = sorted(folder.glob("*.txt"))[:count]
    before = client.requests
    began = time.perf_counter()
    for path in files:
        data = {"text": path.read_text(encoding="utf-8"), "report": path.stem}
        client.post("/api/tasks", {"project": project["id"], "data": data}, retry=False)
    elapsed = time.perf_counter() - began
    return elapsed, client.requests - before, len(files)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=7394, help="reports for the bulk import (default 7394)")
    parser.add_argument("--naive-n", type=int, default=500, help="reports for the naive loop (default 500)")
    parser.add_argument("--chunk-size", type=int, default=250, help="tasks per bulk request (default 250)")
    parser.add_argument("--size", type=int, default=4000, help="characters per report (default 4000)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        folder = Path(tmp)
        began = time.perf_counter()
        synthetic_reports(folder, args.n, args.size)
        print(f"wrote {args.n} synthetic reports of ~{args.size} characters in {time.perf_counter() - began:.1f} s")
        with LocalServer() as server:
            print(f"fresh Label Studio {server.version} at {server.url}", flush=True)
            with StudioClient(Connection(server.url, server.token)) as client:
                bulk_time, bulk_requests, bulk_count = bulk(client, folder, args.chunk_size)
                naive_n = min(args.naive_n, args.n)
                naive_time, naive_requests, naive_count = naive(client, folder, naive_n)
    rows = [
        ("bulk (partages-ls import)", bulk_count, bulk_time, bulk_requests),
        ("naive (1 POST /api/tasks per report)", naive_count, naive_time, naive_requests),
    ]
    print()
    print(f"{'path':<38} {'reports':>8} {'seconds':>9} {'reports/s':>10} {'requests':>9} {'req/report':>11}")
    for name, count, seconds, requests in rows:
        print(f"{name:<38} {count:>8} {seconds:>9.1f} {count / seconds:>10.1f} {requests:>9} {requests / count:>11.3f}")
    if naive_count < bulk_count:
        print(f"(the naive loop ran on the first {naive_count} reports only; --naive-n to change)")
    speedup = (bulk_count / bulk_time) / (naive_count / naive_time)
    print(f"bulk is {speedup:.1f}x faster per report, with {bulk_requests} requests instead of ~{bulk_count}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
