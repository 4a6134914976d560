"""Metric functions against hand-computed cases.

The ALCE citation metrics take a judge; here it is ``KeywordJudge``, a deterministic
stand-in (supported = every keyword of the statement occurs in the passages), because the
metric's logic is under test, not the judge.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import pytest

from evals.judges import Claim, Judgement, entailment_index, parse_llm_verdict
from evals.metrics import (
    citation_scores,
    cohen_kappa,
    contains_answer,
    exact_match,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
    token_f1,
)
from evals.readers import EvalQuestion, Evidence
from evals.scoring import score_question
from rag.errors import RagError
from rag.types import Answer, AnswerSentence, Citation, Hit

_STOP = {"and", "the", "a", "of", "in", "have", "has", "also"}


class KeywordJudge:
    """Supported when every non-stop word of the statement appears in the passages jointly."""

    name = "keyword"

    def __init__(self) -> None:
        self.calls: list[Claim] = []

    def judge(self, claims: Sequence[Claim]) -> list[Judgement]:
        self.calls.extend(claims)
        out = []
        for c in claims:
            have = set(re.findall(r"\w+", " ".join(c.passages).lower()))
            need = set(re.findall(r"\w+", c.statement.lower())) - _STOP
            out.append(Judgement(need <= have, float(need <= have), "keywords"))
        return out


A, B, C = frozenset({"a"}), frozenset({"b"}), frozenset({"c"})
NONE = frozenset[str]()


def test_recall_counts_gold_articles_within_the_first_k() -> None:
    ranked = [NONE, A, B, NONE, C]
    assert recall_at_k(ranked, 3, 2) == pytest.approx(1 / 3)
    assert recall_at_k(ranked, 3, 3) == pytest.approx(2 / 3)
    assert recall_at_k(ranked, 3, 10) == 1.0
    assert recall_at_k(ranked, 0, 10) is None  # no gold: not scored


def test_reciprocal_rank_is_one_over_the_first_gold_rank() -> None:
    assert reciprocal_rank([NONE, NONE, B]) == pytest.approx(1 / 3)
    assert reciprocal_rank([A]) == 1.0
    assert reciprocal_rank([NONE, NONE]) == 0.0


def test_ndcg_matches_the_hand_computed_value() -> None:
    # gold at ranks 2 and 3 of 3 gold articles
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k([NONE, A, B, NONE], 3) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([A, B], 2) == pytest.approx(1.0)


def test_ndcg_credits_a_gold_article_once() -> None:
    # two passages' articles both matching gold "a" (e.g. matched by id and by URL)
    assert ndcg_at_k([A, A], 1) == pytest.approx(1.0)
    assert ndcg_at_k([NONE, A, A], 1) == pytest.approx(1 / math.log2(3))


def test_exact_match_normalises_case_punctuation_and_articles() -> None:
    assert exact_match("The Russia.", ["russia"]) == 1.0
    assert exact_match("Russia and Iran", ["Russia"]) == 0.0


def test_token_f1_is_the_best_over_gold_answers() -> None:
    # pred {russia, and, iran}; gold {russia, iran, and, iranianbacked, militias}: P=1, R=3/5
    assert token_f1("Russia and Iran", ["Russia, Iran, and Iranian-backed militias"]) == (
        pytest.approx(0.75)
    )
    assert token_f1("Russia and Iran", ["Turkey", "Iran"]) == pytest.approx(2 * (1 / 3) / (4 / 3))
    assert token_f1("", ["Iran"]) == 0.0


def test_containment_needs_whole_words() -> None:
    assert contains_answer("No, it did not.", ["no"]) == 1.0
    assert contains_answer("Nothing is known.", ["no"]) == 0.0
    assert contains_answer("over 1,000 people died", ["1,000"]) == 1.0
    # a possessive does not glue itself to the name
    assert contains_answer("Iñigo Quintero’s Si No Estás rose.", ["Iñigo Quintero"]) == 1.0
    assert contains_answer("Assad's forces advanced.", ["Assad"]) == 1.0
    assert contains_answer("The Assads left.", ["Assad"]) == 0.0


def test_alce_statement_without_citation_is_unsupported() -> None:
    scores = citation_scores([("Russia backed Assad", [])], KeywordJudge())
    assert scores.recall == 0.0
    assert scores.precision == 0.0  # ALCE: an answer citing nothing has precision 0


def test_alce_redundant_citation_is_imprecise() -> None:
    judge = KeywordJudge()
    scores = citation_scores(
        [("Russia backed Assad", ["Russia backed Assad in the war", "Turkey backed rebels"])],
        judge,
    )
    assert scores.recall == 1.0
    assert scores.precision == 0.5
    assert scores.sentences[0].precise == [True, False]


def test_alce_two_citations_needed_jointly_are_both_precise() -> None:
    scores = citation_scores(
        [("Russia and Iran backed Assad", ["Russia backed Assad", "Iran also"])], KeywordJudge()
    )
    assert scores.recall == 1.0
    assert scores.precision == 1.0


def test_alce_citations_of_an_unsupported_statement_are_all_imprecise() -> None:
    scores = citation_scores(
        [("China backed Assad", ["Russia backed Assad", "Iran"])], KeywordJudge()
    )
    assert scores.recall == 0.0
    assert scores.precision == 0.0


def test_alce_averages_over_sentences_and_citations() -> None:
    scores = citation_scores(
        [("Iran backed Assad", ["Iran backed Assad"]), ("Turkey backed rebels", [])],
        KeywordJudge(),
    )
    assert scores.recall == 0.5
    assert scores.precision == 1.0  # one citation, and it is needed
    assert citation_scores([], KeywordJudge()).recall is None  # an abstention has no sentences


def test_alce_asks_the_judge_each_claim_once() -> None:
    judge = KeywordJudge()
    citation_scores(
        [
            ("Russia backed Assad", ["Russia backed Assad"]),
            ("Russia backed Assad", ["Russia backed Assad"]),
        ],
        judge,
    )
    assert len(judge.calls) == 1


def test_percentile_interpolates() -> None:
    assert percentile([4, 1, 3, 2], 50) == 2.5
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([], 50) is None


def test_cohen_kappa() -> None:
    # observed 3/4, chance 1/2 → 0.5
    assert cohen_kappa([True, True, False, False], [True, False, False, False]) == 0.5
    assert cohen_kappa([True, False], [False, True]) == -1.0
    assert cohen_kappa([True, True], [True, True]) is None  # chance agreement 1: undefined


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("SUPPORTED", True),
        ("  supported.\n", True),
        ("**NOT_SUPPORTED**", False),
        ("Not supported: the passage never mentions Iran.", False),
        ("NOT-SUPPORTED", False),
        ("Unsupported", False),
        ("NOT_SUPPORTED, although one might say SUPPORTED", False),
        ("Verdict: SUPPORTED", True),
        ("I would say NOT_SUPPORTED here.", False),
        ("The statement is well supported by passage 1", True),
        ("The statement is not supported by the passage.", False),
        ("1. Turkey supported the rebels. 2. China backed Assad.", None),  # an echo, no verdict
        ("I cannot tell.", None),
        ("", None),
    ],
)
def test_llm_verdicts_are_parsed_robustly(reply: str, verdict: bool | None) -> None:
    assert parse_llm_verdict(reply) is verdict


def test_entailment_label_is_found_in_id2label() -> None:
    assert entailment_index({0: "contradiction", 1: "entailment", 2: "neutral"}) == 1
    assert entailment_index({"0": "ENTAILMENT", "1": "NOT_ENTAILMENT"}) == 0
    with pytest.raises(RagError, match="not an NLI model"):
        entailment_index({0: "LABEL_0", 1: "LABEL_1"})


def _hit(article_id: str, text: str, start: int = 0) -> Hit:
    return Hit(
        article_id=article_id, chunk_id=f"{article_id}:0", title=article_id.title(),
        text=text, start=start, end=start + len(text), score=1.0,
    )  # fmt: skip


def _citation(n: int, article_id: str, quote: str) -> Citation:
    return Citation(
        n=n, article_id=article_id, title=article_id.title(), quote=quote, start=0,
        end=len(quote), score=1.0, context_start=0, context_end=len(quote),
    )  # fmt: skip


def test_score_question_tags_what_went_wrong() -> None:
    q = EvalQuestion(
        id="q1",
        question="Who backed Assad?",
        answers=("Russia",),
        answerable=True,
        evidence=(Evidence(article_id="war", quote="Russia backed Assad."),),
    )
    answer = Answer(
        question=q.question,
        answer="Turkey backed the rebels. [1] China backed Assad. [2]",
        sentences=[
            AnswerSentence(text="Turkey backed the rebels.", citations=[1]),
            AnswerSentence(text="China backed Assad.", citations=[2]),
        ],
        citations=[
            _citation(1, "rebels", "Turkey backed the rebels."),
            _citation(2, "rebels", "Arab states backed the rebels."),
        ],
        retrieved=[_hit("rebels", "Turkey backed the rebels. Arab states backed the rebels.")],
    )
    passages = {1: "Turkey backed the rebels.", 2: "Arab states backed the rebels."}
    record = score_question(q, answer, passages, KeywordJudge(), k=10)
    assert record["metrics"]["recall"] == 0.0
    assert record["metrics"]["citation_recall"] == 0.5
    assert record["metrics"]["contains"] == 0.0
    assert [s["supported"] for s in record["sentences"]] == [True, False]
    assert set(record["tags"]) == {"missed_evidence", "unsupported_sentence", "wrong_answer"}
