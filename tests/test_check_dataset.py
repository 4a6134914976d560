"""The dataset checker on planted mistakes, on the bundled seed set and on the time-sensitive sets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.check_dataset import check_dataset
from evals.readers import read_dataset

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "evals" / "datasets"
TIME_SETS = [DATASETS / "time_dev.jsonl", DATASETS / "time_holdout.jsonl"]

ARTICLE = {
    "id": "a1",
    "title": "Harbour bridge reopens",
    "text": "The Eastbay bridge reopened on Monday after eight months of repairs. "
    "About 40,000 cars cross it every day.",
}


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


def _header(path: Path) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(path.read_text("utf-8").splitlines()[0])
    return header


def _corpora_present(path: Path) -> bool:
    return all((path.parent / c).exists() for c in _header(path)["corpus"])


def test_planted_mistakes_are_each_reported(tmp_path: Path) -> None:
    _write(tmp_path / "corpus.jsonl", [ARTICLE])
    good_quote = "The Eastbay bridge reopened on Monday after eight months of repairs."
    dataset = _write(
        tmp_path / "set.jsonl",
        [
            {"corpus": "corpus.jsonl", "name": "t", "about": "planted"},
            {"id": "ok", "question": "When did the bridge reopen?", "answers": ["Monday"],
             "answerable": True, "kind": "date",
             "evidence": [{"article_id": "a1", "quote": good_quote}]},
            {"id": "ok", "question": "Same id again?", "answers": ["Monday"],
             "answerable": True, "kind": "date",
             "evidence": [{"article_id": "a1", "quote": good_quote}]},
            {"id": "paraphrased", "question": "How long were the repairs?",
             "answers": ["eight months", "8 months"], "answerable": True, "kind": "number",
             "evidence": [{"article_id": "a1", "quote": "The bridge reopened after eight months."}]},
            {"id": "wrong-answer", "question": "How many cars?", "answers": ["50,000"],
             "answerable": True, "kind": "number",
             "evidence": [{"article_id": "a1", "quote": "About 40,000 cars cross it every day."}]},
            {"id": "gone", "question": "Who built it?", "answers": ["x"], "answerable": True,
             "kind": "builder", "evidence": [{"article_id": "a9", "quote": "x"}]},
            {"id": "near", "question": "When did the bridge reopen in 2019?", "answers": [],
             "answerable": False, "kind": "date", "evidence": [],
             "near_miss": {"article_id": "a1", "quote": good_quote, "differs": "weather"}},
            {"id": "bare", "question": "Who won?", "answerable": False, "kind": "person"},
        ],
    )  # fmt: skip
    lenient = check_dataset(dataset)
    assert lenient.articles == 1
    assert lenient.problems == [
        "line 3 (ok): id repeated",
        "line 4 (paraphrased): evidence 1: quote is not verbatim in article a1",
        "line 5 (wrong-answer): no answer occurs verbatim in its quotes",
        "line 6 (gone): evidence 1: article a9 is not in the corpus",
        "line 7 (near): near_miss differs 'weather': use year, place, actor, event",
    ]
    strict = check_dataset(dataset, strict=True)
    assert set(strict.problems) - set(lenient.problems) == {
        "line 4 (paraphrased): answer 2 not verbatim in its quotes",
        "line 6 (gone): kind 'builder' is not one of person, organisation, place, date, number, other",
        "line 8 (bare): an unanswerable question needs its near_miss",
    }  # fmt: skip
    assert (strict.questions, strict.answerable, strict.near_miss) == (7, 5, 1)
    assert strict.differs == {"weather": 1} and strict.sources == {"a": 6}


def test_an_absent_corpus_skips_the_quote_checks_only(tmp_path: Path) -> None:
    dataset = _write(
        tmp_path / "set.jsonl",
        [
            {"corpus": ["../nowhere/articles.jsonl"], "name": "t", "about": "no data here"},
            {"id": "q", "question": "How many cars?", "answers": ["50,000"], "answerable": True,
             "kind": "number", "evidence": [{"article_id": "a1", "quote": "About 40,000 cars."}]},
        ],
    )  # fmt: skip
    report = check_dataset(dataset, strict=True)
    assert report.skipped is not None and "nowhere" in report.skipped
    assert report.quotes_checked == 0
    assert report.problems == ["line 2 (q): no answer occurs verbatim in its quotes"]


def test_bundled_seed_dataset_passes() -> None:
    report = check_dataset(DATASETS / "seed.jsonl")
    assert report.skipped is None and report.problems == []
    assert report.quotes_checked == sum(
        len(q.evidence) for q in read_dataset(DATASETS / "seed.jsonl").questions
    )


@pytest.mark.parametrize("path", TIME_SETS, ids=lambda p: p.stem)
def test_time_sets_are_balanced_and_well_formed(path: Path) -> None:
    """Runs without the shared data too: everything but the quote lookup."""
    report = check_dataset(path, strict=True)
    assert report.problems == []
    assert report.questions >= 40
    assert report.answerable == report.near_miss == report.questions // 2
    assert set(report.sources) == {"fakes", "mh", "seed"}
    syria = report.sources["fakes"] + report.sources["seed"]
    assert 0.5 <= syria / report.questions <= 0.7  # about 60 % Syria, 40 % MultiHop
    assert len(report.differs) >= 3 and len(report.kinds) >= 5


@pytest.mark.parametrize("path", TIME_SETS, ids=lambda p: p.stem)
def test_time_sets_quote_their_articles_verbatim(path: Path) -> None:
    if not _corpora_present(path):
        pytest.skip("the shared development data (../shared/data) is not here")
    report = check_dataset(path, strict=True)
    assert report.skipped is None and report.problems == []
    assert report.quotes_checked == report.questions  # one quote per question
    dataset = read_dataset(path)
    assert len(dataset.corpora) == 3 and dataset.corpus == (ROOT / "corpus").resolve()


def test_time_splits_share_no_question() -> None:
    ids, questions = [], []
    for path in TIME_SETS:
        records = [json.loads(line) for line in path.read_text("utf-8").splitlines()[1:]]
        ids.append({r["id"] for r in records})
        questions.append({r["question"] for r in records})
    assert not ids[0] & ids[1] and not questions[0] & questions[1]
    assert _header(TIME_SETS[0])["corpus"] == _header(TIME_SETS[1])["corpus"]
