"""Aggregate per-question results into the metric groups of summary.json."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from evals.metrics import mean, percentile, ratio
from evals.scoring import NDCG_AT, TAG_WEIGHTS

Result = Mapping[str, Any]

# Metric groups whose numbers come from the judge (the report names it beside them).
JUDGED_GROUPS = ("citations", "faithfulness")


def metric_rows(k: int) -> list[tuple[str, str, str, str]]:
    """(group, key, label, definition) of every row of the summary table."""
    top5 = [("retrieval", "recall@5", "recall@5", "gold articles among the top 5 retrieved")]
    return [
        ("retrieval", f"recall@{k}", f"recall@{k}", "gold articles among the top-k retrieved"),
        *(top5 if k != 5 else []),
        ("retrieval", "mrr", "MRR", "1 / rank of the first gold article"),
        ("retrieval", "ndcg@10", "nDCG@10", "binary-relevance nDCG of gold articles"),
        (
            "retrieval",
            f"evidence_quote_recall@{k}",
            f"evidence quote recall@{k}",
            "gold quotes inside a retrieved passage",
        ),
        ("correctness", "exact_match", "exact match", "normalised answer = a gold answer"),
        ("correctness", "token_f1", "token F1", "best SQuAD token F1 against gold answers"),
        ("correctness", "contains_answer", "contains gold answer", "a gold answer in the text"),
        (
            "correctness",
            "lead_contains_answer",
            "lead contains gold answer",
            "a gold answer in the lead (first) sentence",
        ),
        ("citations", "recall", "citation recall", "sentences supported by their citations"),
        ("citations", "precision", "citation precision", "citations needed (ALCE)"),
        ("faithfulness", "supported_rate", "faithfulness", "sentences supported by the context"),
        ("abstention", "precision", "abstention precision", "abstentions that were right"),
        ("abstention", "recall", "abstention recall", "unanswerable questions abstained on"),
        (
            "abstention",
            "false_refusal_rate",
            "false-refusal rate ↓",
            "answerable ones abstained on (lower is better)",
        ),
        ("latency_ms", "p50", "latency p50 (ms)", "median wall-clock time of one ask()"),
        ("latency_ms", "p95", "latency p95 (ms)", "95th percentile of the same"),
    ]


def summarize(results: Sequence[Result], k: int, judge: str) -> dict[str, Any]:
    """All metric groups over ``results`` (README, 'Evaluation')."""
    answerable = [r for r in results if r["answerable"]]
    unanswerable = [r for r in results if not r["answerable"]]
    abstained = [r for r in results if r["abstained"]]
    answered = [r for r in results if not r["abstained"]]
    return {
        "counts": {
            "questions": len(results),
            "answerable": len(answerable),
            "unanswerable": len(unanswerable),
            "answered": len(answered),
            "abstained": len(abstained),
        },
        "retrieval": _retrieval(results, k),
        "correctness": {
            "exact_match": _avg(results, "em"),
            "token_f1": _avg(results, "f1"),
            "contains_answer": _avg(results, "contains"),
            "lead_contains_answer": _avg(results, "lead_contains"),
            "n": _count(results, "contains"),
        },
        "citations": {
            "recall": _avg(results, "citation_recall"),
            "precision": _avg(results, "citation_precision"),
            "n": _count(results, "citation_recall"),
            "judge": judge,
        },
        "faithfulness": _faithfulness(answered, judge),
        "abstention": {
            "precision": _round(ratio(sum(not r["answerable"] for r in abstained), len(abstained))),
            "recall": _round(ratio(sum(r["abstained"] for r in unanswerable), len(unanswerable))),
            "false_refusal_rate": _round(
                ratio(sum(r["abstained"] for r in answerable), len(answerable))
            ),
            "codes_unanswerable": _codes(unanswerable),
            "codes_answerable": _codes(answerable),
        },
        "latency_ms": _latency([float(r["latency_ms"]) for r in results]),
        "failures": {
            tag: sum(tag in r["tags"] for r in results)
            for tag in TAG_WEIGHTS
            if any(tag in r["tags"] for r in results)
        },
    }


def _retrieval(results: Sequence[Result], k: int) -> dict[str, Any]:
    kinds = sorted({r["kind"] for r in results if r["metrics"]["recall"] is not None})
    return {
        f"recall@{k}": _avg(results, "recall"),
        "recall@5": _avg(results, "recall5"),
        "mrr": _avg(results, "rr"),
        f"ndcg@{NDCG_AT}": _avg(results, "ndcg"),
        f"evidence_quote_recall@{k}": _avg(results, "quote_recall"),
        "n": _count(results, "recall"),
        f"recall@{k}_by_kind": {
            kind: _avg([r for r in results if r["kind"] == kind], "recall") for kind in kinds
        }
        if len(kinds) > 1
        else {},
    }


def _faithfulness(answered: Sequence[Result], judge: str) -> dict[str, Any]:
    flags = [bool(s["faithful"]) for r in answered for s in r["sentences"]]
    return {
        "supported_rate": _round(ratio(sum(flags), len(flags))),
        "n_sentences": len(flags),
        "judge": judge,
    }


def _latency(values: Sequence[float]) -> dict[str, float | None]:
    return {
        "p50": _round(percentile(values, 50), 1),
        "p95": _round(percentile(values, 95), 1),
        "mean": _round(mean(values), 1),
    }


def _avg(results: Sequence[Result], metric: str) -> float | None:
    return _round(mean([r["metrics"][metric] for r in results]))


def _count(results: Sequence[Result], metric: str) -> int:
    return sum(r["metrics"][metric] is not None for r in results)


def _codes(results: Sequence[Result]) -> dict[str, int]:
    return dict(Counter(r["abstain_code"] or "(answered)" for r in results).most_common())


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def format_value(value: Any) -> str:
    """A metric as printed in tables: 3 decimals, 1 for large numbers, "n/a" for None."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"
    return str(value)


def flatten(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a metric tree as {"group.metric": value} (None and text skipped)."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, path + "."))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[path] = float(value)
    return out
