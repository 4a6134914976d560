"""Calibrate the abstention threshold ``answer.min_relevance`` on labelled questions.

For each question the pipeline is run with the threshold disabled, and the best
candidate sentence's score (``Answer.relevance``) is recorded with the label
(answerable or not). Questions the name check already abstains on are set aside:
the threshold only decides the rest. The threshold printed is the one that maximises
balanced accuracy = ½ (abstention recall on unanswerable + answer rate on answerable);
ties go to the lower threshold (fewer false refusals).

    python -m evals.calibrate_abstention ../shared/data/multihop_rag/questions_dev.jsonl \\
        --corpus ../shared/data/multihop_rag/corpus.jsonl

Input lines need ``question`` and ``answerable`` (MultiHop-RAG's layout works as is).
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import click

from rag.pipeline import Pipeline
from rag.settings import AnswerSettings, Settings


def balanced_accuracy(scores: list[tuple[float, bool]], threshold: float) -> float:
    """½ (share of unanswerable below threshold + share of answerable at or above it)."""
    pos = [s for s, answerable in scores if answerable]
    neg = [s for s, answerable in scores if not answerable]
    answer_rate = sum(s >= threshold for s in pos) / len(pos) if pos else 1.0
    abstain_rate = sum(s < threshold for s in neg) / len(neg) if neg else 1.0
    return 0.5 * (answer_rate + abstain_rate)


def best_threshold(scores: list[tuple[float, bool]]) -> tuple[float, float]:
    """(threshold, balanced accuracy) over midpoints between observed scores."""
    values = sorted({round(s, 4) for s, _ in scores})
    cuts = [values[0] - 1e-3] + [(a + b) / 2 for a, b in itertools.pairwise(values)]
    best = max(cuts, key=lambda t: (balanced_accuracy(scores, t), -t))
    return round(best, 3), balanced_accuracy(scores, best)


@click.command()
@click.argument("questions", type=click.Path(exists=True, path_type=Path))
@click.option("--corpus", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--store", type=click.Path(path_type=Path), help="Reuse this store.")
def main(questions: Path, corpus: Path, store: Path | None) -> None:
    """Print the score distribution and the best min_relevance for QUESTIONS."""
    folder = store or Path(tempfile.mkdtemp(prefix="newsrag-calib-"))
    pipeline = Pipeline(Settings(store=folder, answer=AnswerSettings(min_relevance=-10.0)))
    pipeline.ingest([corpus])
    scores: list[tuple[float, bool]] = []
    by_names = {True: 0, False: 0}
    for line in questions.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        answer = pipeline.ask(rec["question"])
        answerable = bool(rec.get("answerable", True))
        if answer.abstained:
            by_names[answerable] += 1
        elif answer.relevance is not None:
            scores.append((answer.relevance, answerable))
    threshold, acc = best_threshold(scores)
    for label, flag in (("answerable", True), ("unanswerable", False)):
        vals = sorted(s for s, a in scores if a == flag)
        if vals:
            q = [vals[int(p * (len(vals) - 1))] for p in (0.1, 0.25, 0.5, 0.75, 0.9)]
            click.echo(
                f"{label:13} n={len(vals):4}  p10/25/50/75/90 = " + " ".join(f"{v:.3f}" for v in q)
            )
    click.echo(
        f"set aside by the name check: answerable {by_names[True]}, unanswerable {by_names[False]}"
    )
    click.echo(f"best min_relevance = {threshold}  (balanced accuracy {acc:.3f})")


if __name__ == "__main__":
    main()
