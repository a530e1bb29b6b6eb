"""Benchmark of the suggestion models at PARHAF scale, and of the ML backend's /predict latency.

Reports: 7,394 texts of ~4,000 characters per guide, each made of passages of the guide's sample
and evaluation reports (seeded shuffle), so the rules meet real triggers (the filler words of
``synthetic.py`` would hardly fire them). For each guide with rules, in a fresh process:
- ``rules``: suggestions and Label Studio result items for every report (what `predict` sends);
- ``all``: the same with the string matcher, taught the sample annotations first.
Then ``/predict`` latency: one report per request to `partages-ls ml-backend serve` running on
127.0.0.1 (HTTP, JSON), median and 95th percentile over 200 requests.

Run: ``.venv/bin/python benchmarks/bench_predict.py`` (``--reports 500`` for a quick look).
Targets: under 60 s per guide for the rule models on the 2-core machine; /predict under 200 ms.
Wall time depends on what else runs on the machine: the CPU time of the process is printed too.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import threading
import time
import urllib.request
from typing import Any

from partages_ls.content import content_dir

GUIDES = ("pseudonymisation", "infectiologie", "biomarqueurs")


def _texts(guide_name: str, count: int, chars: int, seed: int) -> list[str]:
    from partages_ls.content import content_dir
    from partages_ls.guides.loader import load_guide
    from partages_ls.predict.evaluate import eval_documents, sample_documents

    guide = load_guide(guide_name, content_dir("guides"))
    paragraphs = [
        p
        for document in [
            *sample_documents(guide, content_dir("samples")),
            *eval_documents(guide, content_dir("samples")),
        ]
        for p in document.text.split("\n\n")
        if p.strip()
    ]
    assert paragraphs, content_dir("samples")
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        parts: list[str] = []
        size = 0
        while size < chars:
            part = rng.choice(paragraphs)
            parts.append(part)
            size += len(part) + 2
        texts.append("\n\n".join(parts))
    return texts


def _run(guide_name: str, model: str, count: int, chars: int, seed: int) -> dict[str, Any]:
    from partages_ls.guides.loader import load_guide
    from partages_ls.predict.evaluate import sample_documents
    from partages_ls.predict.registry import GuideModels
    from partages_ls.predict.spans import to_results

    texts = _texts(guide_name, count, chars, seed)
    guide = load_guide(guide_name, content_dir("guides"))
    started = time.perf_counter()
    models = GuideModels.for_guide(guide, content_dir("guides"))
    if model == "all":
        for document in sample_documents(guide, content_dir("samples")):
            models.matcher.learn(document.text, to_results(guide, document.text, document.reference))
    chosen = models.get(model)
    ready = time.perf_counter()
    cpu = time.process_time()
    suggestions = 0
    for text in texts:
        found = chosen.predict(text)
        suggestions += len(found)
        to_results(guide, text, found)
    done = time.perf_counter()
    cpu_s = time.process_time() - cpu
    return {
        "cpu_s": cpu_s,
        "guide": guide_name,
        "model": model,
        "reports": count,
        "characters": sum(map(len, texts)),
        "load_s": ready - started,
        "predict_s": done - ready,
        "suggestions": suggestions,
    }


def _latency(requests: int, chars: int) -> dict[str, float]:
    from partages_ls.guides.loader import load_guide
    from partages_ls.label_configs.render import render_label_config
    from partages_ls.predict.backend import SuggestionService, make_server

    service = SuggestionService(content_dir("guides"))
    server = make_server("127.0.0.1", 0, service=service, log=lambda line: None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/predict"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    out: dict[str, float] = {}
    try:
        for guide_name in GUIDES:
            guide = load_guide(guide_name, content_dir("guides"))
            config = render_label_config(guide)
            texts = _texts(guide_name, requests, chars, 7)
            timings = []
            for index, text in enumerate(texts):
                body = {"tasks": [{"id": index, "data": {"text": text}}], "project": "1.0", "label_config": config}
                request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
                started = time.perf_counter()
                with opener.open(request, timeout=10) as response:
                    answer = json.loads(response.read())
                timings.append(time.perf_counter() - started)
                assert answer["results"][0]["result"] is not None
            timings.sort()
            out[f"{guide_name}_median_ms"] = statistics.median(timings) * 1000
            out[f"{guide_name}_p95_ms"] = timings[int(len(timings) * 0.95) - 1] * 1000
    finally:
        server.shutdown()
        server.server_close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=7394)
    parser.add_argument("--chars", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    print(f"{args.reports} reports of ~{args.chars} characters per guide; load average {os.getloadavg()[0]:.1f}")
    for guide_name in GUIDES:
        for model in ("rules", "all"):
            with context.Pool(1) as pool:
                r = pool.apply(_run, (guide_name, model, args.reports, args.chars, args.seed))
            rate = r["characters"] / r["predict_s"] / 1e6
            print(
                f"  {guide_name:<17} {model:<5} {r['predict_s']:6.1f} s "
                f"({r['reports'] / r['predict_s']:6.0f} reports/s, {rate:.2f} M chars/s), CPU {r['cpu_s']:6.1f} s "
                f"({r['cpu_s'] / r['reports'] * 1000:.2f} ms/report); models ready in {r['load_s']:.2f} s; "
                f"{r['suggestions']} suggestions"
            )
    with context.Pool(1) as pool:
        latency = pool.apply(_latency, (args.requests, args.chars))
    print(f"/predict, one report of ~{args.chars} characters per request, {args.requests} requests per guide:")
    for guide_name in GUIDES:
        print(
            f"  {guide_name:<17} median {latency[f'{guide_name}_median_ms']:.1f} ms, "
            f"95th percentile {latency[f'{guide_name}_p95_ms']:.1f} ms"
        )


if __name__ == "__main__":
    main()
