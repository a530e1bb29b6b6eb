"""Benchmark of the agreement report on a synthetic PARHAF-scale export (a benchmark, not a test).

Builds a seeded CU6 (infectiologie) export of 7,394 reports of ~4,000 characters, two annotators,
~14 spans each with NEGATION and relations, then measures, each in a fresh process so that the peak
resident memory is the step's own:

- the full report (read the JSON export, compute with 1,000 bootstrap samples, write the 4 files);
- the span F1 alone (matching in the three modes on the corpus already read);
- bratiaa on the same data written as per-annotator brat folders, when bratiaa is installed.

Run: ``.venv/bin/python benchmarks/bench_agreement.py`` (``--reports 500`` for a quick look).
Targets: full report under 30 s and under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from partages_ls.content import content_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import SyntheticSpec, synthetic_export

GUIDE = "infectiologie"


def _rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Linux's ``VmHWM`` is reset by ``exec``; ``ru_maxrss`` is not (a spawned child would inherit the
    parent's peak), so it is only the fallback.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _full_report(export: str, out: str, samples: int, seed: int) -> dict[str, Any]:
    from partages_ls.agreement.render import write_outputs
    from partages_ls.agreement.report import AgreementOptions, compute_report
    from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
    from partages_ls.exporters.output import OutputFolder
    from partages_ls.guides.loader import load_guide

    guide = load_guide(GUIDE, content_dir("guides"))
    baseline = _rss_mb()
    start = time.perf_counter()
    corpus = read_labelstudio(load_export(Path(export)), guide, source=Path(export).name)
    read = time.perf_counter()
    after_read = _rss_mb()
    report = compute_report(corpus, guide, AgreementOptions(bootstrap=samples, seed=seed), source=Path(export).name)
    computed = time.perf_counter()
    with OutputFolder(Path(out), overwrite=True) as folder:
        write_outputs(report, folder)
    written = time.perf_counter()
    spans = report.data["spans"]["LABEL"]
    return {
        "read_s": read - start,
        "compute_s": computed - read,
        "write_s": written - computed,
        "total_s": written - start,
        "rss_mb": _rss_mb(),
        "baseline_mb": baseline,
        "after_read_mb": after_read,
        "exact_f1": spans["exact"]["micro_f1"],
        "overlap_f1": spans["overlap"]["micro_f1"],
        "alpha_u": spans["alpha_u"]["overall"]["value"],
        "negation_alpha": report.data["attributes"]["NEGATION"]["krippendorff_alpha"],
        "relations_f1": report.data["relations"]["micro_f1"],
        "disagreements": report.data["disagreements"]["count"],
        "sizes_mb": {p.name: p.stat().st_size / 1e6 for p in sorted(Path(out).iterdir())},
    }


def _span_f1(export: str) -> dict[str, Any]:
    import tracemalloc

    from partages_ls.agreement import MODES, pairwise_f1
    from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
    from partages_ls.guides.loader import load_guide

    corpus = read_labelstudio(load_export(Path(export)), load_guide(GUIDE, content_dir("guides")))
    sides: dict[str, list[tuple[str, int, int, str]]] = {}
    for document in corpus.documents:
        for annotation in document.annotations:
            sides.setdefault(annotation.annotator or "?", []).extend(
                (document.report, s.begin, s.end, s.label) for s in annotation.spans
            )
    first, second = (sides[name] for name in sorted(sides))
    timings: dict[str, float] = {}
    scores: dict[str, float | None] = {}
    for mode in MODES:
        start = time.perf_counter()
        scores[mode] = pairwise_f1(first, second, mode).f1
        timings[mode] = time.perf_counter() - start
    tracemalloc.start()
    for mode in MODES:
        pairwise_f1(first, second, mode)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": timings, "f1": scores, "traced_peak_mb": peak / 1e6, "spans": (len(first), len(second))}


def _write_brat(export: str, folder: str) -> dict[str, Any]:
    from partages_ls.exporters.brat.write import write_brat_annotators
    from partages_ls.exporters.labelstudio.read import load_export, read_labelstudio
    from partages_ls.guides.loader import load_guide

    guide = load_guide(GUIDE, content_dir("guides"))
    return write_brat_annotators(read_labelstudio(load_export(Path(export)), guide), guide, Path(folder))


def _bratiaa(folder: str) -> dict[str, Any]:
    import bratiaa

    start = time.perf_counter()
    agreement = bratiaa.compute_f1_agreement(folder)
    mean, _ = agreement.mean_sd_total()
    return {"seconds": time.perf_counter() - start, "f1": float(mean), "rss_mb": _rss_mb()}


def _run(target: Any, *args: Any) -> dict[str, Any]:
    """Run ``target(*args)`` in a fresh interpreter and return its result."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(target, args)
    return result


def _bratiaa_installed() -> bool:
    try:
        import bratiaa  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=SyntheticSpec().reports)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-bratiaa", action="store_true")
    args = parser.parse_args()

    from partages_ls.guides.loader import load_guide

    with tempfile.TemporaryDirectory(prefix="bench-agreement-") as tmp:
        start = time.perf_counter()
        tasks = synthetic_export(load_guide(GUIDE, content_dir("guides")), SyntheticSpec(reports=args.reports))
        export = Path(tmp) / "export.json"
        export.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
        characters = sum(len(t["data"]["text"]) for t in tasks)
        results = sum(len(a["result"]) for t in tasks for a in t["annotations"])
        del tasks
        print(
            f"synthetic {GUIDE} export: {args.reports} reports, {characters / args.reports:.0f} characters each, "
            f"2 annotators, {results} results, {export.stat().st_size / 1e6:.0f} MB of JSON "
            f"(built in {time.perf_counter() - start:.1f} s)"
        )

        full = _run(_full_report, str(export), str(Path(tmp) / "report"), args.bootstrap, args.seed)
        print(
            f"\nfull report (--bootstrap {args.bootstrap}): {full['total_s']:.1f} s wall, "
            f"peak RSS {full['rss_mb']:.0f} MB"
        )
        print(
            f"  read+validate {full['read_s']:.1f} s, compute {full['compute_s']:.1f} s, "
            f"write {full['write_s']:.1f} s; peak RSS after imports {full['baseline_mb']:.0f} MB, "
            f"after reading the export {full['after_read_mb']:.0f} MB"
        )
        print(
            f"  exact F1 {full['exact_f1']['value']:.4f} {full['exact_f1']['ci95']}, "
            f"overlap F1 {full['overlap_f1']['value']:.4f}, alpha_u {full['alpha_u']:.4f}, "
            f"NEGATION alpha {full['negation_alpha']['value']:.4f}, relations F1 {full['relations_f1']['value']:.4f}, "
            f"{full['disagreements']} disagreements"
        )
        print("  outputs: " + ", ".join(f"{name} {size:.1f} MB" for name, size in full["sizes_mb"].items()))

        spans = _run(_span_f1, str(export))
        print(
            f"\nspan F1 alone ({spans['spans'][0]} vs {spans['spans'][1]} spans): "
            + ", ".join(
                f"{mode} {seconds:.2f} s (F1 {spans['f1'][mode]:.4f})" for mode, seconds in spans["seconds"].items()
            )
            + f"; traced peak {spans['traced_peak_mb']:.0f} MB"
        )

        if args.skip_bratiaa:
            print("\nbratiaa: not measured (--skip-bratiaa)")
        elif not _bratiaa_installed():
            print("\nbratiaa: not measured (not installed in this environment: pip install bratiaa)")
        else:
            folder = Path(tmp) / "brat"
            _run(_write_brat, str(export), str(folder))
            theirs = _run(_bratiaa, str(folder))
            print(
                f"\nbratiaa (instance F1, exact only, reads the .ann files): {theirs['seconds']:.1f} s, "
                f"peak RSS {theirs['rss_mb']:.0f} MB, F1 {theirs['f1']:.4f} "
                f"(ours, exact: {spans['seconds']['exact']:.2f} s, F1 {spans['f1']['exact']:.4f})"
            )


if __name__ == "__main__":
    main()
