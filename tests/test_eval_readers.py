"""Dataset readers on small fixture files, and the integrity of the bundled seed dataset."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from evals.readers import read_dataset
from evals.runner import RunOptions, _groups
from rag.errors import RagError
from rag.loaders import load_file

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "eval"
SEED_DATASET = ROOT / "evals" / "datasets" / "seed.jsonl"
SEED_ARTICLE = ROOT / "corpus" / "000_d7a15be74b52943f.txt"


def test_newsrag_dataset_reads_answers_evidence_filters_and_corpus() -> None:
    ds = read_dataset(DATA / "tiny.jsonl")
    assert ds.format == "newsrag"
    assert ds.name == "tiny"
    assert ds.corpus == (ROOT / "corpus").resolve()
    by_id = {q.id: q for q in ds.questions}
    assert list(by_id) == ["assad-backers", "civilian-deaths", "australia", "filtered"]
    assert by_id["civilian-deaths"].answers == ("745",)  # "answer" as well as "answers"
    assert by_id["assad-backers"].evidence[0].article_id == "seed-d7a15be74b52943f"
    assert by_id["civilian-deaths"].evidence[0].title is not None
    assert not by_id["australia"].answerable and by_id["australia"].answers == ()
    filters = by_id["filtered"].filters
    assert filters is not None and filters.until == dt.date(2024, 12, 31)


def test_newsrag_header_may_name_several_corpora(tmp_path: Path) -> None:
    (tmp_path / "wire.jsonl").write_text(json.dumps({"id": "w1", "title": "t", "text": "x"}) + "\n")
    (tmp_path / "seed").mkdir()
    dataset = tmp_path / "set.jsonl"
    question = json.dumps({"id": "q", "question": "x?", "answers": ["x"]})
    dataset.write_text(json.dumps({"corpus": ["wire.jsonl", "seed"]}) + "\n" + question + "\n")
    ds = read_dataset(dataset)
    assert ds.corpora == [tmp_path / "wire.jsonl", tmp_path / "seed"]
    assert ds.corpus == tmp_path / "wire.jsonl"
    (group,) = _groups([ds, read_dataset(dataset)], RunOptions(datasets=[dataset, dataset]))
    assert group.corpora == ds.corpora and len(group.datasets) == 2  # one store, both ingested
    dataset.write_text(json.dumps({"corpus": ["wire.jsonl", "gone.jsonl"]}) + "\n" + question)
    with pytest.raises(RagError, match=r"its corpus .*gone\.jsonl does not exist"):
        read_dataset(dataset)
    dataset.write_text(json.dumps({"corpus": ["wire.jsonl", 3]}) + "\n" + question)
    with pytest.raises(RagError, match="a path or a list of paths"):
        read_dataset(dataset)


def test_multihop_layout_is_detected_with_its_corpus() -> None:
    ds = read_dataset(DATA / "multihop" / "questions_dev.jsonl")
    assert ds.format == "multihop"
    assert ds.corpus == DATA / "multihop" / "corpus.jsonl"
    kinds = {q.id: (q.kind, q.answerable) for q in ds.questions}
    assert kinds == {
        "0": ("inference_query", True),
        "1": ("temporal_query", True),
        "2": ("null_query", False),
    }
    two_hop = ds.questions[1]
    assert [e.url for e in two_hop.evidence] == [
        "https://example.test/bridge",
        "https://example.test/bus",
    ]
    assert two_hop.evidence[0].quote == (
        "The Eastbay harbor bridge reopened on Monday after eight months of repairs."
    )
    assert ds.questions[2].answers == ()  # "Insufficient information." is not a gold answer


def test_rgb_records_become_a_generated_corpus_with_an_outlet_per_record() -> None:
    ds = read_dataset(DATA / "rgb.jsonl")
    assert ds.format == "rgb"
    # 5 passages; the one repeated across records is an article of each record's outlet
    assert len(ds.generated_corpus) == 5
    assert len({a["text"] for a in ds.generated_corpus}) == 4
    assert {a["source"] for a in ds.generated_corpus} == {"rgb-0", "rgb-1"}
    first, second = ds.questions
    assert first.answerable and first.answers == ("Team Selene", "Selene")
    assert first.filters is not None and first.filters.sources == ["rgb-0"]
    assert second.filters is not None and second.filters.sources == ["rgb-1"]
    gold_ids = {e.article_id for e in first.evidence}
    gold = [a for a in ds.generated_corpus if a["id"] in gold_ids]
    assert [(a["text"], a["source"]) for a in gold] == [
        (
            "Team Selene won the 2031 Lunar Regatta on Saturday, finishing ahead of twelve crews.",
            "rgb-0",
        )
    ]
    assert not second.answerable and second.evidence == ()  # negatives only: reject


def test_limit_and_errors(tmp_path: Path) -> None:
    assert len(read_dataset(DATA / "multihop" / "questions_dev.jsonl", limit=2).questions) == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "x?"}\n{"id": "a", "question": "y?"}\n')
    with pytest.raises(RagError, match="unique"):
        read_dataset(bad)
    bad.write_text('{"id": "a", "question": "x?"}\nnot json\n')
    with pytest.raises(RagError, match=r"bad\.jsonl:2"):
        read_dataset(bad)
    with pytest.raises(RagError, match="no question records"):
        bad.write_text('{"corpus": "x"}\n')
        read_dataset(bad)


def test_bundled_seed_dataset_is_consistent_with_the_seed_article() -> None:
    """Every gold quote is verbatim in the article, so evidence recall can be met at all."""
    (article,) = load_file(SEED_ARTICLE)
    ds = read_dataset(SEED_DATASET)
    assert ds.corpus == (ROOT / "corpus").resolve()
    assert 20 <= len(ds.questions) <= 35
    answerable = [q for q in ds.questions if q.answerable]
    unanswerable = [q for q in ds.questions if not q.answerable]
    assert len(unanswerable) >= 6
    assert {q.kind for q in unanswerable} >= {"off_topic", "not_in_article"}
    for q in answerable:
        assert q.answers, q.id
        assert q.evidence, q.id
        for e in q.evidence:
            assert e.article_id == article.id
            assert e.quote and e.quote in article.text, q.id
    for q in unanswerable:
        assert not q.evidence and not q.answers, q.id
    meta = json.loads(SEED_DATASET.read_text(encoding="utf-8").splitlines()[0])
    assert meta["corpus"] == "../../corpus"
