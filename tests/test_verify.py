"""Verification catches planted unsupported sentences and passes grounded ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.embeddings import Embedder
from rag.settings import VerifySettings
from rag.types import AnswerSentence, Verdict
from rag.verify import Verifier

CASUALTIES = (
    "According to the Syrian Observatory for Human Rights, a UK-based monitoring group, over 1,000 "
    "people have died in just two days of fighting. Among the casualties were 745 civilians, 125 "
    "members of the Syrian security forces, and 148 pro-Assad fighters."
)
BACKERS = (
    "The conflict, which has drawn in Western countries, Arab states, and Turkey supporting the "
    "rebels, while Russia, Iran, and Iranian-backed militias have supported Assad, has turned into "
    "a battleground for various proxy conflicts."
)
EVIDENCE = {1: CASUALTIES, 2: BACKERS}


@pytest.fixture(scope="module")
def verifier(embedder: Embedder) -> Verifier:
    return Verifier(embedder, VerifySettings())


def _verdict(verifier: Verifier, text: str, cites: list[int]) -> AnswerSentence:
    return verifier.verify([AnswerSentence(text=text, citations=cites)], EVIDENCE)[0]


@pytest.mark.parametrize(
    "text,cites",
    [
        (
            "Among the casualties were 745 civilians, 125 members of the Syrian security forces, and 148 pro-Assad fighters.",
            [1],
        ),
        ("Russia, Iran, and Iranian-backed militias have supported Assad.", [2]),
        ("745 civilians were among the casualties.", [1]),
        ("Turkey, Arab states and Western countries supported the rebels.", [2]),
    ],
)
def test_grounded_sentences_are_supported(verifier: Verifier, text: str, cites: list[int]) -> None:
    result = _verdict(verifier, text, cites)
    assert result.verdict == Verdict.supported, result.reason


@pytest.mark.parametrize(
    "text,cites,why",
    [
        ("Among the casualties were 800 civilians.", [1], "number 800"),  # wrong number
        ("Saudi Arabia and Iran have supported Assad.", [2], "Saudi Arabia"),  # wrong name
        (
            "Russia, Iran, and Iranian-backed militias have supported Assad.",
            [1],
            "Russia",
        ),  # right claim, wrong citation
        (
            "Russia, Iran, and Iranian-backed militias have opposed Assad.",
            [2],
            "opposite",
        ),  # says the opposite
        ("Russia and Iran did not support Assad.", [2], "opposite"),  # negated
        ("Among the casualties were 745 civilians.", [], "cites no passage"),  # no citation
        (
            "The violence ended after a peace deal was signed in Geneva.",
            [1],
            "Geneva",
        ),  # unsupported name
    ],
)
def test_planted_unsupported_sentences_are_caught(
    verifier: Verifier, text: str, cites: list[int], why: str
) -> None:
    result = _verdict(verifier, text, cites)
    assert result.verdict == Verdict.unsupported, result.reason
    assert why in (result.reason or "")


def test_sentence_citing_two_passages_is_judged_on_both(verifier: Verifier) -> None:
    text = "Russia backed Assad while 745 civilians died in the coastal violence."
    assert _verdict(verifier, text, [1]).verdict == Verdict.unsupported
    assert _verdict(verifier, text, [1, 2]).verdict != Verdict.unsupported


def test_unrelated_sentence_without_names_or_numbers_is_not_supported(verifier: Verifier) -> None:
    result = _verdict(verifier, "The harvest was poor because of the drought.", [1])
    assert result.verdict == Verdict.unsupported
    assert result.support_score is not None and result.support_score < 0.5


def test_nli_judge_decides_open_sentences_after_the_hard_checks(
    tmp_path: Path, embedder: Embedder
) -> None:
    from rag.judges import make_model_judge
    from tests.tiny_models import build_tiny_cross_encoder

    model = build_tiny_cross_encoder(tmp_path / "nli", num_labels=3)
    judge = make_model_judge(f"nli:{model}", threshold=0.0)  # every entailment probability passes
    verifier = Verifier(embedder, VerifySettings(), judge)
    open_claim = verifier.verify(
        [AnswerSentence(text="Turkey and Arab states backed the rebels.", citations=[2])], EVIDENCE
    )[0]
    assert open_claim.verdict == Verdict.supported
    assert (open_claim.reason or "").startswith(f"nli:{model}: entailment probability")
    # Hard checks still come first: a wrong number never reaches the judge.
    wrong = verifier.verify(
        [AnswerSentence(text="Among the casualties were 800 civilians.", citations=[1])], EVIDENCE
    )[0]
    assert wrong.verdict == Verdict.unsupported and "800" in (wrong.reason or "")
    strict = Verifier(embedder, VerifySettings(), make_model_judge(f"nli:{model}", threshold=1.01))
    refused = strict.verify(
        [AnswerSentence(text="Turkey and Arab states backed the rebels.", citations=[2])], EVIDENCE
    )[0]
    assert refused.verdict == Verdict.unsupported


def test_unknown_judge_is_an_error() -> None:
    from rag.errors import RagError
    from rag.judges import make_model_judge

    with pytest.raises(RagError, match="nli:MODEL"):
        make_model_judge("oracle:x")
