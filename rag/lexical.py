"""BM25 over the stored chunks (bm25s), persisted beside the vector store.

The index is rebuilt from the store after every ingest that changed it (bm25s has no
incremental update; rebuilding 10k chunks takes about a second) and whenever its
recorded chunk count no longer matches the store's, so it can never silently drift.
Tokens are the same Snowball stems without stopwords that the reranker uses.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np

from rag.store import to_timestamp
from rag.text import content_terms
from rag.types import Filters, Hit

_META = "newsrag-meta.json"


class LexicalIndex:
    """A BM25 index of chunk texts with the metadata needed to apply filters."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._bm25: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._ts = np.zeros(0)
        self._sources: list[str] = []

    def build(self, chunks: Iterable[Hit]) -> int:
        """Index ``chunks`` (title included, so headline words count) and save; returns count."""
        ids, tokens, ts, sources = [], [], [], []
        for hit in chunks:
            ids.append(hit.chunk_id)
            # An empty token list would make bm25s drop the document; keep a placeholder.
            tokens.append(content_terms(f"{hit.title}. {hit.text}") or ["\u2205"])
            stamp = to_timestamp(hit.published_at) if hit.published_at else None
            ts.append(math.nan if stamp is None else float(stamp))
            sources.append((hit.source or "").strip().lower())
        self.folder.mkdir(parents=True, exist_ok=True)
        bm25 = bm25s.BM25()
        if ids:
            bm25.index(tokens, show_progress=False)
            bm25.save(str(self.folder))
        meta = {"ids": ids, "ts": ts, "sources": sources}
        (self.folder / _META).write_text(json.dumps(meta), "utf-8")
        self._bm25, self._ids = (bm25 if ids else None), ids
        self._ts, self._sources = np.array(ts, dtype=float), sources
        return len(ids)

    def load(self) -> bool:
        """Load the saved index; False when there is none."""
        meta_file = self.folder / _META
        if not meta_file.exists():
            return False
        meta = json.loads(meta_file.read_text("utf-8"))
        self._ids, self._sources = meta["ids"], meta["sources"]
        self._ts = np.array([math.nan if t is None else t for t in meta["ts"]], dtype=float)
        self._bm25 = bm25s.BM25.load(str(self.folder)) if self._ids else None
        return True

    @property
    def size(self) -> int:
        """Number of indexed chunks."""
        return len(self._ids)

    def search(self, question: str, n: int, filters: Filters) -> list[tuple[str, float]]:
        """Top ``n`` (chunk id, BM25 score) pairs passing ``filters``, best first."""
        terms = content_terms(question)
        if self._bm25 is None or not terms:
            return []
        scores = np.asarray(self._bm25.get_scores(terms), dtype=float)
        scores[~self._mask(filters)] = 0.0
        top = np.argsort(-scores)[:n]
        return [(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def _mask(self, filters: Filters) -> np.ndarray:
        mask = np.ones(len(self._ids), dtype=bool)
        with np.errstate(invalid="ignore"):  # NaN (undated) compares False: excluded by dates
            if filters.since is not None:
                mask &= self._ts >= float(to_timestamp(filters.since) or 0)
            if filters.until is not None:
                end = to_timestamp(filters.until + dt.timedelta(days=1))
                mask &= self._ts < float(end or 0)
        if filters.sources:
            wanted = {s.strip().lower() for s in filters.sources}
            mask &= np.array([s in wanted for s in self._sources], dtype=bool)
        return mask
