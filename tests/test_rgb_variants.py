"""evals.rgb_variants: an RGB record becomes a question with its evidence and one without."""

from __future__ import annotations

import json
from pathlib import Path

from evals.readers import read_dataset
from evals.rgb_variants import leaks, main, variants

RECORD = {
    "id": 7,
    "query": "Who won the 2031 Lunar Regatta?",
    "answer": [["Team Selene", "Selene"]],
    "positive": ["Team Selene won the 2031 Lunar Regatta.", "Selene took the 2031 title."],
    "negative": [
        "The 2029 Lunar Regatta was cancelled.",
        "Crews train for months in low-gravity pools.",
        "Selene's crew celebrated in the harbour.",  # names the answer: left out
        "Tickets for the 2032 regatta are on sale.",
    ],
}


def test_an_answerable_and_a_near_miss_record() -> None:
    with_evidence, near_misses = variants(RECORD, positives=1, passages=3)
    assert with_evidence["id"] == "7-a" and with_evidence["positive"] == RECORD["positive"][:1]
    assert len(with_evidence["positive"]) + len(with_evidence["negative"]) == 3
    assert near_misses["id"] == "7-u" and near_misses["positive"] == []
    assert all("Selene" not in n for n in near_misses["negative"])


def test_leaks_finds_the_answer_or_its_distinctive_words() -> None:
    assert leaks("Raducanu beat Fernandez in the final.", ["Emma Raducanu"])
    assert leaks("Revenue was $10.4 billion.", ["$10.4 billion"])
    assert not leaks("The final was played in September.", ["Emma Raducanu"])
    assert not leaks("It happened in March.", ["March 3 2017"])  # a month is not distinctive


def test_no_near_miss_record_without_two_clean_negatives() -> None:
    record = {**RECORD, "negative": ["Selene won again."]}
    assert [v["id"] for v in variants(record)] == ["7-a"]


def test_split_files_are_read_as_rgb_with_an_outlet_each(tmp_path: Path) -> None:
    src = tmp_path / "records.json"
    second = {**RECORD, "id": 8}
    src.write_text(json.dumps(RECORD) + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    assert main([str(src), "--out", str(tmp_path / "out")]) == 0
    dev = read_dataset(tmp_path / "out" / "dev.jsonl")
    assert [q.id for q in dev.questions] == ["7-a", "7-u"]
    assert [q.answerable for q in dev.questions] == [True, False]
    assert dev.questions[0].filters is not None
    assert dev.questions[0].filters.sources == ["rgb-7-a"]
    holdout = read_dataset(tmp_path / "out" / "holdout.jsonl")
    assert [q.id for q in holdout.questions] == ["8-a", "8-u"]
