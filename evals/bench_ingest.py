"""Ingest and query speed benchmark: prints a table and writes JSON.

    python -m evals.bench_ingest [PATH ...] [--questions N] [--json OUT]

Ingests PATHs (default: the bundled corpus plus ../shared/data/fa_kes_syria/articles_dev.jsonl
when present) into a fresh temporary store, then asks a fixed set of questions about the
Syria corpus. Reports wall time, articles/s, chunks/s, peak resident memory, and the
p50/p95 of per-question latency (the model is loaded before timing starts). A second
ingest of the same paths measures the skip path (nothing changed).
"""

from __future__ import annotations

import json
import platform
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import click

from rag.pipeline import Pipeline
from rag.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATHS = [ROOT / "corpus", ROOT.parent / "shared/data/fa_kes_syria/articles_dev.jsonl"]
QUESTIONS = [
    "who backed Assad?",
    "Which countries supported the rebels?",
    "How many civilians were among the dead in the March 2025 violence on Syria's coast?",
    "Who heads the Syrian Observatory for Human Rights?",
    "What did the WHO say about the symptoms after the chemical attack?",
    "Where did government forces advance in Aleppo?",
    "What is the capital of Australia?",
    "how many people were killed in the chemical attack in khan sheikhoun?",
]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, cwd=ROOT, text=True
        )
    except OSError:
        return None
    return out.stdout.strip() or None


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--questions", default=len(QUESTIONS), show_default=True, help="Questions to time.")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write results here.")
def main(paths: tuple[Path, ...], questions: int, json_out: Path | None) -> None:
    """Time ingest (fresh and unchanged) and question answering."""
    targets = list(paths) or [p for p in DEFAULT_PATHS if p.exists()]
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-") as store:
        pipeline = Pipeline(Settings(store=Path(store)))
        t = time.perf_counter()
        pipeline.embedder.embed_query("warm up")
        load_s = time.perf_counter() - t
        fresh = pipeline.ingest(targets)
        again = pipeline.ingest(targets)
        pipeline.ask(QUESTIONS[0])  # first query builds caches: not a steady-state figure
        latencies = []
        for q in QUESTIONS[:questions]:
            t = time.perf_counter()
            pipeline.ask(q)
            latencies.append((time.perf_counter() - t) * 1000)
    articles = fresh.added + fresh.updated
    result = {
        "paths": [str(p) for p in targets],
        "commit": _commit(),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "model_load_s": round(load_s, 2),
        "articles": articles,
        "failed": fresh.failed,
        "duplicates": fresh.duplicates,
        "chunks": fresh.chunks,
        "ingest_s": round(fresh.seconds, 2),
        "articles_per_s": round(articles / fresh.seconds, 2),
        "chunks_per_s": round(fresh.chunks / fresh.seconds, 2),
        "reingest_unchanged_s": round(again.seconds, 2),
        "query_p50_ms": round(statistics.median(latencies), 1),
        "query_p95_ms": round(sorted(latencies)[max(0, int(0.95 * len(latencies)) - 1)], 1),
        "questions": len(latencies),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    width = max(len(k) for k in result)
    for key, value in result.items():
        click.echo(f"{key:<{width}}  {value}")
    if json_out:
        json_out.write_text(json.dumps(result, indent=2), "utf-8")
        click.echo(f"wrote {json_out}")


if __name__ == "__main__":
    main()
