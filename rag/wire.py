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

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

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
    """Assigns wire groups to articles as they are ingested, against everything stored."""

    def __init__(self, stored: Iterable[dict[str, Any]], settings: NewsSettings) -> None:
        """``stored``: article infos as ``Store.articles()`` returns them (with meta_json)."""
        from datasketch import MinHash, MinHashLSH

        self.settings = settings
        self.lsh = MinHashLSH(threshold=settings.wire_threshold, num_perm=settings.wire_num_perm)
        self.sigs: dict[str, MinHash] = {}
        self.groups: dict[str, str] = {}
        for info in stored:
            meta = json.loads(str(info.get("meta_json") or "{}"))
            values = meta.get(WIRE_MINHASH)
            if isinstance(values, list) and len(values) == settings.wire_num_perm:
                sig = MinHash(
                    num_perm=settings.wire_num_perm, seed=1, scheme=SCHEME, hashvalues=values
                )
                self._insert(str(info["id"]), sig, str(meta.get(WIRE_GROUP) or info["id"]))

    def _insert(self, article_id: str, sig: MinHash, group: str) -> None:
        if article_id in self.sigs:
            self.lsh.remove(article_id)
        self.lsh.insert(article_id, sig)
        self.sigs[article_id] = sig
        self.groups[article_id] = group

    def assign(self, articles: Sequence[Article]) -> list[Article]:
        """The articles, each with its wire group and signature in its metadata.

        Values already in the input's metadata are recomputed, never trusted. An article
        that matches several stored ones joins the group of the most similar.
        """
        out = []
        for article in articles:
            sig = signature(article.text, self.settings)
            matches = [m for m in self.lsh.query(sig) if m != article.id]
            best = max(matches, key=lambda m: (sig.jaccard(self.sigs[m]), m), default=None)
            group = self.groups[best] if best is not None else article.id
            self._insert(article.id, sig, group)
            metadata = {**article.metadata, WIRE_GROUP: group, WIRE_MINHASH: _ints(sig)}
            out.append(article.model_copy(update={"metadata": metadata}))
        return out


def _ints(sig: MinHash) -> list[int]:
    return [int(v) for v in sig.hashvalues]


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
