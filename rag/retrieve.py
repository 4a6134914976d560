"""Question → ranked passages: dense search in Chroma, filters, per-article diversity."""

from __future__ import annotations

from dataclasses import dataclass

from rag.embeddings import Embedder, Vectors
from rag.settings import RetrievalSettings
from rag.store import Store
from rag.types import Filters, Hit


@dataclass(frozen=True)
class Retrieval:
    """What retrieval found for one question."""

    query_vector: Vectors
    hits: list[Hit]
    candidates: list[Hit]


def diversify(hits: list[Hit], k: int, per_article: int) -> list[Hit]:
    """Top ``k`` hits with at most ``per_article`` passages of any one article.

    Without the cap, one long article that matches the topic fills every slot and
    pushes out the outlet that actually states the fact.
    """
    seen: dict[str, int] = {}
    out: list[Hit] = []
    for hit in hits:
        if seen.get(hit.article_id, 0) >= per_article:
            continue
        seen[hit.article_id] = seen.get(hit.article_id, 0) + 1
        out.append(hit)
        if len(out) == k:
            break
    return out


class Retriever:
    """Finds the passages most likely to answer a question."""

    def __init__(self, store: Store, embedder: Embedder, settings: RetrievalSettings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def retrieve(self, question: str, filters: Filters | None = None) -> Retrieval:
        """Dense candidates passing ``filters``, diversified to the top ``k``."""
        filters = filters or Filters()
        vector = self.embedder.embed_query(question)
        candidates = self.store.query(vector, self.settings.candidates, filters)
        hits = diversify(candidates, self.settings.k, self.settings.per_article)
        return Retrieval(query_vector=vector, hits=hits, candidates=candidates)
