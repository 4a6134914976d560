"""Hybrid retrieval: BM25 kept in step with the store, fused with dense, filtered alike."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from rag.embeddings import Embedder
from rag.lexical import LexicalIndex
from rag.pipeline import Pipeline
from rag.questions import parse_question
from rag.rerank import rerank_hits
from rag.retrieve import (
    diversify,
    naming_position,
    position_query,
    reciprocal_rank_fusion,
    reserve,
)
from rag.settings import Settings
from rag.types import Answer, Filters, Hit, SentenceHit
from tests.conftest import write_article


def test_rrf_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]], k=60)
    assert max(fused, key=lambda key: fused[key]) == "b"
    assert fused["a"] == 1 / 61 and fused["d"] == 1 / 62


def test_rrf_weights_scale_each_ranking() -> None:
    fused = reciprocal_rank_fusion([["a", "b"], ["b", "a"]], k=60, weights=[1.0, 2.0])
    assert fused["b"] > fused["a"]
    assert fused["a"] == 1 / 61 + 2 / 62


def _passage(cid: str, text: str) -> Hit:
    return Hit(
        article_id=cid, chunk_id=cid, title=cid, text=text, start=0, end=len(text), score=0.1
    )


def _sentence(hit: Hit, score: float) -> SentenceHit:
    return SentenceHit(hit=hit, text=hit.text, start=0, end=len(hit.text), score=score)


@pytest.mark.parametrize(
    ("sentence_scores", "keep", "expected"),
    [
        # By best sentence alone, retrieval's order is thrown away.
        ({"a": 0.40, "b": 0.30, "c": 0.45, "d": 0.50}, 0.0, ["d", "c", "a", "b"]),
        # Fused: retrieval's first passage, second by its sentence, keeps its place; the
        # best sentence's passage, last retrieved, comes next.
        ({"a": 0.40, "b": 0.30, "c": 0.45, "d": 0.50}, 1.0, ["a", "d", "c", "b"]),
        # Retrieval counting more keeps more of its order.
        ({"a": 0.40, "b": 0.30, "c": 0.45, "d": 0.50}, 3.0, ["a", "b", "c", "d"]),
        # Must not fire: when both orders agree, nothing moves.
        ({"a": 0.50, "b": 0.40, "c": 0.30, "d": 0.20}, 1.0, ["a", "b", "c", "d"]),
    ],
)
def test_rerank_hits_fuses_retrieval_and_sentence_order(
    sentence_scores: dict[str, float], keep: float, expected: list[str]
) -> None:
    hits = [_passage(c, f"passage {c}") for c in "abcd"]  # retrieval order
    sentences = [_sentence(h, sentence_scores[h.chunk_id]) for h in hits]
    ranked = rerank_hits(hits, sentences, keep=keep, rrf_k=60)
    assert [h.chunk_id for h in ranked] == expected
    assert [h.score for h in ranked] == [sentence_scores[c] for c in expected]


def test_diversify_caps_passages_per_article() -> None:
    hits = [
        Hit(article_id=a, chunk_id=f"{a}:{i}", title="t", text="x", start=0, end=1, score=1.0)
        for a, i in [("A", 0), ("A", 1), ("A", 2), ("B", 0), ("A", 3), ("C", 0)]
    ]
    assert [h.chunk_id for h in diversify(hits, k=4, per_article=2)] == ["A:0", "A:1", "B:0", "C:0"]


def test_diversify_fills_k_from_the_capped_article_when_too_few_others_match() -> None:
    hits = [
        Hit(article_id=a, chunk_id=f"{a}:{i}", title="t", text="x", start=0, end=1, score=1.0)
        for a, i in [("A", 0), ("A", 1), ("A", 2), ("B", 0), ("A", 3)]
    ]
    # the cap makes room for B first; the rest of A then fills the places nobody else takes
    assert [h.chunk_id for h in diversify(hits, k=4, per_article=2)] == ["A:0", "A:1", "B:0", "A:2"]
    one = [h for h in hits if h.article_id == "A"]
    assert len(diversify(one, k=8, per_article=2)) == 4


def _ids(*names: str) -> list[Hit]:
    return [
        Hit(article_id=n[0], chunk_id=n, title="t", text="x", start=0, end=1, score=1.0)
        for n in names
    ]


@pytest.mark.parametrize(
    ("k", "steered", "expected"),
    [
        # A part's best passage outside the top 4 takes the lowest place, and goes first
        # with the passage the other part keeps.
        (4, [["B1", "X9"], ["D1", "Y9"]], ["B1", "D1", "A1", "A2"]),
        # A part whose evidence ranks in the top k moves to the front.
        (4, [["C1"]], ["C1", "A1", "A2", "B1"]),
        # Must not fire: without steered retrievals, rank order stands.
        (3, [], ["A1", "A2", "B1"]),
        # Must not fire: kept passages already first keep their order.
        (3, [["A1"], ["A2"]], ["A1", "A2", "B1"]),
    ],
)
def test_reserve_keeps_a_place_for_each_part_and_shows_those_first(
    k: int, steered: list[list[str]], expected: list[str]
) -> None:
    ranked = _ids("A1", "A2", "B1", "C1", "D1")
    by_id = {h.chunk_id: h for h in _ids("A1", "A2", "B1", "C1", "D1", "X9", "Y9")}
    top = reserve(ranked, [[by_id[c] for c in s] for s in steered], k)
    assert [h.chunk_id for h in top] == expected


def test_diversify_drops_wire_copies_of_one_story() -> None:
    story = "Government forces retook the town of Palmyra from Islamic State fighters on Sunday, state media said."
    copy = "Government forces retook the town of Palmyra from Islamic State fighters on Sunday, state TV said."
    other = "Aid agencies warned of shortages in eastern Ghouta."
    hits = [
        Hit(article_id=a, chunk_id=f"{a}:0", title=a, text=t, start=0, end=len(t), score=1.0)
        for a, t in [("reuters", story), ("ahram", copy), ("un", other)]
    ]
    assert [h.article_id for h in diversify(hits, k=3, per_article=2)] == ["reuters", "un"]


def test_bm25_follows_ingest_update_and_prune(pipeline: Pipeline, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    write_article(
        folder / "a.txt",
        "Dam",
        "Engineers inspected the Tabqa dam on Monday.",
        "2017-03-01",
        "SANA",
    )
    write_article(
        folder / "b.txt",
        "Bread",
        "Bread prices doubled in Aleppo markets.",
        "2016-05-02",
        "Reuters",
    )
    pipeline.ingest([folder])
    index = LexicalIndex(pipeline.settings.lexical_folder())
    assert index.load() and index.size == 2
    top_id = index.search("Tabqa dam", 5, Filters())[0][0]
    assert pipeline.store.get_chunks([top_id])[0][0].title == "Dam"
    write_article(
        folder / "a.txt",
        "Dam",
        "Engineers drained the Mosul reservoir on Monday.",
        "2017-03-01",
        "SANA",
    )
    (folder / "b.txt").unlink()
    pipeline.ingest([folder], prune=True)
    index.load()
    assert index.size == 1
    assert index.search("Tabqa", 5, Filters()) == []
    assert index.search("Mosul reservoir", 5, Filters())


def test_bm25_applies_the_same_filters(pipeline: Pipeline, tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    write_article(folder / "a.txt", "A", "Aid trucks entered Idlib province.", "2017-03-01", "SANA")
    write_article(
        folder / "b.txt", "B", "Aid trucks were blocked outside Idlib.", "2019-06-01", "Reuters"
    )
    pipeline.ingest([folder])
    index = LexicalIndex(pipeline.settings.lexical_folder())
    index.load()

    def titles(filters: Filters) -> set[str]:
        hits = pipeline.store.get_chunks(
            [cid for cid, _ in index.search("aid trucks Idlib", 5, filters)]
        )
        return {h.title for h, _ in hits}

    assert titles(Filters()) == {"A", "B"}
    assert titles(Filters(since=dt.date(2018, 1, 1))) == {"B"}
    assert titles(Filters(until=dt.date(2017, 3, 1))) == {"A"}
    assert titles(Filters(sources=["reuters"])) == {"B"}


def test_a_date_filtered_vector_search_over_the_bm25_ids_finds_what_the_filter_finds(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    # The retriever sends Chroma the ids the BM25 index's dates let through instead of a
    # range filter (~1 s a query at 100k articles); the hits must be the filter's.
    folder = tmp_path / "news"
    folder.mkdir()
    for i, (day, source) in enumerate(
        [("2016-05-02", "SANA"), ("2016-05-20", "Reuters"), ("2017-01-09", "SANA"), (None, "AFP")]
    ):
        write_article(
            folder / f"{i}.txt", f"T{i}", f"Aid convoy {i} reached Idlib.", day or "", source
        )
    pipeline.ingest([folder])
    store = pipeline.store
    index = LexicalIndex(pipeline.settings.lexical_folder())
    assert index.load()
    vector = pipeline.retriever.embed_query("aid convoy Idlib")
    for filters in [
        Filters(since=dt.date(2016, 5, 1), until=dt.date(2016, 5, 31)),
        Filters(since=dt.date(2016, 5, 10)),
        Filters(until=dt.date(2016, 12, 31), sources=["sana"]),
        Filters(since=dt.date(2020, 1, 1)),
    ]:
        within = index.matching(filters)
        by_filter = [h.chunk_id for h in store.query(vector, 10, filters)]
        assert [h.chunk_id for h in store.query(vector, 10, filters, within)] == by_filter
    assert store.query(vector, 10, Filters(since=dt.date(2020, 1, 1)), []) == []
    # An id the store no longer has: the metadata filter answers instead of an error.
    stale = [*index.matching(Filters(since=dt.date(2016, 5, 10))), "gone-chunk"]
    got = store.query(vector, 10, Filters(since=dt.date(2016, 5, 10)), stale)
    assert {h.title for h in got} == {"T1", "T2"}


def test_lexical_only_match_is_retrieved_with_a_dense_score(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for i in range(30):
        write_article(
            folder / f"n{i}.txt",
            f"Note {i}",
            f"Shelling hit district {i} of the city overnight.",
            "2016-01-01",
            "X",
        )
    write_article(
        folder / "code.txt",
        "Codes",
        "The operation was code-named Euphrates Shield XK-77.",
        "2016-08-24",
        "Y",
    )
    pipeline.ingest([folder])
    found = pipeline.retriever.retrieve("XK-77", Filters())
    top = found.candidates[0]
    assert top.title == "Codes"
    assert top.scores["bm25"] > 0 and "dense" in top.scores


def test_stream_yields_the_answer_text_then_the_answer(seed_pipeline: Pipeline) -> None:
    events = list(seed_pipeline.stream("who backed Assad?"))
    final = events[-1]
    assert isinstance(final, Answer)
    text = "".join(e for e in events[:-1] if isinstance(e, str))
    assert text == final.answer and "[1]" in text


def test_prime_embeds_steered_texts_once_in_one_batch(seed_pipeline: Pipeline) -> None:
    retriever = seed_pipeline.retriever
    texts = ["who backed Assad as reported by the seed", "who backed the rebels in 2011"]
    calls: list[int] = []
    real = retriever.embedder

    class Counting:  # the real model underneath; counts model calls
        name = real.name
        dimension = real.dimension

        def embed(self, batch: list[str]) -> object:
            calls.append(len(batch))
            return real.embed(batch)

        def embed_query(self, text: str) -> object:
            calls.append(1)
            return real.embed_query(text)

    retriever.embedder = Counting()  # type: ignore[assignment]
    try:
        retriever.prime(texts)
        vectors = [retriever.embed_query(t) for t in texts]
    finally:
        retriever.embedder = real
    assert calls == [2]  # one batch, and the later lookups hit the cache
    for text, vector in zip(texts, vectors, strict=True):
        assert float(vector @ real.embed_query(text)) > 0.999


def _claims_corpus(folder: Path) -> None:
    """Six Alpha reports on one factory; one Beta roundup states the other claim once."""
    folder.mkdir()
    reports = [
        "Acme is building a new battery factory in Ohio that will employ 900 workers.",
        "Construction of Acme's Ohio battery plant began on Monday; it opens next year.",
        "Ohio lawmakers approved tax credits for the battery factory Acme is building.",
        "Acme's new Ohio factory will make batteries for electric trucks from next year.",
        "Local unions welcomed the hundreds of jobs Acme's battery plant in Ohio brings.",
        "Acme picked a site near Columbus, Ohio, for the battery factory it is building.",
    ]
    for i, report in enumerate(reports):
        write_article(
            folder / f"alpha{i}.txt",
            f"Acme in Ohio, part {i}",
            report,
            f"2023-10-0{i + 1}",
            "Alpha",
        )
    write_article(
        folder / "beta.txt",
        "Weekly business roundup",
        "Shipping rates fell again this week. Grain prices rose in Chicago. Acme's chief "
        "executive was praised by rivals as the most generous leader in the industry. "
        "Bond yields were flat.",
        "2023-10-09",
        "Beta",
    )


@pytest.mark.parametrize("claim_slots", [True, False])
def test_each_claim_of_a_long_question_keeps_its_evidence_in_the_top_k(
    settings: Settings, embedder: Embedder, tmp_path: Path, claim_slots: bool
) -> None:
    # must not fire either way: the question's own outlet evidence stays first
    _claims_corpus(tmp_path / "claims")
    settings.retrieval.k = 3
    settings.retrieval.claim_slots = claim_slots
    settings.retrieval.steer_rank = 0.5 if claim_slots else 0.0
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ingest([tmp_path / "claims"])
    question = (
        "Which company, according to Alpha, is building a new battery factory in Ohio that "
        "will employ workers and open next year, and is led by a chief executive whom rivals "
        "praised as the most generous leader in the industry?"
    )
    spec = pipeline.parse(question)
    assert len(spec.claims) == 2
    hits, _, _ = pipeline._rank(spec, Filters())
    assert hits[0].source == "Alpha"
    assert ("Beta" in [h.source for h in hits]) is claim_slots


def test_rarity_is_the_inverse_document_frequency_of_a_term(tmp_path: Path) -> None:
    texts = [
        "A suicide bomber killed five people at a wedding.",
        "Shelling killed three people in the province.",
        "Air strikes killed ten people in the province.",
        "Aid trucks reached the province.",
    ]
    index = LexicalIndex(tmp_path / "bm25")
    index.build(_passage(f"c{i}", text) for i, text in enumerate(texts))
    assert index.load()
    rarity = index.rarity(["wed", "kill", "provinc", "zebra"])
    # a word in one chunk of four outweighs one in three; a word in none tells nothing
    assert rarity["wed"] == pytest.approx(math.log(5 / 2))
    assert rarity["kill"] == pytest.approx(math.log(5 / 4))
    assert rarity["wed"] > rarity["provinc"] > 0
    assert rarity["zebra"] == 0.0
    assert LexicalIndex(tmp_path / "none").rarity(["wed"]) == {}


def test_a_period_s_kept_passage_keeps_its_rank() -> None:
    # a part's kept passage goes first; a period's stays in the top k at its rank, not
    # ahead of the better passage that answers
    ranked = _ids("A1", "A2", "B1", "C1", "D1")
    by_id = {h.chunk_id: h for h in ranked}
    period = [[by_id["B1"]]]
    assert [h.chunk_id for h in reserve(ranked, period, 3)] == ["B1", "A1", "A2"]
    assert [h.chunk_id for h in reserve(ranked, period, 3, [False])] == ["A1", "A2", "B1"]
    # brought in from below the top k, it still takes the lowest free place
    late = [[by_id["D1"]]]
    assert [h.chunk_id for h in reserve(ranked, late, 3, [False])] == ["A1", "A2", "D1"]


@pytest.mark.parametrize(
    ("question", "query"),
    [
        ("Who leads Syria?", "the leader of Syria"),
        ("Who is the CEO of OpenAI?", "the CEO of OpenAI"),
        ("Who was the former president of FIFA?", "the former president of FIFA"),
        # must not fire: no position, or a position with no owner
        ("Who backed Assad?", None),
        ("When did Assad's government fall?", None),
        ("Who is the CEO?", None),
    ],
)
def test_a_question_on_a_position_is_also_retrieved_as_the_position(
    question: str, query: str | None
) -> None:
    assert position_query(parse_question(question)) == query


def test_passages_naming_the_position_and_its_owner_join_the_pool() -> None:
    spec = parse_question("Who leads Syria?")
    hits = [
        _passage("eu", "The EU has engaged with his leadership since he became Syria's leader."),
        _passage("offensive", "Washington is leading a coalition fighting IS in Syria."),
        _passage("lede", "Syrian leader Ahmed Sharaa called for peace on Sunday."),
        _passage("other", "Iraq's leader met the press."),
    ]
    # "eu" is already in the pool; "offensive" says "leading", not the position; "other"
    # names another owner's
    assert [h.chunk_id for h in naming_position(spec, hits, 3, {"eu"})] == ["lede"]
    assert naming_position(parse_question("Who backed Assad?"), hits, 3, set()) == []


def test_the_position_s_noun_goes_before_its_verb_and_a_related_position() -> None:
    spec = parse_question("Who heads HTS?")
    hits = [
        _passage("led", "Rebels led by Sharaa's group, HTS, took Damascus."),
        _passage("leads", "HTS leads an offensive."),
        _passage("head", "The head of HTS, Ahmed Sharaa, spoke."),
        _passage("headed", "HTS, headed by Sharaa, took Aleppo."),
        _passage("none", "HTS took Aleppo."),
    ]
    # the noun, then its verb ("headed by"), then a leader's words, in retrieval order
    assert [h.chunk_id for h in naming_position(spec, hits, 4, set())] == [
        "head",
        "headed",
        "led",
        "leads",
    ]
    assert [h.chunk_id for h in naming_position(spec, hits, 2, set())] == ["head", "headed"]
