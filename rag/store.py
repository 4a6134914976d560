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
import copy
import datetime as dt
import json
import logging
import re
import shutil
import sqlite3
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol, TypeVar

import chromadb
import numpy as np
from filelock import FileLock, Timeout

from rag.embeddings import Vectors, pack_clauses, pack_vectors, unpack_clauses, unpack_vectors
from rag.errors import EmbeddingModelMismatch, StoreError, StoreMoved
from rag.lock import ServerLock, StoreLock
from rag.settings import Settings
from rag.types import Article, Chunk, Filters, Hit, Span

log = logging.getLogger(__name__)

_PAGE = 1000  # records per get() page, well under Chroma's max batch size
_PACKED_CACHE = 20_000  # chunks whose sentence vectors are kept after a read
_WIRE_CACHE = 4_096  # wire groups whose stored copies are kept after a read
SENTENCE_VECTORS = "sentence_vectors"
"""Chunk metadata key: the chunk's sentence vectors, packed (``rag.embeddings.pack_vectors``)."""
# Clause vectors of a passage's long sentences (``embedding.clause_vectors``): each
# sentence's count of clauses and the packed vectors.
CLAUSE_COUNTS = "clause_counts"
CLAUSE_VECTORS = "clause_vectors"
_T = TypeVar("_T")
_SEGMENT_DIR = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class _State(NamedTuple):
    """What the manifest records: the generation and the collections in use."""

    generation: int
    chunks: str
    articles: str


@dataclass
class Write:
    """An open write (see :meth:`ChromaStore.writing`): where to write, and its generation."""

    store: ChromaStore
    generation: int
    changed: bool = True  # set False when nothing was written: no new generation then


class ArticleInfo(dict[str, Any]):
    """Article metadata as stored (no text): id, title, source, url, published_at, chunks…"""


class CorpusFacts(NamedTuple):
    """What question parsing needs to know of the whole corpus."""

    outlets: list[str]
    """Every outlet name, sorted."""
    latest: str | None
    """The newest publication date (ISO ``YYYY-MM-DD``), None when no article is dated."""


def facts_of(infos: Iterable[dict[str, Any]]) -> CorpusFacts:
    """The corpus facts of these article records (``Store.articles()`` rows)."""
    outlets: set[str] = set()
    latest: str | None = None
    for info in infos:
        if info.get("source"):
            outlets.add(str(info["source"]))
        day = str(info.get("published_at") or "")[:10]  # ISO dates sort as text
        if day and (latest is None or day > latest):
            latest = day
    return CorpusFacts(sorted(outlets), latest)


class Store(Protocol):
    """What the pipeline needs from a vector store."""

    location: str

    def content_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """Stored content hash for each of ``ids`` that has a committed article record."""
        ...

    def write_article(
        self,
        article: Article,
        chunks: list[Chunk],
        vectors: Vectors,
        content_hash: str,
        sentence_vectors: Sequence[Vectors] | None = None,
        clause_vectors: Sequence[Sequence[Vectors]] | None = None,
        clause_kind: str = "separate",
    ) -> None:
        """Replace everything stored for ``article`` with these chunks (and, when given,
        each chunk's sentence vectors, in the order of ``chunk.sentences``, and the clause
        vectors of each of its sentences, made as ``clause_kind`` says)."""
        ...

    def delete_articles(self, ids: Sequence[str]) -> None:
        """Remove articles and their chunks."""
        ...

    def articles(self) -> list[ArticleInfo]:
        """Metadata of every stored article."""
        ...

    def corpus_facts(self) -> CorpusFacts:
        """The outlets and the newest publication date of the stored articles."""
        ...

    def wire_copies(self, groups: Sequence[str]) -> dict[str, list[tuple[str, str | None]]]:
        """Group id → [(article id, outlet)] of the stored articles of those wire groups."""
        ...

    def write_articles(self, items: Sequence[ArticleWrite]) -> None:
        """``write_article`` for several articles at once (all chunks before any record)."""
        ...

    def get_article(self, article_id: str) -> Article | None:
        """The stored article with its full text, or None."""
        ...

    def query(
        self, vector: Vectors, n: int, filters: Filters, within: Sequence[str] | None = None
    ) -> list[Hit]:
        """The ``n`` nearest chunks passing ``filters``; score = cosine similarity.

        ``within``: the ids of the chunks that pass ``filters``, when the caller knows them;
        the search then runs over those ids instead of filtering by metadata.
        """
        ...

    def is_empty(self) -> bool:
        """Whether the store holds no chunk."""
        ...

    def count_chunks(self, filters: Filters | None = None) -> int:
        """Number of chunks (passing ``filters`` when given)."""
        ...

    def get_chunks(self, ids: Sequence[str]) -> list[tuple[Hit, Vectors]]:
        """Chunks by id with their vectors (ids not stored are left out)."""
        ...

    def sentence_vectors(self, hits: Sequence[Hit]) -> dict[str, Vectors]:
        """The stored sentence vectors of each hit's chunk, one row per ``hit.sentences``.

        Chunks stored without them (by an older version) are left out.
        """
        ...

    def clause_vectors(self, hits: Sequence[Hit], kind: str) -> dict[str, list[Vectors]]:
        """The stored clause vectors of each hit's chunk, made as ``kind`` says: per
        sentence, one row per clause of it (none for a short sentence). Chunks stored
        without them are left out."""
        ...

    def iter_chunks(self) -> Iterator[Hit]:
        """Every stored chunk, as a zero-score Hit (for lexical indexes), a page at a time.

        Raises :class:`rag.errors.StoreMoved` when another process switched collections
        during the read; the caller reads again.
        """
        ...

    @property
    def generation(self) -> int:
        """Raised by every committed write; readers compare it to notice changes."""
        ...

    def refresh(self) -> bool:
        """Pick up changes other processes committed; True when the store changed."""
        ...

    def writing(
        self, *, rebuild: bool = False, command: str = ""
    ) -> contextlib.AbstractContextManager[Write]:
        """Hold the write lock; commit a new generation when the block succeeds."""
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
    """Chroma-backed Store; embedded folder by default, HTTP client when a host is set.

    Which collections hold the data is recorded in a small manifest (the metadata of the
    ``<prefix>-manifest`` collection): their names and a generation number that every
    writer raises when it commits. A reader compares the generation before each question
    (:meth:`refresh`) and reopens its handles when it moved; a rebuild writes into new
    collections and switches the manifest only when they are complete.
    """

    def __init__(self, settings: Settings, embedding_model: str, *, rebuild: bool = False) -> None:
        """Open the store; ``rebuild`` skips the embedding-model check (the caller rebuilds)."""
        self._model = embedding_model
        self._settings = settings
        cfg = settings.chroma
        self._embedded = not cfg.host
        if cfg.host:
            self.location = f"{'https' if cfg.ssl else 'http'}://{cfg.host}:{cfg.port}"
        else:
            self.location = str(settings.store.resolve())
        self._prefix = cfg.collection
        self._pinned = False
        self._refresh_lock = threading.RLock()
        # Packed sentence (and clause) vectors of chunks read lately, by chunk id (see
        # _remember).
        self._packed: OrderedDict[str, dict[str, str]] = OrderedDict()
        # What a question reads of the store's bookkeeping, per generation (any write
        # commits a new one): whether it holds chunks, and the wire copies of a group.
        self._nonempty_at: int | None = None
        self._wire: OrderedDict[tuple[int, str], list[tuple[str, str | None]]] = OrderedDict()
        with self._opening():
            self._client = self._open_client()
            self._state = self._read_manifest()
            self._open_collections(check_model=not rebuild, create=self._state.generation == 0)
        # A file lock excludes writers on one machine only; a server's writers may be
        # anywhere, so its lock lives on the server (rag/lock.py, README "several processes").
        self.lock: StoreLock | ServerLock
        if cfg.host:
            self.lock = ServerLock(
                self._client,
                f"{cfg.collection}-lock",
                timeout=cfg.lock_timeout,
                store=self.location,
            )
        else:
            self.lock = StoreLock(
                settings.lock_path(), timeout=cfg.lock_timeout, store=self.location
            )

    @contextlib.contextmanager
    def _opening(self) -> Iterator[None]:
        """Serialise opening an embedded store between processes (a short file lock).

        The first client to open a new folder creates Chroma's SQLite tables; two processes
        doing it at once (two ingests started together into a new store) race, and the
        loser fails with "table collections already exists". The lock is held for the open
        only (well under a second), not for the write, which ``self.lock`` guards. A server
        serialises this itself.
        """
        if self._settings.chroma.host:
            yield
            return
        store = self._settings.store
        try:
            store.mkdir(parents=True, exist_ok=True)
            opening = FileLock(store / ".open.lock", timeout=120, thread_local=False)
            opening.acquire()
        except PermissionError:
            if not (store / "chroma.sqlite3").exists():
                raise StoreError(
                    f"cannot open the Chroma store at {store}: the folder is not writable."
                ) from None
            yield  # a read-only copy of a finished store: nothing to create, no race
            return
        except (OSError, Timeout) as exc:
            raise StoreError(
                f"cannot open the Chroma store at {store}: {exc}. Check the folder is "
                "writable, and whether another process is stuck opening it."
            ) from exc
        try:
            yield
        finally:
            opening.release()

    def _open_client(self) -> Any:
        cfg, store = self._settings.chroma, self._settings.store
        try:
            if cfg.host:
                return chromadb.HttpClient(host=cfg.host, port=cfg.port, ssl=cfg.ssl)
            store.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(store))
        except (
            Exception
        ) as exc:  # chromadb raises bare Exception/ValueError for connection problems
            where = f"{cfg.host}:{cfg.port}" if cfg.host else str(store)
            raise StoreError(
                f"cannot open the Chroma store at {where}: {exc}. "
                "Check the folder is writable, or that `chroma run` is up at that address."
            ) from exc

    # ------------------------------------------------------ manifest, freshness
    def _manifest(self) -> Any:
        # Read several times per question (``refresh`` after each read): fetching it is
        # 0.4 ms, get-or-create 1.0 ms (embedded, this machine); only a new store lacks it.
        name = f"{self._prefix}-manifest"
        try:
            return self._client.get_collection(name, embedding_function=None)
        except chromadb.errors.NotFoundError:
            return self._client.get_or_create_collection(
                name, metadata={"kind": "manifest"}, embedding_function=None
            )

    def _read_manifest(self) -> _State:
        meta = self._manifest().metadata or {}
        if "chunks" not in meta:  # a store written before manifests: the fixed names
            return _State(0, f"{self._prefix}-chunks", f"{self._prefix}-articles")
        return _State(int(meta["generation"]), str(meta["chunks"]), str(meta["articles"]))

    def _write_manifest(self, state: _State, facts: CorpusFacts | None = None) -> None:
        meta: dict[str, Any] = {
            "kind": "manifest",
            "generation": state.generation,
            "chunks": state.chunks,
            "articles": state.articles,
        }
        if facts is not None:
            meta["facts"] = json.dumps(facts._asdict())
        self._manifest().modify(metadata=meta)

    def corpus_facts(self) -> CorpusFacts:
        """The outlets and the newest publication date of the stored articles.

        Writers record them in the manifest when they commit, so a reader (a cold ``rag
        ask``) does not read every article's metadata for them: at 10,000 articles that
        read is half a second, and it grows with the corpus. A store written before that
        (or by a write that failed half way) has none; they are then worked out from the
        articles.
        """
        meta = self._read(lambda: self._manifest().metadata or {})
        if int(meta.get("generation", -1)) == self._state.generation and "facts" in meta:
            with contextlib.suppress(ValueError, TypeError, KeyError):
                found = json.loads(str(meta["facts"]))
                return CorpusFacts([str(o) for o in found["outlets"]], found["latest"])
        return facts_of(self.articles())

    def wire_copies(self, groups: Sequence[str]) -> dict[str, list[tuple[str, str | None]]]:
        """Group id → [(article id, outlet)] of the stored articles of those wire groups
        (``rag.wire``): one read for the few groups an answer cites, not the whole corpus.

        Remembered per generation (a write commits a new one): an answer's groups are
        cited again by the next questions on the story, and each read is a Chroma query
        (3 ms of a 35 ms question over the seed store)."""
        wanted = sorted(set(groups))
        generation = self._state.generation
        out = {g: c for g in wanted if (c := self._wire.get((generation, g))) is not None}
        todo = [g for g in wanted if g not in out]
        if todo:
            got = self._read(
                lambda: self._articles.get(
                    where={"wire_group": {"$in": todo}}, include=["metadatas"]
                )
            )
            found: dict[str, list[tuple[str, str | None]]] = {g: [] for g in todo}
            for article_id, meta in sorted(zip(got["ids"], got["metadatas"], strict=True)):
                source = meta.get("source")
                found.setdefault(str(meta["wire_group"]), []).append(
                    (article_id, str(source) if source else None)
                )
            with self._refresh_lock:  # the app's reader threads share this handle
                for group, copies in found.items():  # under the generation the read saw
                    self._wire[(self._state.generation, group)] = copies
                while len(self._wire) > _WIRE_CACHE:
                    self._wire.popitem(last=False)
            out.update(found)
        return {g: out[g] for g in wanted if out.get(g)}

    def _open_collections(self, *, check_model: bool = True, create: bool = False) -> None:
        """Open the collections the state names; only a writer (or a new store) creates them.

        A reader must not re-create a collection that a second rebuild dropped after it
        read the manifest: then it reads the manifest again (a few times at most).
        """
        for attempt in range(3):
            try:
                chunks = self._collection(self._state.chunks, "chunks", check_model, create)
                articles = self._collection(self._state.articles, "articles", check_model, create)
            except EmbeddingModelMismatch:
                raise
            except Exception:
                if create or attempt == 2:
                    raise
                self._state = self._read_manifest()
                continue
            self._chunks, self._articles = chunks, articles
            return

    @property
    def generation(self) -> int:
        """The store's generation as this handle last saw it; writers raise it on commit."""
        return self._state.generation

    def refresh(self) -> bool:
        """Pick up changes made by other processes; True when the store changed.

        Cheap (one small read of the manifest), so it runs before every question.
        """
        if self._pinned:
            return False
        with self._refresh_lock:  # the app's reader threads share this handle
            state = self._read_manifest()
            if state == self._state:
                return False
            self._state = state
            self._packed.clear()  # chunk ids are reused when an article changes
            if self._embedded:
                # An embedded client keeps the vector index it loaded in memory and would not
                # see another process's writes: open a fresh client, which reads the disk.
                self._client = _fresh_embedded_client(self._client, self._settings.store)
            self._open_collections()  # another process may have rebuilt with another model
            return True

    def _read(self, fn: Callable[[], _T]) -> _T:
        """Run a read; if another process switched collections meanwhile, refresh and retry.

        A rebuild drops the old collections right after switching; a reader caught in
        between gets an error whose type and text vary with chromadb's version ("does not
        exist", "Missing metadata segment"), or an empty result, so the test is whether
        the manifest moved.
        """
        before = self._state
        try:
            result = fn()
        except Exception:
            # Compared with ``before`` too: a writer thread of this process may have
            # switched the shared handles already (then refresh() sees nothing new).
            if not self.refresh() and self._state == before:
                raise
            return fn()
        # A dropped collection can also answer "empty" instead of failing: a read is only
        # trusted if the manifest did not move while it ran (the switch precedes the drop).
        moved = self.refresh() or self._state != before
        return fn() if moved else result

    # ----------------------------------------------------------------- writing
    @contextlib.contextmanager
    def writing(self, *, rebuild: bool = False, command: str = "") -> Iterator[Write]:
        """Hold the write lock and commit a new generation when the block succeeds.

        With ``rebuild`` the block writes into new, empty collections (``write.store``);
        readers keep answering from the old ones until the commit switches the manifest,
        then the old ones are dropped. If the block fails, the new ones are dropped and the
        store is as it was.
        """
        with self.lock.hold(command):
            self.refresh()
            self._drop_strays()
            if not rebuild:
                write = Write(self, self._state.generation + 1)
                try:
                    yield write
                finally:  # also after a failure: part of the write may be stored
                    if write.changed:
                        self._commit(
                            self._state._replace(generation=write.generation),
                            _facts_or_none(self),
                        )
                return
            token = f"g{self._state.generation + 1}-{uuid.uuid4().hex[:6]}"
            aside = _State(
                self._state.generation + 1,
                f"{self._prefix}-chunks-{token}",
                f"{self._prefix}-articles-{token}",
            )
            staged = copy.copy(self)  # the same client, pointed at the new collections
            staged._state = aside
            staged._pinned = True  # it must keep writing aside, whatever the manifest says
            staged._open_collections(check_model=False, create=True)
            try:
                yield Write(staged, aside.generation)
            except BaseException:
                self._drop_collections([aside.chunks, aside.articles])
                raise
            old = self._state
            self._commit(aside, _facts_or_none(staged))
            self._drop_collections([old.chunks, old.articles])

    def _drop_strays(self) -> None:
        """Drop collections a killed rebuild left half-built (we hold the lock: none is live)."""
        self._drop_collections(self.stray_collections())

    def _commit(self, state: _State, facts: CorpusFacts | None = None) -> None:
        self._packed.clear()  # chunk ids are reused when an article changes
        self._write_manifest(state, facts)
        self._state = state
        self._open_collections(check_model=False)

    def _drop_collections(self, names: Sequence[str]) -> None:
        if not names:
            return
        for name in names:
            # An absent collection raises; then there is nothing to drop.
            with contextlib.suppress(Exception):
                self._client.delete_collection(name)
        if self._embedded:
            remove_orphan_segments(self._settings.store)

    def _collection(
        self, name: str, kind: str, check_model: bool = True, create: bool = True
    ) -> Any:
        if not create:
            col = self._client.get_collection(name, embedding_function=None)
        else:
            col = self._client.get_or_create_collection(
                name,
                metadata={"embedding_model": self._model, "kind": kind},
                configuration={
                    "hnsw": {
                        "space": "cosine",
                        "sync_threshold": self._settings.chroma.sync_threshold,
                        "ef_search": self._settings.chroma.ef_search,
                    }
                },
                embedding_function=None,
            )
        self._apply_ef_search(col)
        built_with = (col.metadata or {}).get("embedding_model")
        if check_model and built_with != self._model:
            raise EmbeddingModelMismatch(
                f"the store at {self.location} was built with embedding model {built_with!r}, "
                f"but {self._model!r} is configured. Either set RAG_EMBEDDING__MODEL={built_with} "
                "(or --embedding-model), or rebuild with `rag ingest --rebuild PATH...`."
            )
        return col

    def _apply_ef_search(self, col: Any) -> None:
        """Give ``col`` the configured ``ef_search`` when it was made with another.

        Unlike the graph's own parameters, ``ef_search`` can change on an existing
        collection; it takes effect when a process next loads the index (this one loads it
        lazily, on its first search, so at once). Stores made before the setting existed
        get it too.
        """
        wanted = self._settings.chroma.ef_search
        hnsw = (col.configuration_json or {}).get("hnsw") or {}
        if hnsw.get("ef_search", wanted) == wanted:
            return
        try:
            col.modify(configuration={"hnsw": {"ef_search": wanted}})
        except (chromadb.errors.ChromaError, ValueError) as exc:
            # A server may refuse the change (a read-only role): search as it is.
            log.warning("could not set ef_search=%d on %s: %s", wanted, col.name, exc)

    @property
    def embedding_model(self) -> str:
        """The model this store's vectors were made with."""
        return self._model

    def content_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """Stored content hash for each of ``ids`` that has a committed article record."""
        if not ids:
            return {}
        got = self._read(lambda: self._articles.get(ids=list(ids), include=["metadatas"]))
        return {
            i: str(m.get("content_hash", ""))
            for i, m in zip(got["ids"], got["metadatas"], strict=True)
        }

    def write_article(
        self,
        article: Article,
        chunks: list[Chunk],
        vectors: Vectors,
        content_hash: str,
        sentence_vectors: Sequence[Vectors] | None = None,
        clause_vectors: Sequence[Sequence[Vectors]] | None = None,
        clause_kind: str = "separate",
    ) -> None:
        """Replace what is stored for ``article``: old chunks out, new chunks, then the record.

        ``sentence_vectors`` (one array per chunk, a row per sentence) and
        ``clause_vectors`` (per chunk, per sentence, a row per clause, made as
        ``clause_kind`` says) are kept in the chunk's metadata, so they are written,
        replaced and deleted with the chunk itself.
        """
        write = ArticleWrite(
            article, chunks, vectors, content_hash, sentence_vectors, clause_vectors, clause_kind
        )
        self.write_articles([write])

    def write_articles(self, items: Sequence[ArticleWrite]) -> None:
        """:meth:`write_article` for several articles in three round trips, not three each.

        All chunks are written before any article record, so the records still commit.
        """
        if not items:
            return
        self._chunks.delete(where={"article_id": {"$in": [w.article.id for w in items]}})
        ids: list[str] = []
        embeddings: list[Vectors] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        for w in items:
            base = _base_metadata(w.article)
            for i, c in enumerate(w.chunks):
                meta = {
                    **base,
                    "index": c.index,
                    "start": c.start,
                    "end": c.end,
                    "sentences": json.dumps([[s.start, s.end] for s in c.sentences]),
                }
                if w.sentence_vectors is not None:
                    meta[SENTENCE_VECTORS] = pack_vectors(w.sentence_vectors[i])
                if w.clause_vectors is not None and (
                    clauses := pack_clauses(w.clause_vectors[i], w.clause_kind)
                ):
                    meta[CLAUSE_COUNTS], meta[CLAUSE_VECTORS] = clauses
                ids.append(c.id)
                embeddings.append(w.vectors[i])
                documents.append(c.text)
                metadatas.append(meta)
        for start in range(0, len(ids), _PAGE):
            end = start + _PAGE
            self._chunks.add(
                ids=ids[start:end],
                embeddings=np.asarray(embeddings[start:end], np.float32),
                documents=documents[start:end],
                metadatas=metadatas[start:end],
            )
        self._articles.upsert(
            ids=[w.article.id for w in items],
            embeddings=[_mean_vector(w.vectors) for w in items],
            documents=[w.article.text for w in items],
            metadatas=[_article_metadata(w) for w in items],
        )

    def delete_articles(self, ids: Sequence[str]) -> None:
        """Remove articles and their chunks (chunks first, so no orphan record remains)."""
        for article_id in ids:
            self._chunks.delete(where={"article_id": article_id})
        if ids:
            self._articles.delete(ids=list(ids))

    def articles(self) -> list[ArticleInfo]:
        """Metadata of every stored article, ordered by id."""
        return self._read(self._all_articles)

    def _all_articles(self) -> list[ArticleInfo]:
        out: list[ArticleInfo] = []
        for offset in range(0, self._articles.count(), _PAGE):
            got = self._articles.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for article_id, meta in zip(got["ids"], got["metadatas"], strict=True):
                out.append(ArticleInfo(id=article_id, **dict(meta)))
        return sorted(out, key=lambda a: a["id"])

    def get_article(self, article_id: str) -> Article | None:
        """The stored article with its full text, or None."""
        got = self._read(
            lambda: self._articles.get(ids=[article_id], include=["metadatas", "documents"])
        )
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

    def query(
        self, vector: Vectors, n: int, filters: Filters, within: Sequence[str] | None = None
    ) -> list[Hit]:
        """The ``n`` nearest chunks passing ``filters``; score = cosine similarity.

        ``within``: the ids of the chunks that pass ``filters``, when the caller knows them
        (the BM25 index keeps every chunk's date and outlet). Chroma then searches among
        those ids: the same hits, but Chroma's own range filter on dates reads the date of
        every chunk, about 1 s a query at 100k articles, against 15-130 ms for a list of
        1k-220k ids. An id Chroma no longer has (another process deleted its article a
        moment ago) fails the search; then the filter is used after all.

        Hits are ordered by distance, then by chunk id: chunks with equal vectors (one
        boilerplate paragraph in many articles) make the cut alike in every process.
        """
        if n <= 0 or (within is not None and not within):
            return []

        def search(where: dict[str, Any] | None, ids: list[str] | None, k: int, full: bool) -> Any:
            return self._chunks.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)],
                n_results=k,
                where=where,
                ids=ids,
                include=["documents", "metadatas", "distances"] if full else ["distances"],
            )

        def rows(k: int, full: bool) -> list[tuple[float, str, Any, Any]]:
            res = None
            if within is not None:
                with contextlib.suppress(Exception):  # chromadb's "Error finding id"
                    res = self._read(lambda: search(None, list(within), k, full))
            if res is None:
                res = self._read(lambda: search(where_clause(filters), None, k, full))
            ids = res["ids"][0]
            docs = res["documents"][0] if full else [None] * len(ids)
            metas = res["metadatas"][0] if full else [None] * len(ids)
            # Equal vectors (a boilerplate paragraph in many articles) come back from HNSW
            # in an order that varies between processes; rounding and the id settle it.
            return sorted(
                (
                    (round(float(d), 6), cid, doc, meta)
                    for d, cid, doc, meta in zip(res["distances"][0], ids, docs, metas, strict=True)
                ),
                key=lambda r: (r[0], r[1]),
            )

        got = rows(n + 1, full=True)  # one more than asked shows a tie across the cut
        if len(got) > n and got[n - 1][0] == got[n][0]:
            # Read the whole tied group (distances only), so that which of its members
            # make the cut is the same in every process; then the texts of those chosen.
            k = 2 * n
            ranked = rows(k, full=False)
            while len(ranked) == k and ranked[n - 1][0] == ranked[n][0] and k < 8 * n:
                k *= 2
                ranked = rows(k, full=False)
            have = {cid: (doc, meta) for _, cid, doc, meta in got}
            missing = [cid for _, cid, _, _ in ranked[:n] if cid not in have]
            if missing:
                extra = self._read(
                    lambda: self._chunks.get(ids=missing, include=["documents", "metadatas"])
                )
                pairs = zip(extra["documents"], extra["metadatas"], strict=True)
                have.update(zip(extra["ids"], pairs, strict=True))
            got = [(d, cid, *have[cid]) for d, cid, _, _ in ranked[:n] if cid in have]
        hits = []
        for dist, cid, doc, meta in got[:n]:
            hit = self._remember(_hit(cid, doc, meta, 1.0 - float(dist)), meta)
            hits.append(hit.model_copy(update={"scores": {"dense": hit.score}}))
        return hits

    def is_empty(self) -> bool:
        """Whether the store holds no chunk; counted once per generation that has some
        (a question asks it first, and a count is a Chroma read)."""
        generation = self._state.generation
        if self._nonempty_at == generation:
            return False
        if self.count_chunks() == 0:
            return True
        self._nonempty_at = generation
        return False

    def count_chunks(self, filters: Filters | None = None) -> int:
        """Number of chunks (passing ``filters`` when given)."""
        where = where_clause(filters) if filters is not None else None
        if where is None:
            return int(self._read(lambda: self._chunks.count()))
        return len(self._read(lambda: self._chunks.get(where=where, include=[]))["ids"])

    def get_chunks(self, ids: Sequence[str]) -> list[tuple[Hit, Vectors]]:
        """Chunks by id with their vectors (ids not stored are left out)."""
        if not ids:
            return []
        got = self._read(
            lambda: self._chunks.get(
                ids=list(ids), include=["documents", "metadatas", "embeddings"]
            )
        )
        rows = zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
        return [
            (self._remember(_hit(cid, doc, meta, 0.0), meta), np.asarray(vec, np.float32))
            for cid, doc, meta, vec in rows
        ]

    def _remember(self, hit: Hit, meta: dict[str, Any]) -> Hit:
        """Keep a read chunk's packed sentence and clause vectors, so scoring needs no
        second read."""
        packed = {
            k: v
            for k in (SENTENCE_VECTORS, CLAUSE_COUNTS, CLAUSE_VECTORS)
            if isinstance(v := meta.get(k), str)
        }
        if SENTENCE_VECTORS in packed:
            self._packed[hit.chunk_id] = packed
            self._packed.move_to_end(hit.chunk_id)
            while len(self._packed) > _PACKED_CACHE:
                self._packed.popitem(last=False)
        return hit

    def sentence_vectors(self, hits: Sequence[Hit]) -> dict[str, Vectors]:
        """The stored sentence vectors of each hit's chunk, one row per ``hit.sentences``.

        Usually already read with the hit by :meth:`query`; others are read in one call.
        Chunks stored without them (by an older version) are left out: their sentences
        are embedded when needed.
        """
        missing = list(dict.fromkeys(h.chunk_id for h in hits if h.chunk_id not in self._packed))
        if missing:
            got = self._read(lambda: self._chunks.get(ids=missing, include=["metadatas"]))
            for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
                self._remember(_hit(cid, "", meta, 0.0), meta)
        out: dict[str, Vectors] = {}
        for hit in hits:
            packed = self._packed.get(hit.chunk_id, {}).get(SENTENCE_VECTORS)
            vectors = unpack_vectors(packed, len(hit.sentences)) if packed else None
            if vectors is not None:
                out[hit.chunk_id] = vectors
        return out

    def clause_vectors(self, hits: Sequence[Hit], kind: str) -> dict[str, list[Vectors]]:
        """The stored clause vectors of each hit's chunk, made as ``kind`` says
        (``embedding.clause_vectors``): per sentence, one row per clause of it (none for a
        short sentence).

        Read with the sentence vectors (:meth:`sentence_vectors` reads those not yet
        read). Chunks stored without them (by an older version, or made another way) are
        left out: their clauses are embedded when needed.
        """
        self.sentence_vectors([h for h in hits if h.chunk_id not in self._packed])
        out: dict[str, list[Vectors]] = {}
        for hit in hits:
            packed = self._packed.get(hit.chunk_id, {})
            counts, rows = packed.get(CLAUSE_COUNTS), packed.get(CLAUSE_VECTORS)
            found = (
                unpack_clauses(counts, rows, len(hit.sentences), kind) if counts and rows else None
            )
            if found is not None:
                out[hit.chunk_id] = found
        return out

    def iter_chunks(self) -> Iterator[Hit]:
        """Every stored chunk, as a zero-score Hit, streamed a page at a time.

        Streamed, not read whole and retried as :meth:`_read` does: the whole store's
        chunks in memory at once were most of an ingest's peak memory (the BM25 rebuild
        holds only token ids). So a move is detected instead: if the manifest moved while
        the pages were read (a rebuild in another process switched collections), the
        chunks already yielded may be from the dropped ones, and :class:`StoreMoved` says
        to read again.
        """
        before = self._state
        try:
            yield from self._chunk_pages(["documents", "metadatas"])
        except Exception as exc:  # chromadb's error for a dropped collection varies
            if self.refresh() or self._state != before:
                raise StoreMoved("the store was rebuilt while it was read") from exc
            raise
        if self.refresh() or self._state != before:
            raise StoreMoved("the store was rebuilt while it was read")

    def _chunk_pages(self, include: list[str]) -> Iterator[Hit]:
        for offset in range(0, self._chunks.count(), _PAGE):
            got = self._chunks.get(include=include, limit=_PAGE, offset=offset)
            for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                yield _hit(cid, doc, meta, 0.0)

    # --------------------------------------------------------------- integrity
    # For `rag check` (rag/check.py): the raw views it compares with each other.
    def chunk_articles(self) -> dict[str, str]:
        """Chunk id → article id, for every chunk row."""
        out: dict[str, str] = {}
        for offset in range(0, self._chunks.count(), _PAGE):
            got = self._chunks.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
                out[cid] = str(meta.get("article_id", ""))
        return out

    def chunks_without_sentence_vectors(self) -> dict[str, list[str]]:
        """Article id → ids of its chunk rows whose sentence vectors are absent or unreadable."""
        out: dict[str, list[str]] = {}
        for offset in range(0, self._chunks.count(), _PAGE):
            got = self._chunks.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
                packed = meta.get(SENTENCE_VECTORS)
                rows = len(json.loads(meta.get("sentences", "[]")))
                if not isinstance(packed, str) or unpack_vectors(packed, rows) is None:
                    out.setdefault(str(meta.get("article_id", "")), []).append(cid)
        return out

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, Vectors | None]:
        """The stored vector of each chunk (None when the row has none)."""
        got = self._chunks.get(ids=list(ids), include=["embeddings"])
        vectors = got.get("embeddings")
        if vectors is None:
            vectors = [None] * len(got["ids"])
        return {
            cid: None if vec is None else np.asarray(vec, np.float32)
            for cid, vec in zip(got["ids"], vectors, strict=True)
        }

    def nearest_ids(self, vectors: Sequence[Vectors], n: int) -> list[list[str]]:
        """For each vector, the ids of the ``n`` nearest chunks in the vector index."""
        res = self._chunks.query(
            query_embeddings=[np.asarray(v, np.float32) for v in vectors],
            n_results=n,
            include=[],
        )
        return [list(ids) for ids in res["ids"]]

    def delete_chunks(self, ids: Sequence[str]) -> None:
        """Remove chunk rows by id (for repairs of rows no article record owns)."""
        if ids:
            self._chunks.delete(ids=list(ids))

    def orphan_segment_folders(self) -> list[str]:
        """Vector-index folders on disk that no collection uses (embedded stores only)."""
        return orphan_segments(self._settings.store) if self._embedded else []

    def remove_orphan_segment_folders(self) -> list[str]:
        """Delete :meth:`orphan_segment_folders`; returns their names."""
        return remove_orphan_segments(self._settings.store) if self._embedded else []

    def stray_collections(self) -> list[str]:
        """Collections of this prefix that the manifest does not use (a killed rebuild's)."""
        live = {self._state.chunks, self._state.articles, f"{self._prefix}-manifest"}
        ours = re.compile(rf"^{re.escape(self._prefix)}-(chunks|articles)-g\d+-[0-9a-f]+$")
        names = (c if isinstance(c, str) else c.name for c in self._client.list_collections())
        return sorted(n for n in names if ours.match(n) and n not in live)


def _facts_or_none(store: ChromaStore) -> CorpusFacts | None:
    """The facts of what ``store`` holds; None when they cannot be read (the write that
    is committing may have failed for the same reason, and its error is the one to see)."""
    try:
        return facts_of(store._all_articles())
    except Exception:  # noqa: BLE001 - chromadb raises a bare Exception for a lost connection
        return None


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
        wire_group=meta.get("wire_group"),
    )


class ArticleWrite(NamedTuple):
    """One article to store: its chunks, their vectors and (optionally) sentence vectors."""

    article: Article
    chunks: list[Chunk]
    vectors: Vectors
    content_hash: str
    sentence_vectors: Sequence[Vectors] | None = None
    # per chunk, per sentence: the clause vectors of its long sentences, and how they
    # were made (``embedding.clause_vectors``)
    clause_vectors: Sequence[Sequence[Vectors]] | None = None
    clause_kind: str = "separate"


def _base_metadata(article: Article) -> dict[str, Any]:
    """What every chunk row of an article carries (for filters and display)."""
    return _clean(
        {
            "article_id": article.id,
            "title": article.title,
            "source": article.source,
            "source_key": (article.source or "").strip().lower() or None,
            "url": article.url,
            "published_at": article.published_iso(),
            "published_ts": to_timestamp(article.published_at),
            "wire_group": article.metadata.get("wire_group"),  # rag.wire
        }
    )


def _article_metadata(w: ArticleWrite) -> dict[str, Any]:
    article = w.article
    return _clean(
        {
            **_base_metadata(article),
            "author": article.author,
            "path": article.path,
            "content_hash": w.content_hash,
            "chunks": len(w.chunks),
            "meta_json": json.dumps(article.metadata, default=str),
            "ingested_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
    )


def _mean_vector(vectors: Vectors) -> Vectors:
    """The article's vector: the normalised mean of its chunk vectors."""
    if not len(vectors):
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else 1, np.float32)
    mean = vectors.mean(axis=0)
    return np.asarray(mean / (float(np.linalg.norm(mean)) or 1.0), np.float32)


def _fresh_embedded_client(old: Any, path: Path) -> Any:
    """A PersistentClient that reads the folder anew instead of reusing this process's cache."""
    from chromadb.api.shared_system_client import SharedSystemClient

    # chromadb shares one System per folder inside a process, and its loaded vector index
    # does not see other processes' writes. Forget that System (without stopping it: the
    # old client keeps its own reference while anything still uses it) so the next client
    # loads the indexes from disk.
    SharedSystemClient._identifier_to_system.pop(getattr(old, "_identifier", str(path)), None)
    return chromadb.PersistentClient(path=str(path))


def orphan_segments(folder: Path) -> list[str]:
    """Segment folders of an embedded store that no collection uses any more.

    Chroma leaves a dropped collection's vector-index folder on disk; after rebuilds
    they would pile up.
    """
    db = folder / "chroma.sqlite3"
    if not db.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)) as conn:
        live = {str(row[0]) for row in conn.execute("SELECT id FROM segments")}
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.is_dir() and _SEGMENT_DIR.match(entry.name) and entry.name not in live
    )


def remove_orphan_segments(folder: Path) -> list[str]:
    """Delete the :func:`orphan_segments` folders; returns their names."""
    removed = orphan_segments(folder)
    for name in removed:
        shutil.rmtree(folder / name, ignore_errors=True)
    return removed
