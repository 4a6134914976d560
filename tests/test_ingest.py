"""Incremental ingest against a real Chroma: idempotence, updates, prune, resume.

Embedded by default; .ci/run runs them again against a `chroma run` (marker ``server``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import pytest

from rag.backends import make_store
from rag.chunking import chunk_article
from rag.embeddings import Embedder
from rag.errors import EmbeddingModelMismatch, RagError
from rag.loaders import load_file
from rag.pipeline import Pipeline
from rag.settings import ChunkingSettings, EmbeddingSettings, Settings
from rag.store import ChromaStore, facts_of
from rag.types import Filters
from tests.conftest import write_article

pytestmark = pytest.mark.server


def _write(path: Path, title: str, body: str, date: str = "2024-05-01") -> Path:
    path.write_text(f"Title: {title}\nPublished: {date}\nSource: Test Wire\n\n{body}\n", "utf-8")
    return path


def test_ingest_then_reingest_adds_nothing(pipeline: Pipeline, seed_dir: Path) -> None:
    first = pipeline.ingest([seed_dir])
    assert (first.added, first.updated, first.skipped, first.failed) == (1, 0, 0, 0)
    chunks = pipeline.store.count_chunks()
    assert chunks == first.chunks > 1
    again = pipeline.ingest([seed_dir])
    assert (again.added, again.updated, again.skipped) == (0, 0, 1)
    assert pipeline.store.count_chunks() == chunks
    assert pipeline.stats()["articles"] == 1


def test_changed_file_replaces_old_chunks(pipeline: Pipeline, tmp_path: Path) -> None:
    f = _write(
        tmp_path / "a.txt", "Port reopens", "The port of Tartus reopened on Monday. Ships queued."
    )
    pipeline.ingest([f])
    _write(f, "Port reopens", "The port of Tartus stayed closed on Monday after a storm.")
    report = pipeline.ingest([f])
    assert (report.added, report.updated) == (0, 1)
    texts = [h.text for h in pipeline.store.iter_chunks()]
    assert texts == ["The port of Tartus stayed closed on Monday after a storm."]


def test_prune_removes_articles_whose_files_are_gone(pipeline: Pipeline, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    _write(folder / "keep.txt", "Keep", "Aid convoys reached Idlib on Tuesday.")
    gone = _write(folder / "gone.txt", "Gone", "A ceasefire was declared in Homs.")
    pipeline.ingest([folder])
    gone.unlink()
    no_prune = pipeline.ingest([folder])
    assert no_prune.pruned == 0 and pipeline.stats()["articles"] == 2
    report = pipeline.ingest([folder], prune=True)
    assert report.pruned == 1
    assert [a["title"] for a in pipeline.store.articles()] == ["Keep"]
    assert all("Homs" not in h.text for h in pipeline.store.iter_chunks())


def test_prune_keeps_what_a_damaged_file_held(pipeline: Pipeline, tmp_path: Path) -> None:
    """A record that no longer loads is reported, and its stored copy is not pruned."""
    folder = tmp_path / "feed"
    folder.mkdir()
    feed = folder / "feed.jsonl"
    good = {"id": "a", "title": "Talks", "text": "Talks resumed in Geneva on Friday."}
    other = {"id": "b", "title": "Port", "text": "The port of Tartus reopened on Monday."}
    feed.write_text(json.dumps(good) + "\n" + json.dumps(other) + "\n", encoding="utf-8")
    pipeline.ingest([folder])
    feed.write_text(
        json.dumps(good) + "\n" + '{"id": "b", "title": "Port", "text": \n', encoding="utf-8"
    )
    report = pipeline.ingest([folder], prune=True)
    assert report.pruned == 0 and report.failed == 1
    assert any("feed.jsonl:2" in e for e in report.errors)
    assert sorted(a["id"] for a in pipeline.store.articles()) == ["a", "b"]


def test_broken_file_is_reported_and_the_rest_ingested(pipeline: Pipeline, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    _write(folder / "good.txt", "Good", "Talks resumed in Geneva on Friday.")
    (folder / "bad.jsonl").write_text('{"title": "x", "text": "fine"}\n{not json\n', "utf-8")
    (folder / "empty.md").write_text("", "utf-8")
    report = pipeline.ingest([folder])
    # The good line of bad.jsonl is stored beside good.txt; its bad line is reported alone.
    assert report.added == 2 and report.failed == 2
    assert sorted(a["title"] for a in pipeline.store.articles()) == ["Good", "x"]
    assert any(e.startswith(f"{folder / 'bad.jsonl'}:2: invalid JSON") for e in report.errors)
    assert any(e.endswith("empty.md: empty file") for e in report.errors)


def test_interrupted_ingest_resumes_without_duplicates(
    pipeline: Pipeline, seed_dir: Path, embedder: Embedder
) -> None:
    # Simulate a crash after the chunks were written but before the article record:
    # write chunks through the store, then drop the article record that commits them.
    article = load_file(seed_dir / "000_d7a15be74b52943f.txt")[0]
    chunks = chunk_article(article, pipeline.settings.chunking)
    pipeline.store.write_article(article, chunks, embedder.embed([c.text for c in chunks]), "x")
    pipeline.store._articles.delete(ids=[article.id])  # type: ignore[attr-defined]
    assert pipeline.store.count_chunks() == len(chunks)
    report = pipeline.ingest([seed_dir])
    assert report.added == 1
    assert pipeline.store.count_chunks() == len(chunks)
    ids = [h.chunk_id for h in pipeline.store.iter_chunks()]
    assert len(ids) == len(set(ids))


def test_duplicate_records_are_counted_not_failed(pipeline: Pipeline, tmp_path: Path) -> None:
    rec = {"id": "a1", "title": "T", "text": "One sentence here.", "published_at": "2020-01-01"}
    other = {**rec, "text": "Different text."}
    f = tmp_path / "dups.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in (rec, rec, other)), "utf-8")
    report = pipeline.ingest([f])
    assert (report.added, report.duplicates, report.failed) == (1, 1, 1)
    assert "a1" in report.errors[0] and "different content" in report.errors[0]


def test_other_embedding_model_is_a_clear_error(pipeline: Pipeline, seed_dir: Path) -> None:
    pipeline.ingest([seed_dir])
    other = pipeline.settings.model_copy(
        update={"embedding": EmbeddingSettings(model="some/other")}
    )
    with pytest.raises(EmbeddingModelMismatch, match="rag ingest --rebuild"):
        make_store(other)


def test_asking_an_empty_store_says_to_ingest(pipeline: Pipeline) -> None:
    with pytest.raises(RagError, match="rag ingest"):
        pipeline.ask("who backed Assad?")


def test_article_text_round_trips_through_the_store(pipeline: Pipeline, seed_dir: Path) -> None:
    pipeline.ingest([seed_dir])
    original = load_file(seed_dir / "000_d7a15be74b52943f.txt")[0]
    stored = pipeline.store.get_article(original.id)
    assert stored is not None
    assert stored.text == original.text
    assert str(stored.published_at) == "2025-03-09"
    for hit in pipeline.store.iter_chunks():
        assert stored.text[hit.start : hit.end] == hit.text


def test_corpus_facts_are_recorded_by_each_write(pipeline: Pipeline, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    write_article(
        folder / "a.txt", "Dam", "Engineers inspected the Tabqa dam.", "2017-03-01", "SANA"
    )
    write_article(
        folder / "b.txt", "Bread", "Bread prices doubled in Aleppo.", "2016-05-02", "Reuters"
    )
    pipeline.ingest([folder])
    store = pipeline.store
    assert json.loads(store._manifest().metadata["facts"]) == {
        "outlets": ["Reuters", "SANA"],
        "latest": "2017-03-01",
    }
    assert store.corpus_facts() == facts_of(store.articles())
    assert str(pipeline.parse("What happened last year?").reference_date) == "2017-03-01"
    # A delete records them again: the newest article and its outlet are gone.
    (sana,) = [a["id"] for a in store.articles() if a["source"] == "SANA"]
    pipeline.delete_articles([sana])
    assert pipeline.store.corpus_facts() == (["Reuters"], "2016-05-02")
    # A store whose manifest has none (written by an older version) works them out.
    state = pipeline.store._state
    pipeline.store._write_manifest(state)
    assert "facts" not in (pipeline.store._manifest().metadata or {})
    assert pipeline.store.corpus_facts() == (["Reuters"], "2016-05-02")


def test_wire_copies_are_read_for_the_cited_groups(pipeline: Pipeline, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    story = (
        "Government forces retook the town of Palmyra from Islamic State fighters on Sunday, "
        "killing 40 of them, a military source told state media, after weeks of fighting around "
        "the ancient city. Engineers began clearing mines from the ruins on Monday."
    )
    write_article(folder / "a.txt", "Palmyra retaken", story, "2017-03-02", "SANA")
    write_article(folder / "b.txt", "Army retakes Palmyra", story, "2017-03-02", "Ahram")
    write_article(
        folder / "c.txt", "Bread", "Bread prices doubled in Aleppo.", "2016-05-02", "Reuters"
    )
    pipeline.ingest([folder])
    infos = {a["source"]: a for a in pipeline.store.articles()}
    group = infos["SANA"]["wire_group"]
    assert infos["Ahram"]["wire_group"] == group != infos["Reuters"]["wire_group"]
    copies = pipeline.store.wire_copies([group, infos["Reuters"]["wire_group"], "no-such-group"])
    assert sorted(source for _, source in copies[group]) == ["Ahram", "SANA"]
    assert len(copies[infos["Reuters"]["wire_group"]]) == 1
    assert "no-such-group" not in copies
    answer = pipeline.ask("How many Islamic State fighters were killed in Palmyra?")
    assert answer.citations, answer.abstain_reason
    cited = answer.citations[0]
    other = "Ahram" if cited.source == "SANA" else "SANA"
    assert cited.also_carried_by == [other]
    # Copies are remembered per generation: a later write's copy is seen, and the same
    # read again comes from memory (the Chroma collection is not asked).
    write_article(folder / "d.txt", "Palmyra", story, "2017-03-03", "Enab Baladi")
    pipeline.ingest([folder])
    again = pipeline.store.wire_copies([group])
    assert sorted(source for _, source in again[group]) == ["Ahram", "Enab Baladi", "SANA"]
    articles, pipeline.store._articles = pipeline.store._articles, None
    try:
        assert pipeline.store.wire_copies([group]) == again
    finally:
        pipeline.store._articles = articles


def test_a_store_is_empty_until_written_and_again_when_all_is_deleted(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    store = pipeline.store
    assert store.is_empty()
    with pytest.raises(RagError, match="is empty"):
        pipeline.ask("Who retook Palmyra?")
    folder = tmp_path / "news"
    folder.mkdir()
    write_article(
        folder / "a.txt", "Bread", "Bread prices doubled in Aleppo.", "2016-05-02", "Reuters"
    )
    pipeline.ingest([folder])
    assert not store.is_empty()
    pipeline.delete_articles([a["id"] for a in store.articles()])
    assert store.is_empty()


def test_chunks_with_equal_vectors_make_the_cut_by_id(
    settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    """One boilerplate paragraph in many articles gives chunks with equal vectors, which
    HNSW returns in an order that varies between processes; the store breaks the tie by
    chunk id, so a search that cuts through the group returns the same chunks every time,
    in a new process too."""
    boiler = "Follow us for the latest news, we will not spam you and we respect your privacy."
    records = [
        {
            "id": f"wire-{i}",
            # One headline for all: its vector is added to each chunk's, so under
            # different headlines the boilerplate chunks would no longer tie.
            "title": "Council votes",
            "text": f"Report number {i} covers a different town council vote.\n\n{boiler}",
            "published_at": "2020-01-01",
        }
        for i in (5, 3, 1, 4, 2, 0)
    ]
    f = tmp_path / "wire.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    cfg = settings.model_copy(
        update={"chunking": ChunkingSettings(target_chars=50, overlap_sentences=0)}
    )
    Pipeline(cfg, embedder=embedder).ingest([f])
    vector = embedder.embed_query(boiler)
    for _ in range(2):  # the second time through a store opened anew
        store = make_store(cfg)
        hits = store.query(vector, 3, Filters())
        assert [h.text for h in hits] == [boiler] * 3
        assert [h.article_id for h in hits] == ["wire-0", "wire-1", "wire-2"]


def test_new_collections_write_their_index_every_batch(pipeline: Pipeline, seed_dir: Path) -> None:
    """Vectors added since Chroma last wrote its HNSW index are replayed into it on every
    open, in an order that varies between processes, so near-cut neighbours differed from
    one run to the next (at Chroma's default of 1000). New collections are made with
    ``chroma.sync_threshold`` = 100, Chroma's batch size (README "Same results in every process")."""
    pipeline.ingest([seed_dir])
    store = cast(ChromaStore, pipeline.store)
    configuration = store._chunks.configuration_json  # Chroma's own record of it
    assert configuration["hnsw"]["sync_threshold"] == pipeline.settings.chroma.sync_threshold
    assert pipeline.settings.chroma.sync_threshold == 100


def test_collections_search_with_the_configured_ef_search(
    pipeline: Pipeline, seed_dir: Path, settings: Settings, embedder: Embedder
) -> None:
    """HNSW at Chroma's ef_search of 100 missed near neighbours, differently in each fresh
    build; collections are made with ``chroma.ef_search``, and a store opened with another
    value changes its collections to it (README "Same results in every process")."""
    pipeline.ingest([seed_dir])
    store = cast(ChromaStore, pipeline.store)
    assert store._chunks.configuration_json["hnsw"]["ef_search"] == 400
    wider = settings.model_copy(
        update={"chroma": settings.chroma.model_copy(update={"ef_search": 650})}
    )
    reopened = cast(ChromaStore, make_store(wider))
    for col in (reopened._chunks, reopened._articles):
        assert col.configuration_json["hnsw"]["ef_search"] == 650
    vector = embedder.embed_query("Who backed Assad?")
    assert [h.chunk_id for h in reopened.query(vector, 5, Filters())] == [
        h.chunk_id for h in store.query(vector, 5, Filters())
    ]
