"""Question → ranked passages: dense (Chroma) and BM25, fused, filtered, diversified."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from rag.embeddings import Embedder, Vectors
from rag.lexical import LexicalIndex
from rag.questions import names_position, outlet_mention
from rag.settings import RetrievalSettings
from rag.store import Store
from rag.text import content_terms
from rag.types import Filters, Hit, QuestionSpec


@dataclass(frozen=True)
class Retrieval:
    """What retrieval found for one question."""

    query_vector: Vectors
    hits: list[Hit]
    candidates: list[Hit]


def diversify(hits: list[Hit], k: int, per_article: int) -> list[Hit]:
    """Top ``k`` hits with at most ``per_article`` passages of any one article, no wire copies.

    Without the cap, one long article that matches the topic fills every slot and
    pushes out the outlet that actually states the fact; without the copy check, the
    same agency story run by five outlets does the same. When too few articles match to
    fill ``k`` (a corpus of one article, or a question only one article is about), the
    passages the cap held back fill the rest, best first: the cap is there to make room
    for other articles, not to hide the rest of the only one.
    """
    seen: dict[str, int] = {}
    kept_terms: list[set[str]] = []
    out: list[Hit] = []
    held: list[tuple[Hit, set[str]]] = []
    for hit in hits:
        terms = set(content_terms(hit.text))
        if any(_overlap(terms, other) > WIRE_COPY_OVERLAP for other in kept_terms):
            continue
        if seen.get(hit.article_id, 0) >= per_article:
            held.append((hit, terms))
            continue
        seen[hit.article_id] = seen.get(hit.article_id, 0) + 1
        kept_terms.append(terms)
        out.append(hit)
        if len(out) == k:
            return out
    for hit, terms in held:
        if len(out) == k:
            break
        if any(_overlap(terms, other) > WIRE_COPY_OVERLAP for other in kept_terms):
            continue
        kept_terms.append(terms)
        out.append(hit)
    return out


_QUERY_CACHE = 256
# Longest id list sent instead of a date filter (220k ids took 134 ms at 100k articles;
# the filter ~1 s; over HTTP every id is sent with each query).
_WITHIN_MAX = 100_000
WIRE_COPY_OVERLAP = 0.8
"""Jaccard overlap of content words above which two passages count as copies of one story."""


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def narrow(filters: Filters, extra: Filters) -> Filters | None:
    """Both filters at once; None when nothing can pass both (e.g. disjoint outlets)."""
    since = max((d for d in (filters.since, extra.since) if d), default=None)
    until = min((d for d in (filters.until, extra.until) if d), default=None)
    if since and until and since > until:
        return None
    sources = filters.sources
    if filters.sources and extra.sources:
        wanted = {s.lower() for s in extra.sources}
        sources = [s for s in filters.sources if s.lower() in wanted]
        if not sources:
            return None
    elif extra.sources:
        sources = extra.sources
    return Filters(since=since, until=until, sources=sources)


def steer_filters(
    spec: QuestionSpec, filters: Filters, recall_days: int
) -> list[tuple[str, Filters]]:
    """Extra (query, filters) retrievals a parsed question asks for, within ``filters``.

    - each part of a multi-part question, within the outlet it names (if any);
    - each claim of a long question, within the outlets it names (if any);
    - the whole question within the outlets it names;
    - the question within each period it names: a report's date exactly ("published on
      October 20, 2023"), an event's from its first day to ``recall_days`` after its last
      (reports follow events, quarterly results come weeks after the quarter, and
      background is retold for months).
    """
    out: list[tuple[str, Filters]] = []
    for part in spec.parts:
        named = [o for o in spec.outlets if o.lower().removeprefix("the ") in part.lower()]
        steer = narrow(filters, Filters(sources=named))
        if steer is not None:
            out.append((part, steer))
    for claim in spec.claims:  # each fact the question states, within the outlets it names
        named = [o for o in spec.outlets if outlet_mention(claim, o) is not None]
        if not named:
            continue
        steer = narrow(filters, Filters(sources=named))
        if steer is not None:
            out.append((claim, steer))
    if spec.outlets:
        steer = narrow(filters, Filters(sources=spec.outlets))
        if steer is not None:
            out.append((spec.question, steer))
    for period in spec.periods:
        if period.about == "publication":  # "the report published on October 20, 2023"
            since, until = period.start - _DAY, period.end + _DAY  # time zones
        else:
            since, until = period.start, period.end + dt.timedelta(days=recall_days)
        steer = narrow(filters, Filters(since=since, until=until))
        if steer is not None:
            out.append((_clause_of(spec.question, period.text), steer))
    return out


def position_query(spec: QuestionSpec) -> str | None:
    """For a question on who holds a position ("Who leads Syria?", "Who heads HTS?"), the
    position as a news report names it: "the leader of Syria"; else None.

    A short question's verb is a weak query (it retrieved every report of someone
    "leading" an offensive in Syria); the noun phrase is near the sentences that name the
    holder ("Syrian leader Ahmed Sharaa", "Syria's de facto leader").
    """
    role = spec.role
    if role is None or not role.of or spec.parts:
        return None
    noun = role.noun.upper() if role.noun == "ceo" else role.noun
    return f"the {'former ' if role.past else ''}{noun} of {role.of}"


def naming_position(spec: QuestionSpec, hits: list[Hit], take: int, have: set[str]) -> list[Hit]:
    """The first ``take`` of ``hits`` (a ``position_query`` retrieval) not in ``have`` (chunk
    ids) whose text names the asked position and its owner: "Syrian leader Ahmed Sharaa …"
    for "Who leads Syria?". Those naming it by its noun come first, then by its verb, then
    by a related position ("led by" for "Who heads HTS?"): ``names_position``.

    They join the pool beyond its passages-per-article cap: the report naming the holder
    is often the one whose other passages (on the same person's "leadership") already
    fill its places.
    """
    role = spec.role
    if role is None or not role.of:
        return []
    level = {h.chunk_id: names_position(role, h.text) for h in hits if h.chunk_id not in have}
    named = [h for h in hits if level.get(h.chunk_id) is not None]
    return sorted(named, key=lambda h: level[h.chunk_id] or 0)[:take]


def latest_window(spec: QuestionSpec, filters: Filters, days: int) -> Filters | None:
    """For a question on the present state that names no time ("Who leads Syria now?"),
    ``filters`` narrowed to the ``days`` before its reference date; else None.

    The caller retrieves the question there too: over a corpus of older wars, the one
    recent report would otherwise be missed.
    """
    if not spec.latest or spec.periods or days <= 0 or spec.reference_date is None:
        return None
    since = spec.reference_date - dt.timedelta(days=days)
    return narrow(filters, Filters(since=since, until=spec.reference_date))


_DAY = dt.timedelta(days=1)


def _clause_of(question: str, phrase: str) -> str:
    """The comma-delimited stretch of ``question`` around ``phrase`` (the whole if short).

    "After TechCrunch reported on October 31, 2023, about Google's …, and again on
    December 15, 2023, about a class action …": each date's retrieval is about its own
    report.
    """
    at = question.find(phrase)
    if at < 0 or len(question) < 160:
        return question
    start = question.rfind(" and ", 0, at)
    start = max(start, question.rfind(", ", 0, max(at - 40, 0)))
    end = question.find(" and ", at + len(phrase))
    end = len(question) if end < 0 else end
    piece = question[max(start, 0) : end].strip(" ,")
    return piece if len(piece.split()) >= 6 else question


def widen(pool: list[Hit], steered: list[list[Hit]], take: int, per_article: int) -> list[Hit]:
    """``pool`` plus the ``take`` best passages of each steered retrieval it lacks."""
    out = list(pool)
    have = {h.chunk_id for h in out}
    count: dict[str, int] = {}
    for h in out:
        count[h.article_id] = count.get(h.article_id, 0) + 1
    for hits in steered:
        added = 0
        for hit in hits:
            if added >= take:
                break
            if hit.chunk_id in have or count.get(hit.article_id, 0) >= per_article:
                continue
            out.append(hit)
            have.add(hit.chunk_id)
            count[hit.article_id] = count.get(hit.article_id, 0) + 1
            added += 1
    return out


def reserve(
    ranked: list[Hit], steered: list[list[Hit]], k: int, first: Sequence[bool] | None = None
) -> list[Hit]:
    """The top ``k`` of ``ranked``, with a place kept for each steered retrieval's evidence.

    When none of a steered retrieval's best two passages made the top ``k``, its best
    one (as ranked) replaces the lowest passage that no other steered retrieval needs.
    The kept passages go first, in rank order: a question of three parts (or naming two
    outlets) shows each part's evidence before a second passage on the part that
    ranks best, and an LLM given the first few passages sees every part (MultiHop dev
    recall@5 0.825 → 0.862, answers unchanged). ``first`` (one flag per steered
    retrieval, default all) says whose kept passage goes first; the others keep their
    place in the top ``k`` at their rank: the best passage of the period a question
    names must be there, but not ahead of a better one (a fresh store's approximate
    search changed which period passages were kept, and put three of them before the
    one that answers).
    """
    flags = list(first) if first is not None else [True] * len(steered)
    top = ranked[:k]
    kept: set[str] = set()
    ahead: set[str] = set()
    for hits, go_first in zip(steered, flags, strict=True):
        chosen = _keep(hits, top, ranked[k:], kept)
        if chosen is not None and go_first:
            ahead.add(chosen)
    return [h for h in top if h.chunk_id in ahead] + [h for h in top if h.chunk_id not in ahead]


def _keep(hits: list[Hit], top: list[Hit], rest: list[Hit], kept: set[str]) -> str | None:
    """Keep a place in ``top`` (changed in place) for the best of a steered retrieval's
    ``hits``: one of its best two already there, else its best in ``rest`` instead of
    the lowest passage not kept. Returns the kept chunk id, or None."""
    best = {h.chunk_id for h in hits[:2]}
    present = next((h for h in top if h.chunk_id in best), None)
    if present is not None:
        kept.add(present.chunk_id)
        return present.chunk_id
    extra = next((h for h in rest if h.chunk_id in best), None)
    if extra is None:
        return None
    for i in range(len(top) - 1, -1, -1):
        if top[i].chunk_id not in kept:
            top[i] = extra
            kept.add(extra.chunk_id)
            return extra.chunk_id
    return None


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int, weights: Sequence[float] | None = None
) -> dict[str, float]:
    """RRF score per id: sum over rankings of weight / (k + rank), rank starting at 1."""
    fused: dict[str, float] = {}
    for n, ranking in enumerate(rankings):
        weight = weights[n] if weights is not None else 1.0
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused


class Retriever:
    """Finds the passages most likely to answer a question."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        settings: RetrievalSettings,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.lexical = lexical
        # Steered retrievals ask the same text again within other filters: embed it once.
        self._queries: OrderedDict[str, Vectors] = OrderedDict()

    def embed_query(self, text: str) -> Vectors:
        """The question's vector, remembered for the next few hundred questions."""
        vector = self._queries.get(text)
        if vector is None:
            vector = self._queries[text] = self.embedder.embed_query(text)
            while len(self._queries) > _QUERY_CACHE:
                self._queries.popitem(last=False)
        self._queries.move_to_end(text)
        return vector

    def prime(self, texts: Sequence[str]) -> None:
        """Embed the texts not yet remembered in one batch: a question and its steered
        parts and claims cost one model call, not one each."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._queries]
        if len(todo) > 1:
            for text, vector in zip(todo, self.embedder.embed(todo), strict=True):
                self._queries[text] = vector
            while len(self._queries) > _QUERY_CACHE:
                self._queries.popitem(last=False)

    def retrieve(self, question: str, filters: Filters | None = None) -> Retrieval:
        """Dense and lexical candidates passing ``filters``, fused, diversified to top ``k``."""
        filters = filters or Filters()
        vector = self.embed_query(question)
        n = self.settings.candidates
        dense = self.store.query(vector, n, filters, self._within(filters))
        candidates = dense
        if self.lexical is not None:
            candidates = self._fuse(
                question, vector, dense, self.lexical.search(question, n, filters)
            )
        hits = diversify(candidates, self.settings.k, self.settings.per_article)
        return Retrieval(query_vector=vector, hits=hits, candidates=candidates)

    def _within(self, filters: Filters) -> list[str] | None:
        """The ids of the chunks a date filter lets through, from the BM25 index (which
        holds every chunk's date and outlet), so the vector search need not filter by
        metadata: Chroma's range filter on dates takes ~1 s at 100k articles. None (let
        Chroma filter) without dates, without an index in step with the store, or when the
        list would be too long to send."""
        if self.lexical is None or (filters.since is None and filters.until is None):
            return None
        if self.lexical.generation != self.store.generation:
            return None
        ids = self.lexical.matching(filters)
        return ids if len(ids) <= _WITHIN_MAX else None

    def _fuse(
        self, question: str, vector: Vectors, dense: list[Hit], lexical: list[tuple[str, float]]
    ) -> list[Hit]:
        by_id = {h.chunk_id: h for h in dense}
        bm25 = dict(lexical)
        # Lexical-only hits are fetched with their vectors so every hit has a dense score.
        for hit, vec in self.store.get_chunks([cid for cid, _ in lexical if cid not in by_id]):
            sim = float(vec @ vector)
            by_id[hit.chunk_id] = hit.model_copy(update={"score": sim, "scores": {"dense": sim}})
        fused = reciprocal_rank_fusion(
            [[h.chunk_id for h in dense], [cid for cid, _ in lexical]], self.settings.rrf_k
        )
        ranked = sorted(fused, key=lambda cid: -fused[cid])
        return [
            by_id[cid].model_copy(
                update={
                    "score": fused[cid],
                    "scores": {**by_id[cid].scores, "bm25": bm25.get(cid, 0.0), "rrf": fused[cid]},
                }
            )
            for cid in ranked
            if cid in by_id
        ]
