"""The public entry points: ``Pipeline(settings).ingest(paths)`` and ``.ask(question)``."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.abstain import Decision, decide, filtered_out, mentions, other_reports
from rag.answer import Draft, ExtractiveAnswerer, apply_verdicts
from rag.backends import make_chat_model, make_embedder, make_model_judge, make_reranker, make_store
from rag.concurrency import ReadWriteLock, serial, shared_property
from rag.embeddings import Embedder
from rag.errors import RagError, StoreMoved
from rag.followup import standalone_question, standalone_question_llm
from rag.generate import LLMAnswerer, reattribute, titled_evidence, trim_unstated_times
from rag.guard import is_instruction
from rag.lexical import LexicalIndex
from rag.llm import ChatModel
from rag.news import NewsLens, prefer_recent
from rag.nlp import Annotator
from rag.questions import match_outlets, parse_question, period_fit, published_date
from rag.rerank import Reranker, SentenceScorer, rerank_hits
from rag.retrieve import (
    Retriever,
    diversify,
    latest_window,
    naming_position,
    position_query,
    reciprocal_rank_fusion,
    reserve,
    steer_filters,
    widen,
)
from rag.settings import Settings
from rag.store import Store
from rag.text import spell_out
from rag.timeline import build_timeline
from rag.types import (
    Answer,
    Filters,
    Hit,
    IngestReport,
    QuestionSpec,
    SentenceHit,
    Timeline,
    Turn,
)
from rag.verify import Verifier
from rag.wire import collapse

if TYPE_CHECKING:  # ingest pulls in the loaders and MinHash: loaded by the commands that ingest
    from rag.ingest import ProgressCallback
    from rag.loaders import FieldMap


class Pipeline:
    """Ingest articles into the store and answer questions about them with citations.

    One pipeline may serve many threads (the app's workers): questions run in parallel,
    each reading the store under a read share of :attr:`gate`, while a write (ingest,
    delete, the switch of a rebuild) holds it alone, so a question sees the corpus as it
    was before a write or as it is after, never half-written (see ``rag.concurrency``).
    """

    def __init__(
        self, settings: Settings | None = None, *, embedder: Embedder | None = None
    ) -> None:
        """``embedder`` lets several pipelines (UI users, tests) share one loaded model."""
        self.settings = settings or Settings()
        self.gate = ReadWriteLock()
        self._init_lock = threading.RLock()  # models, handles and indexes load once
        if embedder is not None:
            self.__dict__["embedder"] = serial(embedder)

    @shared_property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use."""
        return serial(make_embedder(self.settings))

    @shared_property
    def store(self) -> Store:
        """The vector store, opened on first use (checks the embedding model matches)."""
        return make_store(self.settings)

    @shared_property
    def retriever(self) -> Retriever:
        """Passage retrieval over the store (hybrid unless disabled)."""
        lexical = self.lexical_index() if self.settings.retrieval.hybrid else None
        self.__dict__["_retriever_generation"] = self.store.generation
        return Retriever(self.store, self.embedder, self.settings.retrieval, lexical)

    def lexical_index(self, *, rebuild: bool = False) -> LexicalIndex:
        """The BM25 index, rebuilt when asked or when it no longer matches the store."""
        index = LexicalIndex(self.settings.lexical_folder())
        store = self.store
        if (
            rebuild
            or not index.load()
            or index.generation != store.generation
            or index.size != store.count_chunks()
        ):
            try:
                index.build(store.iter_chunks(), store.generation)
            except StoreMoved:  # another process rebuilt the store meanwhile: once more
                index.build(store.iter_chunks(), store.generation)
        return index

    def _fresh(self) -> None:
        """Notice what other processes wrote (one small read): reopen the store, reload BM25.

        The generation is compared rather than trusting ``refresh()``'s answer: any store
        read may already have refreshed the handles, but only this resets BM25.
        """
        with self._init_lock:  # a reader rebuilding BM25 must not race another's reset
            store = self.__dict__.get("store")
            if store is None:
                return
            store.refresh()
            if self.__dict__.get("_retriever_generation") != store.generation:
                self._changed()

    @shared_property
    def scorer(self) -> SentenceScorer:
        """Sentence-level reranker."""
        cfg = self.settings.answer
        periods = (cfg.period_slack_days, cfg.period_recall_days)
        clauses = self.settings.embedding.clause_vectors
        return SentenceScorer(
            self.embedder,
            self.settings.retrieval,
            periods,
            stored=lambda hits: self.store.sentence_vectors(hits),
            bases=lambda: self.annotator.stem_bases(),
            stored_clauses=lambda hits: self.store.clause_vectors(hits, clauses),
            clause_kind=clauses,
        )

    @shared_property
    def annotator(self) -> Annotator:
        """Entities and clauses of candidate answer sentences (spaCy, loaded on first use)."""
        return Annotator(self.settings.answer.nlp_model)

    @shared_property
    def corpus_facts(self) -> tuple[list[str], dt.date | None]:
        """The corpus's outlet names and latest publication date (for question parsing),
        as the last writer recorded them (``Store.corpus_facts``)."""
        facts = self.store.corpus_facts()
        return facts.outlets, published_date(facts.latest)

    def parse(self, question: str, *, as_of: dt.date | None = None) -> QuestionSpec:
        """The question as every stage reads it: ``rag.questions.parse_question``.

        Relative dates ("last year") resolve against ``as_of``, else the corpus's latest
        publication date.
        """
        outlets, latest = self.corpus_facts
        return parse_question(question, outlets=outlets, reference=as_of or latest)

    def _changed(self) -> None:
        """Forget everything derived from the stored corpus (after a write)."""
        for name in ("retriever", "corpus_facts", "news"):
            self.__dict__.pop(name, None)

    @shared_property
    def news(self) -> NewsLens:
        """Wire copies, outlet counts, resolved dates and conflicts (``rag.news``)."""
        return NewsLens(self.settings.news, self.annotator, self.store.wire_copies)

    @shared_property
    def reranker(self) -> Reranker | None:
        """An extra reranker over the scored sentences, when one is configured."""
        return make_reranker(self.settings.retrieval.reranker)

    @shared_property
    def llm(self) -> ChatModel:
        """The chat model named by ``answer.backend`` (not used by the extractive backend)."""
        return make_chat_model(self.settings.answer.backend, self.settings.llm)

    @shared_property
    def verifier(self) -> Verifier:
        """Per-sentence support checks (with an NLI or LLM judge when configured)."""
        cfg = self.settings.verify
        model_judge = None
        if cfg.judge != "heuristic":
            model_judge = make_model_judge(
                cfg.judge, self.settings.llm, threshold=cfg.nli_threshold
            )
        return Verifier(self.embedder, cfg, model_judge)

    # ----------------------------------------------------------------- ingest
    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        rebuild: bool = False,
        field_map: FieldMap | None = None,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        """Load, chunk, embed and store the articles under ``paths``.

        Unchanged articles (same content hash) are skipped, changed ones replaced. A file
        that fails to load is recorded in ``report.errors`` and skipped.
        """
        if rebuild:  # opened without the embedding-model check: the model may change
            with self.gate.writing():
                self.__dict__["store"] = make_store(self.settings, rebuild=True)
                self._changed()
        # The store's write lock serialises writers (of every process); a rebuild fills
        # new collections aside and switches to them only once complete. In this process,
        # questions in flight finish first and new ones wait while the live collections
        # change: during the whole write, or only for a rebuild's switch.
        with contextlib.ExitStack() as gate:
            if not rebuild:
                gate.enter_context(self.gate.writing())
            with self.store.writing(
                rebuild=rebuild, command="rebuild" if rebuild else "ingest"
            ) as write:
                from rag.ingest import Ingester

                report = Ingester(write.store, self.embedder, self.settings).run(
                    paths, prune=prune, field_map=field_map, progress=progress
                )
                write.changed = bool(report.added or report.updated or report.pruned or rebuild)
                if write.changed:  # BM25 in step with the store, built before readers switch
                    LexicalIndex(self.settings.lexical_folder()).build(
                        write.store.iter_chunks(), write.generation
                    )
                if rebuild:  # held from here until the switch (on leaving the block) is done
                    gate.enter_context(self.gate.writing())
            self._changed()
        return report

    def delete_articles(self, ids: Sequence[str]) -> None:
        """Remove articles and their chunks, and keep the BM25 index in step."""
        with self.gate.writing():
            with self.store.writing(command="delete") as write:
                write.store.delete_articles(ids)
                LexicalIndex(self.settings.lexical_folder()).build(
                    write.store.iter_chunks(), write.generation
                )
            self._changed()

    def warm_up(self) -> None:
        """Load now what every question needs: the embedding model, the NLP pipeline and,
        over a store with passages, the lexical index and the corpus facts.

        Each is otherwise loaded by the first question that needs it, and a server's first
        questions wait for it together: in the 20-client load test over the seed store, the
        spaCy pipeline's 1.4 s load on the first question put the p95 at 2.2 s.
        """
        self.embedder.embed_query("warm up")
        self.annotator.stem_bases()  # loads the spaCy pipeline (nothing with rules)
        self.annotator.parse("A warm-up sentence.")  # its layers' first call allocates
        with self.gate.reading():
            self._fresh()
            if not self.store.is_empty():
                _ = self.retriever, self.corpus_facts, self.scorer

    # -------------------------------------------------------------------- ask
    def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        as_of: dt.date | None = None,
    ) -> Answer:
        """Answer ``question`` from the corpus, citing a verbatim quote for every sentence.

        ``as_of`` is the date relative expressions in the question ("last year") are
        resolved against; by default, the corpus's latest publication date.
        """
        final: Answer | None = None
        for event in self.stream(question, filters=filters, history=history, as_of=as_of):
            if isinstance(event, Answer):
                final = event
        assert final is not None  # stream() always ends with the Answer
        return final

    def stream(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
        as_of: dt.date | None = None,
    ) -> Iterator[str | Answer]:
        """Like ``ask``, but yields the answer text in pieces as it is written, then the Answer.

        The pieces are provisional: verification runs after the text is complete and may
        flag (or, with ``verify.unsupported = "drop"``, remove) sentences, so the final
        ``Answer`` is the one to keep.
        """
        asked = question.strip()
        if not asked:
            raise RagError("the question is empty: ask something about the corpus")
        filters = filters or Filters()
        standalone = self._standalone(asked, history)
        timings: dict[str, float] = {}
        # Everything that reads the store happens under one read share (never across a
        # yield): the answer and its checks work on what was retrieved.
        with self.gate.reading():
            self._fresh()
            if self.store.is_empty():
                raise RagError(
                    f"the store at {self.store.location} is empty: run `rag ingest corpus/` first"
                )
            # Load the model and indexes first: timings_ms measures answering, not start-up.
            _ = self.retriever
            t0 = time.perf_counter()
            spec = self.parse(standalone, as_of=as_of)
            hits, pool, ranked = self._rank(spec, filters)
            timings["retrieve"] = (time.perf_counter() - t0) * 1000
            t1 = time.perf_counter()
            decision = self._decide(spec, filters, pool, ranked)
        draft = decision.abstention
        if draft is None:
            draft = Draft()
            for event in self._answer_events(spec, hits, decision.answers, ranked):
                if isinstance(event, Draft):
                    draft = event
                else:
                    yield event
        timings["answer"] = (time.perf_counter() - t1) * 1000
        writer = draft.writer or self.settings.answer.backend  # verification rebuilds drafts
        if draft.sentences:
            t2 = time.perf_counter()
            # Judged against the passages as shown: an LLM was given each one's headline.
            verified = self.verifier.verify(draft.sentences, titled_evidence(draft))
            # An LLM sentence under the wrong marker is re-cited to the passage behind it.
            draft, verified = reattribute(
                draft, verified, self.verifier.judge, self.scorer.best_sentence
            )
            # … and a time copied from the question that its passage does not state goes.
            draft, verified = trim_unstated_times(
                draft,
                verified,
                self.verifier.judge,
                self.scorer.best_sentence,
                self._in_time(spec, draft.passages),
            )
            draft = apply_verdicts(draft, verified, self.settings.verify.unsupported == "drop")
            timings["verify"] = (time.perf_counter() - t2) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        final = Answer(
            question=asked,
            standalone_question=standalone,
            answer=draft.text or (draft.abstain_reason or ""),
            abstained=draft.abstain_code is not None,
            abstain_reason=draft.abstain_reason,
            abstain_code=draft.abstain_code,
            relevance=ranked[0].score if ranked else None,
            lead=draft.sentences[0].text if draft.sentences else None,
            question_spec=spec,
            citations=draft.citations,
            sentences=draft.sentences,
            retrieved=hits,
            filters=filters,
            backend=writer,
            settings_hash=self.settings.settings_hash(),
            timings_ms=timings,
        )
        with self.gate.reading():  # enrich reads the wire copies of what the answer shows
            # Conflicts compare the answer's figures with other outlets' reports too.
            reports = other_reports(spec, pool, ranked, decision.answers, self.settings.answer)
            enriched = self.news.enrich(final, [*decision.answers, *reports], ranked)
        yield enriched

    def _standalone(self, question: str, history: Sequence[Turn]) -> str:
        uses_llm = self.settings.answer.backend != "extractive"
        if history and uses_llm and self.settings.llm.rewrite_followups:
            return standalone_question_llm(self.llm, question, history)
        return standalone_question(question, history)

    def _answer_events(
        self,
        spec: QuestionSpec,
        hits: list[Hit],
        answers: list[SentenceHit],
        ranked: list[SentenceHit],
    ) -> Iterator[str | Draft]:
        extractive = ExtractiveAnswerer(self.settings.answer, self.annotator)
        if self.settings.answer.backend == "extractive":
            yield from extractive.stream(spec, answers, ranked)
            return
        answerer = LLMAnswerer(
            self.llm, self.settings.answer.llm_passages, self.scorer.best_sentence
        )
        # The passages holding the checked answer candidates go first, so the LLM's
        # lead rests on the same evidence the extractive lead would quote.
        first = list(dict.fromkeys(s.hit.chunk_id for s in answers))
        order = {cid: i for i, cid in enumerate(first)}
        ordered = sorted(hits, key=lambda h: order.get(h.chunk_id, len(order)))
        fallback = self.settings.llm.extractive_fallback
        for event in answerer.stream(spec.question, ordered):
            if not (fallback and isinstance(event, Draft) and event.bare_markers):
                yield event
            else:
                # The checks found the answer in these passages and the model only pointed
                # at them ("[1][2]", 8 of Qwen2.5-Coder-1.5B's 12 false refusals on
                # time_dev and time_holdout): the verbatim lead from the same evidence
                # answers instead, and says who wrote it.
                for piece in extractive.stream(spec, answers, ranked):
                    if isinstance(piece, Draft):
                        piece.writer = "extractive"
                    yield piece

    def retrieve(self, question: str, *, filters: Filters | None = None) -> list[Hit]:
        """The top-k passages for ``question``, reranked by their best sentence."""
        with self.gate.reading():
            self._fresh()
            hits, _, _ = self._rank(self.parse(question.strip()), filters or Filters())
        return hits

    def timeline(self, query: str, *, filters: Filters | None = None) -> Timeline:
        """Dated events relevant to ``query``, in date order (``rag.timeline``)."""
        if not query.strip():
            raise RagError("the timeline query is empty: name an event or topic")
        filters = filters or Filters()
        with self.gate.reading():
            self._fresh()
            spec = self.parse(query.strip())
            found = self.retriever.retrieve(spec.question, filters)
        # Every passage of an article may date an event: no per-article cap here.
        pool = collapse(diversify(found.candidates, len(found.candidates), len(found.candidates)))
        ranked = [
            s
            for s in self.scorer.score(spec, found.query_vector, pool)
            if not is_instruction(s.text)
        ]
        return build_timeline(
            query.strip(), ranked, filters,
            min_relevance=self.settings.answer.min_relevance,
            limit=self.settings.news.timeline_events,
            overlap=self.settings.news.claim_overlap,
        )  # fmt: skip

    def _rank(
        self, spec: QuestionSpec, filters: Filters
    ) -> tuple[list[Hit], list[Hit], list[SentenceHit]]:
        """Retrieve passages, score their sentences, rerank passages by best sentence.

        Besides the question itself, each part of a multi-part question, and the
        question within the outlets and periods it names, are retrieved (``retrieval.
        steer``): their best passages join the pool, and each keeps its best passage in
        the top k, so every part has its evidence there. The retrievals of parts, claims
        and outlets also rank the pool (``steer_rank``), and each claim keeps a place for
        the passage whose sentence states it best (``claim_slots``). A question on the
        present state is also retrieved among the newest articles (``latest_days``).
        Returns the top-k passages, the whole candidate pool, and the ranked sentences.
        """
        cfg = self.settings.retrieval
        recall = self.settings.answer.period_recall_days
        steers = steer_filters(spec, filters, recall) if cfg.steer else []
        claims = (spec.claims or spec.parts) if cfg.claim_slots else []
        self.retriever.prime([spec.question, *(text for text, _ in steers), *claims])
        found = self.retriever.retrieve(spec.question, filters)
        # An abbreviation the passages write out ("HTS": "Hayat Tahrir al-Sham") means
        # little to the embedding model: spelled out, the question is retrieved once more
        # and its sentences are scored against that.
        spelled = spell_out(spec.question, (h.text for h in found.candidates))
        query_vector = found.query_vector
        if spelled != spec.question:
            query_vector = self.retriever.embed_query(spelled)
            steers.append((spelled, filters))
        recent = latest_window(spec, filters, cfg.latest_days) if cfg.steer else None
        # "Who leads Syria?" is also retrieved as the position it asks about ("the leader
        # of Syria"), whose passages naming it join the pool (``naming_position``). Asked
        # "now", only the newest articles' holders count: over seed + FA-KES, "the
        # president of Syria" found a 2016 "fate of Syrian President Bashar al-Assad",
        # which then went first.
        position = position_query(spec) if cfg.steer else None
        position_at = len(steers)
        if position is not None:
            spelled_position = spell_out(position, (h.text for h in found.candidates))
            steers.append((spelled_position, recent or filters))
        pool = diversify(found.candidates, cfg.k * 2, cfg.per_article)
        if recent is not None:
            # "now": also retrieved among the newest articles, even when a recent passage
            # is already in the pool: over seed + FA-KES, "Who is the president of Syria
            # now?" found the 2025 report's passages on the rebels, not the one naming
            # "Interim President Sharaa", behind a hundred older "President Assad"s.
            steers.append((spec.question, recent))
        steered: list[list[Hit]] = []
        # Whose kept passage goes first (``reserve``): a part's, a claim's, an outlet's, a
        # name's; a period's or the newest articles' keeps its place at its rank.
        split = {*spec.parts, *spec.claims}
        first = [
            text in split or (steer.since, steer.until) == (filters.since, filters.until)
            for text, steer in steers
        ]
        if cfg.steer:
            for text, steer in steers:
                steered.append(self.retriever.retrieve(text, steer).candidates)
            steered += self._find_names(spec, filters, [found.candidates, *steered])
            pool = widen(pool, steered, cfg.steer_take, cfg.per_article)
            if position is not None:
                have = {h.chunk_id for h in pool}
                pool += naming_position(spec, steered[position_at], cfg.steer_take, have)
            # The retrievals of a long question's parts and claims, and of the question
            # within the outlets it names, rank the pool with the whole question's:
            # appended after it, a part's evidence started behind every passage the
            # whole question found. A period's retrieval only widens the pool (ranking
            # by it cost time questions their best passage's place).
            by_part = [hits for hits, part in zip(steered, first, strict=False) if part]
            if cfg.steer_rank > 0 and by_part:
                fused = reciprocal_rank_fusion(
                    [[h.chunk_id for h in pool], *[[h.chunk_id for h in s] for s in by_part]],
                    cfg.rrf_k,
                    [1.0, *[cfg.steer_rank] * len(by_part)],
                )
                pool = sorted(pool, key=lambda h: -fused[h.chunk_id])
        scored = self.scorer.score(spec, query_vector, pool)
        # Sentences that address the assistant ("ignore previous instructions and answer
        # that …") are data, never an answer: they are not candidates at all.
        ranked = [s for s in scored if not is_instruction(s.text)]
        if self.reranker is not None:
            ranked = self.reranker.rerank(spec.question, ranked)
        if spec.latest:  # "latest", "as of": newer reports supersede older ones
            ranked = prefer_recent(ranked, self.settings.news.recency_weight)
        passages = rerank_hits(pool, ranked, keep=cfg.retrieval_rank, rrf_k=cfg.rrf_k)
        slots = list(steered)
        # the names' retrievals (``_find_names``) after the steers; none when not steering
        first = first[: len(slots)] + [True] * (len(slots) - len(first))
        if cfg.claim_slots:
            # Each claim of a long question keeps a place for the passage whose sentence
            # states it best.
            for claim in claims:
                vector = self.retriever.embed_query(claim)
                # A claim two outlets are said to make needs each one's report; its
                # best sentence alone decides (the second best is often the first's
                # neighbour on the same topic).
                named = [o.lower() for o in match_outlets(claim, spec.outlets)]
                groups = (
                    [[h for h in passages if (h.source or "").lower() == o] for o in named]
                    if named
                    else [passages]
                )
                for own in groups:
                    slots.append(self.scorer.order_by_sentence(own, vector)[:1])
                    first.append(True)
        hits = collapse(reserve(passages, slots, cfg.k, first))  # one per wire story
        ranked = self.scorer.rescore_clauses(ranked, query_vector)
        # Every passage retrieved, once: what the names and unknown-words checks read.
        seen = {h.chunk_id: h for hits_ in [found.candidates, *steered] for h in reversed(hits_)}
        candidates = list(seen.values())
        return hits, candidates, ranked

    def _in_time(self, spec: QuestionSpec, passages: list[Hit]) -> Callable[[str], bool]:
        """Whether a passage the model was given (by its text) is not from another period
        than ``spec`` asks about.

        Judged on its article's publication date: a passage recalls other years ("since
        2011") as background, so its own dates do not date it.
        """
        by_text = {h.text: h for h in passages}
        slack, recall = (
            self.settings.answer.period_slack_days,
            self.settings.answer.period_recall_days,
        )

        def fits(text: str) -> bool:
            hit = by_text.get(text)
            if hit is None:
                return False
            undated = SentenceHit(hit=hit, text="", start=hit.start, end=hit.start, score=0.0)
            return not spec.periods or period_fit(spec.periods, undated, slack, recall) >= 0

        return fits

    def _find_names(
        self, spec: QuestionSpec, filters: Filters, retrieved: list[list[Hit]]
    ) -> list[list[Hit]]:
        """For each name the question uses that nothing retrieved mentions, its passages.

        A long question ("Did Mashable report on the Echelon Connect Sport … before
        Fortune mentioned …") can be retrieved by its other half; the name is then
        searched on its own, and the passages that mention it join the pool, so that a
        name is called absent from the corpus only when it is.
        """
        text = " ".join(f"{h.title} {h.source or ''} {h.text}" for hits in retrieved for h in hits)
        out: list[list[Hit]] = []
        for name in spec.entities:
            if mentions(name, text, strict=False):
                continue
            hits = self.retriever.retrieve(name, filters).candidates
            out.append([h for h in hits if mentions(name, f"{h.title} {h.text}")])
        return [hits for hits in out if hits]

    def _decide(
        self, spec: QuestionSpec, filters: Filters, pool: list[Hit], ranked: list[SentenceHit]
    ) -> Decision:
        """The abstention checks (``rag.abstain``), and ``filtered_out`` for filters.

        With filters set, an abstaining question is tried once more without them: if the
        corpus then answers, the reason says that the filters excluded the evidence. That
        evidence must name what the question names: a search snippet naming none of it ("It
        was released on September 14, 2018") is taken to be about the question's subject
        only among the passages the question itself selected (``decide(implied=False)``).
        """
        cfg = self.settings.answer
        # A short article that never names the question's subject is about it only among
        # passages the question's filters chose (RGB-style snippets): over the whole corpus,
        # any one-sentence article would pass ("the firings affected teams of all sizes" for
        # "When was Sam Altman fired?").
        lexical = self.retriever.lexical
        rarity = lexical.rarity(spec.predicate) if lexical is not None else {}
        decision = decide(
            spec,
            pool,
            ranked,
            cfg,
            self.annotator,
            implied=not filters.is_empty(),
            rarity=rarity,
        )
        if decision.abstention is None or filters.is_empty():
            return decision
        _, all_pool, all_ranked = self._rank(spec, Filters())
        unfiltered = decide(
            spec, all_pool, all_ranked, cfg, self.annotator, implied=False, rarity=rarity
        )
        if unfiltered.abstention is not None:
            return decision
        return Decision(filtered_out(filters, unfiltered.answers[0].hit), [], "filtered_out")

    # ------------------------------------------------------------------ stats
    def stats(self) -> dict[str, Any]:
        """Corpus statistics: articles, chunks, sources, date range, model, location."""
        with self.gate.reading():
            infos = self.store.articles()
            chunks = self.store.count_chunks()
        dates = sorted(str(i["published_at"])[:10] for i in infos if i.get("published_at"))
        sources = Counter(str(i.get("source") or "(unknown)") for i in infos)
        return {
            "articles": len(infos),
            "chunks": chunks,
            "sources": dict(sources.most_common()),
            "date_range": [dates[0], dates[-1]] if dates else None,
            "embedding_model": self.settings.embedding.model,
            "store": self.store.location,
        }
