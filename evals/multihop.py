"""Benchmark newsrag on the MultiHop-RAG development questions.

Run from the repository root::

    .venv/bin/python -m evals.multihop [--data DIR] [--store DIR] [--k 10] [--limit N] [--json OUT]

``DIR/corpus.jsonl`` is ingested (into a fresh temporary store unless ``--store`` is given; a
store that already holds the corpus just skips the unchanged articles), then every question of
``DIR/questions_dev.jsonl`` is asked once with ``Pipeline.ask`` and its ``Answer`` is scored.
The pipeline runs with ``retrieval.k = k``, so ``answer.retrieved`` holds up to k passages
(at most ``retrieval.per_article`` of one article; hence at least ceil(k / per_article)
distinct articles when the corpus has them).

Retrieval (answerable questions with at least one gold evidence URL; Q = their number):
    Articles are identified by URL. For question q let G_q be its set of gold evidence URLs and
    R_q = (r_1, r_2, ...) the distinct article URLs of ``answer.retrieved`` in rank order
    (first k at most).

    recall@k   = 1/Q * sum_q |G_q ∩ R_q| / |G_q|
    complete@k = 1/Q * sum_q [G_q ⊆ R_q]           (every hop retrieved)
    MRR        = 1/Q * sum_q 1 / min{i : r_i ∈ G_q}  (a term is 0 when no gold article is in R_q)

    recall@k is also reported per ``question_type``.

Abstention (a question is *null* when question_type is "null_query" or answerable is false):
    abstention recall    = |null ∩ abstained| / |null|
    abstention precision = |null ∩ abstained| / |abstained|
    false-refusal rate   = |answerable ∩ abstained| / |answerable|

    plus the counts of ``answer.abstain_code`` among null and answerable questions.

Latency: p50 and p95 (linear interpolation between order statistics) of
``answer.timings_ms["total"]`` (retrieval + answer, excluding model loading: the embedding
model is warmed up before the first question).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "multihop_rag"
NULL_TYPE = "null_query"


@dataclass(frozen=True)
class Question:
    """One MultiHop-RAG question, reduced to what the benchmark scores."""

    id: str
    question: str
    question_type: str
    gold_urls: frozenset[str]
    is_null: bool


@dataclass
class Outcome:
    """What one ``Pipeline.ask`` call produced for a question, as the metrics need it."""

    question: Question
    retrieved_urls: list[str]
    abstained: bool
    abstain_code: str | None
    total_ms: float
    settings_hash: str

    def recall(self) -> float:
        """Share of the gold URLs found among the distinct retrieved articles."""
        found = self.question.gold_urls.intersection(self.retrieved_urls)
        return len(found) / len(self.question.gold_urls)

    def reciprocal_rank(self) -> float:
        """1 / rank of the first gold article among the distinct retrieved ones, else 0."""
        for rank, url in enumerate(self.retrieved_urls, start=1):
            if url in self.question.gold_urls:
                return 1.0 / rank
        return 0.0


@dataclass
class Report:
    """All metrics of one run, ready to print or dump as JSON."""

    k: int
    settings_hash: str
    git_commit: str | None
    ingest: dict[str, Any]
    seconds: float
    outcomes: list[Outcome] = field(default_factory=list)

    def metrics(self) -> dict[str, Any]:
        """The metrics described in the module docstring, as a JSON-ready dict."""
        scored = [o for o in self.outcomes if not o.question.is_null and o.question.gold_urls]
        answerable = [o for o in self.outcomes if not o.question.is_null]
        null = [o for o in self.outcomes if o.question.is_null]
        abstained = [o for o in self.outcomes if o.abstained]
        by_type: dict[str, list[Outcome]] = {}
        for o in scored:
            by_type.setdefault(o.question.question_type, []).append(o)
        latencies = [o.total_ms for o in self.outcomes]
        return {
            "n_questions": len(self.outcomes),
            "n_answerable": len(answerable),
            "n_null": len(null),
            "n_scored_retrieval": len(scored),
            "k": self.k,
            "settings_hash": self.settings_hash,
            "git_commit": self.git_commit,
            "seconds": round(self.seconds, 1),
            "ingest": self.ingest,
            "retrieval": {
                f"recall@{self.k}": _mean([o.recall() for o in scored]),
                f"complete@{self.k}": _mean([float(o.recall() == 1.0) for o in scored]),
                "mrr": _mean([o.reciprocal_rank() for o in scored]),
                "mean_distinct_articles": _mean([len(o.retrieved_urls) for o in scored]),
                f"recall@{self.k}_by_type": {
                    qtype: {"n": len(group), "recall": _mean([o.recall() for o in group])}
                    for qtype, group in sorted(by_type.items())
                },
            },
            "abstention": {
                "recall": _ratio(sum(o.abstained for o in null), len(null)),
                "precision": _ratio(sum(o.question.is_null for o in abstained), len(abstained)),
                "false_refusal_rate": _ratio(sum(o.abstained for o in answerable), len(answerable)),
                "n_abstained": len(abstained),
                "codes_null": _codes(null),
                "codes_answerable": _codes(answerable),
            },
            "latency_ms": {
                "p50": _round(percentile(latencies, 50), 1),
                "p95": _round(percentile(latencies, 95), 1),
            },
        }

    def to_json(self) -> dict[str, Any]:
        """Metrics plus one record per question (for comparing runs)."""
        return {
            **self.metrics(),
            "questions": [
                {
                    "id": o.question.id,
                    "question_type": o.question.question_type,
                    "null": o.question.is_null,
                    "recall": None if o.question.is_null else _round(o.recall()),
                    "reciprocal_rank": None if o.question.is_null else _round(o.reciprocal_rank()),
                    "abstained": o.abstained,
                    "abstain_code": o.abstain_code,
                    "total_ms": _round(o.total_ms),
                    "retrieved_urls": o.retrieved_urls,
                }
                for o in self.outcomes
            ],
        }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _codes(outcomes: Sequence[Outcome]) -> dict[str, int]:
    counts = Counter(o.abstain_code or "(answered)" for o in outcomes)
    return dict(counts.most_common())


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The ``pct``-th percentile of ``values`` by linear interpolation; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * pct / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def load_questions(path: Path, limit: int | None = None) -> list[Question]:
    """Read MultiHop-RAG questions (JSON lines), keeping the first ``limit`` if given."""
    questions = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            qtype = str(record.get("question_type") or "unknown")
            questions.append(
                Question(
                    id=str(record["id"]),
                    question=str(record["question"]),
                    question_type=qtype,
                    gold_urls=frozenset(
                        str(e["url"]) for e in record.get("evidence") or [] if e.get("url")
                    ),
                    is_null=qtype == NULL_TYPE or record.get("answerable") is False,
                )
            )
            if limit is not None and len(questions) >= limit:
                break
    return questions


def load_corpus_urls(path: Path) -> dict[str, str]:
    """Map article id → URL for the corpus, to identify hits whose URL was not stored."""
    urls = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                if record.get("id") and record.get("url"):
                    urls[str(record["id"])] = str(record["url"])
    return urls


def git_commit(repo: Path = REPO_ROOT) -> str | None:
    """Short commit hash of ``repo``'s HEAD, or None when git or the repository is missing."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


@contextmanager
def store_dir(store: Path | None) -> Iterator[Path]:
    """Yield ``store`` if given, else a temporary directory removed afterwards."""
    if store is not None:
        yield store
        return
    with tempfile.TemporaryDirectory(prefix="multihop-store-", ignore_cleanup_errors=True) as tmp:
        yield Path(tmp)


def run(data: Path, store: Path | None, k: int, limit: int | None) -> Report:
    """Ingest the corpus, ask every question once, and collect the outcomes."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from rag.pipeline import Pipeline
    from rag.settings import RetrievalSettings, Settings

    started = time.perf_counter()
    corpus = data / "corpus.jsonl"
    questions = load_questions(data / "questions_dev.jsonl", limit)
    id_to_url = load_corpus_urls(corpus)
    with store_dir(store) as where:
        pipeline = Pipeline(Settings(store=where, retrieval=RetrievalSettings(k=k)))
        t0 = time.perf_counter()
        ingest = pipeline.ingest([corpus])
        ingest_s = time.perf_counter() - t0
        stored = ingest.added + ingest.updated
        print(f"ingest: {ingest.summary()}", file=sys.stderr)
        if ingest.errors:
            print("\n".join(f"  {e}" for e in ingest.errors), file=sys.stderr)
        ingest_info = {
            "added": ingest.added,
            "updated": ingest.updated,
            "skipped": ingest.skipped,
            "failed": ingest.failed,
            "chunks": ingest.chunks,
            "seconds": round(ingest_s, 2),
            "articles_per_s": round(stored / ingest_s, 2) if stored and ingest_s > 0 else None,
        }
        pipeline.embedder.embed_query("warm-up")  # keep model loading out of the latencies
        report = Report(
            k=k, settings_hash="", git_commit=git_commit(), ingest=ingest_info, seconds=0.0
        )
        for n, q in enumerate(questions, start=1):
            answer = pipeline.ask(q.question)
            urls: list[str] = []
            for hit in answer.retrieved:
                url = hit.url or id_to_url.get(hit.article_id) or hit.article_id
                if url not in urls:
                    urls.append(url)
            report.outcomes.append(
                Outcome(
                    question=q,
                    retrieved_urls=urls[:k],
                    abstained=answer.abstained,
                    abstain_code=answer.abstain_code,
                    total_ms=answer.timings_ms.get("total", 0.0),
                    settings_hash=answer.settings_hash,
                )
            )
            report.settings_hash = answer.settings_hash
            if n % 20 == 0 or n == len(questions):
                elapsed = time.perf_counter() - started
                print(f"  asked {n}/{len(questions)} ({elapsed:.0f} s)", file=sys.stderr)
    report.seconds = time.perf_counter() - started
    return report


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def format_table(metrics: dict[str, Any]) -> str:
    """Render the metrics as an aligned two-column text table."""
    k = metrics["k"]
    ret, abst, lat, ing = (
        metrics["retrieval"],
        metrics["abstention"],
        metrics["latency_ms"],
        metrics["ingest"],
    )
    rows: list[tuple[str, Any]] = [
        (
            "questions (answerable / null)",
            (f"{metrics['n_questions']} ({metrics['n_answerable']} / {metrics['n_null']})"),
        ),
        ("k", k),
        ("settings_hash", metrics["settings_hash"]),
        ("git commit", metrics["git_commit"]),
        ("ingest s / articles per s", f"{ing['seconds']:.1f} / {_fmt(ing['articles_per_s'])}"),
        ("", ""),
        (f"recall@{k}", ret[f"recall@{k}"]),
        (f"complete@{k} (all hops)", ret[f"complete@{k}"]),
        ("MRR", ret["mrr"]),
        ("mean distinct articles", ret["mean_distinct_articles"]),
    ]
    for qtype, group in ret[f"recall@{k}_by_type"].items():
        rows.append((f"  recall@{k} {qtype} (n={group['n']})", group["recall"]))
    rows += [
        ("", ""),
        ("abstention recall (null)", abst["recall"]),
        ("abstention precision", abst["precision"]),
        ("false-refusal rate", abst["false_refusal_rate"]),
        ("abstained", abst["n_abstained"]),
    ]
    for label, codes in (("null", abst["codes_null"]), ("answerable", abst["codes_answerable"])):
        rows.append((f"  codes on {label}", ", ".join(f"{c}={n}" for c, n in codes.items())))
    rows += [
        ("", ""),
        ("latency p50 / p95 ms", f"{lat['p50']} / {lat['p95']}"),
        ("total seconds", metrics["seconds"]),
    ]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label:<{width}}  {_fmt(value)}" if label else "" for label, value in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m evals.multihop", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="MultiHop-RAG folder")
    parser.add_argument("--store", type=Path, default=None, help="store folder (default: temp)")
    parser.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    parser.add_argument("--json", type=Path, default=None, dest="json_out", help="write metrics")
    args = parser.parse_args(argv)
    if not (args.data / "corpus.jsonl").is_file():
        parser.error(f"no corpus.jsonl in {args.data}")
    if args.k < 1:
        parser.error("--k must be at least 1")
    report = run(args.data, args.store, args.k, args.limit)
    print(format_table(report.metrics()))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
