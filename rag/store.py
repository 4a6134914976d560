"""Chroma adapter: the only module that imports chromadb.

Two collections per store: ``<prefix>-chunks`` (one record per chunk: the retrieval
index) and ``<prefix>-articles`` (one record per article: full text, metadata, content
hash, and the mean of its chunk vectors). The article record is written *after* its
chunks, so it doubles as a commit marker: an ingest interrupted half-way leaves no
article record, and the next run deletes the stray chunks and writes them again.
The same code talks to an embedded ``PersistentClient`` or a ``chroma run`` server.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import chromadb
import numpy as np

from rag.embeddings import Vectors
from rag.errors import EmbeddingModelMismatch, StoreError
from rag.settings import Settings
from rag.types import Article, Chunk, Filters, Hit, Span

_PAGE = 1000  # records per get() page, well under Chroma's max batch size


class ArticleInfo(dict[str, Any]):
    """Article metadata as stored (no text): id, title, source, url, published_at, chunks…"""


class Store(Protocol):
    """What the pipeline needs from a vector store."""

    location: str

    def content_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """Stored content hash for each of ``ids`` that has a committed article record."""
        ...

    def write_article(
        self, article: Article, chunks: list[Chunk], vectors: Vectors, content_hash: str
    ) -> None:
        """Replace everything stored for ``article`` with these chunks."""
        ...

    def delete_articles(self, ids: Sequence[str]) -> None:
        """Remove articles and their chunks."""
        ...

    def articles(self) -> list[ArticleInfo]:
        """Metadata of every stored article."""
        ...

    def get_article(self, article_id: str) -> Article | None:
        """The stored article with its full text, or None."""
        ...

    def query(self, vector: Vectors, n: int, filters: Filters) -> list[Hit]:
        """The ``n`` nearest chunks passing ``filters``; score = cosine similarity."""
        ...

    def count_chunks(self, filters: Filters | None = None) -> int:
        """Number of chunks (passing ``filters`` when given)."""
        ...

    def get_chunks(self, ids: Sequence[str]) -> list[tuple[Hit, Vectors]]:
        """Chunks by id with their vectors (ids not stored are left out)."""
        ...

    def iter_chunks(self) -> Iterator[Hit]:
        """Every stored chunk, as a zero-score Hit (for lexical indexes)."""
        ...


def to_timestamp(value: dt.date | dt.datetime | str | None) -> int | None:
    """Epoch seconds (UTC) of a date or datetime; dates count from midnight UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return int(value.timestamp())


def where_clause(filters: Filters) -> dict[str, Any] | None:
    """Chroma ``where`` for the filters; ``until`` includes the whole day."""
    clauses: list[dict[str, Any]] = []
    if filters.since is not None:
        clauses.append({"published_ts": {"$gte": to_timestamp(filters.since)}})
    if filters.until is not None:
        end = to_timestamp(filters.until + dt.timedelta(days=1))
        clauses.append({"published_ts": {"$lt": end}})
    if filters.sources:
        clauses.append({"source_key": {"$in": [s.strip().lower() for s in filters.sources]}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _clean(meta: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata cannot hold None: drop those keys."""
    return {k: v for k, v in meta.items() if v is not None}


class ChromaStore:
    """Chroma-backed Store; embedded folder by default, HTTP client when a host is set."""

    def __init__(self, settings: Settings, embedding_model: str, *, rebuild: bool = False) -> None:
        self._model = embedding_model
        cfg = settings.chroma
        try:
            if cfg.host:
                self._client: Any = chromadb.HttpClient(host=cfg.host, port=cfg.port, ssl=cfg.ssl)
                self.location = f"{'https' if cfg.ssl else 'http'}://{cfg.host}:{cfg.port}"
            else:
                settings.store.mkdir(parents=True, exist_ok=True)
                self._client = chromadb.PersistentClient(path=str(settings.store))
                self.location = str(settings.store.resolve())
        except (
            Exception
        ) as exc:  # chromadb raises bare Exception/ValueError for connection problems
            where = f"{cfg.host}:{cfg.port}" if cfg.host else str(settings.store)
            raise StoreError(
                f"cannot open the Chroma store at {where}: {exc}. "
                "Check the folder is writable, or that `chroma run` is up at that address."
            ) from exc
        self._prefix = cfg.collection
        if rebuild:
            self._drop()
        self._chunks = self._collection("chunks")
        self._articles = self._collection("articles")

    def _drop(self) -> None:
        for kind in ("chunks", "articles"):
            # An absent collection raises; then there is nothing to drop.
            with contextlib.suppress(Exception):
                self._client.delete_collection(f"{self._prefix}-{kind}")

    def _collection(self, kind: str) -> Any:
        name = f"{self._prefix}-{kind}"
        col = self._client.get_or_create_collection(
            name,
            metadata={"embedding_model": self._model, "kind": kind},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )
        built_with = (col.metadata or {}).get("embedding_model")
        if built_with != self._model:
            raise EmbeddingModelMismatch(
                f"the store at {self.location} was built with embedding model {built_with!r}, "
                f"but {self._model!r} is configured. Either set RAG_EMBEDDING__MODEL={built_with} "
                "(or --embedding-model), or rebuild with `rag ingest --rebuild PATH...`."
            )
        return col

    @property
    def embedding_model(self) -> str:
        """The model this store's vectors were made with."""
        return self._model

    def content_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """Stored content hash for each of ``ids`` that has a committed article record."""
        if not ids:
            return {}
        got = self._articles.get(ids=list(ids), include=["metadatas"])
        return {
            i: str(m.get("content_hash", ""))
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }

    def write_article(
        self, article: Article, chunks: list[Chunk], vectors: Vectors, content_hash: str
    ) -> None:
        """Replace what is stored for ``article``: old chunks out, new chunks, then the record."""
        self._chunks.delete(where={"article_id": article.id})
        base = _clean(
            {
                "article_id": article.id,
                "title": article.title,
                "source": article.source,
                "source_key": (article.source or "").strip().lower() or None,
                "url": article.url,
                "published_at": article.published_iso(),
                "published_ts": to_timestamp(article.published_at),
            }
        )
        if chunks:
            self._chunks.add(
                ids=[c.id for c in chunks],
                embeddings=vectors,
                documents=[c.text for c in chunks],
                metadatas=[
                    {
                        **base,
                        "index": c.index,
                        "start": c.start,
                        "end": c.end,
                        "sentences": json.dumps([[s.start, s.end] for s in c.sentences]),
                    }
                    for c in chunks
                ],
            )
        mean = vectors.mean(axis=0) if len(chunks) else np.zeros(vectors.shape[1], np.float32)
        norm = float(np.linalg.norm(mean)) or 1.0
        self._articles.upsert(
            ids=[article.id],
            embeddings=[mean / norm],
            documents=[article.text],
            metadatas=[
                _clean(
                    {
                        **base,
                        "author": article.author,
                        "path": article.path,
                        "content_hash": content_hash,
                        "chunks": len(chunks),
                        "meta_json": json.dumps(article.metadata, default=str),
                        "ingested_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    }
                )
            ],
        )

    def delete_articles(self, ids: Sequence[str]) -> None:
        """Remove articles and their chunks (chunks first, so no orphan record remains)."""
        for article_id in ids:
            self._chunks.delete(where={"article_id": article_id})
        if ids:
            self._articles.delete(ids=list(ids))

    def articles(self) -> list[ArticleInfo]:
        """Metadata of every stored article, ordered by id."""
        out: list[ArticleInfo] = []
        for offset in range(0, self._articles.count(), _PAGE):
            got = self._articles.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for article_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                out.append(ArticleInfo(id=article_id, **dict(meta)))
        return sorted(out, key=lambda a: a["id"])

    def get_article(self, article_id: str) -> Article | None:
        """The stored article with its full text, or None."""
        got = self._articles.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        meta, text = got["metadatas"][0], got["documents"][0]
        published = meta.get("published_at")
        return Article(
            id=article_id,
            title=str(meta.get("title", "")),
            text=text,
            source=meta.get("source"),
            url=meta.get("url"),
            author=meta.get("author"),
            published_at=_parse_iso(published) if published else None,
            metadata=json.loads(meta.get("meta_json") or "{}"),
            path=meta.get("path"),
        )

    def query(self, vector: Vectors, n: int, filters: Filters) -> list[Hit]:
        """The ``n`` nearest chunks passing ``filters``; score = cosine similarity."""
        res = self._chunks.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=n,
            where=where_clause(filters),
            include=["documents", "metadatas", "distances"],
        )
        hits = []
        for cid, doc, meta, dist in zip(
            res["ids"][0],
            res["documents"][0],
            res["metadatas"][0],
            res["distances"][0],
            strict=True,
        ):
            hit = _hit(cid, doc, meta, 1.0 - float(dist))
            hits.append(hit.model_copy(update={"scores": {"dense": hit.score}}))
        return hits

    def count_chunks(self, filters: Filters | None = None) -> int:
        """Number of chunks (passing ``filters`` when given)."""
        where = where_clause(filters) if filters is not None else None
        if where is None:
            return int(self._chunks.count())
        return len(self._chunks.get(where=where, include=[])["ids"])

    def get_chunks(self, ids: Sequence[str]) -> list[tuple[Hit, Vectors]]:
        """Chunks by id with their vectors (ids not stored are left out)."""
        if not ids:
            return []
        got = self._chunks.get(ids=list(ids), include=["documents", "metadatas", "embeddings"])
        rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
        return [
            (_hit(cid, doc, meta, 0.0), np.asarray(vec, np.float32)) for cid, doc, meta, vec in rows
        ]

    def iter_chunks(self) -> Iterator[Hit]:
        """Every stored chunk, as a zero-score Hit."""
        for offset in range(0, self._chunks.count(), _PAGE):
            got = self._chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield _hit(cid, doc, meta, 0.0)


def _parse_iso(value: str) -> dt.date | dt.datetime:
    return dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)


def _hit(chunk_id: str, text: str, meta: dict[str, Any], score: float) -> Hit:
    return Hit(
        article_id=str(meta["article_id"]),
        chunk_id=chunk_id,
        title=str(meta.get("title", "")),
        source=meta.get("source"),
        url=meta.get("url"),
        published_at=meta.get("published_at"),
        text=text,
        start=int(meta["start"]),
        end=int(meta["end"]),
        score=score,
        sentences=[Span(start=s, end=e) for s, e in json.loads(meta.get("sentences", "[]"))],
    )
