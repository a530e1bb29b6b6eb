"""Benchmark: how fast the HTML agreement report opens in headless Chromium at 1x and 10x PARHAF.

The report's size grows with its disagreement list, so the list is synthesised at scale instead of
running a 10x agreement: a real report is computed on a small synthetic export (``--base``
reports, the generator of ``bench_export.py``), and its disagreements are repeated under new
document ids until there are as many per report as in the base, times ``--reports`` (73,940 =
10x PARHAF). Each size is rendered by ``agreement/render.py`` as it is, then opened from a file://
URL in Debian's Chromium (Playwright): prints the file size, the time to render it in Python, the
page's load event (``loadEventEnd`` of the navigation, from its start) and the wall time from
``goto`` until the first disagreement row is on screen.

    .venv/bin/python benchmarks/bench_html_report.py [--reports 7394 73940] [--base 300]

Target (issue 13): under 3 s at 10x PARHAF.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")


def _base_report(reports: int):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(HERE))
    from synthetic import SyntheticSpec, synthetic_export

    from partages_ls.agreement.report import AgreementOptions, compute_report
    from partages_ls.content import content_dir
    from partages_ls.exporters.labelstudio.read import read_labelstudio
    from partages_ls.guides.loader import load_guide

    guide = load_guide("infectiologie", content_dir("guides"))
    tasks = synthetic_export(guide, SyntheticSpec(reports=reports))
    corpus = read_labelstudio(tasks, guide, source="export.json")
    return compute_report(corpus, guide, AgreementOptions(bootstrap=0), source="export.json")


def _scaled(base, base_reports: int, reports: int):  # type: ignore[no-untyped-def]
    """The base report with its disagreements repeated for ``reports`` reports (sorted as the real list)."""
    items = base.disagreements
    target = round(len(items) * reports / base_reports)
    copies = -(-target // len(items))
    scaled = [
        dataclasses.replace(item, document=f"{item.document}-{copy:03d}") for copy in range(copies) for item in items
    ][:target]
    scaled.sort(key=lambda item: item.sort_key())
    data = dict(base.data)
    data["disagreements"] = dict(data["disagreements"], count=len(scaled))
    data["documents"] = {"total": reports, "compared": reports}
    return dataclasses.replace(base, data=data, disagreements=scaled)


def _open(path: Path) -> tuple[float, float, int, float]:
    """(load event in ms, wall ms from goto to the first visible row, rows in the table, JS heap MB)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="load", timeout=600_000)
            page.locator("#disagreement-rows tr").first.wait_for(state="visible", timeout=600_000)
            wall = (time.perf_counter() - start) * 1000
            load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            rows = page.locator("#disagreement-rows tr").count()
            heap = page.evaluate("performance.memory.usedJSHeapSize") / 1e6
        finally:
            browser.close()
    return float(load), wall, rows, heap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, nargs="+", default=[7394, 73940])
    parser.add_argument("--base", type=int, default=300, help="Reports of the real report that is scaled up.")
    parser.add_argument("--keep", type=Path, default=None, help="Keep the HTML files in this folder.")
    args = parser.parse_args()
    from partages_ls.agreement.render import render_html

    base = _base_report(args.base)
    print(f"base: {args.base} reports, {len(base.disagreements)} disagreements")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-html-"))
    folder.mkdir(parents=True, exist_ok=True)
    heading = f"{'reports':>8}{'disagreements':>15}{'HTML MB':>9}{'render s':>10}{'load ms':>9}"
    print(f"\n{heading}{'1st row ms':>12}{'rows':>6}{'JS heap MB':>12}")
    for reports in args.reports:
        report = _scaled(base, args.base, reports)
        start = time.perf_counter()
        html = render_html(report)
        rendered = time.perf_counter() - start
        path = folder / f"agreement-{reports}.html"
        path.write_text(html, encoding="utf-8")
        del html
        load, wall, rows, heap = _open(path)
        size = path.stat().st_size / 1e6
        print(
            f"{reports:>8}{len(report.disagreements):>15}{size:>9.1f}{rendered:>10.1f}{load:>9.0f}{wall:>12.0f}{rows:>6}{heap:>12.0f}"
        )


if __name__ == "__main__":
    main()
