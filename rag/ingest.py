"""Incremental ingest: files → articles → chunks → vectors → store, one bad record never fatal.

Every record that cannot be loaded is reported in ``IngestReport.errors`` as
``path[:line]: reason`` and counted in ``failed``; the good records beside it are stored.

Unchanged articles (same content hash) are skipped and changed ones replaced; records
repeated verbatim in the input are counted as duplicates; ``prune`` removes stored
articles that came from under the given paths but were not seen this time. Because the
store writes an article's record only after its chunks, an interrupted ingest is
finished by simply running it again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rag.chunking import chunk_article
from rag.embeddings import Embedder, Vectors, can_pool
from rag.guard import instruction_spans, is_instruction
from rag.loaders import FieldMap, iter_files, read_articles
from rag.loaders.files import real_path
from rag.rerank import sentence_clause_spans, sentence_clauses
from rag.settings import ClauseKind, Settings
from rag.store import ArticleWrite, Store
from rag.types import Article, Chunk, IngestReport
from rag.wire import WireGrouper

ProgressCallback = Callable[[float, int, str], None]
"""Called as (files done, files total, current file) during ingest; "files done" is
fractional inside a large multi-article file, so a bar keeps moving through a JSONL dump."""

INSTRUCTION_SENTENCES = "instruction_sentences"
"""Article metadata key: how many sentences of the text speak to the assistant."""

_EMBED_BATCH_ARTICLES = 16  # articles whose chunks are embedded in one encode() call


class ChunkVectors(NamedTuple):
    """What :func:`embed_chunks` computes for each chunk."""

    vectors: Vectors
    """One row per chunk."""
    sentences: list[Vectors]
    """Per chunk, a row per sentence."""
    clauses: list[list[Vectors]] | None
    """Per chunk, per sentence, a row per clause of a long sentence (none for a short one);
    None when not computed."""


def embed_chunks(
    embedder: Embedder,
    chunks: list[Chunk],
    *,
    late: bool = False,
    from_sentences: bool = False,
    headlines: Mapping[str, str] | None = None,
    headline_weight: float = 0.0,
    clauses: ClauseKind = "none",
) -> ChunkVectors:
    """Each chunk's vector, its sentences' vectors and (with ``clauses``) their clauses'.

    A question is scored against every sentence of the passages it retrieves; storing
    their vectors at ingest means a question embeds one string, not a hundred.

    Separately (the default), each distinct sentence of an article is embedded once, in
    the same call as the chunks (chunks overlap by whole sentences). The chunk text is
    embedded too: the mean of its sentence vectors would save that, but lost the quoted
    passage from the top 10 in 2 of 22 `time_dev` questions (README, 'Speed').

    ``late`` (an embedder with ``embed_spans``): a chunk's sentence vectors are pooled from
    the chunk's own pass through the model, so sentences cost no extra pass; a sentence
    cut off by the model's token limit is embedded on its own.

    ``from_sentences`` (not with ``late``): the chunk text is not embedded; its vector is
    the mean of its sentence vectors, each weighted by its length in characters (the
    model's own mean pools tokens, and a long sentence has more of them), made unit length.

    ``headlines`` (article id to title) and ``headline_weight``: see :func:`add_headlines`.

    ``clauses`` (sentences embedded separately, not ``late``): the vectors of each long
    sentence's clauses, which the answer step rescores its best sentences by
    (``rag.rerank.sentence_clauses``), so a question embeds none. ``separate`` embeds each
    clause on its own, in the same call (the vectors a question would embed); ``pooled``
    (an embedder with ``embed_spans``) pools them from the sentence's own pass, at no
    cost in model time.
    """
    kind = "none" if late else clauses
    if kind == "pooled" and not can_pool(embedder):
        kind = "none"
    if from_sentences and not late:
        vectors, per_chunk, per_clause = _pool_sentences(embedder, chunks, kind)
    else:
        vectors, per_chunk, per_clause = _embed_chunks(embedder, chunks, late, kind)
    if headlines and headline_weight > 0:
        vectors = add_headlines(embedder, chunks, vectors, headlines, headline_weight)
    return ChunkVectors(vectors, per_chunk, per_clause)


def _sentence_pass(
    embedder: Embedder, texts: list[str], sentences: int, clauses: ClauseKind
) -> tuple[Vectors, list[Vectors] | None]:
    """Embed ``texts``, of which the last ``sentences`` are sentences, and the clauses of
    each of those (:func:`embed_chunks`), returned per sentence (empty for a short one,
    and for a pooled one whose clauses the model's token limit cut off: a question
    embeds those)."""
    first = len(texts) - sentences
    if clauses == "separate":
        found = [sentence_clauses(t) for t in texts[first:]]
        flat = [c for mine in found for c in mine]
        vectors = embedder.embed(texts + flat)
        bounds = np.cumsum([len(texts), *map(len, found)])
        return vectors[: len(texts)], [vectors[a:b] for a, b in itertools.pairwise(bounds)]
    if clauses == "none":
        return embedder.embed(texts), None
    spans = [[] if i < first else sentence_clause_spans(t) for i, t in enumerate(texts)]
    vectors, pieces = embedder.embed_spans(texts, spans)  # type: ignore[attr-defined]
    empty = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    per_sentence = [
        np.stack(got) if got and all(v is not None for v in got) else empty
        for got in pieces[first:]
    ]
    return vectors, per_sentence


def add_headlines(
    embedder: Embedder,
    chunks: list[Chunk],
    vectors: Vectors,
    headlines: Mapping[str, str],
    weight: float,
) -> Vectors:
    """Chunk vectors with ``weight`` × their article's headline vector added, renormalised.

    A passage whose sentences leave the topic implicit ("But it didn't release the full
    model …") is then found by the topic its headline names ("Google fakes an AI demo").
    Adding the vector, rather than embedding the headline with the text, keeps the
    passages of one article in (nearly) the same order for any question: they share the
    added part, only the renormalisation differs. Embedded with each passage's text, the
    headline made an article's passages alike, and which two of them reached the top
    changed: a `time_holdout` question lost its quoted passage that way.
    Each headline is embedded once, however many passages it heads.
    """
    titles = list(
        dict.fromkeys(t for c in chunks if (t := headlines.get(c.article_id, "").strip()))
    )
    if not titles:
        return vectors
    row = {t: i for i, t in enumerate(titles)}
    heads = embedder.embed(titles)
    out = np.array(vectors, dtype=np.float32, copy=True)
    for i, c in enumerate(chunks):
        title = headlines.get(c.article_id, "").strip()
        if title:
            out[i] += weight * heads[row[title]]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out /= np.where(norms > 0, norms, np.float32(1.0))
    return out


def _pool_sentences(
    embedder: Embedder, chunks: list[Chunk], clauses: ClauseKind
) -> tuple[Vectors, list[Vectors], list[list[Vectors]] | None]:
    """Each distinct sentence embedded once; a chunk's vector pooled from its sentences'."""
    spans = {(c.article_id, s.start, s.end): c.text[s.start - c.start : s.end - c.start]
             for c in chunks for s in c.sentences}  # fmt: skip
    keys = list(spans)
    vectors, clause_rows = _sentence_pass(embedder, [spans[k] for k in keys], len(keys), clauses)
    row = {k: i for i, k in enumerate(keys)}
    dimension = vectors.shape[1] if len(vectors) else 0
    out = np.zeros((len(chunks), dimension), dtype=np.float32)
    per_chunk: list[Vectors] = []
    for i, c in enumerate(chunks):
        mine = vectors[[row[(c.article_id, s.start, s.end)] for s in c.sentences]]
        per_chunk.append(mine)
        if len(mine):
            weights = np.array([s.end - s.start for s in c.sentences], dtype=np.float32)
            out[i] = weights @ mine
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out /= np.where(norms > 0, norms, np.float32(1.0))
    return out, per_chunk, _per_chunk_clauses(chunks, keys, clause_rows)


def _per_chunk_clauses(
    chunks: list[Chunk], keys: list[tuple[str, int, int]], rows: list[Vectors] | None
) -> list[list[Vectors]] | None:
    """The clause vectors of each distinct sentence (``keys``), per chunk and sentence."""
    if rows is None:
        return None
    found = dict(zip(keys, rows, strict=True))
    return [[found[(c.article_id, s.start, s.end)] for s in c.sentences] for c in chunks]


def _embed_chunks(
    embedder: Embedder, chunks: list[Chunk], late: bool, clauses: ClauseKind
) -> tuple[Vectors, list[Vectors], list[list[Vectors]] | None]:
    """The chunk, sentence and clause vectors of :func:`embed_chunks`, without headlines."""
    spans = {(c.article_id, s.start, s.end): c.text[s.start - c.start : s.end - c.start]
             for c in chunks for s in c.sentences}  # fmt: skip
    embed_spans = getattr(embedder, "embed_spans", None) if late and can_pool(embedder) else None
    if embed_spans is None:
        keys = list(spans)
        texts = [c.text for c in chunks] + [spans[k] for k in keys]
        vectors, clause_rows = _sentence_pass(embedder, texts, len(keys), clauses)
        row = {k: len(chunks) + i for i, k in enumerate(keys)}
        per_chunk = [
            vectors[[row[(c.article_id, s.start, s.end)] for s in c.sentences]] for c in chunks
        ]
        return vectors[: len(chunks)], per_chunk, _per_chunk_clauses(chunks, keys, clause_rows)
    offsets = [[(s.start - c.start, s.end - c.start) for s in c.sentences] for c in chunks]
    vectors, pieces = embed_spans([c.text for c in chunks], offsets)
    missing = list(
        dict.fromkeys(
            (c.article_id, s.start, s.end)
            for c, found in zip(chunks, pieces, strict=True)
            for s, vec in zip(c.sentences, found, strict=True)
            if vec is None
        )
    )
    alone = dict(zip(missing, embedder.embed([spans[k] for k in missing]), strict=True))
    per_chunk = [
        np.stack(
            [
                vec if vec is not None else alone[(c.article_id, s.start, s.end)]
                for s, vec in zip(c.sentences, found, strict=True)
            ]
        )
        if c.sentences
        else np.zeros((0, vectors.shape[1]), dtype=np.float32)
        for c, found in zip(chunks, pieces, strict=True)
    ]
    return vectors, per_chunk, None


def content_hash(article: Article, settings: Settings) -> str:
    """Hash of everything that changes what is stored for an article.

    Chunking settings are part of it, so changing them re-chunks on the next ingest.
    """
    payload = json.dumps(
        [article.model_dump(mode="json", exclude={"path"}), settings.chunking.model_dump()],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def flag_instructions(article: Article) -> Article:
    """The article, with ``metadata["instruction_sentences"]`` counting sentences of its text
    (and its title) that address the assistant (:mod:`rag.guard`), when there are any.

    The key is absent, not 0, on clean articles so that their content hash, and what is
    stored for them, stays as it was.
    """
    count = len(instruction_spans(article.text)) + is_instruction(article.title)
    # A count in the input (say, an export of our own store) is recomputed, never trusted.
    if not count and INSTRUCTION_SENTENCES not in article.metadata:
        return article
    metadata = {k: v for k, v in article.metadata.items() if k != INSTRUCTION_SENTENCES}
    if count:
        metadata[INSTRUCTION_SENTENCES] = count
    return article.model_copy(update={"metadata": metadata})


class Ingester:
    """One ingest run over a store."""

    def __init__(self, store: Store, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.report = IngestReport()
        self._seen: dict[str, tuple[str, str]] = {}  # article id → (file, content hash)
        self._unlisted: list[Path] = []  # folders that could not be read: never pruned
        # Files with a record that failed to load: the stored copy of that record may be
        # the only one left, so nothing from them is pruned.
        self._damaged: set[Path] = set()

    def _folder_failed(self, folder: Path, reason: str) -> None:
        """A folder of the walk could not be listed: report it, keep its articles."""
        self._unlisted.append(folder)
        self.report.failed += 1
        self.report.errors.append(f"{folder}: {reason}")

    def run(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        field_map: FieldMap | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Ingest every supported file under ``paths``; returns the report."""
        started = time.perf_counter()
        roots = [real_path(Path(p)) for p in paths]
        files = list(iter_files(roots, on_error=self._folder_failed))
        pending: list[Article] = []
        for done, path in enumerate(files):
            if progress:
                progress(done, len(files), str(path))
            loaded = self._load(path, field_map)
            pending += loaded
            # Articles of small files are batched together; a big file is written in
            # batches as it goes, reporting how far into the file it is.
            while len(pending) >= _EMBED_BATCH_ARTICLES:
                self._write_batch(pending[:_EMBED_BATCH_ARTICLES])
                pending = pending[_EMBED_BATCH_ARTICLES:]
                if progress and loaded:
                    progress(
                        done + 1 - min(len(pending), len(loaded)) / len(loaded),
                        len(files),
                        str(path),
                    )
        self._write_batch(pending)
        if prune:
            self.report.pruned = self._prune(roots)
        if progress:
            progress(len(files), len(files), "")
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _load(self, path: Path, field_map: FieldMap | None) -> list[Article]:
        """The file's new articles; failures and repeats are recorded in the report."""
        loaded = read_articles(path, field_map, self.settings.limits)
        if loaded.errors:
            self._damaged.add(path)
        self.report.failed += len(loaded.errors)
        self.report.errors += [str(err) for err in loaded.errors]
        fresh = []
        for article in map(flag_instructions, loaded.articles):
            digest = content_hash(article, self.settings)
            if article.id not in self._seen:
                self._seen[article.id] = (str(path), digest)
                fresh.append(article)
            elif self._seen[article.id][1] == digest:
                self.report.duplicates += 1  # the same record twice: nothing to store
            else:
                self.report.failed += 1
                self.report.errors.append(
                    f"{path}: article id {article.id!r} was already loaded from "
                    f"{self._seen[article.id][0]} with different content; "
                    "give each article a distinct id"
                )
        return fresh

    def _write_batch(self, articles: list[Article]) -> None:
        """Chunk and embed the changed articles of a batch together, then store each."""
        if not articles:
            return
        report = self.report
        hashes = {a.id: self._seen[a.id][1] for a in articles}
        stored = self.store.content_hashes([a.id for a in articles])
        todo = [a for a in articles if stored.get(a.id) != hashes[a.id]]
        report.skipped += len(articles) - len(todo)
        todo = self.wire.assign(todo)  # after hashing: a group change is no content change
        chunked = [(a, chunks) for a in todo if (chunks := self._chunk(a)) is not None]
        vectors, sentence_vectors, clause_vectors = embed_chunks(
            self.embedder,
            [c for _, chunks in chunked for c in chunks],
            late=self.settings.embedding.sentence_vectors == "late",
            from_sentences=self.settings.embedding.chunk_vectors == "sentences",
            headlines={a.id: a.title for a, _ in chunked},
            headline_weight=self.settings.chunking.headline_weight,
            clauses=self.settings.embedding.clause_vectors,
        )
        writes: list[ArticleWrite] = []
        offset = 0
        for article, chunks in chunked:
            part = vectors[offset : offset + len(chunks)]
            sentences = sentence_vectors[offset : offset + len(chunks)]
            clauses = clause_vectors and clause_vectors[offset : offset + len(chunks)]
            offset += len(chunks)
            if not chunks:
                report.failed += 1
                report.errors.append(f"{article.path}: article {article.id!r} has no sentences")
                continue
            writes.append(
                ArticleWrite(
                    article,
                    chunks,
                    part,
                    hashes[article.id],
                    sentences,
                    clauses,
                    self.settings.embedding.clause_vectors,
                )
            )
        try:  # the whole batch in a few round trips
            self.store.write_articles(writes)
            written = writes
        except Exception:  # noqa: BLE001 - then one by one, so only the bad article fails
            written = [w for w in writes if self._write_one(w)]
        for w in written:
            if w.article.id in stored:
                report.updated += 1
            else:
                report.added += 1
            report.chunks += len(w.chunks)

    def _write_one(self, write: ArticleWrite) -> bool:
        """Store one article; False (reported) if the store refuses it."""
        try:
            self.store.write_articles([write])
        except Exception as exc:  # noqa: BLE001 - one bad article must not abort the ingest
            self.report.failed += 1
            article = write.article
            self.report.errors.append(f"{article.path}: could not store {article.id!r}: {exc}")
            return False
        return True

    @cached_property
    def wire(self) -> WireGrouper:
        """Wire-copy grouping against every stored article (loaded on first use)."""
        return WireGrouper(self.store.articles(), self.settings.news)

    def _chunk(self, article: Article) -> list[Chunk] | None:
        """The article's chunks, or None (reported) if chunking fails on its text."""
        try:
            return chunk_article(article, self.settings.chunking)
        except Exception as exc:  # noqa: BLE001 - one odd text must not abort the ingest
            self.report.failed += 1
            self.report.errors.append(f"{article.path}: could not chunk {article.id!r}: {exc}")
            return None

    def _prune(self, roots: Sequence[Path]) -> int:
        """Delete stored articles loaded from under ``roots`` that this run did not see."""
        gone = []
        for info in self.store.articles():
            path = info.get("path")
            if not path or info["id"] in self._seen:
                continue
            p = Path(path)
            unlisted = any(folder in p.parents for folder in self._unlisted)
            if unlisted or p in self._damaged or real_path(p) in self._damaged:
                continue
            if any(p == root or root in p.parents for root in roots):
                gone.append(str(info["id"]))
        self.store.delete_articles(gone)
        return len(gone)
