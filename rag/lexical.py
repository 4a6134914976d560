"""BM25 over the stored chunks (bm25s), persisted beside the vector store.

The index is rebuilt from the store after every ingest that changed it (bm25s has no
incremental update; rebuilding 10k chunks takes about a second) and whenever its
recorded chunk count or store generation no longer matches the store's, so it can never
silently drift. Tokens are the same Snowball stems without stopwords that the reranker uses.

Several processes may read the folder while one writes it, so an index is never
rewritten in place: each build goes to a new subfolder, and ``current.json`` (replaced
atomically) names the one to load. Older builds are removed, keeping the previous one
for a reader that is loading it right now.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import shutil
import uuid
from array import array
from collections.abc import Iterable
from pathlib import Path

import bm25s
import numpy as np

from rag.store import to_timestamp
from rag.text import content_terms
from rag.types import Filters, Hit

_META = "newsrag-meta.json"
_CURRENT = "current.json"
_KEEP = 2  # builds kept: the current one and the one before it
_LEFTOVER_AGE = 3600.0  # seconds after which a half-written build is taken as abandoned


class LexicalIndex:
    """A BM25 index of chunk texts with the metadata needed to apply filters."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._bm25: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._ts = np.zeros(0)
        self._outlets = np.zeros(0, dtype=np.int32)  # each chunk's outlet, as a code
        self._outlet_code: dict[str, int] = {}  # lower-cased outlet → code
        self.generation: int | None = None  # the store generation it was built from

    def build(self, chunks: Iterable[Hit], generation: int | None = None) -> int:
        """Index ``chunks`` (title included, so headline words count) and save; returns count.

        ``generation`` is the store generation the chunks come from, recorded with the index.
        ``chunks`` is consumed once, as it streams: each chunk's terms are kept only as
        vocabulary ids (4 bytes a term, not a Python string), so a 100k-article store is
        indexed without holding its text.
        """
        ids: list[str] = []
        ts: list[float] = []
        sources: list[str] = []
        vocab: dict[str, int] = {}
        docs: list[array[int]] = []
        for hit in chunks:
            ids.append(hit.chunk_id)
            # An empty token list would make bm25s drop the document; keep a placeholder.
            terms = content_terms(f"{hit.title}. {hit.text}", cached=False) or ["\u2205"]
            docs.append(array("I", [vocab.setdefault(t, len(vocab)) for t in terms]))
            stamp = to_timestamp(hit.published_at) if hit.published_at else None
            ts.append(math.nan if stamp is None else float(stamp))
            sources.append((hit.source or "").strip().lower())
        bm25 = bm25s.BM25()
        if ids:
            # bm25s's (token ids, vocabulary) form: the same index as from the term lists.
            bm25.index((docs, vocab), show_progress=False)
        del docs
        self._bm25, self._ids = (bm25 if ids else None), ids
        self._ts = np.array(ts, dtype=float)
        self._set_outlets(sources)
        self.generation = generation
        self._save(bm25, {"ids": ids, "ts": ts, "sources": sources, "generation": generation})
        return len(ids)

    def _save(self, bm25: bm25s.BM25, meta: dict[str, object]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{meta['generation'] or 0}-{uuid.uuid4().hex[:8]}"
        tmp = self.folder / f"tmp-{name}"
        tmp.mkdir()
        if meta["ids"]:
            bm25.save(str(tmp))
        (tmp / _META).write_text(json.dumps(meta), "utf-8")
        os.rename(tmp, self.folder / name)
        pointer = self.folder / f"{_CURRENT}.{name}.tmp"
        pointer.write_text(json.dumps({"build": name}), "utf-8")
        os.replace(pointer, self.folder / _CURRENT)
        self._prune(name)

    def _prune(self, current: str) -> None:
        """Remove old builds, keeping the newest few, and what killed builds left behind.

        A ``tmp-`` folder may be another process's build in progress: only old ones go.
        """
        now = dt.datetime.now().timestamp()
        builds, leftovers = [], []
        for entry in self.folder.iterdir():
            with contextlib.suppress(OSError):  # another process may remove it meanwhile
                age = now - entry.stat().st_mtime
                if entry.name.startswith("tmp-") or entry.name.endswith(".tmp"):
                    if age > _LEFTOVER_AGE:
                        leftovers.append(entry)
                elif entry.is_dir() and entry.name != current:
                    builds.append((age, entry))
                elif entry.is_file() and entry.name != _CURRENT:
                    leftovers.append(entry)  # the single-folder layout of older versions
        for _, old in sorted(builds)[_KEEP - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
        for entry in leftovers:
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()

    def load(self) -> bool:
        """Load the saved index; False when there is none (or it was removed meanwhile)."""
        try:
            build = json.loads((self.folder / _CURRENT).read_text("utf-8"))["build"]
            folder = self.folder / str(build)
            meta = json.loads((folder / _META).read_text("utf-8"))
            # Memory-mapped: the scores stay in the page cache, shared by every process
            # answering from this store, and loading takes no time (0.8 s and 30 MB per
            # process at 30k articles when read whole). A build removed by a later one's
            # prune stays readable while mapped.
            bm25 = bm25s.BM25.load(str(folder), mmap=True) if meta["ids"] else None
        except (OSError, ValueError, KeyError, TypeError):
            return False
        self._ids = meta["ids"]
        self._set_outlets(meta["sources"])
        self._ts = np.array([math.nan if t is None else t for t in meta["ts"]], dtype=float)
        self._bm25 = bm25
        self.generation = meta.get("generation")
        return True

    def _set_outlets(self, sources: list[str]) -> None:
        """Outlets as codes: an outlet filter is one array test, not a loop over chunks."""
        self._outlet_code = {}
        codes = [self._outlet_code.setdefault(s, len(self._outlet_code)) for s in sources]
        self._outlets = np.array(codes, dtype=np.int32)

    @property
    def ids(self) -> list[str]:
        """The indexed chunk ids, in index order."""
        return list(self._ids)

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
        n = min(n, len(scores))
        if n <= 0:
            return []
        # The n best without sorting every chunk's score (a full sort of a 100k-article
        # store's 200k scores costs more than the rest of the search); ties by index order.
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.lexsort((top, -scores[top]))]
        return [(self._ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def rarity(self, terms: Iterable[str]) -> dict[str, float]:
        """Each term's inverse document frequency over the indexed chunks, ``log((N+1)/(df+1))``.

        Terms are stems as ``content_terms`` makes them. A term no chunk holds gets 0: it
        cannot tell one passage from another. Read from the index's own term columns (their
        lengths are the document frequencies), so it costs no pass over the store.
        """
        bm25 = self._bm25
        if bm25 is None:
            return {}
        indptr = bm25.scores["indptr"]
        total = float(bm25.scores["num_docs"])
        out = {}
        for term in terms:
            column = bm25.vocab_dict.get(term)
            df = 0 if column is None else int(indptr[column + 1] - indptr[column])
            out[term] = math.log((total + 1) / (df + 1)) if df else 0.0
        return out

    def matching(self, filters: Filters) -> list[str]:
        """Ids of the indexed chunks that pass ``filters`` (dates and outlets)."""
        return [self._ids[i] for i in np.flatnonzero(self._mask(filters))]

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
            codes = [self._outlet_code[w] for w in wanted if w in self._outlet_code]
            mask &= np.isin(self._outlets, codes)
        return mask
