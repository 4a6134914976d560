"""The same pipeline against a real `chroma run` server on loopback."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import chromadb
import pytest

from rag.check import check_store
from rag.embeddings import Embedder
from rag.errors import StoreBusy
from rag.lexical import LexicalIndex
from rag.lock import ServerLock
from rag.pipeline import Pipeline
from rag.settings import ChromaSettings, Settings
from tests.conftest import CORPUS, SEED
from tests.test_store_processes import _finish, _rag, write_articles

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def chroma_server(chroma_address: tuple[str, int]) -> int:
    """The port of a real `chroma run` on loopback (conftest's, or --chroma-server's)."""
    host, port = chroma_address
    assert host == "127.0.0.1", "these tests talk to a loopback server"
    return port


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
    # Only the local BM25 cache lives on disk; the vectors and the write lock are on the server.
    assert sorted(p.name for p in (tmp_path / "local").iterdir()) == [
        f"bm25-127.0.0.1-{chroma_server}-newsrag"
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


def test_a_writer_on_another_machine_waits_for_the_lock_and_learns_who_holds_it(
    chroma_server: int, embedder: Embedder, tmp_path: Path
) -> None:
    # Two local folders: two machines as far as any file lock could tell.
    here = Pipeline(_server_settings(tmp_path / "m1", chroma_server, "twohosts"), embedder=embedder)
    there_settings = _server_settings(tmp_path / "m2", chroma_server, "twohosts")
    there_settings.chroma.lock_timeout = 0
    there = Pipeline(there_settings, embedder=embedder)
    with here.store.writing(command="ingest"):
        holder = there.store.lock.holder()
        assert holder is not None and holder["pid"] == os.getpid()
        with pytest.raises(StoreBusy, match=rf"pid {os.getpid()} on .* \(ingest: "):
            there.ingest([SEED])
    assert there.store.lock.holder() is None
    assert there.ingest([SEED]).added == 1


def test_a_dead_writers_server_lock_is_taken_over_when_its_lease_runs_out(
    chroma_server: int, tmp_path: Path
) -> None:
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    dead = ServerLock(client, "deadlease-lock", timeout=0, store="s", lease=1.0)
    assert dead._take("ingest") is not None  # taken, then never renewed nor released: a crash
    with (
        pytest.raises(StoreBusy),
        ServerLock(client, "deadlease-lock", timeout=0, store="s").hold(""),
    ):
        pass  # the lease is still running: busy
    t = time.monotonic()
    with ServerLock(client, "deadlease-lock", timeout=10, store="s").hold("ingest"):
        assert time.monotonic() - t < 5
    assert dead.holder() is None  # released by the new holder


def test_a_long_write_keeps_its_lease(chroma_server: int, tmp_path: Path) -> None:
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    other = ServerLock(client, "renewed-lock", timeout=0, store="s")
    with ServerLock(client, "renewed-lock", timeout=0, store="s", lease=1.0).hold("ingest"):
        time.sleep(2.5)  # two and a half leases: only renewals keep it
        with pytest.raises(StoreBusy), other.hold(""):
            pass


def test_writers_in_two_processes_on_two_machines_keep_bm25_in_step(
    chroma_server: int, embedder: Embedder, tmp_path: Path
) -> None:
    """Each writer's local BM25 build holds exactly its generation's chunks (README rule)."""
    folders = [tmp_path / "north", tmp_path / "south"]
    for folder in folders:  # 40 articles each, with their own file names and texts
        write_articles(folder, 40)
        for f in sorted(folder.iterdir()):
            text = f.read_text("utf-8").replace("district", f"{folder.name} district")
            (folder / f"{folder.name}-{f.name}").write_text(text, "utf-8")
            f.unlink()
    env = {
        "RAG_CHROMA__HOST": "127.0.0.1",
        "RAG_CHROMA__PORT": str(chroma_server),
        "RAG_CHROMA__COLLECTION": "twoproc",
        "RAG_CHROMA__LOCK_TIMEOUT": "300",
    }
    stores = [tmp_path / "machine-a", tmp_path / "machine-b"]
    runs = [
        _rag(store, "ingest", "--json", str(folder), env=env)
        for store, folder in zip(stores, folders, strict=True)
    ]
    for run in runs:
        code, out, err = _finish(run)
        assert code == 0, err
        assert json.loads(out)["added"] == 40
    reader = Pipeline(_server_settings(tmp_path, chroma_server, "twoproc"), embedder=embedder)
    assert reader.store.generation == 2  # one commit each, one after the other
    chunks = {h.chunk_id: h.article_id for h in reader.store.iter_chunks()}
    assert len({a for a in chunks.values()}) == 80
    for store in stores:
        index = LexicalIndex(reader.settings.model_copy(update={"store": store}).lexical_folder())
        assert index.load()
        if index.generation == 2:
            assert sorted(index.ids) == sorted(chunks)
        else:  # the first writer's build: all of its own articles' chunks, nothing more
            assert index.generation == 1
            first = {chunks[c] for c in index.ids}
            assert len(first) == 40
            assert sorted(index.ids) == sorted(c for c, a in chunks.items() if a in first)
    # A third machine builds its own BM25 cache from the server on its first question.
    assert sorted(reader.lexical_index().ids) == sorted(chunks)
    assert reader.retrieve("Traders in south district 7 sold 32 sacks of grain")
    assert check_store(reader.store, reader.settings, None).problems == []
