"""The real judges: heuristic (packaged MiniLM), NLI cross-encoder, and LLM (SmolLM2 GGUF).

No NLI model can be downloaded here, so the NLI path runs a tiny randomly initialised BERT
built in the test: its verdicts mean nothing, but loading, label mapping, batching and
thresholding are the real code's.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evals.judges import Claim, HeuristicJudge, NLIJudge, make_judge
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.judges import parse_llm_verdict
from rag.settings import Settings
from tests.tiny_models import build_tiny_classifier

BACKERS = (
    "The conflict, which has drawn in Western countries, Arab states, and Turkey supporting the "
    "rebels, while Russia, Iran, and Iranian-backed militias have supported Assad, has turned "
    "into a battleground for various proxy conflicts."
)
CLAIMS = [
    Claim("Russia, Iran, and Iranian-backed militias have supported Assad.", (BACKERS,)),
    Claim("China sent troops to support Assad.", (BACKERS,)),
    Claim("Turkey supported the rebels.", ("Turkey supported the rebels.", BACKERS)),
]


def tiny_nli_model(folder: Path, labels: dict[int, str] | None = None) -> Path:
    """A 1-layer BERT sequence classifier with 3 NLI labels and a word-piece tokenizer."""
    labels = labels or {0: "Contradiction", 1: "Entailment", 2: "Neutral"}
    return build_tiny_classifier(folder, labels, seed=7)


def _entailment_probs(folder: Path, claims: list[Claim], index: int) -> list[float]:
    """Entailment probabilities computed straight with transformers, for comparison."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    out = []
    for c in claims:
        enc = tok("\n".join(c.passages), c.statement, return_tensors="pt", truncation=True)
        with torch.no_grad():
            out.append(float(model(**enc).logits.softmax(-1)[0, index]))
    return out


def test_nli_judge_maps_labels_batches_and_thresholds(tmp_path: Path) -> None:
    folder = tiny_nli_model(tmp_path / "nli")
    expected = _entailment_probs(folder, CLAIMS, index=1)
    threshold = sorted(expected)[1]  # the middle probability: one claim below, two at or above
    judge = NLIJudge(str(folder), threshold=threshold, batch_size=2)
    assert judge.entailment == 1
    judged = judge.judge(CLAIMS)
    assert [j.score for j in judged] == pytest.approx(expected, abs=1e-5)
    assert [j.supported for j in judged] == [p >= threshold for p in expected]
    assert sum(j.supported for j in judged) == 2
    assert judge.judge([]) == []


def test_nli_judge_by_name_and_model_without_entailment_label(tmp_path: Path) -> None:
    folder = tiny_nli_model(tmp_path / "nli")
    judge = make_judge(f"nli:{folder}", None, Settings(), threshold=0.0)
    assert judge.name == f"nli:{folder}"
    assert all(j.supported for j in judge.judge(CLAIMS))  # every probability is >= 0
    sentiment = tiny_nli_model(tmp_path / "sentiment", {0: "negative", 1: "positive"})
    with pytest.raises(RagError, match="not an NLI model"):
        NLIJudge(str(sentiment))


def test_unknown_judge_names_are_refused(embedder: Embedder) -> None:
    for name in ("", "heuristic:x", "nli:", "gpt"):
        with pytest.raises(RagError, match="unknown judge"):
            make_judge(name, embedder, Settings())


def test_heuristic_judge_is_the_offline_verifier(embedder: Embedder) -> None:
    judge = make_judge("heuristic", embedder, Settings())
    assert isinstance(judge, HeuristicJudge)
    verbatim, other_country, two_passages = judge.judge(CLAIMS)
    assert verbatim.supported and verbatim.score == 1.0
    assert not other_country.supported and "China" in other_country.reason
    assert two_passages.supported


def _check_llm_judge(spec: str) -> None:
    judge = make_judge(f"llm:{spec}", None, Settings())
    assert judge.name == f"llm:{spec}"
    (judged,) = judge.judge(CLAIMS[:1])
    # SmolLM2's verdicts are no better than chance; what is checked is that a reply came
    # back through the backend and that the verdict is what parsing that reply gives.
    assert_verdict_follows_reply(judged.reason, judged.supported)
    assert judged.score == (1.0 if judged.supported else 0.0)


def assert_verdict_follows_reply(reason: str, supported: bool) -> None:
    """The judge's reason quotes the model's reply; the verdict must be that reply's parse."""
    m = re.fullmatch(r"(model said|unreadable verdict) '(.*)'", reason, re.S)
    assert m, f"not a model reply: {reason!r}"
    parsed = parse_llm_verdict(m.group(2))
    if m.group(1) == "model said":
        assert parsed is not None and parsed == supported
    else:
        assert parsed is None and not supported


def test_llm_judge_with_an_in_process_gguf_model(smollm2_gguf: Path) -> None:
    _check_llm_judge(f"llama-cpp:{smollm2_gguf}")


def test_llm_judge_through_an_openai_compatible_llama_cpp_server(llama_server: str) -> None:
    _check_llm_judge(f"openai:{llama_server}#smollm2")
