"""Sentence scoring cues and the pluggable cross-encoder reranker (with a tiny real model)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.embeddings import Embedder
from rag.errors import ConfigError
from rag.pipeline import Pipeline
from rag.questions import parse_question
from rag.rerank import (
    CrossEncoderReranker,
    SentenceScorer,
    clause_spans,
    clauses,
    make_reranker,
    sentence_clause_spans,
    sentence_clauses,
)
from rag.settings import RetrievalSettings, Settings
from rag.types import Hit, Span
from tests.conftest import CORPUS
from tests.tiny_models import build_tiny_cross_encoder


def _hit(article: str, text: str, published: str | None = None) -> Hit:
    return Hit(
        article_id=article,
        chunk_id=f"{article}:0",
        title=article,
        text=text,
        start=0,
        end=len(text),
        score=0.5,
        published_at=published,
        sentences=[Span(start=0, end=len(text))],
    )


def _scorer(embedder: Embedder) -> SentenceScorer:
    return SentenceScorer(embedder, RetrievalSettings())


def test_debris_is_cut_from_the_start_of_quotes(embedder: Embedder) -> None:
    text = "Published September 25 2016 At least 23 civilians were killed in Aleppo on Sunday."
    q = "How many civilians were killed in Aleppo?"
    ranked = _scorer(embedder).score(parse_question(q), embedder.embed_query(q), [_hit("a", text)])
    assert ranked[0].text == "At least 23 civilians were killed in Aleppo on Sunday."
    assert text[ranked[0].start : ranked[0].end] == ranked[0].text
    # a staff byline glued to the end of a headline is cut too
    text = "Assad regime likely responsible for chemical attack: rights group Reuters Staff."
    q = "Who was responsible for the chemical attack?"
    ranked = _scorer(embedder).score(parse_question(q), embedder.embed_query(q), [_hit("b", text)])
    assert ranked[0].text == "Assad regime likely responsible for chemical attack: rights group"
    assert text[ranked[0].start : ranked[0].end] == ranked[0].text


def test_count_question_prefers_the_sentence_with_the_number(embedder: Embedder) -> None:
    hits = [
        _hit("a", "Many civilians were among the dead in the coastal violence."),
        _hit("b", "Among the dead in the coastal violence were 745 civilians."),
    ]
    q = "How many civilians died in the coastal violence?"
    ranked = _scorer(embedder).score(parse_question(q), embedder.embed_query(q), hits)
    assert ranked[0].hit.article_id == "b"


def test_question_year_penalises_articles_from_other_years(embedder: Embedder) -> None:
    text = "Clashes on the coast killed hundreds of civilians."
    hits = [_hit("old", text, "2016-05-01"), _hit("new", text, "2025-03-09")]
    q = "How many civilians died in clashes on the coast in 2025?"
    ranked = _scorer(embedder).score(parse_question(q), embedder.embed_query(q), hits)
    assert [s.hit.article_id for s in ranked] == ["new", "old"]
    assert ranked[1].scores["cue"] < ranked[0].scores["cue"]


def test_order_by_sentence_ranks_passages_by_their_closest_sentence(embedder: Embedder) -> None:
    on_topic = "Acme builds batteries in Ohio. Acme's Ohio battery plant opens next year."
    one_line = "Grain prices rose. Acme's chief was praised by rivals as generous. Bonds were flat."
    hits = [_hit("topic", on_topic), _hit("line", one_line)]
    for hit in hits:  # one span per sentence, as ingest stores them
        ends = [i + 1 for i, c in enumerate(hit.text) if c == "."]
        starts = [0, *[e + 1 for e in ends[:-1]]]
        hit.sentences[:] = [Span(start=a, end=b) for a, b in zip(starts, ends, strict=True)]
    claim = "a chief executive whom rivals praised as generous"
    ordered = _scorer(embedder).order_by_sentence(hits, embedder.embed_query(claim))
    assert [h.article_id for h in ordered] == ["line", "topic"]
    # must not fire: the claim about the plant keeps the on-topic passage first
    plant = "a battery plant in Ohio opening next year"
    ordered = _scorer(embedder).order_by_sentence(hits, embedder.embed_query(plant))
    assert [h.article_id for h in ordered] == ["topic", "line"]


def test_unknown_reranker_is_a_config_error() -> None:
    assert make_reranker("heuristic") is None
    with pytest.raises(ConfigError, match="cross-encoder"):
        make_reranker("colbert:x")


@pytest.mark.parametrize("labels", [1, 3])
def test_cross_encoder_reranker_rescores_and_sorts(
    tmp_path: Path, embedder: Embedder, labels: int
) -> None:
    model = build_tiny_cross_encoder(tmp_path / "ce", num_labels=labels)
    hits = [_hit(str(i), f"Russia and Iran backed Assad, report {i}.") for i in range(5)]
    q = "who backed assad"
    scored = _scorer(embedder).score(parse_question(q), embedder.embed_query(q), hits)
    reranked = CrossEncoderReranker(str(model), batch_size=2, top=4).rerank(q, scored)
    assert sorted(s.hit.chunk_id for s in reranked) == sorted(s.hit.chunk_id for s in scored)
    head = reranked[:4]
    assert all(0.0 <= s.scores["cross_encoder"] <= 1.0 for s in head)
    assert [s.score for s in head] == sorted((s.score for s in head), reverse=True)
    assert "cross_encoder" not in reranked[4].scores  # beyond `top`: untouched
    assert all("cross_encoder" not in s.scores for s in scored)  # input not mutated


def test_pipeline_with_cross_encoder_still_quotes_verbatim(
    tmp_path: Path, embedder: Embedder
) -> None:
    model = build_tiny_cross_encoder(tmp_path / "ce")
    settings = Settings(store=tmp_path / "s", retrieval={"reranker": f"cross-encoder:{model}"})
    pipeline = Pipeline(settings, embedder=embedder)
    pipeline.ingest([CORPUS])
    answer = pipeline.ask("who backed Assad?")
    for c in answer.citations:
        article = pipeline.store.get_article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote


@pytest.mark.parametrize(
    ("sentence", "pieces"),
    [
        (
            "The conflict, which has drawn in Western countries, Arab states, and Turkey "
            "supporting the rebels, while Russia, Iran, and Iranian-backed militias have "
            "supported Assad, has turned into a battleground for regional powers.",
            [
                "The conflict which has drawn in Western countries, Arab states, and Turkey "
                "supporting the rebels",
                "while Russia, Iran, and Iranian-backed militias have supported Assad",
                "has turned into a battleground for regional powers.",
            ],
        ),
        # must not split: a list's commas, or a sentence that is one clause
        ("Russia, Iran, Turkey, Qatar and Saudi Arabia sent envoys to the talks.", []),
        ("Strikes hit Aleppo.", []),
    ],
)
def test_clauses(sentence: str, pieces: list[str]) -> None:
    assert clauses(sentence) == pieces
    # the same clauses as spans of the sentence (what `pooled` clause vectors average):
    # the same words, the separators between joined pieces kept
    spans = clause_spans(sentence)
    assert len(spans) == len(pieces)
    for (a, b), piece in zip(spans, pieces, strict=True):
        assert re.findall(r"\w+", sentence[a:b]) == re.findall(r"\w+", piece)


def test_sentence_clauses_are_those_of_the_quoted_text() -> None:
    # Ingest stores the clauses a question would score: of the text without its debris
    # ("Published …"), and only for a sentence still longer than 150 characters then.
    long = (
        "The conflict, which has drawn in Western countries, Arab states, and Turkey "
        "supporting the rebels, while Russia, Iran, and Iranian-backed militias have "
        "supported Assad, has turned into a battleground for regional powers."
    )
    debris = "Published September 25 2016 "
    assert sentence_clauses(debris + long) == clauses(long)
    spans = sentence_clause_spans(debris + long)
    assert [(a - len(debris), b - len(debris)) for a, b in spans] == clause_spans(long)
    short = "Russia, Iran, and Iranian-backed militias have supported Assad, while Turkey backed rebels."
    assert sentence_clauses(debris + short) == [] == sentence_clause_spans(debris + short)
