"""Benchmark: `partages-ls pull` of a PARHAF-scale project from a real local Label Studio.

Loads the synthetic export (default 7,394 reports × 2 annotators, infectiologie) into a fresh
throw-away local Label Studio, then runs `partages-ls pull` as a child process and prints its wall
time and peak RSS (measured by a small launcher: the pull alone, not this script). With ``--baseline
PYTHON`` the same pull also runs first with another checkout's interpreter (e.g. main's
``.venv/bin/python``), side by side against the same project.

    .venv/bin/python benchmarks/bench_pull.py [--n 7394] [--baseline OTHER_CHECKOUT/.venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import SyntheticSpec, import_entries, synthetic_export

from partages_ls.content import content_dir
from partages_ls.guides.loader import load_guide
from partages_ls.studio.annotators import add_annotators
from partages_ls.studio.client import StudioClient
from partages_ls.studio.connection import KEY_VARIABLE, URL_VARIABLE, Connection
from partages_ls.studio.projects import create_project
from partages_ls.studio.server import LocalServer

CHUNK = 250


def load_project(client: StudioClient, n: int) -> tuple[int, int, int]:
    """A project holding ``n`` synthetic reports with their annotations; (id, tasks, annotations)."""
    guide = load_guide("infectiologie", content_dir("guides"))
    spec = SyntheticSpec(reports=n)
    tasks = synthetic_export(guide, spec)
    project = create_project(client, guide).project.id
    members = add_annotators(client, project, list(spec.annotators)).members
    uid = {m.email: m.user_id for m in members}
    entries = import_entries(tasks, uid)
    for start in range(0, len(entries), CHUNK):
        client.post(f"/api/projects/{project}/import", entries[start : start + CHUNK], retry=False)
    return project, len(entries), sum(len(e["annotations"]) for e in entries)


# A small launcher runs the pull and reports its peak RSS: measured from this process, the child's
# ru_maxrss would include this process's own memory (the synthetic export) at the fork.
LAUNCHER = """
import json, resource, subprocess, sys, time
began = time.perf_counter()
code = subprocess.call(sys.argv[2:], stdout=sys.stdout, stderr=subprocess.STDOUT)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as out:
    json.dump({"code": code, "seconds": time.perf_counter() - began, "maxrss_kib": usage.ru_maxrss}, out)
"""


def run_pull(python: str, project: int, out: Path, server: LocalServer) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and output of one `pull` child process."""
    env = {**os.environ, URL_VARIABLE: server.url, KEY_VARIABLE: server.token}  # not on the command line
    figures = out.with_name(out.name + ".figures")
    command = [sys.executable, "-c", LAUNCHER, str(figures), python, "-m", "partages_ls", "pull", str(project)]
    done = subprocess.run([*command, "-o", str(out)], env=env, capture_output=True, text=True, cwd=out.parent)
    measured = json.loads(figures.read_text(encoding="utf-8"))
    output = done.stdout.strip()
    if done.returncode != 0 or measured["code"] != 0:
        raise SystemExit(f"{python}: pull failed ({measured['code']}): {output} {done.stderr.strip()}")
    return measured["seconds"], measured["maxrss_kib"] / 1024, output  # ru_maxrss is in KiB on Linux


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=7394, help="reports (default 7394, PARHAF's size)")
    parser.add_argument("--baseline", help="another interpreter whose partages-ls pulls first, for comparison")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pull-") as tmp, LocalServer() as server:
        print(f"fresh Label Studio {server.version} at {server.url}", flush=True)
        with StudioClient(Connection(server.url, server.token)) as client:
            began = time.perf_counter()
            project, tasks, annotations = load_project(client, args.n)
        print(f"loaded {tasks} tasks with {annotations} annotations in {time.perf_counter() - began:.1f} s", flush=True)
        runs = [("baseline", args.baseline)] if args.baseline else []
        runs.append(("this checkout", sys.executable))
        rows = []
        for name, python in runs:
            out = Path(tmp) / f"{name.replace(' ', '-')}.json"
            seconds, rss, output = run_pull(python, project, out, server)
            record = json.loads(out.with_name(out.name + ".meta.json").read_text(encoding="utf-8"))
            if (record["tasks"], record["annotations"]) != (tasks, annotations):
                raise SystemExit(f"{name}: pulled {record['tasks']} tasks, {record['annotations']} annotations")
            rows.append((name, seconds, rss, out.stat().st_size / 1e6))
            print(f"{name}: {output.splitlines()[0]}", flush=True)
    print()
    print(f"{'pull':<16} {'tasks':>6} {'seconds':>8} {'peak RSS MB':>12} {'file MB':>8}")
    for name, seconds, rss, size in rows:
        print(f"{name:<16} {tasks:>6} {seconds:>8.1f} {rss:>12.0f} {size:>8.1f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
