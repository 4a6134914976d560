"""Wire copies: near-duplicate articles grouped at ingest with MinHash LSH (``datasketch``).

The same agency story runs, lightly edited, in several outlets. Counting each copy as a
separate source overstates how widely a fact is confirmed, and quoting each wastes the
answer's room. Every article gets a MinHash signature of its word shingles; an article
whose estimated Jaccard similarity to a stored one reaches ``news.wire_threshold`` joins
that article's group, else it founds its own (group id = the founder's article id).

Grouping is incremental: the signatures and group ids live in each article's metadata
(``wire_minhash``, ``wire_group``), so a later ingest loads them and new articles join
existing groups; a rebuild re-ingests in the same order and finds the same groups. The
group id also goes into every chunk's metadata, so retrieval can collapse a group.

The threshold was measured on FA-KES dev (README, *Wire copies*): 0.4 flags 14 pairs at
precision 0.93; 0.3 flags 21 at 0.71; 0.5 flags 10 at 1.00 but misses more copies.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from rag.settings import NewsSettings
from rag.types import Article, Hit

if TYPE_CHECKING:  # datasketch pulls in scipy (~0.5 s): imported by the functions that hash
    from datasketch import MinHash

WIRE_GROUP = "wire_group"
"""Article (and chunk) metadata key: id of the article's wire-copy group."""
WIRE_MINHASH = "wire_minhash"
"""Article metadata key: the MinHash signature, kept so later ingests can compare."""

SCHEME = "affine32"
"""datasketch's permutation scheme, fixed: stored signatures must be compared like with like."""

_WORD = re.compile(r"[a-z0-9]+")


def shingles(text: str, size: int) -> set[bytes]:
    """The text's runs of ``size`` lower-cased words (punctuation ignored: FA-KES strips it)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def signature(text: str, settings: NewsSettings) -> MinHash:
    """The MinHash of ``text``'s shingles (seeded, so stored signatures stay comparable)."""
    from datasketch import MinHash

    sig = MinHash(num_perm=settings.wire_num_perm, seed=1, scheme=SCHEME)
    sig.update_batch(list(shingles(text, settings.wire_shingle_words)))
    return sig


class WireGrouper:
    """Assigns wire groups to articles as they are ingested, against everything stored.

    The candidates are found by datasketch's LSH banding (its bands and rows for the
    threshold), kept in :class:`_Bands` rather than in ``MinHashLSH``: that keeps a set and
    a bytes key per band of every article, about 11 KB an article (1 GB for a 100k-article
    ingest), where sorted arrays and one signature row take under 1 KB. The groups found
    are the same (tested).
    """

    def __init__(self, stored: Iterable[dict[str, Any]], settings: NewsSettings) -> None:
        """``stored``: article infos as ``Store.articles()`` returns them (with meta_json)."""
        from datasketch import MinHashLSH

        self.settings = settings
        lsh = MinHashLSH(threshold=settings.wire_threshold, num_perm=settings.wire_num_perm)
        self._bands = _Bands(lsh.b, lsh.r)
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        # One row of uint32 hash values per article (affine32 keeps them < 2**32), in one
        # array grown by doubling: 512 bytes an article, not an array object each.
        self._sigs = np.empty((0, settings.wire_num_perm), dtype=np.uint32)
        self.groups: dict[str, str] = {}
        for info in stored:
            meta = json.loads(str(info.get("meta_json") or "{}"))
            values = meta.get(WIRE_MINHASH)
            if isinstance(values, list) and len(values) == settings.wire_num_perm:
                sig = np.asarray(values, dtype=np.uint64).astype(np.uint32)
                self._insert(str(info["id"]), sig, str(meta.get(WIRE_GROUP) or info["id"]))

    def _insert(self, article_id: str, sig: np.ndarray, group: str) -> None:
        row = self._row.get(article_id)
        if row is None:
            row = self._row[article_id] = len(self._ids)
            self._ids.append(article_id)
            if row == len(self._sigs):
                grown = np.empty((max(64, 2 * row), self._sigs.shape[1]), dtype=np.uint32)
                grown[:row] = self._sigs
                self._sigs = grown
            self._sigs[row] = sig
        else:  # an updated article: its old bands stay but no longer match its row's sig
            self._sigs[row] = sig
        self._bands.add(row, sig)
        self.groups[article_id] = group

    def _matches(self, article_id: str, sig: np.ndarray) -> list[str]:
        """Stored articles sharing a band with ``sig`` (what ``MinHashLSH.query`` returns)."""
        out = []
        for row in self._bands.query(sig):
            other = self._ids[row]
            # A row's bands from before an update only count if they are still its own.
            if other != article_id and self._bands.shares_band(self._sigs[row], sig):
                out.append(other)
        return out

    def assign(self, articles: Sequence[Article]) -> list[Article]:
        """The articles, each with its wire group and signature in its metadata.

        Values already in the input's metadata are recomputed, never trusted. An article
        that matches several stored ones joins the group of the most similar.
        """
        out = []
        for article in articles:
            sig = np.asarray(signature(article.text, self.settings).hashvalues).astype(np.uint32)
            matches = self._matches(article.id, sig)
            best = max(
                matches,
                key=lambda m: (float(np.mean(sig == self._sigs[self._row[m]])), m),
                default=None,
            )
            group = self.groups[best] if best is not None else article.id
            self._insert(article.id, sig, group)
            metadata = {**article.metadata, WIRE_GROUP: group, WIRE_MINHASH: _ints(sig)}
            out.append(article.model_copy(update={"metadata": metadata}))
        return out


class _Bands:
    """LSH bands of signatures: a row shares a band with a query when one band's values
    are equal. Each band's values are hashed to 64 bits (band number included) and kept
    in one sorted array beside their rows; the latest rows wait in a dict until there are
    enough of them to merge (a merge sorts everything, so it is done rarely)."""

    _MERGE_AT = 4096  # rows in the dict before they are merged into the arrays

    def __init__(self, bands: int, rows: int) -> None:
        self.bands, self.rows = bands, rows
        self._keys = np.empty(0, dtype=np.uint64)
        self._at = np.empty(0, dtype=np.int32)
        self._recent: dict[int, list[int]] = {}
        self._recent_rows = 0

    def keys(self, sig: np.ndarray) -> np.ndarray:
        """The signature's band keys: one 64-bit hash per band of ``rows`` values."""
        raw = sig[: self.bands * self.rows].astype("<u4").reshape(self.bands, self.rows)
        return np.array(
            [
                int.from_bytes(hashlib.blake2b(b.tobytes(), digest_size=8, salt=_salt(j)).digest())
                for j, b in enumerate(raw)
            ],
            dtype=np.uint64,
        )

    def shares_band(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Whether two signatures are equal on all values of at least one band."""
        n = self.bands * self.rows
        equal = (a[:n] == b[:n]).reshape(self.bands, self.rows)
        return bool(equal.all(axis=1).any())

    def add(self, row: int, sig: np.ndarray) -> None:
        for key in self.keys(sig).tolist():
            self._recent.setdefault(key, []).append(row)
        self._recent_rows += 1
        if self._recent_rows >= self._MERGE_AT:
            self._merge()

    def query(self, sig: np.ndarray) -> set[int]:
        """Rows that may share a band with ``sig`` (exact up to 64-bit hash collisions)."""
        keys = self.keys(sig)
        lo = np.searchsorted(self._keys, keys, side="left")
        hi = np.searchsorted(self._keys, keys, side="right")
        found = {int(r) for a, b in zip(lo, hi, strict=True) for r in self._at[a:b]}
        for key in keys.tolist():
            found.update(self._recent.get(key, ()))
        return found

    def _merge(self) -> None:
        keys = np.fromiter((k for k, rows in self._recent.items() for _ in rows), dtype=np.uint64)
        at = np.fromiter((r for rows in self._recent.values() for r in rows), dtype=np.int32)
        keys, at = np.concatenate([self._keys, keys]), np.concatenate([self._at, at])
        order = np.argsort(keys, kind="stable")
        self._keys, self._at = keys[order], at[order]
        self._recent, self._recent_rows = {}, 0


def _salt(band: int) -> bytes:
    return band.to_bytes(16, "little")


def _ints(sig: np.ndarray) -> list[int]:
    return [int(v) for v in sig]


def collapse(hits: Sequence[Hit]) -> list[Hit]:
    """One article per wire group: later copies are dropped, their outlets noted.

    Passages of the same article are all kept (they are not copies of each other); the
    first article of a group to appear (the best ranked) stands for the group, and its
    passages list the other outlets under ``also_carried_by``.
    """
    lead: dict[str, str] = {}  # group → article that stands for it
    carried: dict[str, list[str]] = {}
    kept: list[Hit] = []
    for hit in hits:
        group = hit.wire_group or hit.article_id
        first = lead.setdefault(group, hit.article_id)
        if first == hit.article_id:
            kept.append(hit)
            continue
        outlets = carried.setdefault(group, [])
        name = hit.source or hit.article_id
        if name not in outlets:
            outlets.append(name)
    return [
        h.model_copy(update={"also_carried_by": carried[g]})
        if (g := h.wire_group or h.article_id) in carried
        else h
        for h in kept
    ]


def carried_by(
    article_id: str, group: str | None, members: dict[str, list[tuple[str, str | None]]]
) -> list[str]:
    """Outlets (or article ids, when the outlet is unknown) of the other copies of a story."""
    out: list[str] = []
    for other, source in members.get(group or article_id, []):
        name = source or other
        if other != article_id and name not in out:
            out.append(name)
    return out
