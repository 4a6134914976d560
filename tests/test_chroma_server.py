"""The same pipeline against a real `chroma run` server on loopback."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import chromadb
import pytest

from rag.check import check_store
from rag.embeddings import Embedder
from rag.pipeline import Pipeline
from rag.settings import ChromaSettings, Settings
from tests.conftest import CORPUS, SEED
from tests.servers import free_port, running
from tests.test_store_processes import write_articles


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real `chroma run` server on a free loopback port."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    data = tmp_path_factory.mktemp("chroma-server")
    cmd = [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=60):
        yield port


def test_ingest_and_ask_through_a_chroma_server(
    chroma_server: int, embedder: Embedder, tmp_path: Path
) -> None:
    settings = Settings(
        store=tmp_path / "local", chroma=ChromaSettings(host="127.0.0.1", port=chroma_server)
    )
    pipeline = Pipeline(settings, embedder=embedder)
    report = pipeline.ingest([CORPUS])
    assert report.added == 1
    assert pipeline.ingest([CORPUS]).skipped == 1
    answer = pipeline.ask("who backed Assad?")
    assert "Russia" in answer.answer and answer.citations[0].article_id == "seed-d7a15be74b52943f"
    assert pipeline.stats()["store"] == f"http://127.0.0.1:{chroma_server}"
    # Only the local BM25 cache and the write lock live on disk; the vectors are on the server.
    assert sorted(p.name for p in (tmp_path / "local").iterdir()) == [
        f"bm25-127.0.0.1-{chroma_server}-newsrag",
        f"lock-127.0.0.1-{chroma_server}-newsrag",
    ]


def _server_settings(tmp_path: Path, port: int, name: str) -> Settings:
    return Settings(
        store=tmp_path / name,
        chroma=ChromaSettings(host="127.0.0.1", port=port, collection=name),
    )


def test_prune_delete_rebuild_and_check_through_a_chroma_server(
    chroma_server: int, embedder: Embedder, tmp_path: Path
) -> None:
    settings = _server_settings(tmp_path, chroma_server, "lifecycle")
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    write_articles(folder, 3)
    pipeline = Pipeline(settings, embedder=embedder)
    assert pipeline.ingest([folder]).added == 4

    (folder / "a0001.txt").unlink()
    assert pipeline.ingest([folder], prune=True).pruned == 1
    pipeline.delete_articles(["seed-d7a15be74b52943f"])
    assert pipeline.stats()["articles"] == 2
    assert pipeline.ask("who backed Assad?").abstained

    generation = pipeline.store.generation
    assert pipeline.ingest([folder, SEED], rebuild=True).added == 3
    assert pipeline.store.generation > generation
    answer = pipeline.ask("who backed Assad?")
    assert "Russia" in answer.answer
    # The rebuild switched to new collections on the server and dropped the old ones.
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    names = sorted(c.name for c in client.list_collections() if c.name.startswith("lifecycle-"))
    assert names[-1] == "lifecycle-manifest" and len(names) == 3
    assert all("-g" in n for n in names[:2])
    assert check_store(pipeline.store, settings, None).problems == []


def test_a_second_pipeline_sees_writes_through_the_server(
    chroma_server: int, embedder: Embedder, tmp_path: Path
) -> None:
    reader = Pipeline(_server_settings(tmp_path, chroma_server, "shared"), embedder=embedder)
    writer = Pipeline(_server_settings(tmp_path, chroma_server, "shared"), embedder=embedder)
    writer.ingest([SEED])
    assert "Russia" in reader.ask("who backed Assad?").answer
    news = tmp_path / "news"
    write_articles(news, 2)
    writer.ingest([news])
    # The reader's BM25 cache is reloaded and the new articles are found.
    # (Reports 0 and 1 differ only in their numbers: the wire-copy check keeps one of them.)
    found = reader.retrieve("Market report 1 lentils")
    assert any(h.title in ("Market report 0", "Market report 1") for h in found)
    writer.ingest([SEED], rebuild=True)
    assert "Russia" in reader.ask("who backed Assad?").answer
    assert reader.stats()["articles"] == 1
