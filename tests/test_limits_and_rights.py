"""Output size ceiling, who may delete an article, unlistable folders, export folders."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.embeddings import Embedder
from rag.loaders import load_paths
from rag.output import cap_output, dumps
from rag.pipeline import Pipeline
from rag.settings import LimitsSettings, Settings, UISettings
from ui.app import api_ask
from ui.chat import Chat, ChatWidgets
from ui.corpus import Corpus, CorpusWidgets
from ui.export import EXPORTS_PREFIX

WIDGETS = "files status table stats article selected delete_row confirm_row outlets".split()


def no_progress(*_: Any, **__: Any) -> None:
    """Stands in for Gradio's progress tracker, which exists only inside a request."""


# ------------------------------------------------------------- output ceiling
def _one_line_article(folder: Path, clauses: int) -> Path:
    """The '50 MB single-line .txt' case at a small scale: one line, no full stop."""
    folder.mkdir(parents=True, exist_ok=True)
    line = ", ".join(
        f"on day {i} a convoy of aid trucks reached Idlib from Turkey, officials in Idlib "
        f"said, and on day {i} the aid convoy unloaded food for Idlib families"
        for i in range(clauses)
    )
    path = folder / "oneline.txt"
    path.write_text(f"Title: Convoy log\n\n{line}\n", encoding="utf-8")
    return path


@pytest.fixture
def long_line_store(tmp_path: Path, embedder: Embedder) -> Settings:
    """A store holding one 45,000-character line, admitted by raised limits."""
    settings = Settings(
        store=tmp_path / "store",
        chunking={"max_sentence_chars": 30_000, "target_chars": 30_000},
        limits=LimitsSettings(max_output_chars=10_000),
    )
    Pipeline(settings, embedder=embedder).ingest([_one_line_article(tmp_path / "in", 300)])
    return settings


def test_ask_json_never_prints_more_than_the_ceiling(
    long_line_store: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAG_STORE", str(long_line_store.store))
    monkeypatch.setenv("RAG_CHUNKING__MAX_SENTENCE_CHARS", "30000")
    monkeypatch.setenv("RAG_CHUNKING__TARGET_CHARS", "30000")
    runner = CliRunner()
    free = runner.invoke(main, ["ask", "--json", "What did the aid convoy unload?"])
    assert free.exit_code == 0, free.output
    whole = json.loads(free.output)
    assert not whole["truncated"] and len(free.output) > 10_000  # the case is real
    monkeypatch.setenv("RAG_LIMITS__MAX_OUTPUT_CHARS", "10000")
    capped = runner.invoke(main, ["ask", "--json", "What did the aid convoy unload?"])
    assert capped.exit_code == 0, capped.output
    assert len(capped.output.rstrip("\n")) <= 10_000
    data = json.loads(capped.output)
    assert data["truncated"] is True
    cut = [c for c in data["citations"] if "… [truncated: " in c["quote"]]
    assert cut and all(len(c["quote"]) < 10_000 for c in cut)
    # The short lead stays whole, still the verbatim quote it was.
    assert data["lead"] == whole["lead"] == data["citations"][0]["quote"]
    assert data["question"] == "What did the aid convoy unload?"  # short strings are kept whole


def test_the_api_answer_is_capped_too(long_line_store: Settings, embedder: Embedder) -> None:
    ask = api_ask(Pipeline(long_line_store, embedder=embedder))
    result: dict[str, Any] = ask("What did the aid convoy unload?")
    assert result["truncated"] is True
    assert len(json.dumps(result)) <= 10_000  # ASCII-escaped, its largest form


@pytest.mark.parametrize("indent", [None, 2])
def test_the_ceiling_holds_for_escapes_and_huge_questions(indent: int | None) -> None:
    payload = {
        "question": "é" * 40_000,
        "answer": '"quoted" ' * 20_000,
        "citations": [{"n": i, "quote": "\\" * 9_000} for i in range(20)],
        "retrieved": [{"title": "t" * 50} for _ in range(200)],
    }
    for cap in (10_000, 25_000, 1_000_000):
        for ascii_only in (False, True):
            out = cap_output(payload, cap, indent=indent, ascii_only=ascii_only)
            assert len(dumps(out, indent=indent, ascii_only=ascii_only)) <= cap
            assert out["truncated"] is (cap < 1_000_000)
    small = cap_output({"answer": "fine"}, 10_000)
    assert small == {"answer": "fine", "truncated": False}


# ---------------------------------------------------------- deleting articles
def _request(user: str | None) -> gr.Request:
    return gr.Request(username=user)


@pytest.fixture
def corpus(tmp_path: Path, embedder: Embedder, seed_dir: Path) -> Corpus:
    """The corpus tab over a store holding the seed (from the shell); carol is an admin."""
    settings = Settings(
        store=tmp_path / "store",
        ui=UISettings(uploads=tmp_path / "uploads", admins=["carol"]),
    )
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ingest([seed_dir])
    return Corpus(pipeline, CorpusWidgets(*WIDGETS))


def _upload(corpus: Corpus, tmp_path: Path, name: str, user: str) -> str:
    incoming = tmp_path / "browser"
    incoming.mkdir(exist_ok=True)
    path = incoming / name
    path.write_text(f"Title: {name}\n\nAid reached Idlib on {name}.\n", encoding="utf-8")
    before = {str(a["id"]) for a in corpus.pipeline.store.articles()}
    corpus.ingest([str(path)], _request(user), progress=no_progress)
    (new,) = {str(a["id"]) for a in corpus.pipeline.store.articles()} - before
    return new


def _ids(corpus: Corpus) -> set[str]:
    return {str(a["id"]) for a in corpus.pipeline.store.articles()}


def test_only_the_uploader_or_an_admin_deletes_an_article(corpus: Corpus, tmp_path: Path) -> None:
    alices = _upload(corpus, tmp_path, "tuesday.txt", "alice")
    bobs = _upload(corpus, tmp_path, "friday.txt", "bob")
    (seed,) = _ids(corpus) - {alices, bobs}

    refused = corpus.delete(alices, _request("bob"))
    assert alices in _ids(corpus)
    assert refused["status"].startswith("Not deleted: “tuesday.txt” was added by alice")
    assert "admin" in refused["status"]
    shell = corpus.delete(seed, _request("alice"))
    assert seed in _ids(corpus) and "from the shell" in shell["status"]

    corpus.delete(alices, _request("alice"))  # her own
    corpus.delete(bobs, _request("carol"))  # an admin
    corpus.delete(seed, _request("carol"))
    assert _ids(corpus) == set()


def test_without_login_anyone_deletes(corpus: Corpus, tmp_path: Path) -> None:
    uploaded = _upload(corpus, tmp_path, "monday.txt", "alice")
    corpus.delete(uploaded, _request(None))
    corpus.delete(next(iter(_ids(corpus))), None)
    assert _ids(corpus) == set()


def test_a_re_upload_by_someone_else_keeps_the_first_uploader(
    corpus: Corpus, tmp_path: Path
) -> None:
    first = _upload(corpus, tmp_path, "sunday.txt", "alice")
    corpus.ingest([str(tmp_path / "browser" / "sunday.txt")], _request("bob"), no_progress)
    assert corpus.refusal(first, "bob") is not None
    assert corpus.refusal(first, "alice") is None


# --------------------------------------------------------- unlistable folders
def _too_deep(root: Path) -> Path:
    """Folders nested past PATH_MAX (4,096 bytes): a real folder nobody can list by path."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(18):  # 18 × 251 bytes
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with os.fdopen(os.open("lost.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as f:
            f.write("Title: Lost\n\nNever read.\n")
    finally:
        os.close(fd)
    return root / ("d" * 250)


def test_a_folder_that_cannot_be_listed_is_reported_and_skipped(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    root = tmp_path / "articles"
    root.mkdir()
    (root / "good.txt").write_text("Title: Good\n\nAid reached Idlib.\n", encoding="utf-8")
    _too_deep(root)
    loads = {str(r.path): [e.reason for e in r.errors] for r in load_paths([root])}
    (deep,) = [p for p in loads if p != str(root / "good.txt")]
    assert loads[deep] == ["cannot read folder: File name too long"]
    report = pipeline.ingest([root])
    assert report.added == 1 and report.failed == 1
    (error,) = report.errors
    assert error.startswith(str(root.resolve() / ("d" * 250)))
    assert error.endswith(": cannot read folder: File name too long")


def test_a_folder_replaced_while_walking_is_reported(tmp_path: Path) -> None:
    """A folder swapped for a file between the walk listing its parent and reading it."""
    root = tmp_path / "articles"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("Title: A\n\nAid reached Idlib.\n", encoding="utf-8")
    (root / "sub" / "b.txt").write_text("Title: B\n\nAid reached Homs.\n", encoding="utf-8")
    walk = load_paths([root])
    first = next(walk)  # the walk has listed root, not yet sub
    assert first.path.name == "a.txt" and first.articles
    (root / "sub").rename(tmp_path / "moved")
    (root / "sub").write_text("not a folder any more", encoding="utf-8")
    rest = list(walk)
    assert [(r.path, [e.reason for e in r.errors]) for r in rest] == [
        (root / "sub", ["cannot read folder: Not a directory"])
    ]


# ------------------------------------------------------------ export folders
def test_the_apps_export_folder_is_named_by_its_pid(pipeline: Pipeline, tmp_path: Path) -> None:
    from rag.sessions import SessionStore

    widgets = ChatWidgets(*range(len(dataclasses.fields(ChatWidgets))))  # stand-ins: unused
    chat = Chat(pipeline, SessionStore(tmp_path / "s.sqlite3"), widgets)
    assert chat.exports.name.startswith(f"{EXPORTS_PREFIX}{os.getpid()}-")
    chat.exports.rmdir()
