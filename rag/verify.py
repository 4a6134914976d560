"""Per-sentence verification: does the cited evidence really say what the sentence claims?

Signals available offline (no NLI model ships as a package, see MODELS.md), checked in
this order for each answer sentence against the passages it cites:

1. **No citation** → unsupported.
2. **Verbatim**: the sentence (white space and quotes normalised) occurs in a cited
   passage → supported. Extractive answers always pass here.
3. **Numbers**: a number in the sentence that no cited passage contains → unsupported.
4. **Names**: a capitalised name whose words no cited passage contains → unsupported.
5. **Contradiction**: the best-matching cited sentence says the opposite — a negation
   on one side only, or an antonym pair from ``ANTONYMS`` — → unsupported.
6. **Judge**: with ``verify.judge`` set to ``nli:MODEL`` or ``llm:SPEC`` (``rag.judges``),
   that model decides: supported or unsupported, its reason quoted. Otherwise
   **overlap**: ``support = 0.5 * cosine + 0.5 * coverage`` against the best-matching
   cited sentence (coverage: share of the sentence's stemmed content words found in the
   cited passages): supported at ``supported_at`` or above, partially supported at
   ``partial_at`` or above, unsupported below.

A sentence citing several passages is judged on all of them jointly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np

from rag.chunking import split_sentences
from rag.embeddings import Embedder
from rag.judges import Claim, Judge
from rag.settings import VerifySettings
from rag.text import content_terms, names, numbers, words
from rag.types import AnswerSentence, Verdict

# Opposites that flip a news claim while keeping its words; each pair is matched on stems.
ANTONYMS = [
    ("support", "oppos"), ("back", "oppos"), ("ally", "enemy"), ("increas", "decreas"),
    ("rise", "fall"), ("rose", "fell"), ("won", "lost"), ("win", "lose"), ("accept", "reject"),
    ("approv", "reject"), ("confirm", "deni"), ("admit", "deni"), ("allow", "ban"),
    ("open", "close"), ("reopen", "close"), ("higher", "lower"), ("condemn", "prais"),
    ("agre", "disagre"),
    ("legal", "illegal"), ("releas", "arrest"), ("withdraw", "deploy"), ("lift", "impos"),
]  # fmt: skip
_NEGATIONS = frozenset({"not", "no", "never", "neither", "nor", "none", "without", "denied"})
_SPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip().rstrip(".").lower()


class Verifier:
    """Gives every answer sentence a verdict against the passages it cites."""

    def __init__(
        self, embedder: Embedder, settings: VerifySettings, model_judge: Judge | None = None
    ) -> None:
        self.embedder = embedder
        self.settings = settings
        self.model_judge = model_judge

    def verify(
        self, sentences: list[AnswerSentence], evidence: Mapping[int, str]
    ) -> list[AnswerSentence]:
        """New sentences with ``verdict``, ``reason`` and ``support_score`` set.

        ``evidence`` maps a citation number to the passage text it stands for (the quote
        with its surrounding context).
        """
        return [
            self._one(s, [evidence[n] for n in s.citations if n in evidence]) for s in sentences
        ]

    def _one(self, sentence: AnswerSentence, cited: list[str]) -> AnswerSentence:
        verdict, reason, score = self.judge(sentence.text, cited)
        return sentence.model_copy(
            update={"verdict": verdict, "reason": reason, "support_score": round(score, 4)}
        )

    def judge(self, text: str, cited: list[str]) -> tuple[Verdict, str, float]:
        """Verdict, reason and support score of one statement against passages, jointly."""
        if not cited:
            return Verdict.unsupported, "cites no passage", 0.0
        joined = " ".join(cited)
        if _norm(text) in _norm(joined):
            return Verdict.supported, "quoted verbatim from the cited passage", 1.0
        missing_numbers = sorted(numbers(text) - numbers(joined))
        if missing_numbers:
            return (
                Verdict.unsupported,
                f"number {', '.join(missing_numbers)} not in the cited passage",
                0.0,
            )
        have = set(content_terms(joined))
        missing_names = [
            n for n in sorted(names(text, initial=True)) if not set(content_terms(n)) <= have
        ]
        if missing_names:
            return Verdict.unsupported, f"{', '.join(missing_names)} not in the cited passage", 0.0
        best, similarity = self._best_sentence(text, cited)
        conflict = _contradiction(text, best)
        if conflict:
            return Verdict.unsupported, f"the cited passage says the opposite ({conflict})", 0.0
        if self.model_judge is not None:
            j = self.model_judge.judge([Claim(text, tuple(cited))])[0]
            verdict = Verdict.supported if j.supported else Verdict.unsupported
            return verdict, f"{self.model_judge.name}: {j.reason}", j.score
        terms = content_terms(text)
        coverage = sum(t in have for t in terms) / len(terms) if terms else 0.0
        score = 0.5 * similarity + 0.5 * coverage
        if score >= self.settings.supported_at:
            return Verdict.supported, f"matches the cited passage (support {score:.2f})", score
        if score >= self.settings.partial_at:
            return Verdict.partial, f"only partly in the cited passage (support {score:.2f})", score
        return Verdict.unsupported, f"not found in the cited passage (support {score:.2f})", score

    def _best_sentence(self, text: str, cited: list[str]) -> tuple[str, float]:
        candidates = [p[s.start : s.end] for p in cited for s in split_sentences(p)] or cited
        vectors = self.embedder.embed([text, *candidates])
        sims = vectors[1:] @ vectors[0]
        i = int(np.argmax(sims))
        return candidates[i], float(sims[i])


def _contradiction(claim: str, evidence: str) -> str | None:
    """A negation or antonym that flips the claim relative to its best evidence sentence."""
    cw, ew = set(words(claim)), set(words(evidence))
    if bool(cw & _NEGATIONS) != bool(ew & _NEGATIONS):
        return "negation"
    cs, es = set(content_terms(claim)), set(content_terms(evidence))
    for a, b in ANTONYMS:
        for x, y in ((a, b), (b, a)):
            claim_has = any(t.startswith(x) for t in cs)
            evidence_flips = any(t.startswith(y) for t in es)
            if claim_has and evidence_flips and not any(t.startswith(x) for t in es):
                return f"{x}… vs {y}…"
    return None
