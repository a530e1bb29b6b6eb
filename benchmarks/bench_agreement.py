"""Benchmark of the agreement report on a synthetic PARHAF-scale export (a benchmark, not a test).

Builds a seeded CU6 (infectiologie) export of 7,394 reports of ~4,000 characters, two annotators,
~14 spans each with NEGATION and relations, then measures, each in a fresh process so that the peak
resident memory is the step's own:

- the full report as ``partages-ls agreement`` runs it (the export read task by task, 1,000
  bootstrap samples, the 4 files written), with ``--profile N`` the N costliest functions;
- the span F1 alone (matching in the three modes on the corpus already read);
- bratiaa on the same data written as per-annotator brat folders, when bratiaa is installed.

Run: ``.venv/bin/python benchmarks/bench_agreement.py`` (``--reports 500`` for a quick look;
``--reports 73940 --full-only --keep FILE`` for 10x, the export written task by task).
Targets (issue 13): full report under 8 s at 1x, linear at 10x, peak RSS under 300 MB at both.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from partages_ls.content import content_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import SyntheticSpec, write_synthetic_export

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


def _cpu_s() -> float:
    """CPU time (user + system) of this process so far: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _full_report(export: str, out: str, samples: int, seed: int, profile: int) -> dict[str, Any]:
    """`partages-ls agreement` as the command runs it (the export read task by task), in this process."""
    from partages_ls.agreement.report import AgreementOptions
    from partages_ls.content import bundled_workspace
    from partages_ls.workflows.agreement import AgreementRequest, run_agreement

    baseline = _rss_mb()
    request = AgreementRequest(
        Path(export), Path(out), GUIDE, AgreementOptions(bootstrap=samples, seed=seed), overwrite=True
    )
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start, used = time.perf_counter(), _cpu_s()
    report = run_agreement(request, bundled_workspace())
    total, cpu = time.perf_counter() - start, _cpu_s() - used
    top = ""
    if profiler is not None:
        import io
        import pstats

        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(profile)
        top = text.getvalue()
    spans = report.data["spans"]["LABEL"]
    return {
        "total_s": total,
        "cpu_s": cpu,
        "rss_mb": _rss_mb(),
        "baseline_mb": baseline,
        "profile": top,
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
    parser.add_argument("--full-only", action="store_true", help="Only the full report (no span F1, no bratiaa).")
    parser.add_argument("--export", type=Path, default=None, help="Use this synthetic export instead of building one.")
    parser.add_argument("--keep", type=Path, default=None, help="Write the generated export here and keep it.")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="Also print the N costliest functions.")
    args = parser.parse_args()

    from partages_ls.guides.loader import load_guide

    with tempfile.TemporaryDirectory(prefix="bench-agreement-") as tmp:
        start = time.perf_counter()
        if args.export is not None:
            export = args.export
            print(f"export {export}: {export.stat().st_size / 1e6:.0f} MB of JSON (given)")
        else:
            export = args.keep or Path(tmp) / "export.json"
            spec = SyntheticSpec(reports=args.reports)
            counts = write_synthetic_export(load_guide(GUIDE, content_dir("guides")), spec, export)
            print(
                f"synthetic {GUIDE} export: {counts['reports']} reports, "
                f"{counts['characters'] / counts['reports']:.0f} characters each, 2 annotators, "
                f"{counts['results']} results, {export.stat().st_size / 1e6:.0f} MB of JSON "
                f"(written task by task in {time.perf_counter() - start:.1f} s)"
            )

        full = _run(_full_report, str(export), str(Path(tmp) / "report"), args.bootstrap, args.seed, args.profile)
        print(
            f"\nfull report, `partages-ls agreement` workflow (--bootstrap {args.bootstrap}): "
            f"{full['total_s']:.1f} s wall, {full['cpu_s']:.1f} s CPU, "
            f"peak RSS {full['rss_mb']:.0f} MB of the child process "
            f"(after imports {full['baseline_mb']:.0f} MB)"
        )
        print(
            f"  exact F1 {full['exact_f1']['value']:.4f} {full['exact_f1']['ci95']}, "
            f"overlap F1 {full['overlap_f1']['value']:.4f}, alpha_u {full['alpha_u']:.4f}, "
            f"NEGATION alpha {full['negation_alpha']['value']:.4f}, relations F1 {full['relations_f1']['value']:.4f}, "
            f"{full['disagreements']} disagreements"
        )
        print("  outputs: " + ", ".join(f"{name} {size:.1f} MB" for name, size in full["sizes_mb"].items()))
        if full["profile"]:
            print("\n" + full["profile"])
        if args.full_only:
            return

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
