"""One pipeline, many threads: questions in parallel, writes alone (what `rag serve` does).

Real threads, the real model and a real Chroma store; no sleeps decide an outcome.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rag.concurrency import ReadWriteLock
from rag.embeddings import Embedder
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.test_store_processes import write_articles

QUESTIONS = [
    "who backed Assad?",
    "who supported the rebels?",
    "What is the capital of Australia?",
    "Which countries supported the rebels in Syria?",
]


def test_a_writer_waits_for_readers_and_holds_new_readers_off() -> None:
    gate, log = ReadWriteLock(), []
    reading, release_reader = threading.Event(), threading.Event()

    def reader(name: str, hold: threading.Event | None) -> None:
        with gate.reading():
            log.append(f"{name} in")
            if hold is not None:
                reading.set()
                hold.wait(10)
            log.append(f"{name} out")

    def writer() -> None:
        with gate.writing():
            log.append("write in")
            log.append("write out")

    first = threading.Thread(target=reader, args=("r1", release_reader))
    first.start()
    assert reading.wait(10)
    w = threading.Thread(target=writer)
    w.start()
    while not gate._waiting:  # the writer is queued behind r1
        time.sleep(0.001)
    late = threading.Thread(target=reader, args=("r2", None))
    late.start()
    time.sleep(0.05)
    assert log == ["r1 in"]  # neither the writer nor the late reader got in
    release_reader.set()
    for t in (first, w, late):
        t.join(10)
    assert log == ["r1 in", "r1 out", "write in", "write out", "r2 in", "r2 out"]


def test_concurrent_questions_get_their_own_answers(
    settings: Settings, embedder: Embedder, seed_dir: Path
) -> None:
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ingest([seed_dir])
    expected = {q: Pipeline(settings, embedder=embedder).ask(q).answer for q in QUESTIONS}
    asked = QUESTIONS * 4
    # A fresh pipeline: the first questions race to load spaCy, BM25 and the store handle.
    fresh = Pipeline(settings, embedder=embedder)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(fresh.ask, asked))
    assert [a.question for a in answers] == asked
    assert [a.answer for a in answers] == [expected[q] for q in asked]
    assert "Russia" in expected["who backed Assad?"]


def test_a_question_during_an_ingest_sees_the_corpus_before_or_after_it(
    settings: Settings, embedder: Embedder, seed_dir: Path, tmp_path: Path
) -> None:
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ingest([seed_dir])
    before = pipeline.stats()["articles"]
    folder = tmp_path / "reports"
    write_articles(folder, 120)  # several embedding batches: the store grows in steps
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.append(pipeline.stats()["articles"])

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        report = pipeline.ingest([folder])
    finally:
        done.set()
        watcher.join(30)
    assert report.added == 120
    assert set(seen) <= {before, before + 120}, sorted(set(seen))
    assert pipeline.stats()["articles"] == before + 120
    assert seen  # the watcher did read while the ingest ran


def test_questions_and_a_delete_in_parallel_raise_nothing(
    settings: Settings, embedder: Embedder, seed_dir: Path, tmp_path: Path
) -> None:
    pipeline = Pipeline(settings, embedder=embedder)
    folder = tmp_path / "reports"
    write_articles(folder, 10)
    pipeline.ingest([seed_dir, folder])
    doomed = [str(a["id"]) for a in pipeline.store.articles() if "Market" in str(a["title"])]
    with ThreadPoolExecutor(max_workers=4) as pool:
        asking = [pool.submit(pipeline.ask, q) for q in QUESTIONS * 2]
        deleting = pool.submit(pipeline.delete_articles, doomed[:5])
        answers = [f.result(timeout=300) for f in asking]
        deleting.result(timeout=300)
    assert all(a.question in QUESTIONS for a in answers)
    assert pipeline.stats()["articles"] == 1 + 10 - 5


def test_warm_up_loads_what_a_question_needs_before_the_first_one(
    settings: Settings, embedder: Embedder, seed_dir: Path
) -> None:
    empty = Pipeline(settings, embedder=embedder)
    empty.warm_up()  # an empty store: the models load, no index is built
    assert empty.annotator.loaded
    assert "retriever" not in empty.__dict__

    empty.ingest([seed_dir])
    fresh = Pipeline(settings, embedder=embedder)
    assert not fresh.annotator.loaded and "retriever" not in fresh.__dict__
    fresh.warm_up()
    assert fresh.annotator.loaded
    assert {"retriever", "corpus_facts", "scorer"} <= fresh.__dict__.keys()
    built = fresh.retriever
    answer = fresh.ask("Who backed Assad?")
    assert fresh.retriever is built  # the question used what was warmed, not its own
    assert "Russia" in answer.answer
