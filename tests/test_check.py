"""`rag check`: article records, chunk rows, the vector index and BM25 must agree.

The damage is done to a real Chroma store the way an interrupted or partial write leaves
it (a record without chunks, chunks without a record, a stale BM25), and by SIGKILLing a
real `rag ingest` process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rag.check import check_store
from rag.cli import main
from rag.lexical import LexicalIndex
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.store import ChromaStore
from tests.conftest import ROOT
from tests.test_store_processes import write_articles


@pytest.fixture
def filled(pipeline: Pipeline, seed_dir: Path, tmp_path: Path) -> Pipeline:
    write_articles(tmp_path / "market", 12)
    report = pipeline.ingest([seed_dir, tmp_path / "market"])
    assert report.added == 13
    return pipeline


def _store(pipeline: Pipeline) -> ChromaStore:
    store = pipeline.store
    assert isinstance(store, ChromaStore)
    return store


def _kinds(pipeline: Pipeline) -> list[str]:
    report = check_store(pipeline.store, pipeline.settings, None)
    return sorted(p.kind for p in report.problems)


def test_a_sound_store_has_no_problems_and_every_chunk_is_probed(filled: Pipeline) -> None:
    report = check_store(filled.store, filled.settings, None)
    assert report.problems == []
    assert report.articles == 13
    assert report.chunks == report.probed == report.bm25 == filled.store.count_chunks() > 13


def test_chunks_without_their_article_record_are_found_and_removed(filled: Pipeline) -> None:
    store = _store(filled)
    # What an ingest killed between an article's chunks and its record leaves behind.
    store._articles.delete(ids=["seed-d7a15be74b52943f"])
    report = check_store(store, filled.settings, None)
    (orphans,) = [p for p in report.problems if p.kind == "orphan_chunks"]
    assert orphans.article_id == "seed-d7a15be74b52943f" and len(orphans.ids) >= 5
    repaired = check_store(store, filled.settings, filled.embedder, repair=True)
    assert repaired.problems and repaired.remaining == []
    assert _kinds(filled) == []
    # Its record was never committed: it is gone until the next ingest stores it, whole.
    assert "seed-d7a15be74b52943f" not in {a["id"] for a in store.articles()}


def test_a_chunk_missing_from_the_index_is_re_embedded(filled: Pipeline) -> None:
    store = _store(filled)
    seed_chunks = [c for c, a in store.chunk_articles().items() if a.startswith("seed-")]
    store.delete_chunks(seed_chunks[:1])
    assert _kinds(filled) == ["bm25_extra", "chunk_count"]
    report = check_store(store, filled.settings, filled.embedder, repair=True)
    assert report.remaining == [] and {p.kind for p in report.problems} == {
        "bm25_extra",
        "chunk_count",
    }
    assert _kinds(filled) == []
    assert seed_chunks[0] in store.chunk_articles()
    answer = filled.ask("who backed Assad?")
    assert "Russia" in answer.answer


def test_a_stale_bm25_index_is_rebuilt(filled: Pipeline) -> None:
    store = _store(filled)
    chunks = list(store.iter_chunks())
    LexicalIndex(filled.settings.lexical_folder()).build(chunks[:-2], store.generation)
    assert _kinds(filled) == ["bm25_missing"]
    check_store(store, filled.settings, filled.embedder, repair=True)
    assert _kinds(filled) == []


def rag(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_check_exit_codes_and_json(filled: Pipeline) -> None:
    ok = rag("--store", str(filled.settings.store), "check")
    assert ok.exit_code == 0 and "no problems" in ok.output
    _store(filled).delete_chunks(list(_store(filled).chunk_articles())[:1])
    bad = rag("--store", str(filled.settings.store), "check", "--json")
    assert bad.exit_code == 1
    data = json.loads(bad.stdout)
    assert data["remaining"] == 2 and {p["kind"] for p in data["problems"]} == {
        "chunk_count",
        "bm25_extra",
    }
    fixed = rag("--store", str(filled.settings.store), "check", "--repair")
    assert fixed.exit_code == 0 and "all 2 problem(s) repaired" in fixed.output
    assert rag("--store", str(filled.settings.store), "check").exit_code == 0


def _rag_process(store: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAG_STORE": str(store)}
    cmd = [sys.executable, "-c", "from rag.cli import main; main()", *args]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("rebuild", [False, True], ids=["ingest", "rebuild"])
def test_after_an_ingest_is_killed_a_rerun_leaves_zero_problems(
    settings: Settings, tmp_path: Path, seed_dir: Path, rebuild: bool
) -> None:
    store = settings.store
    many = tmp_path / "many"
    write_articles(many, 300)
    first = _rag_process(store, "ingest", str(seed_dir))
    assert first.wait(timeout=300) == 0
    victim = _rag_process(store, "ingest", *(["--rebuild"] if rebuild else []), str(many))
    owner = settings.lock_path().with_name(settings.lock_path().name + ".json")
    deadline = time.monotonic() + 120
    while not owner.exists() and victim.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    # Into the writing (the model is loaded and batches are being stored), and well
    # before the end: 300 articles take under 8 s with the int8 embedder on a quiet machine.
    time.sleep(2.5)
    assert victim.poll() is None, "the ingest finished before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)

    # Whatever the kill left, `rag check` reports it (as one clean report, no traceback)...
    after_kill = _rag_process(store, "check", "--json")
    out, err = after_kill.communicate(timeout=300)
    assert after_kill.returncode in (0, 1) and "Traceback" not in err, err
    found = json.loads(out)
    if rebuild:  # the half-built collections of the rebuild are reported
        assert {p["kind"] for p in found["problems"]} >= {"stray_collection"}
    # ...and simply running the ingest again (the lock was released by the kill) converges.
    rerun = _rag_process(store, "ingest", "--json", *(["--rebuild"] if rebuild else []), str(many))
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    check = _rag_process(store, "check", "--json")
    out, err = check.communicate(timeout=300)
    assert check.returncode == 0, out + err
    report = json.loads(out)
    assert report["problems"] == [] and report["remaining"] == 0
    assert report["articles"] == 300 if rebuild else 301
    assert report["chunks"] == report["probed"] == report["bm25"]


def test_segment_folders_left_by_dropped_collections_are_found_and_removed(
    filled: Pipeline,
) -> None:
    store = _store(filled)
    # What `--rebuild` of earlier versions did: drop a collection, leaving its folder.
    client = store._client
    old = client.create_collection("newsrag-old", embedding_function=None)
    old.add(ids=["x"], embeddings=[[0.1] * 384], documents=["x"])
    client.delete_collection("newsrag-old")
    report = check_store(store, filled.settings, None)
    (orphans,) = [p for p in report.problems if p.kind == "orphan_segments"]
    assert all((filled.settings.store / name).is_dir() for name in orphans.ids)
    check_store(store, filled.settings, filled.embedder, repair=True)
    assert _kinds(filled) == []
    assert not any((filled.settings.store / name).exists() for name in orphans.ids)
