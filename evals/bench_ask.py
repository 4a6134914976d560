"""The question half of ``make bench``, run in its own process so its memory is its own.

    python -m evals.bench_ask --store DIR --questions FILE [--chroma-host H --chroma-port P]

Opens the store through the public Python API, answers the first question once untimed
(loading the model, BM25 and spaCy is the cold start, measured separately), then times
``Pipeline.retrieve`` (retrieval only) on the first half of the others and
``Pipeline.ask`` (the full answer) on the second half: each question is asked once, so
neither figure profits from caches the other filled. Prints one JSON object: the
latencies in ms, and the article ids retrieved for every question after the first.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rag.pipeline import Pipeline
from rag.settings import ChromaSettings, Settings

K = 10  # passages retrieved, as `rag eval` uses for recall@10


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m evals.bench_ask")
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--questions", type=Path, required=True, help="JSONL with 'question'")
    parser.add_argument("--chroma-host", default=None)
    parser.add_argument("--chroma-port", type=int, default=8000)
    args = parser.parse_args(argv)
    base = Settings()
    settings = base.model_copy(
        update={
            "store": args.store,
            "chroma": base.chroma.model_copy(
                update={"host": args.chroma_host, "port": args.chroma_port}
            )
            if args.chroma_host
            else ChromaSettings(),
            "retrieval": base.retrieval.model_copy(update={"k": K}),
        }
    )
    lines = args.questions.read_text("utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines if line.strip()]
    pipeline = Pipeline(settings)
    t = time.perf_counter()
    pipeline.ask(questions[0])
    warm_s = time.perf_counter() - t
    retrieve_ms, answer_ms, retrieved, abstained = [], [], [], 0
    half = 1 + (len(questions) - 1) // 2
    for q in questions[1:half]:
        t = time.perf_counter()
        hits = pipeline.retrieve(q)
        retrieve_ms.append((time.perf_counter() - t) * 1000)
        retrieved.append([h.article_id for h in hits])
    for q in questions[half:]:
        t = time.perf_counter()
        answer = pipeline.ask(q)
        answer_ms.append((time.perf_counter() - t) * 1000)
        abstained += answer.abstained
        retrieved.append(list(dict.fromkeys(h.article_id for h in answer.retrieved)))
    json.dump(
        {
            "warm_up_s": round(warm_s, 2),
            "retrieve_ms": retrieve_ms,
            "answer_ms": answer_ms,
            "retrieved": retrieved,
            "abstained": abstained,
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
