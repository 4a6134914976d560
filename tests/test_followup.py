"""The follow-up heuristic (``rag.followup.standalone_question``): which questions lean on
the conversation and get the previous question appended, and which stand alone."""

from __future__ import annotations

import pytest

from rag.followup import standalone_question
from rag.types import Answer, Turn

HISTORY = [Turn(question="How many people died in the violence on Syria's coast?")]
CONTEXT = " (How many people died in the violence on Syria's coast)"


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        # a pronoun with nothing to point to in the question: the conversation's topic
        ("how many of them were civilians?", True),
        ("Who attacked them?", True),
        ("What did he say about the attacks?", True),
        ("When did it start?", True),
        ("What did the UN say about it?", True),  # an object: the topic talked about
        ("Did Russia back them?", True),
        ("What about Latakia?", True),
        ("And Tartus?", True),  # fewer than two content words
        # the pronoun's antecedent is a name earlier in the same question
        ("What new name did the Nusra Front adopt when it broke with al Qaeda?", False),
        ("Why did Tesla cut its prices in 2023?", False),
        ("What did Sharaa promise after he took power?", False),
        ("Did the Observatory say that they counted civilians separately?", False),
        # no pronoun at all: a new topic stands alone
        ("Who is the head of the Syrian Observatory for Human Rights?", False),
        ("What did the EU say?", False),  # one content word, but a whole question
        ("Who is Sharaa?", False),
    ],
)
def test_which_questions_lean_on_the_conversation(question: str, leans: bool) -> None:
    rewritten = standalone_question(question, HISTORY)
    assert rewritten.endswith(CONTEXT) is leans
    assert rewritten.lower().startswith(question.lower().removeprefix("and ").rstrip("?")[:20])


def test_the_first_question_never_gets_context() -> None:
    assert standalone_question("When did it start?", []) == "When did it start?"


def test_a_chain_of_follow_ups_stays_one_level_deep() -> None:
    history: list[Turn] = []
    out = []
    for question in (
        "who backed Assad?",
        "and the rebels?",
        "when did his government fall?",
        "where did he go?",
        "and after that?",
    ):
        out.append(standalone_question(question, history))
        history.append(Turn(question=question, answer=_answered(out[-1])))
    assert out[1] == "The rebels? (Who backed Assad)"
    # the previous question's own words, and the names its context carried
    assert out[2] == "When did his government fall? (The rebels; Assad)"
    assert out[3] == "Where did he go? (When did his government fall; Assad)"
    assert out[4] == "After that? (Where did he go; Assad)"
    assert all(q.count("(") <= 1 for q in out)


def test_a_long_chain_carries_at_most_three_names() -> None:
    previous = "What did they agree? (Who met; Assad, Erdogan, Putin, Raisi, Sharaa)"
    history = [Turn(question="What did they agree?", answer=_answered(previous))]
    rewritten = standalone_question("And then?", history)
    assert rewritten == "Then? (What did they agree; Assad, Erdogan, Putin)"


def _answered(standalone: str) -> Answer:
    return Answer(question=standalone, answer="…", standalone_question=standalone)
