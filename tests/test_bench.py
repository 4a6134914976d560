"""The benchmark's generated corpora and its harness on a tiny tier (speed is never asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import bench
from evals.bench_table import judge_targets
from evals.benchdata import (
    found_at,
    generate,
    make_questions,
    read_pool,
    read_records,
    target_articles,
    write_corpus,
)
from tests.conftest import CORPUS, FAKES


def _pool_sentences(paths: list[Path]) -> set[str]:
    return {s for a in read_pool(paths) for s in a.sentences}


def _made_of(paragraph: str, sentences: set[str]) -> bool:
    """Whether ``paragraph`` is whole pool sentences joined by single spaces."""
    if not paragraph:
        return True
    return any(
        paragraph.startswith(s) and _made_of(paragraph[len(s) :].removeprefix(" "), sentences)
        for s in sentences
        if paragraph.startswith(s)
    )


def test_generated_corpus_is_seeded_and_made_of_real_sentences(tmp_path: Path) -> None:
    paths = [CORPUS, *([FAKES] if FAKES.exists() else [])]
    pool = read_pool(paths)
    first = list(generate(pool, 25, seed=3))
    assert first == list(generate(pool, 25, seed=3))
    assert first != list(generate(pool, 25, seed=4))
    sentences = _pool_sentences(paths)
    for record in first:
        assert set(record) == {"id", "title", "text", "source", "url", "published_at"}
        assert record["title"] and record["source"] and record["published_at"] >= "2011-01-01"
        assert all(_made_of(p, sentences) for p in record["text"].split("\n\n"))
    assert len({r["id"] for r in first}) == 25
    # Written once to the cache, in files of at most `shard` articles, and reused.
    path = write_corpus(pool, 25, 3, tmp_path, shard=10)
    parts = sorted(path.glob("*.jsonl"))
    assert [len(p.read_text("utf-8").splitlines()) for p in parts] == [10, 10, 5]
    assert read_records(path) == first
    assert write_corpus(pool, 25, 3, tmp_path, shard=10) == path
    assert not list(tmp_path.glob("*.tmp"))


def test_questions_ask_about_their_own_sentence_and_targets_are_found() -> None:
    records = list(generate(read_pool([CORPUS]), 12, seed=1))
    questions = make_questions(records, 5, seed=2)
    assert len(questions) == 5 and questions == make_questions(records, 5, seed=2)
    by_id = {r["id"]: r for r in records}
    targets = target_articles(questions, records)
    for q, ids in zip(questions, targets, strict=True):
        assert q["target"] in by_id[q["article_id"]]["text"]
        asked = q["question"].split(" about ", 1)[1].rstrip("?")
        assert asked.strip(".,;:") in q["target"]
        assert q["article_id"] in ids
    assert found_at([[q["article_id"]] for q in questions], targets, 10) == 1.0
    assert found_at([["elsewhere"] for _ in questions], targets, 10) == 0.0


def test_tier_names() -> None:
    assert [bench.parse_size(n) for n in ("10k", "100K", "250", "real", "1.5k")] == [
        10_000,
        100_000,
        250,
        None,
        None,
    ]


def test_targets_without_measurements_are_not_marked_met() -> None:
    targets = judge_targets({"tiers": {}})
    assert targets and all(t["met"] is None for t in targets)


@pytest.mark.slow
def test_bench_runs_a_tiny_tier_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    args = ["--tier", "12", "--questions", "2", "--no-quality", "--json", str(out)]
    kept = tmp_path / "kept"
    code = bench.main([*args, "--cache", str(tmp_path / "cache"), "--keep", str(kept)])
    assert code == 0
    assert (kept / "newsrag-12").is_dir()  # the store stays, to be profiled
    with pytest.raises(SystemExit):  # a used folder would turn the next ingest into a no-op
        bench.main([*args, "--cache", str(tmp_path / "cache"), "--keep", str(kept)])
    report = json.loads(out.read_text("utf-8"))
    tier = report["tiers"]["12"]
    ours = tier["systems"]["newsrag"]
    assert "error" not in ours, ours
    assert ours["articles"] == ours["stored"] == 12 and ours["chunks"] >= 12
    assert ours["questions"] == 4  # 2 retrieval-only, 2 full answers; 1 more warmed up
    assert ours["peak_rss_mb"] > 100 and ours["store_mb"] > 0 and ours["cold_ask_s"] > 0
    assert 0.0 <= ours["target_at_10"] <= 1.0
    # The baseline ran beside it, or the report says why not.
    assert "naive LangChain" in tier["systems"] or "naive LangChain" in tier["skipped"]
    printed = capsys.readouterr().out
    assert "### tier 12 (12 articles)" in printed and "| full answer p50, ms |" in printed
    assert (
        "### targets" in printed and "10k: full answer p50 ≤ 150 ms | — | not measured" in printed
    )
