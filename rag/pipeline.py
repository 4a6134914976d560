"""The public entry points: ``Pipeline(settings).ingest(paths)`` and ``.ask(question)``."""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from rag.answer import (
    FILTERED_OUT,
    NO_RELEVANT,
    NOT_ANSWERED,
    Draft,
    ExtractiveAnswerer,
    apply_verdicts,
)
from rag.chunking import chunk_article
from rag.embeddings import Embedder
from rag.errors import LoadError, RagError
from rag.followup import standalone_question, standalone_question_llm
from rag.generate import LLMAnswerer
from rag.lexical import LexicalIndex
from rag.llm import ChatModel, make_chat_model
from rag.loaders import FieldMap, iter_files, load_file
from rag.rerank import (
    Reranker,
    SentenceScorer,
    answer_type_missing,
    make_reranker,
    missing_names,
    rerank_hits,
    unknown_terms,
)
from rag.retrieve import Retriever, diversify
from rag.settings import Settings
from rag.store import Store
from rag.types import Answer, Article, Filters, Hit, IngestReport, SentenceHit, Turn
from rag.verify import Verifier

ProgressCallback = Callable[[int, int, str], None]
"""Called as (files done, files total, current file) during ingest."""

_EMBED_BATCH_ARTICLES = 16  # articles whose chunks are embedded in one encode() call


def content_hash(article: Article, settings: Settings) -> str:
    """Hash of everything that changes what is stored for an article.

    Chunking settings are part of it, so changing them re-chunks on the next ingest.
    """
    payload = json.dumps(
        [
            article.model_dump(mode="json", exclude={"path"}),
            settings.chunking.model_dump(),
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class Pipeline:
    """Ingest articles into the store and answer questions about them with citations."""

    def __init__(
        self, settings: Settings | None = None, *, embedder: Embedder | None = None
    ) -> None:
        """``embedder`` lets several pipelines (UI users, tests) share one loaded model."""
        self.settings = settings or Settings()
        if embedder is not None:
            self.__dict__["embedder"] = embedder

    @cached_property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use."""
        return self.settings.make_embedder()

    @cached_property
    def store(self) -> Store:
        """The vector store, opened on first use (checks the embedding model matches)."""
        return self.settings.make_store()

    @cached_property
    def retriever(self) -> Retriever:
        """Passage retrieval over the store (hybrid unless disabled)."""
        lexical = self.lexical_index() if self.settings.retrieval.hybrid else None
        return Retriever(self.store, self.embedder, self.settings.retrieval, lexical)

    def lexical_index(self, *, rebuild: bool = False) -> LexicalIndex:
        """The BM25 index, rebuilt when asked or when it no longer matches the store."""
        index = LexicalIndex(self.settings.lexical_folder())
        if rebuild or not index.load() or index.size != self.store.count_chunks():
            index.build(self.store.iter_chunks())
        return index

    @cached_property
    def scorer(self) -> SentenceScorer:
        """Sentence-level reranker."""
        return SentenceScorer(self.embedder)

    @cached_property
    def reranker(self) -> Reranker | None:
        """An extra reranker over the scored sentences, when one is configured."""
        return make_reranker(self.settings.retrieval.reranker)

    @cached_property
    def llm(self) -> ChatModel:
        """The chat model named by ``answer.backend`` (not used by the extractive backend)."""
        return make_chat_model(self.settings.answer.backend, self.settings.llm)

    @cached_property
    def verifier(self) -> Verifier:
        """Per-sentence support checks."""
        return Verifier(self.embedder, self.settings.verify)

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
        started = time.perf_counter()
        roots = [Path(p).resolve() for p in paths]
        files = list(iter_files(roots))
        if rebuild:
            self.__dict__["store"] = self.settings.make_store(rebuild=True)
            self.__dict__.pop("retriever", None)
        report = IngestReport()
        seen: dict[str, tuple[str, str]] = {}  # article id → (file, content hash) in this run
        pending: list[Article] = []
        for done, path in enumerate(files, start=1):
            if progress:
                progress(done - 1, len(files), str(path))
            try:
                articles = load_file(path, field_map)
            except LoadError as exc:
                report.failed += 1
                report.errors.append(str(exc))
                continue
            for article in articles:
                digest = content_hash(article, self.settings)
                if article.id in seen:
                    first_file, first_digest = seen[article.id]
                    if first_digest == digest:
                        report.duplicates += 1  # the same record twice: nothing to store
                        continue
                    report.failed += 1
                    report.errors.append(
                        f"{path}: article id {article.id!r} was already loaded from {first_file} "
                        "with different content; give each article a distinct id"
                    )
                    continue
                seen[article.id] = (str(path), digest)
                pending.append(article)
            if len(pending) >= _EMBED_BATCH_ARTICLES:
                self._write_batch(pending, report)
                pending = []
        self._write_batch(pending, report)
        if prune:
            report.pruned = self._prune(roots, set(seen))
        if report.added or report.updated or report.pruned or rebuild:
            # Keep BM25 in step with the store; the retriever picks up the new index.
            self.lexical_index(rebuild=True)
            self.__dict__.pop("retriever", None)
        if progress:
            progress(len(files), len(files), "")
        report.seconds = time.perf_counter() - started
        return report

    def _write_batch(self, articles: list[Article], report: IngestReport) -> None:
        if not articles:
            return
        hashes = {a.id: content_hash(a, self.settings) for a in articles}
        stored = self.store.content_hashes([a.id for a in articles])
        todo = [a for a in articles if stored.get(a.id) != hashes[a.id]]
        report.skipped += len(articles) - len(todo)
        chunked = [(a, chunk_article(a, self.settings.chunking)) for a in todo]
        vectors = self.embedder.embed([c.text for _, chunks in chunked for c in chunks])
        offset = 0
        for article, chunks in chunked:
            part = vectors[offset : offset + len(chunks)]
            offset += len(chunks)
            if not chunks:
                report.failed += 1
                report.errors.append(f"{article.path}: article {article.id!r} has no sentences")
                continue
            try:
                self.store.write_article(article, chunks, part, hashes[article.id])
            except Exception as exc:  # noqa: BLE001 - one bad article must not abort the ingest
                report.failed += 1
                report.errors.append(f"{article.path}: could not store {article.id!r}: {exc}")
                continue
            if article.id in stored:
                report.updated += 1
            else:
                report.added += 1
            report.chunks += len(chunks)

    def _prune(self, roots: Sequence[Path], seen: set[str]) -> int:
        """Delete stored articles loaded from under ``roots`` that this run did not see."""
        gone = []
        for info in self.store.articles():
            path = info.get("path")
            if not path or info["id"] in seen:
                continue
            p = Path(path)
            if any(p == root or root in p.parents for root in roots):
                gone.append(str(info["id"]))
        self.store.delete_articles(gone)
        return len(gone)

    # -------------------------------------------------------------------- ask
    def ask(
        self,
        question: str,
        *,
        filters: Filters | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        """Answer ``question`` from the corpus, citing a verbatim quote for every sentence."""
        final: Answer | None = None
        for event in self.stream(question, filters=filters, history=history):
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
        if self.store.count_chunks() == 0:
            raise RagError(
                f"the store at {self.store.location} is empty: run `rag ingest corpus/` first"
            )
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        hits, pool, ranked = self._rank(standalone, filters)
        timings["retrieve"] = (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        draft = self._abstention(standalone, filters, pool, ranked)
        if draft is None:
            draft = Draft()
            for event in self._answer_events(standalone, hits, ranked):
                if isinstance(event, Draft):
                    draft = event
                else:
                    yield event
        timings["answer"] = (time.perf_counter() - t1) * 1000
        if draft.sentences:
            t2 = time.perf_counter()
            verified = self.verifier.verify(draft.sentences, draft.evidence)
            draft = apply_verdicts(draft, verified, self.settings.verify.unsupported == "drop")
            timings["verify"] = (time.perf_counter() - t2) * 1000
        timings["total"] = (time.perf_counter() - t0) * 1000
        yield Answer(
            question=asked,
            standalone_question=standalone,
            answer=draft.text or (draft.abstain_reason or ""),
            abstained=draft.abstain_code is not None,
            abstain_reason=draft.abstain_reason,
            abstain_code=draft.abstain_code,
            relevance=ranked[0].score if ranked else None,
            citations=draft.citations,
            sentences=draft.sentences,
            retrieved=hits,
            filters=filters,
            backend=self.settings.answer.backend,
            settings_hash=self.settings.settings_hash(),
            timings_ms=timings,
        )

    def _standalone(self, question: str, history: Sequence[Turn]) -> str:
        uses_llm = self.settings.answer.backend != "extractive"
        if history and uses_llm and self.settings.llm.rewrite_followups:
            return standalone_question_llm(self.llm, question, history)
        return standalone_question(question, history)

    def _answer_events(
        self, question: str, hits: list[Hit], ranked: list[SentenceHit]
    ) -> Iterator[str | Draft]:
        if self.settings.answer.backend == "extractive":
            return ExtractiveAnswerer(self.settings.answer).stream(question, ranked)
        answerer = LLMAnswerer(
            self.llm, self.settings.answer.llm_passages, self.scorer.best_sentence
        )
        return answerer.stream(question, hits)

    def _abstention(
        self, question: str, filters: Filters, pool: list[Hit], ranked: list[SentenceHit]
    ) -> Draft | None:
        """An abstaining Draft when the evidence cannot answer, else None."""
        cfg = self.settings.answer
        missing = missing_names(question, pool)
        unknown, unknown_share = unknown_terms(question, pool)
        relevant = [s for s in ranked[:3] if s.score >= cfg.min_relevance]
        draft: Draft | None = None
        if missing:
            draft = Draft(
                abstain_code=NO_RELEVANT,
                abstain_reason="The corpus has nothing on "
                + ", ".join(repr(m) for m in missing)
                + ": no retrieved article mentions it.",
            )
        elif unknown_share >= cfg.max_unknown_share:
            draft = Draft(
                abstain_code=NO_RELEVANT,
                abstain_reason="The corpus does not mention "
                + ", ".join(repr(w) for w in unknown)
                + ", which is most of what the question asks about.",
            )
        elif not relevant:
            draft = Draft(
                abstain_code=NO_RELEVANT,
                abstain_reason="Nothing in the corpus is relevant enough to answer this question.",
            )
        elif lacking := answer_type_missing(question, relevant):
            about = relevant[0].hit
            draft = Draft(
                abstain_code=NOT_ANSWERED,
                abstain_reason=f"Articles on the topic were found (e.g. {about.title!r}), "
                f"but none of their relevant sentences gives {lacking}.",
            )
        if draft is not None and not filters.is_empty():
            draft = self._explain_filtered(question, filters, draft)
        return draft

    def retrieve(self, question: str, *, filters: Filters | None = None) -> list[Hit]:
        """The top-k passages for ``question``, reranked by their best sentence."""
        hits, _, _ = self._rank(question.strip(), filters or Filters())
        return hits

    def _rank(
        self, question: str, filters: Filters
    ) -> tuple[list[Hit], list[Hit], list[SentenceHit]]:
        """Retrieve passages, score their sentences, rerank passages by best sentence.

        Returns the top-k passages, the whole candidate pool, and the ranked sentences.
        """
        found = self.retriever.retrieve(question, filters)
        cfg = self.settings.retrieval
        pool = diversify(found.candidates, cfg.k * 2, cfg.per_article)
        ranked = self.scorer.score(question, found.query_vector, pool)
        if self.reranker is not None:
            ranked = self.reranker.rerank(question, ranked)
        hits = rerank_hits(pool, ranked)[: cfg.k]
        return hits, found.candidates, ranked

    def _explain_filtered(self, question: str, filters: Filters, draft: Draft) -> Draft:
        """If the unfiltered corpus answers, say that the filters excluded the evidence."""
        _, pool, ranked = self._rank(question, Filters())
        if missing_names(question, pool):
            return draft
        if not ranked or ranked[0].score < self.settings.answer.min_relevance:
            return draft
        best = ranked[0].hit
        which = []
        if filters.since or filters.until:
            span = f"{filters.since or '…'} to {filters.until or '…'}"
            which.append(f"the date filter ({span})")
        if filters.sources:
            which.append(f"the source filter ({', '.join(filters.sources)})")
        where = f"{best.title!r}" + (f", {best.source}" if best.source else "")
        where += f", {best.published_at[:10]}" if best.published_at else ", undated"
        return Draft(
            abstain_code=FILTERED_OUT,
            abstain_reason=(
                f"Relevant articles exist but fall outside {' and '.join(which)}: "
                f"for example {where}."
            ),
        )

    # ------------------------------------------------------------------ stats
    def stats(self) -> dict[str, Any]:
        """Corpus statistics: articles, chunks, sources, date range, model, location."""
        infos = self.store.articles()
        dates = sorted(str(i["published_at"])[:10] for i in infos if i.get("published_at"))
        sources = Counter(str(i.get("source") or "(unknown)") for i in infos)
        return {
            "articles": len(infos),
            "chunks": self.store.count_chunks(),
            "sources": dict(sources.most_common()),
            "date_range": [dates[0], dates[-1]] if dates else None,
            "embedding_model": self.settings.embedding.model,
            "store": self.store.location,
        }
