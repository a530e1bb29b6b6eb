"""Benchmark: a PARHAF-scale Label Studio export to each target format, beside the JSON floor and the SDK.

Prints, side by side for one synthetic export (default 7,394 reports of ~4,000 characters, two
annotators, ~14 spans each with attributes and CU6 relations): plain JSON parsing of the file (the
floor), ``partages-ls export`` to parhaf / cas / brat, and label-studio-sdk's own CONLL2003 converter
on the same file, with wall time, ratio to the floor and peak memory. Each measurement runs in a
fresh process so peak memory is its own.

    .venv/bin/python benchmarks/bench_export.py [--reports N] [--keep DIR]

Target (issue): the parquet layout in under 10 s and under 1 GB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from partages_ls.content import bundled_workspace, content_dir

HERE = Path(__file__).resolve().parent
GOLD = "annotator:annotateur1@parhaf.fr"


def _measure(kind: str, export: Path, workdir: Path) -> dict[str, float]:
    """Run one measurement in this script's child mode; returns its wall time and peak RSS."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(export), str(workdir)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{result.stdout}\n{result.stderr}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def _child(kind: str, export: Path, workdir: Path) -> None:
    """One measurement, timed from inside (imports excluded), peak RSS of the whole process."""
    out = workdir / kind
    if kind == "json":
        start = time.perf_counter()
        with export.open(encoding="utf-8") as handle:
            json.load(handle)
    elif kind == "sdk-conll2003":
        from label_studio_sdk.converter import Converter

        from partages_ls.guides.loader import load_guide
        from partages_ls.label_configs.render import render_label_config

        config = render_label_config(load_guide("infectiologie", content_dir("guides")))
        start = time.perf_counter()
        converter = Converter(config=config, project_dir=str(workdir), download_resources=False)
        converter.convert_to_conll2003(str(export), str(out), is_dir=False)
    else:
        from partages_ls.workflows.export import ExportRequest, run_export

        request = ExportRequest(export, kind, out, guide="infectiologie", gold=GOLD, overwrite=True)
        start = time.perf_counter()
        run_export(request, bundled_workspace())
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb}))


def _generate(reports: int, export: Path) -> None:
    """Write the synthetic export and its meta record, and say what it holds."""
    sys.path.insert(0, str(HERE))
    from synthetic import SyntheticSpec, synthetic_export

    from partages_ls.guides.loader import load_guide

    start = time.perf_counter()
    tasks = synthetic_export(load_guide("infectiologie", content_dir("guides")), SyntheticSpec(reports=reports))
    export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    export.with_name(export.name + ".meta.json").write_text(json.dumps({"guide": "infectiologie"}), encoding="utf-8")
    spans = sum(len([r for r in a["result"] if r.get("type") == "labels"]) for t in tasks for a in t["annotations"])
    print(
        f"synthetic export: {len(tasks)} reports, {spans} spans over 2 annotators, "
        f"{export.stat().st_size / 1e6:.0f} MB JSON (made in {time.perf_counter() - start:.1f} s)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=7394)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the export and outputs in this folder.")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, export, workdir = args.child
        _child(kind, Path(export), Path(workdir))
        return
    if args.generate:
        _generate(args.reports, args.generate)
        return

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="bench-export-"))
    workdir.mkdir(parents=True, exist_ok=True)
    export = workdir / "export.json"
    # In a child: a child's peak RSS starts from its parent's, so this process must never hold the tasks.
    subprocess.run([sys.executable, __file__, "--reports", str(args.reports), "--generate", str(export)], check=True)

    rows = []
    kinds = ["json", "parhaf", "cas", "brat"]
    if importlib.util.find_spec("label_studio_sdk") is not None:
        kinds.append("sdk-conll2003")
    else:
        print("SDK CONLL2003: not measured (label-studio-sdk is the optional extra: pip install 'partages-ls[sdk]')")
    for kind in kinds:
        figures = _measure(kind, export, workdir)
        rows.append((kind, figures))
    floor = rows[0][1]["seconds"]
    print(f"\n{'step':<16}{'wall s':>10}{'x floor':>10}{'peak MB':>10}")
    for kind, figures in rows:
        label = {"json": "json.load (floor)", "sdk-conll2003": "SDK CONLL2003"}.get(kind, f"export {kind}")
        print(f"{label:<16}{figures['seconds']:>10.2f}{figures['seconds'] / floor:>10.1f}{figures['peak_mb']:>10.0f}")
    print("\nThe SDK converter keeps one label per span, no attributes, relations or annotator ids;")
    print("partages-ls validates every result and writes every layer.")


if __name__ == "__main__":
    main()
