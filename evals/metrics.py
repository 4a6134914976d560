"""Metric functions: pure, each computing one number the README defines.

Retrieval metrics take ``ranked``: for each retrieved article in rank order (distinct
articles), the set of gold-evidence keys it matches (empty when it is not gold).
Citation metrics (ALCE) take a judge; see ``evals.judges``.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from evals.judges import Claim, Judge, supports

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "“”‘’—–")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b")


# ------------------------------------------------------------------- retrieval
def recall_at_k(ranked: Sequence[frozenset[str]], n_gold: int, k: int) -> float | None:
    """Share of the gold articles found among the first ``k`` retrieved; None without gold."""
    if n_gold == 0:
        return None
    found: set[str] = set().union(*ranked[:k]) if ranked[:k] else set()
    return len(found) / n_gold


def reciprocal_rank(ranked: Sequence[frozenset[str]]) -> float:
    """1 / rank of the first retrieved article that is gold evidence; 0 when none is."""
    for rank, keys in enumerate(ranked, start=1):
        if keys:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[frozenset[str]], n_gold: int, k: int = 10) -> float | None:
    """Binary-relevance nDCG@k; a gold article counts once, at its best rank."""
    if n_gold == 0:
        return None
    seen: set[str] = set()
    dcg = 0.0
    for rank, keys in enumerate(ranked[:k], start=1):
        new = keys - seen
        if new:
            dcg += 1.0 / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_gold, k) + 1))
    return dcg / ideal


# ---------------------------------------------------------- answer correctness
def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower case, no punctuation, no articles, single spaces; and
    no possessive "'s", whose deleted apostrophe would glue it to the name ("Iñigo
    Quintero’s song" holds the answer "Iñigo Quintero")."""
    text = _POSSESSIVE.sub("", text).lower().translate(_PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer."""
    pred = normalize_answer(prediction)
    return float(any(pred == normalize_answer(g) for g in golds))


def token_f1(prediction: str, golds: Sequence[str]) -> float:
    """Best SQuAD token F1 of the prediction against any gold answer."""
    pred = normalize_answer(prediction).split()
    best = 0.0
    for gold in golds:
        ref = normalize_answer(gold).split()
        common = sum((Counter(pred) & Counter(ref)).values())
        if common == 0:
            continue
        precision, recall = common / len(pred), common / len(ref)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains_answer(prediction: str, golds: Sequence[str]) -> float:
    """1.0 when some normalised gold answer occurs in the prediction as a run of whole words."""
    pred = f" {normalize_answer(prediction)} "
    return float(any(g and f" {g} " in pred for g in map(normalize_answer, golds)))


# -------------------------------------------------------------- citations (ALCE)
@dataclass
class SentenceCitations:
    """ALCE checks of one answer sentence against the passages it cites."""

    statement: str
    passages: tuple[str, ...]
    supported: bool = False
    precise: list[bool] = field(default_factory=list)


@dataclass
class CitationScores:
    """Citation recall and precision of one answer, with the per-sentence checks."""

    recall: float | None
    precision: float | None
    sentences: list[SentenceCitations]


def citation_scores(sentences: Sequence[tuple[str, Sequence[str]]], judge: Judge) -> CitationScores:
    """ALCE citation recall and precision of one answer's (sentence, cited passages) pairs.

    Recall: share of sentences supported by their citations jointly (no citation: not
    supported). Precision: share of citations that are precise (0 when the answer cites
    nothing; both None when it has no sentences); when a sentence's citations
    jointly support it, a citation is imprecise only if it alone does not support the sentence
    AND the others still do without it; when they do not support it, none of its citations
    is precise (ALCE ``compute_autoais``).
    """
    checks = [SentenceCitations(s, tuple(p)) for s, p in sentences]
    if not checks:
        return CitationScores(None, None, [])
    verdicts = supports(judge, [Claim(c.statement, c.passages) for c in checks if c.passages])
    for c in checks:
        c.supported = bool(c.passages) and verdicts[Claim(c.statement, c.passages)]
    _precision_checks(checks, judge)
    n_citations = sum(len(c.passages) for c in checks)
    precise = sum(sum(c.precise) for c in checks)
    recall = sum(c.supported for c in checks) / len(checks)
    # ALCE scores an answer that cites nothing at precision 0, not "undefined".
    return CitationScores(recall, precise / n_citations if n_citations else 0.0, checks)


def _precision_checks(checks: list[SentenceCitations], judge: Judge) -> None:
    multi = [c for c in checks if c.supported and len(c.passages) > 1]
    alone = supports(judge, [Claim(c.statement, (p,)) for c in multi for p in c.passages])
    rest = supports(
        judge,
        [
            Claim(c.statement, _without(c.passages, i))
            for c in multi
            for i, p in enumerate(c.passages)
            if not alone[Claim(c.statement, (p,))]
        ],
    )
    for c in checks:
        if not c.supported:
            c.precise = [False] * len(c.passages)
        elif len(c.passages) == 1:
            c.precise = [True]
        else:
            c.precise = [
                alone[Claim(c.statement, (p,))]
                or not rest[Claim(c.statement, _without(c.passages, i))]
                for i, p in enumerate(c.passages)
            ]


def _without(passages: tuple[str, ...], i: int) -> tuple[str, ...]:
    return passages[:i] + passages[i + 1 :]


# ----------------------------------------------------------------- aggregates
def mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when whole is 0."""
    return part / whole if whole else None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The ``pct``-th percentile by linear interpolation between order statistics."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * pct / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def cohen_kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two binary raters; None when undefined (chance agreement is 1)."""
    if len(a) != len(b):
        raise ValueError("both raters must rate the same items")
    if not a:
        return None
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected == 1.0:
        return None
    return (observed - expected) / (1 - expected)
