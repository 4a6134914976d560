"""Judges: does a set of passages, taken together, support a statement?

Chosen by name (``rag eval --judge NAME``):

- ``heuristic`` (default, offline): ``rag.verify.Verifier.judge``; supported means the
  verdict ``supported`` (``partially_supported`` counts as not supported).
The model-backed judges live in ``rag.judges`` (verification uses them too):

- ``nli:MODEL``: a sentence-transformers ``CrossEncoder`` NLI model (name or folder). The
  premise is the passages joined by newlines, the hypothesis the statement; supported when the
  softmax probability of the label whose name contains "entail" (from the model config's
  ``id2label``) is at least the threshold (default 0.5). Long premises are truncated to the
  model's maximum length.
- ``llm:SPEC``: a chat model from ``rag.backends.make_chat_model(SPEC)`` (``openai:URL#MODEL`` or
  ``llama-cpp:PATH.gguf``), asked with ``LLM_SYSTEM_PROMPT`` / ``LLM_USER_PROMPT`` for a
  one-word SUPPORTED / NOT_SUPPORTED verdict, parsed by ``parse_llm_verdict``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rag.backends import lookup, usages
from rag.errors import RagError
from rag.judges import (
    DEFAULT_NLI_THRESHOLD,
    LLM_SYSTEM_PROMPT,
    LLM_USER_PROMPT,
    Claim,
    Judge,
    Judgement,
    LLMJudge,
    NLIJudge,
    entailment_index,
    make_model_judge,
    parse_llm_verdict,
)

if TYPE_CHECKING:
    from rag.embeddings import Embedder
    from rag.settings import Settings

__all__ = [
    "DEFAULT_NLI_THRESHOLD",
    "LLM_SYSTEM_PROMPT",
    "LLM_USER_PROMPT",
    "CachedJudge",
    "Claim",
    "HeuristicJudge",
    "Judge",
    "Judgement",
    "LLMJudge",
    "NLIJudge",
    "entailment_index",
    "make_judge",
    "parse_llm_verdict",
    "supports",
]


def supports(judge: Judge, claims: Sequence[Claim]) -> dict[Claim, bool]:
    """Judge each distinct claim once; map claim → supported."""
    distinct = list(dict.fromkeys(claims))
    if not distinct:
        return {}
    return {c: j.supported for c, j in zip(distinct, judge.judge(distinct), strict=True)}


class CachedJudge:
    """Remembers every judgement, so repeated claims cost nothing and can be sampled later."""

    def __init__(self, inner: Judge) -> None:
        self.inner = inner
        self.name = inner.name
        self.seen: dict[Claim, Judgement] = {}

    def judge(self, claims: Sequence[Claim]) -> list[Judgement]:
        """Judgements, asking the inner judge only about claims not seen before."""
        new = [c for c in dict.fromkeys(claims) if c not in self.seen]
        if new:
            self.seen.update(zip(new, self.inner.judge(new), strict=True))
        return [self.seen[c] for c in claims]


class HeuristicJudge:
    """The offline verifier of ``rag.verify`` used as a judge."""

    name = "heuristic"

    def __init__(self, embedder: Embedder, settings: Settings) -> None:
        from rag.types import Verdict
        from rag.verify import Verifier

        self._supported = Verdict.supported
        self._verifier = Verifier(embedder, settings.verify)

    def judge(self, claims: Sequence[Claim]) -> list[Judgement]:
        """Verdict of ``Verifier.judge`` for each claim."""
        out = []
        for claim in claims:
            verdict, reason, score = self._verifier.judge(claim.statement, list(claim.passages))
            out.append(Judgement(verdict == self._supported, float(score), reason))
        return out


def make_judge(name: str, embedder: Embedder | None, settings: Settings, **options: Any) -> Judge:
    """The judge a ``--judge`` value names (see module docstring).

    ``embedder`` is needed by the heuristic judge only (pass the pipeline's, to share it).
    """
    if name == "heuristic":
        from rag.backends import make_embedder

        return HeuristicJudge(embedder or make_embedder(settings), settings)
    if lookup("judge", name) is None:  # the registry's own message would omit 'heuristic'
        raise RagError(
            f"unknown judge {name!r}: use 'heuristic', {usages('judge')} / "
            "'llm:llama-cpp:PATH.gguf'"
        )
    return make_model_judge(name, settings.llm, **options)
