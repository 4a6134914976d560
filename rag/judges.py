"""Model-backed support judges: does a set of passages, jointly, support a statement?

Used by verification (``verify.judge`` setting) and by the evaluation harness
(``rag eval --judge``). The offline default needs no model: ``rag.verify``'s heuristic.

- ``nli:MODEL``: a sentence-transformers ``CrossEncoder`` NLI model (name or folder). The
  premise is the passages joined by newlines, the hypothesis the statement; supported when the
  softmax probability of the label whose name starts with "entail" (from the model config's
  ``id2label``) is at least the threshold (default 0.5).
- ``llm:SPEC``: a chat model from ``rag.backends.make_chat_model(SPEC)``, asked with
  ``LLM_SYSTEM_PROMPT`` / ``LLM_USER_PROMPT`` for a one-word SUPPORTED / NOT_SUPPORTED
  verdict, parsed by ``parse_llm_verdict``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from rag.errors import RagError
from rag.settings import LLMSettings

DEFAULT_NLI_THRESHOLD = 0.5

LLM_SYSTEM_PROMPT = (
    "You are a careful fact checker. You are given numbered source passages and one "
    "statement. Decide whether the passages, taken together, state or directly imply "
    "everything the statement claims. Reply with exactly one word: SUPPORTED if they do, "
    "NOT_SUPPORTED if any part of the statement is missing from the passages or contradicted "
    "by them."
)
LLM_USER_PROMPT = "Passages:\n{passages}\n\nStatement: {statement}\n\nVerdict (one word):"
_LEADING = re.compile(
    r"^\W*(?:(?:verdict|answer)\W*)?(NOT[\s_-]*SUPPORTED|UNSUPPORTED|SUPPORTED)\b"
)
_CAPS = re.compile(r"\b(NOT[\s_-]*SUPPORTED|UNSUPPORTED|SUPPORTED)\b")  # case-sensitive
_SENTENCE = re.compile(
    r"\b(?:statement|claim)\s+is\s+(not\s+|un)?(?:\w+\s+)?supported\b", re.IGNORECASE
)


class Claim(NamedTuple):
    """A statement and the passages it is judged against, jointly."""

    statement: str
    passages: tuple[str, ...]


@dataclass(frozen=True)
class Judgement:
    """A judge's verdict on one claim."""

    supported: bool
    score: float
    reason: str


class Judge(Protocol):
    """Anything that judges claims; ``name`` is what reports print."""

    name: str

    def judge(self, claims: Sequence[Claim]) -> list[Judgement]:
        """One judgement per claim, in order."""
        ...


class NLIJudge:
    """An NLI cross-encoder: entailment probability at or above a threshold is support."""

    def __init__(
        self, model: str, threshold: float = DEFAULT_NLI_THRESHOLD, batch_size: int = 16
    ) -> None:
        from sentence_transformers import CrossEncoder

        self.name = f"nli:{model}"
        self.threshold = threshold
        self.batch_size = batch_size
        try:
            self._model: Any = CrossEncoder(model, device="cpu")
        except (OSError, ValueError) as exc:
            raise RagError(f"cannot load NLI model {model!r}: {exc}") from exc
        self.entailment = entailment_index(self._model.config.id2label or {})

    def judge(self, claims: Sequence[Claim]) -> list[Judgement]:
        """Entailment probabilities of (joined passages, statement) pairs, in batches."""
        if not claims:
            return []
        pairs = [("\n".join(c.passages), c.statement) for c in claims]
        probs = self._model.predict(
            pairs, batch_size=self.batch_size, apply_softmax=True, show_progress_bar=False
        )
        out = []
        for row in probs:
            p = float(row[self.entailment])
            ok = p >= self.threshold
            out.append(Judgement(ok, p, f"entailment probability {p:.2f}"))
        return out


def entailment_index(id2label: dict[Any, str]) -> int:
    """Index of the entailment label in a model's ``id2label`` (case-insensitive)."""
    # startswith, not "in": binary models also have "not_entailment" / "non-entailment".
    found = [int(i) for i, label in id2label.items() if str(label).lower().startswith("entail")]
    if len(found) != 1:
        raise RagError(
            f"not an NLI model: its labels {sorted(id2label.values())} name no single "
            "'entailment' label; use a model trained on MNLI/SNLI-style labels"
        )
    return found[0]


class LLMJudge:
    """A chat model asked for a one-word SUPPORTED / NOT_SUPPORTED verdict per claim."""

    def __init__(self, spec: str, settings: LLMSettings) -> None:
        from rag.llm import make_chat_model

        self.name = f"llm:{spec}"
        # A one-word verdict needs few tokens; a rambling model is cut short, not waited for.
        short = settings.model_copy(update={"max_tokens": 16})
        self._model = make_chat_model(spec, short)

    def judge(self, claims: Sequence[Claim]) -> list[Judgement]:
        """Ask the model about each claim in turn."""
        out = []
        for claim in claims:
            passages = "\n".join(f"[{i}] {p}" for i, p in enumerate(claim.passages, start=1))
            user = LLM_USER_PROMPT.format(passages=passages, statement=claim.statement)
            reply = self._model.complete([("system", LLM_SYSTEM_PROMPT), ("user", user)])
            verdict = parse_llm_verdict(reply)
            shown = " ".join(reply.split())[:80]
            if verdict is None:
                out.append(Judgement(False, 0.0, f"unreadable verdict {shown!r}"))
            else:
                out.append(Judgement(verdict, float(verdict), f"model said {shown!r}"))
        return out


def parse_llm_verdict(reply: str) -> bool | None:
    """True for SUPPORTED, False for NOT_SUPPORTED / UNSUPPORTED, None when no verdict is given.

    Read in this order: a verdict word opening the reply (any case, markdown and a
    "Verdict:" label tolerated: "**Not supported.**"); else the first verdict word in
    capitals anywhere ("I think NOT_SUPPORTED"); else "the statement is (not) supported".
    An echoed passage ("Turkey supported the rebels") is not a verdict.
    """
    for pattern, text in ((_LEADING, reply.strip().upper()), (_CAPS, reply)):
        match = pattern.search(text)
        if match:
            return match.group(1) == "SUPPORTED"
    match = _SENTENCE.search(reply)
    if match:
        return match.group(1) is None
    return None


def make_model_judge(spec: str, llm: LLMSettings | None = None, **options: Any) -> Judge:
    """The judge ``nli:MODEL`` or ``llm:SPEC`` names: ``rag.backends.make_model_judge``."""
    from rag.backends import make_model_judge as build

    return build(spec, llm, **options)
