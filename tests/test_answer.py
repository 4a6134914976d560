"""Flagging or dropping unsupported sentences keeps markers and sources consistent; an LLM
reply's remarks about the passages are dropped."""

from __future__ import annotations

import pytest

from rag.answer import NOT_ANSWERED, Draft, apply_verdicts, split_marked_sentences
from rag.generate import without_remarks
from rag.types import AnswerSentence, Citation, Verdict


def _citation(n: int, quote: str) -> Citation:
    return Citation(
        n=n, article_id=f"a{n}", title=f"T{n}", quote=quote, start=0, end=len(quote),
        score=0.5, context_start=0, context_end=len(quote),
    )  # fmt: skip


def _draft() -> Draft:
    sentences = [
        AnswerSentence(text="Russia backed Assad.", citations=[1], verdict=Verdict.supported),
        AnswerSentence(text="China sent troops.", citations=[2], verdict=Verdict.unsupported),
        AnswerSentence(text="Turkey backed the rebels.", citations=[3], verdict=Verdict.partial),
    ]
    citations = [
        _citation(1, "Russia backed Assad."),
        _citation(2, "x"),
        _citation(3, "Turkey backed rebels."),
    ]
    return Draft(
        text="", sentences=sentences, citations=citations, evidence={1: "p1", 2: "p2", 3: "p3"}
    )


def test_flag_keeps_every_sentence_with_its_verdict() -> None:
    draft = _draft()
    flagged = apply_verdicts(draft, draft.sentences, drop=False)
    assert [s.verdict for s in flagged.sentences] == [
        Verdict.supported,
        Verdict.unsupported,
        Verdict.partial,
    ]
    assert (
        flagged.text
        == "Russia backed Assad. [1]\n\nChina sent troops. [2] Turkey backed the rebels. [3]"
    )


def test_drop_removes_unsupported_sentences_and_renumbers_citations() -> None:
    draft = _draft()
    kept = apply_verdicts(draft, draft.sentences, drop=True)
    assert kept.text == "Russia backed Assad. [1]\n\nTurkey backed the rebels. [2]"
    assert [(c.n, c.article_id) for c in kept.citations] == [(1, "a1"), (2, "a3")]
    assert kept.evidence == {1: "p1", 2: "p3"}
    assert [s.citations for s in kept.sentences] == [[1], [2]]


def test_dropping_every_sentence_abstains_as_not_answered() -> None:
    draft = _draft()
    bad = [s.model_copy(update={"verdict": Verdict.unsupported}) for s in draft.sentences]
    result = apply_verdicts(draft, bad, drop=True)
    assert result.abstain_code == NOT_ANSWERED and result.citations == [] and result.text == ""


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        # a remark about the passages goes; its marker goes to the claim it was meant for
        (
            "The US team faced Ghana at GEODIS Park. This can be found in Passage. [1]",
            [("The US team faced Ghana at GEODIS Park.", [1])],
        ),
        (
            "Russia backed Assad [1]. This is supported by passage 2. [2]",
            [("Russia backed Assad.", [1])],
        ),
        # must not go: a sentence that says something, even about the passages
        (
            "The passage says Russia backed Assad. [1]",
            [("The passage says Russia backed Assad.", [1])],
        ),
        ("Sources differ on the toll. [1][2]", [("Sources differ on the toll.", [1, 2])]),
    ],
)
def test_remarks_about_the_passages_are_dropped(
    reply: str, expected: list[tuple[str, list[int]]]
) -> None:
    assert without_remarks(split_marked_sentences(reply)) == expected
