"""Sentence vectors are computed at ingest, stored with their chunk, and used by the scorer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.backends import make_store
from rag.check import check_store
from rag.chunking import chunk_article
from rag.embeddings import (
    Embedder,
    Vectors,
    pack_clauses,
    pack_vectors,
    unpack_clauses,
    unpack_vectors,
)
from rag.ingest import embed_chunks
from rag.pipeline import Pipeline
from rag.rerank import sentence_clause_spans, sentence_clauses
from rag.settings import Settings


class CountingEmbedder:
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.texts = 0
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> Vectors:
        self.texts += len(texts)
        self.seen += texts
        return self.inner.embed(texts)

    def embed_query(self, text: str) -> Vectors:
        self.texts += 1
        self.seen.append(text)
        return self.inner.embed_query(text)


class PoolingCountingEmbedder(CountingEmbedder):
    """As above, and pooling spans from one pass (``embed_spans``), as the ONNX one does."""

    def embed_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[Vectors, list[list[Vectors | None]]]:
        self.texts += len(texts)
        self.seen += texts
        return self.inner.embed_spans(texts, spans)  # type: ignore[attr-defined, no-any-return]


def test_packing_keeps_vectors_to_a_cosine_of_1e_3(embedder: Embedder) -> None:
    vectors = embedder.embed(["Russia backed Assad.", "Turkey supported the rebels."])
    back = unpack_vectors(pack_vectors(vectors), 2)
    assert back is not None and back.shape == vectors.shape
    assert ((back * vectors).sum(axis=1) > 0.999).all()
    assert unpack_vectors(pack_vectors(vectors), 5) is None  # 768 values are not 5 rows
    assert unpack_vectors("not base64!", 2) is None


def test_stored_sentence_vectors_match_the_sentences(
    seed_pipeline: Pipeline, embedder: Embedder
) -> None:
    hits = seed_pipeline.retrieve("who backed Assad?")
    stored = seed_pipeline.store.sentence_vectors(hits)
    assert set(stored) == {h.chunk_id for h in hits}
    for hit in hits:
        texts = [hit.text[s.start - hit.start : s.end - hit.start] for s in hit.sentences]
        cosines = (stored[hit.chunk_id] * embedder.embed(texts)).sum(axis=1)
        assert cosines.min() > 0.999


def _clause_settings(settings: Settings, kind: str, store: Path) -> Settings:
    embedding = settings.embedding.model_copy(update={"clause_vectors": kind})
    return settings.model_copy(update={"store": store, "embedding": embedding})


def test_a_question_embeds_only_itself(
    seed_dir: Path, settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    # Sentence and clause vectors are stored at ingest: a question embeds itself alone.
    counting = CountingEmbedder(embedder)
    pipeline = Pipeline(settings, embedder=counting)  # type: ignore[arg-type]
    pipeline.ingest([seed_dir])
    sentences = {
        h.text[s.start - h.start : s.end - h.start]
        for h in pipeline.retrieve("who backed Assad?")
        for s in h.sentences
    }
    assert {c for s in sentences for c in sentence_clauses(s)} <= set(counting.seen)
    counting.seen.clear()
    answer = pipeline.ask("who backed Assad?")
    assert not answer.abstained and answer.question_spec is not None
    assert [t.lower() for t in counting.seen] == ["who backed assad?"]

    # Without clause vectors in the store, only the clauses of the few long sentences
    # scored clause by clause (retrieval.clause_rescore) are embedded besides it.
    bare = Pipeline(_clause_settings(settings, "none", tmp_path / "none"), embedder=counting)  # type: ignore[arg-type]
    bare.ingest([seed_dir])
    counting.seen.clear()
    assert bare.ask("who backed Assad?").answer == answer.answer
    asked = counting.seen
    # Never a stored sentence: those vectors come from the store.
    assert not sentences & set(asked)
    question = answer.question.lower()
    queries = [t for t in asked if t.lower() == question]
    assert len(queries) <= 1 + len(answer.question_spec.periods)
    clauses = [t for t in asked if t.lower() != question]
    assert clauses and all(
        c in {x for s in sentences for x in sentence_clauses(s)} for c in clauses
    )

    # Clauses pooled from their sentence's pass: stored too, a question embeds only itself.
    pooling = PoolingCountingEmbedder(embedder)
    pooled = Pipeline(_clause_settings(settings, "pooled", tmp_path / "pooled"), embedder=pooling)  # type: ignore[arg-type]
    pooled.ingest([seed_dir])
    pooling.seen.clear()
    assert not pooled.ask("who backed Assad?").abstained
    assert [t.lower() for t in pooling.seen] == ["who backed assad?"]

    # With clause scoring off, a store without clause vectors embeds only the question.
    settings_off = _clause_settings(settings, "none", tmp_path / "none")
    settings_off = settings_off.model_copy(
        update={"retrieval": settings.retrieval.model_copy(update={"clause_rescore": 0})}
    )
    counting.seen.clear()
    Pipeline(settings_off, embedder=counting).ask("who backed Assad?")  # type: ignore[arg-type]
    assert [t.lower() for t in counting.seen] == ["who backed assad?"]


def test_a_store_without_sentence_vectors_still_answers_the_same(
    seed_dir: Path, settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    new = Pipeline(settings, embedder=embedder)
    new.ingest([seed_dir])
    old_settings = settings.model_copy(update={"store": tmp_path / "old-store"})
    old = Pipeline(old_settings, embedder=embedder)
    old.ingest([seed_dir])
    # Rewrite the articles as an older version stored them: no sentence vectors.
    store = make_store(old_settings)
    with store.writing() as write:
        for info in write.store.articles():
            article = write.store.get_article(str(info["id"]))
            assert article is not None
            chunks = chunk_article(article, settings.chunking)
            vectors, _, _ = embed_chunks(
                embedder,
                chunks,
                headlines={article.id: article.title},
                headline_weight=settings.chunking.headline_weight,
            )
            write.store.write_article(article, chunks, vectors, str(info["content_hash"]))
    old = Pipeline(old_settings, embedder=embedder)
    assert old.store.sentence_vectors(old.retrieve("who backed Assad?")) == {}
    for question in ("who backed Assad?", "How many civilians were killed?"):
        a, b = new.ask(question), old.ask(question)
        assert (a.answer, a.abstained) == (b.answer, b.abstained)
        assert np.isclose(a.relevance or 0, b.relevance or 0, atol=1e-3)
    # `rag check` names what is missing, and --repair stores the sentence vectors.
    found = check_store(old.store, old_settings, None)
    assert [p.kind for p in found.problems] == ["no_sentence_vectors"]
    repaired = check_store(old.store, old_settings, embedder, repair=True)
    assert repaired.problems and not repaired.remaining
    hits = old.retrieve("who backed Assad?")
    assert set(old.store.sentence_vectors(hits)) == {h.chunk_id for h in hits}


def test_late_sentence_vectors_fill_in_what_the_token_limit_cut(
    embedder: Embedder, settings: Settings
) -> None:
    from rag.types import Article

    body = "Aid convoys reached eastern Aleppo on Monday. " * 40 + "Talks resumed in Geneva."
    one_chunk = settings.chunking.model_copy(update={"target_chars": 5000})
    chunks = chunk_article(Article(id="a", title="t", text=body), one_chunk)
    assert len(chunks) == 1
    separate, per_separate, _ = embed_chunks(embedder, chunks)
    late, per_late, _ = embed_chunks(embedder, chunks, late=True)
    assert np.allclose(separate, late, atol=1e-4)  # the chunk's own vector is unchanged
    assert per_late[0].shape == per_separate[0].shape
    # The last sentence lies past the model's 256 tokens: embedded on its own instead.
    assert float(per_late[0][-1] @ per_separate[0][-1]) > 0.9999
    # The first ones come from the chunk's pass: close to, but not, the separate vectors.
    first = float(per_late[0][0] @ per_separate[0][0])
    assert 0.5 < first < 0.9999


def test_headline_vector_finds_a_passage_by_its_headline_and_keeps_its_articles_order(
    embedder: Embedder, settings: Settings
) -> None:
    from rag.types import Article

    demo = Article(
        id="demo",
        title="Google fakes an AI demo, Grand Theft Auto VI goes viral",
        text="But it didn't release the full model, only a lite version called Pro. "
        "Reviewers said the video had been edited. "
        "The trailer drew ninety million views in a day. "
        "Fans had waited ten years for the sequel.",
    )
    small = settings.chunking.model_copy(update={"target_chars": 60, "overlap_sentences": 0})
    chunks = chunk_article(demo, small)
    assert len(chunks) >= 3
    plain, per_plain, _ = embed_chunks(embedder, chunks)
    headed, per_headed, _ = embed_chunks(
        embedder, chunks, headlines={"demo": demo.title}, headline_weight=0.5
    )
    question = embedder.embed(["Did Google fake a demo of its AI model?"])[0]
    # Every passage moves towards what the headline says …
    assert all(headed @ question > plain @ question)
    assert np.allclose(np.linalg.norm(headed, axis=1), 1.0, atol=1e-5)
    # … but the article's passages keep their order, so the headline does not choose
    # which of them is retrieved; and the sentence vectors are the sentences' own.
    for text in ("Did Google fake a demo of its AI model?", "How many views did the trailer get?"):
        q = embedder.embed([text])[0]
        assert list(np.argsort(-(headed @ q))) == list(np.argsort(-(plain @ q)))
    for a, b in zip(per_plain, per_headed, strict=True):
        assert np.allclose(a, b)
    # Off (weight 0) or without a headline, the vectors are the plain ones.
    for off in (
        embed_chunks(embedder, chunks, headlines={"demo": demo.title}, headline_weight=0.0),
        embed_chunks(embedder, chunks, headlines={"demo": "  "}, headline_weight=0.5),
    ):
        assert np.allclose(off[0], plain)


def test_chunk_vectors_pooled_from_sentences_cost_no_pass_of_their_own(
    embedder: Embedder, settings: Settings
) -> None:
    from rag.types import Article

    article = Article(
        id="a",
        title="t",
        text="Aid convoys reached eastern Aleppo on Monday after weeks of delay. "
        "Talks resumed in Geneva. The UN said the ceasefire was holding in most areas. "
        "Russia and Turkey brokered the deal.",
    )
    small = settings.chunking.model_copy(update={"target_chars": 90, "overlap_sentences": 1})
    chunks = chunk_article(article, small)
    assert len(chunks) >= 2
    counting = CountingEmbedder(embedder)
    pooled, per_pooled, _ = embed_chunks(counting, chunks, from_sentences=True)
    # only the distinct sentences were embedded: no chunk text, overlaps once
    sentences = {c.text[s.start - c.start : s.end - c.start] for c in chunks for s in c.sentences}
    assert counting.texts == len(sentences) and set(counting.seen) == sentences
    text, per_text, _ = embed_chunks(embedder, chunks)
    for c, vector, mine, theirs in zip(chunks, pooled, per_pooled, per_text, strict=True):
        assert np.allclose(mine, theirs, atol=1e-5)  # the sentence vectors are the same
        weights = np.array([s.end - s.start for s in c.sentences], dtype=np.float32)
        mean = weights @ mine
        assert np.allclose(vector, mean / np.linalg.norm(mean), atol=1e-5)
    # close to the embedded text, not equal to it
    cosines = (pooled * text).sum(axis=1)
    assert (cosines > 0.7).all() and (cosines < 0.9999).all()


@pytest.mark.parametrize("kind", ["separate", "pooled"])
def test_clause_vectors_pack_per_sentence_and_kind(kind: str) -> None:
    rows = np.eye(4, 8, dtype=np.float32)
    per_sentence = [rows[:0], rows[:3], rows[:0], rows[3:]]
    packed = pack_clauses(per_sentence, kind)
    assert packed is not None and packed[0] == f"{kind}:0,3,0,1"
    back = unpack_clauses(*packed, 4, kind)
    assert back is not None and [len(v) for v in back] == [0, 3, 0, 1]
    assert np.allclose(np.concatenate(back), rows)
    # nothing to store when no sentence is long; nothing read back from what does not fit
    assert pack_clauses([rows[:0], rows[:0]], kind) is None
    assert unpack_clauses(*packed, 3, kind) is None  # another count of sentences
    assert unpack_clauses(*packed, 4, "none") is None  # made another way
    assert unpack_clauses(f"{kind}:0,x", packed[1], 2, kind) is None
    assert unpack_clauses(f"{kind}:0,5,0,1", packed[1], 4, kind) is None  # 4 rows, not 6


@pytest.mark.parametrize("kind", ["separate", "pooled"])
def test_stored_clause_vectors_are_those_a_question_would_make(
    embedder: Embedder, seed_dir: Path, settings: Settings, tmp_path: Path, kind: str
) -> None:
    stored_in = Pipeline(_clause_settings(settings, kind, tmp_path / kind), embedder=embedder)
    stored_in.ingest([seed_dir])
    hits = stored_in.retrieve("who backed Assad?")
    stored = stored_in.store.clause_vectors(hits, kind)
    assert stored, "the seed's long sentences have clauses"
    assert stored_in.store.clause_vectors(hits, "none" if kind == "pooled" else "pooled") == {}
    checked = 0
    for hit in hits:
        for i, rows in enumerate(stored.get(hit.chunk_id, [])):
            text = hit.text[hit.sentences[i].start - hit.start : hit.sentences[i].end - hit.start]
            assert len(rows) == len(sentence_clauses(text))  # a short sentence has none
            if not len(rows):
                continue
            if kind == "separate":
                made = embedder.embed(sentence_clauses(text))
            else:
                _, pieces = embedder.embed_spans([text], [sentence_clause_spans(text)])  # type: ignore[attr-defined]
                made = np.stack(pieces[0])
            assert ((rows * made).sum(axis=1) > 0.999).all()
            checked += 1
    assert checked
    # A store written without them makes the same vectors at question time: same answers.
    without = Pipeline(_clause_settings(settings, kind, tmp_path / "none"), embedder=embedder)
    Pipeline(_clause_settings(settings, "none", tmp_path / "none"), embedder=embedder).ingest(
        [seed_dir]
    )
    assert without.store.clause_vectors(without.retrieve("who backed Assad?"), kind) == {}
    for question in ("who backed Assad?", "How many civilians were killed in March 2025?"):
        a, b = stored_in.ask(question), without.ask(question)
        assert (a.answer, a.abstained) == (b.answer, b.abstained)
        assert np.isclose(a.relevance or 0, b.relevance or 0, atol=1e-3)
