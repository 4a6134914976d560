"""The follow-up heuristic (``rag.followup.standalone_question``): which questions lean on
the conversation and get the previous question appended, and which stand alone."""

from __future__ import annotations

import pytest

from rag.followup import standalone_question
from rag.types import Turn

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
