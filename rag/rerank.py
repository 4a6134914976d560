"""Sentence-level reranking: which sentence of the retrieved passages answers the question.

No cross-encoder ships offline (see MODELS.md), so the default scorer combines the
signals that are here, each in [0, 1]:

- ``dense``: cosine between the question and the sentence (bi-encoder);
- ``context``: cosine between the question and the passage around the sentence;
- ``coverage``: share of the question's content words (stemmed) found in the sentence,
  words found only in the neighbouring sentences counting half;
- ``cue``: answer-type cues: a number for "how many", a name for "who", a date for
  "when"; a penalty when the question names a year the article is not about; and a
  penalty for run-on "sentences" (news dumps with stripped punctuation glue whole
  paragraphs into one), which cover many words without being quotable answers.

The weights live in ``WEIGHTS`` and were chosen on the development questions
(``evals/calibrate.py`` prints the separation they give).
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np

from rag.embeddings import Embedder, Vectors, can_pool
from rag.guard import is_instruction
from rag.nlp import names_asked
from rag.questions import EMPTY_VERBS, period_fit
from rag.retrieve import reciprocal_rank_fusion
from rag.settings import RetrievalSettings
from rag.text import (
    bare_stamp,
    content_terms,
    debris_prefix,
    debris_suffix,
    expansion,
    findable,
    is_sense,
    months,
    names,
    numbers,
    page_chrome,
    weighted_terms,
    without_phrasal_back,
    word_forms,
    years,
)
from rag.types import Hit, QuestionSpec, SentenceHit, Span

_CACHE_SIZE = 20_000
_LONG = 300  # characters; longer sentences are rarely a precise quote


class SentenceScorer:
    """Scores every sentence of the given passages against a question."""

    def __init__(
        self,
        embedder: Embedder,
        settings: RetrievalSettings,
        periods: tuple[int, int] = (31, 365),
        stored: Callable[[Sequence[Hit]], dict[str, Vectors]] | None = None,
        bases: Callable[[], Mapping[str, str]] | None = None,
        stored_clauses: Callable[[Sequence[Hit]], dict[str, list[Vectors]]] | None = None,
        clause_kind: str = "none",
    ) -> None:
        """``periods`` are the answer settings' (period_slack_days, period_recall_days);
        ``stored`` gives the sentence vectors computed at ingest (``Store.sentence_vectors``),
        so that only sentences stored without them are embedded here, and
        ``stored_clauses`` the clause vectors of ``clause_kind`` (``Store.clause_vectors``,
        ``embedding.clause_vectors``); ``bases`` maps the
        stems of irregular forms to their lemma's (``Annotator.stem_bases``), so that a
        question's "won" is covered by a sentence's "wins"."""
        self.embedder = embedder
        self.bases = bases
        self.settings = settings
        self.periods = periods
        self.stored = stored
        self.stored_clauses = stored_clauses
        self.clause_kind = clause_kind
        # Sentence vectors are reused across questions of a session or an eval run.
        self._cache: OrderedDict[tuple[str, int, int], Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def _prime(self, hits: Sequence[Hit]) -> None:
        """Put the stored sentence vectors of ``hits`` in the cache."""
        todo = [
            h for h in hits if any(_key(h, i) not in self._cache for i in range(len(h.sentences)))
        ]
        if self.stored is None or not todo:
            return
        found = self.stored(todo)
        for hit in todo:
            vectors = found.get(hit.chunk_id)
            if vectors is not None:
                for i, vec in enumerate(vectors):
                    self._cache[_key(hit, i)] = vec

    def _vectors(self, keys: list[tuple[str, int, int]], texts: list[str]) -> Vectors:
        # Locked: the app scores several questions at once, and one thread's eviction
        # must not remove a vector another has just found cached.
        with self._lock:
            missing = [i for i, key in enumerate(keys) if key not in self._cache]
            if missing:
                fresh = self.embedder.embed([texts[i] for i in missing])
                for i, vec in zip(missing, fresh, strict=True):
                    self._cache[keys[i]] = vec
            for key in keys:
                self._cache.move_to_end(key)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            vectors = [self._cache[k] for k in keys]
        return np.stack(vectors) if vectors else np.zeros((0, 1), np.float32)

    def best_sentence(self, text: str, hit: Hit) -> Span:
        """The sentence of ``hit`` closest in meaning to ``text`` (for resolving citations).

        A sentence addressed to the assistant (``rag.guard``) is never the quote.
        """
        usable = [
            i for i in range(len(hit.sentences)) if not is_instruction(_span_text(hit, i))
        ] or list(range(len(hit.sentences)))
        if len(usable) <= 1:
            return hit.sentences[usable[0]] if usable else Span(start=hit.start, end=hit.end)
        keys = [_key(hit, i) for i in usable]
        texts = [_span_text(hit, i) for i in usable]
        self._prime([hit])
        sims = self._vectors(keys, texts) @ self.embedder.embed_query(text)
        return hit.sentences[usable[int(np.argmax(sims))]]

    def order_by_sentence(self, hits: Sequence[Hit], query_vector: Vectors) -> list[Hit]:
        """``hits`` ordered by their sentence closest in meaning to ``query_vector``.

        A claim of a long question ("… described by Fortune as impactful in the industry")
        is stated by one sentence of its evidence; the passage around it matches the
        whole claim less well.
        """
        items = [(h, i) for h in hits for i in range(len(h.sentences))]
        if not items:
            return list(hits)
        self._prime(hits)
        sims = (
            self._vectors([_key(h, i) for h, i in items], [_span_text(h, i) for h, i in items])
            @ query_vector
        )
        best: dict[str, float] = {}
        for (hit, _), sim in zip(items, sims, strict=True):
            best[hit.chunk_id] = max(best.get(hit.chunk_id, -1.0), float(sim))
        return sorted(hits, key=lambda h: -best.get(h.chunk_id, -1.0))

    def score(
        self, spec: QuestionSpec, query_vector: Vectors, hits: list[Hit]
    ) -> list[SentenceHit]:
        """All distinct sentences of ``hits``, best first.

        Scraped debris opening a sentence (datelines, "Published …", "- YouTube"; see
        ``rag.text.DEBRIS``) is cut off, so quotes start where the news does.
        """
        seen: set[tuple[str, int]] = set()
        items: list[tuple[Hit, int]] = []
        for hit in hits:
            for i, span in enumerate(hit.sentences):
                if (hit.article_id, span.start) not in seen:
                    seen.add((hit.article_id, span.start))
                    items.append((hit, i))
        keys = [_key(h, i) for h, i in items]
        texts = [_span_text(h, i) for h, i in items]
        self._prime(hits)
        dense = self._vectors(keys, texts) @ query_vector if items else np.zeros(0)
        bases = self.bases() if self.bases else {}
        # An abbreviation the passages write out is covered by its words: "EU" by "The
        # European Union".
        spelled: dict[str, frozenset[str]] = {}
        for short in names(spec.question):
            full = next((x for h in hits if (x := expansion(short, h.text))), None)
            if full is not None and (own := content_terms(short)):
                spelled[own[0]] = frozenset(content_terms(full))
        # Each question term's forms once, not once per scored sentence. Its senses
        # ("backed" is "supporting") are for the checks: in the score, any sentence of
        # support would tie with the one in the question's own words.
        q_forms = [
            (
                frozenset(f for f in word_forms(t, bases) if not is_sense(f))
                | spelled.get(t, frozenset()),
                w,
            )
            for t, w in weighted_terms(spec.question).items()
            if t not in EMPTY_VERBS  # "What happened in Latakia?" is about Latakia
        ]
        # "Who backed the rebels?" is not covered by "the rebels pushed back the assault".
        backs = "back" in content_terms(spec.question)  # stems: "backed", "backing" too
        weights = self.settings.sentence_weights
        # Each sentence's word forms once: it is scored itself and as its neighbours' context.
        known: dict[str, frozenset[str]] = {}

        def forms_of(text: str) -> frozenset[str]:
            if text not in known:
                known[text] = _forms(text, bases)
            return known[text]

        out = []
        for (hit, i), text, sim in zip(items, texts, dense, strict=True):
            span = hit.sentences[i]
            if bare_stamp(text) or page_chrome(text):
                continue  # "Mar 25, 2021 ...", "905 Followers, 298 Following": never an answer
            cut = debris_prefix(text)
            tail = debris_suffix(text[cut:])
            sent = SentenceHit(
                hit=hit,
                text=text[cut : len(text) - tail],
                start=span.start + cut,
                end=span.end - tail,
                score=0.0,
            )
            parts = {
                "dense": float(sim),
                "context": float(hit.scores.get("dense", hit.score)),
                "coverage": _coverage(
                    q_forms,
                    forms_of(without_phrasal_back(sent.text) if backs else sent.text),
                    frozenset().union(*(forms_of(t) for t in _neighbours(hit, i))),
                ),
                "cue": cue(spec, sent, self.settings.cue_weights, self.periods),
            }
            total = sum(w * parts.get(k, 0.0) for k, w in weights.items()) + parts["cue"]
            out.append(sent.model_copy(update={"score": total, "scores": parts}))
        return sorted(out, key=lambda s: -s.score)

    def rescore_clauses(
        self, ranked: list[SentenceHit], query_vector: Vectors
    ) -> list[SentenceHit]:
        """Score the best long sentences by their best clause too (``clause_rescore``).

        "The conflict, which has drawn in Western countries …, while Russia, Iran, and
        Iranian-backed militias have supported Assad, has turned into …" is one answer
        clause in forty words: its cosine to "who backed Assad?" is diluted by the rest.
        A sentence's dense part becomes the best of its own and its clauses' cosines.
        It orders the answer's candidates, not the passages: retrieval stays as scored.

        Ingest stores the clauses' vectors with the sentence vectors
        (``embedding.clause_vectors``), so a question embeds no clause; passages stored
        without them (or with another kind) have theirs made here: each clause embedded
        on its own, or, for ``pooled``, the mean of its tokens' states in one pass per
        sentence (:func:`sentence_clause_spans`).
        """
        top = self.settings.clause_rescore
        long = [i for i, s in enumerate(ranked[: top * 3]) if len(s.text) > _CLAUSE_MIN][:top]
        pieces = [(i, j, c) for i in long for j, c in enumerate(clauses(ranked[i].text))]
        if not pieces:
            return ranked
        # Cached like sentence vectors (a session asks about the same passages again).
        keys = [_clause_key(ranked[i], j) for i, j, _ in pieces]
        self._prime_clauses([ranked[i] for i in long])
        sims = self._vectors(keys, [c for _, _, c in pieces]) @ query_vector
        best: dict[int, float] = {}
        for (i, _, _), sim in zip(pieces, sims, strict=True):
            best[i] = max(best.get(i, -1.0), float(sim))
        weight = self.settings.sentence_weights.get("dense", 0.0)
        out = list(ranked)
        for i, sim in best.items():
            s = out[i]
            gain = sim - s.scores.get("dense", 0.0)
            if gain > 0:
                parts = {**s.scores, "dense": sim, "clause_gain": gain}
                out[i] = s.model_copy(update={"score": s.score + weight * gain, "scores": parts})
        return sorted(out, key=lambda s: -s.score)

    def _prime_clauses(self, sentences: list[SentenceHit]) -> None:
        """Put the clause vectors of ``sentences`` in the cache: the stored ones, else, for
        ``pooled``, those pooled from each sentence's own pass (an embedder with
        ``embed_spans``). What is left uncached is embedded clause by clause."""
        todo = []
        for s in sentences:
            found = _sentence_of(s)
            if found is not None and (_clause_key(s, 0) not in self._cache):
                todo.append((s, found))
        if not todo:
            return
        stored = self.stored_clauses([s.hit for s, _ in todo]) if self.stored_clauses else {}
        fresh: dict[tuple[str, int, int], Vectors] = {}
        unpooled = []
        for s, i in todo:
            rows = stored.get(s.hit.chunk_id)
            mine = rows[i] if rows is not None else None
            if mine is not None and len(mine) == len(clauses(s.text)):
                fresh.update({_clause_key(s, j): vec for j, vec in enumerate(mine)})
            else:
                unpooled.append((s, i))
        if unpooled and self.clause_kind == "pooled" and can_pool(self.embedder):
            texts = [_span_text(s.hit, i) for s, i in unpooled]
            _, pooled = self.embedder.embed_spans(  # type: ignore[attr-defined]
                texts, [sentence_clause_spans(t) for t in texts]
            )
            for (s, _), vecs in zip(unpooled, pooled, strict=True):
                if len(vecs) == len(clauses(s.text)) and all(v is not None for v in vecs):
                    fresh.update({_clause_key(s, j): v for j, v in enumerate(vecs)})
        with self._lock:
            self._cache.update(fresh)


def _clause_key(s: SentenceHit, j: int) -> tuple[str, int, int]:
    """The cache key of the ``j``-th clause of ``s``."""
    return (f"{s.hit.article_id}#clause", s.start, j)


def _sentence_of(s: SentenceHit) -> int | None:
    """The index in its passage of the sentence ``s`` quotes (perhaps without debris)."""
    return next((i for i, sp in enumerate(s.hit.sentences) if sp.start <= s.start < sp.end), None)


def sentence_clauses(sentence: str) -> list[str]:
    """The clauses the answer step scores a stored sentence by (:meth:`rescore_clauses`):
    those of its text without scraped debris, when that is longer than ``_CLAUSE_MIN``;
    none otherwise. Ingest embeds them (``embedding.clause_vectors = separate``)."""
    _, text = _quoted(sentence)
    return clauses(text) if len(text) > _CLAUSE_MIN else []


def sentence_clause_spans(sentence: str) -> list[tuple[int, int]]:
    """:func:`sentence_clauses` as spans of ``sentence`` (ingest pools their vectors with
    ``embedding.clause_vectors = pooled``)."""
    cut, text = _quoted(sentence)
    if len(text) <= _CLAUSE_MIN:
        return []
    return [(cut + a, cut + b) for a, b in clause_spans(text)]


def _quoted(sentence: str) -> tuple[int, str]:
    """Where the text :meth:`SentenceScorer.score` quotes of ``sentence`` starts, and that
    text: the sentence without the scraped debris at either end."""
    cut = debris_prefix(sentence)
    return cut, sentence[cut : len(sentence) - debris_suffix(sentence[cut:])]


_CLAUSE_MIN = 150  # characters; shorter sentences are one clause, near enough
# Where a clause ends and another begins: subordinating words and semicolons, not the
# commas of a list ("Russia, Iran, and Iranian-backed militias").
_CLAUSE_BREAK = re.compile(
    r"\s*[;:]\s+|,?\s+(?=(?:while|whereas|but|although|though|which|who|after|before|since|"
    r"because|as well as|when|where|amid|despite)\s)|,\s+(?=(?:and|or)\s+(?:the|a|an|it|they|"
    r"he|she|we)\s)|,\s+(?=(?:has|have|had|is|are|was|were|will|would)\s)"
)


def clause_spans(sentence: str) -> list[tuple[int, int]]:
    """The character spans of :func:`clauses` in ``sentence`` (a clause joined with a short
    piece spans both and what stands between them)."""
    pieces: list[tuple[int, int]] = []
    at = 0
    for m in _CLAUSE_BREAK.finditer(sentence):
        pieces.append((at, m.start()))
        at = m.end()
    pieces.append((at, len(sentence)))
    out: list[tuple[int, int]] = []
    carry: int | None = None
    for start, end in pieces:
        start = carry if carry is not None else start
        if len(sentence[start:end].split()) <= 4:
            carry = start
            continue
        carry = None
        out.append((start, end))
    if carry is not None:
        if out:
            out[-1] = (out[-1][0], len(sentence))
        else:
            out.append((carry, len(sentence)))
    if len(out) < 2:
        return []
    # without the white space around each piece, as clauses() strips it
    out = [(a + len(sentence[a:b]) - len(sentence[a:b].lstrip()), b) for a, b in out]
    return [(a, b - (len(sentence[a:b]) - len(sentence[a:b].rstrip()))) for a, b in out]


def clauses(sentence: str) -> list[str]:
    """``sentence`` cut at clause boundaries; pieces of four words or fewer join the next."""
    out: list[str] = []
    carry = ""
    for piece in _CLAUSE_BREAK.split(sentence):
        piece = f"{carry} {piece}".strip() if carry else piece.strip()
        if len(piece.split()) <= 4:
            carry = piece
            continue
        carry = ""
        out.append(piece)
    if carry:
        if out:
            out[-1] = f"{out[-1]} {carry}"
        else:
            out.append(carry)
    return out if len(out) > 1 else []


class Reranker(Protocol):
    """Reorders scored sentences; returns new SentenceHits, never mutates the input."""

    def rerank(self, question: str, sentences: list[SentenceHit]) -> list[SentenceHit]:
        """Sentences best first, with updated ``score`` and component ``scores``."""
        ...


class CrossEncoderReranker:
    """Blends a cross-encoder's relevance with the default score: 0.5 * each.

    For users who can load one (``retrieval.reranker = "cross-encoder:<name or path>"``,
    e.g. an MS MARCO MiniLM cross-encoder): none ships offline here. The model's output
    goes through a sigmoid, unless it has several labels, in which case the last label's
    softmax probability is used (the "relevant"/"entailment" convention).
    """

    def __init__(self, model: str, batch_size: int = 32, top: int = 60) -> None:
        from sentence_transformers import CrossEncoder

        self.model = CrossEncoder(model, device="cpu")
        self.batch_size = batch_size
        self.top = top  # only the best candidates are worth a cross-encoder pass

    def rerank(self, question: str, sentences: list[SentenceHit]) -> list[SentenceHit]:
        """Score the top candidates with the cross-encoder and resort them."""
        head, tail = sentences[: self.top], sentences[self.top :]
        if not head:
            return sentences
        raw = np.asarray(
            self.model.predict(
                [(question, s.text) for s in head],
                batch_size=self.batch_size,
                show_progress_bar=False,
            ),
            dtype=float,
        )
        if raw.ndim == 2:
            exp = np.exp(raw - raw.max(axis=1, keepdims=True))
            prob = (exp / exp.sum(axis=1, keepdims=True))[:, -1]
        else:
            prob = 1.0 / (1.0 + np.exp(-raw))
        rescored = [
            s.model_copy(
                update={
                    "score": 0.5 * s.score + 0.5 * float(p),
                    "scores": {**s.scores, "cross_encoder": float(p)},
                }
            )
            for s, p in zip(head, prob, strict=True)
        ]
        return sorted(rescored, key=lambda s: -s.score) + tail


def make_reranker(spec: str) -> Reranker | None:
    """The reranker a ``retrieval.reranker`` setting names: ``rag.backends.make_reranker``."""
    from rag.backends import make_reranker as build

    return build(spec)


def rerank_hits(
    hits: list[Hit], sentences: list[SentenceHit], *, keep: float = 0.0, rrf_k: int = 60
) -> list[Hit]:
    """Passages reordered by their best sentence; returns new Hit objects.

    ``hits`` come in retrieval order. With ``keep`` > 0 that order is not thrown away:
    the new order fuses the two ranks (reciprocal rank fusion, retrieval's counting
    ``keep`` times). Retrieval matched the whole passage, its title and its exact
    words (BM25); the best sentence often matches one clause of a long question only.
    A multi-hop question's passage that is right for its title and its second half
    ("… the Steam Deck OLED arrives November 16", "Valve has announced …") otherwise
    falls behind a passage whose one generic sentence is close to the question's
    wording ("This week, we cover Sam Altman …").
    """
    best: dict[str, float] = {}
    for s in sentences:
        best[s.hit.chunk_id] = max(best.get(s.hit.chunk_id, -1.0), s.score)
    by_sentence = sorted(hits, key=lambda h: -best.get(h.chunk_id, h.score))
    if keep > 0:
        fused = reciprocal_rank_fusion(
            [[h.chunk_id for h in by_sentence], [h.chunk_id for h in hits]], rrf_k, [1.0, keep]
        )
        ranked = sorted(by_sentence, key=lambda h: -fused[h.chunk_id])
    else:
        ranked = by_sentence
    return [
        h.model_copy(update={"score": best.get(h.chunk_id, h.score), "scores": {**h.scores}})
        for h in ranked
    ]


def _key(hit: Hit, i: int) -> tuple[str, int, int]:
    """The cache key of a hit's ``i``-th sentence: the same sentence in any chunk."""
    return (hit.article_id, hit.sentences[i].start, hit.sentences[i].end)


def _span_text(hit: Hit, i: int) -> str:
    span = hit.sentences[i]
    return hit.text[span.start - hit.start : span.end - hit.start]


def _neighbours(hit: Hit, i: int) -> list[str]:
    return [_span_text(hit, j) for j in (i - 1, i + 1) if 0 <= j < len(hit.sentences)]


def _forms(text: str, bases: Mapping[str, str]) -> frozenset[str]:
    """Every form of every content term of ``text`` (``word_forms``), as coverage reads it."""
    return frozenset(findable({f for t in content_terms(text) for f in word_forms(t, bases)}))


def _coverage(
    q_forms: list[tuple[frozenset[str], float]], own: frozenset[str], near: frozenset[str]
) -> float:
    """Weighted share of the question's terms (each in any of its forms, ``q_forms`` made
    once per question) among a sentence's forms ``own``; a term only among its
    neighbours' forms ``near`` counts half."""
    total = sum(w for _, w in q_forms)
    if not total:
        return 0.0
    got = sum(w for forms, w in q_forms if forms & own)
    got += 0.5 * sum(w for forms, w in q_forms if not forms & own and forms & near)
    return got / total


def cue(
    spec: QuestionSpec, sentence: SentenceHit, weights: dict[str, float], periods: tuple[int, int]
) -> float:
    """Bonus or penalty from the answer type, the period and the sentence's length.

    - the sentence holds the expected answer type by pattern (a number for a number
      question, a new capitalised name for "who", a date for "when"): ``type_match``,
      else ``type_miss`` for number questions (a toll question wants a number);
    - it names a thing of the kind a "which <noun>" / "what type of <noun>" question
      asks for ("the village of Hass"): ``named_answer``;
    - it fits the period the question names: ``period_fit``; it lies in another:
      ``period_conflict`` (a question about March 2025 is not answered by 2016);
    - run-on "sentences" (news dumps with stripped punctuation glue whole paragraphs)
      lose up to ``long_sentence``: they cover many words without being quotable.
    """
    text = sentence.text
    bonus = 0.0
    kind = spec.answer_type
    if kind in ("number", "money"):
        fresh = numbers(text) - numbers(spec.question) - {str(y) for y in years(text)}
        bonus += weights.get("type_match" if fresh else "type_miss", 0.0)
    elif kind in ("person", "organisation"):
        asked = {n.lower() for n in spec.entities}
        new = {n.lower() for n in names(text)} - asked
        if any(" " in n for n in new):  # "Rami Abdulrahman" is a likelier answer than "UK"
            bonus += weights.get("type_match", 0.0) * 1.6
        elif new:
            bonus += weights.get("type_match", 0.0) * 0.4
    elif kind == "date" and (years(text) or months(text)):
        bonus += weights.get("type_match", 0.0)
    if names_asked(spec, text):  # "the village of Hass" for "which village"
        bonus += weights.get("named_answer", 0.0)
    if spec.periods:
        fit = period_fit(spec.periods, sentence, *periods)
        if fit > 0:
            bonus += weights.get("period_fit", 0.0)
        elif fit < 0:
            bonus += weights.get("period_conflict", 0.0)
    if len(text) > _LONG:
        bonus += max(weights.get("long_sentence", 0.0), -0.1 * (len(text) - _LONG) / _LONG)
    return bonus
