"""The same pipeline against a real `chroma run` server on loopback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.embeddings import Embedder
from rag.pipeline import Pipeline
from rag.settings import ChromaSettings, Settings
from tests.conftest import CORPUS
from tests.servers import free_port, running


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
