"""Score one answered question: its metric values, judged sentences and failure tags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from evals.judges import Claim, Judge, Judgement
from evals.metrics import (
    citation_scores,
    contains_answer,
    exact_match,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
    token_f1,
)
from evals.readers import EvalQuestion, Evidence, norm_text
from rag.types import Answer, Hit

NDCG_AT = 10
_NO_CITATION = Judgement(False, 0.0, "cites no passage")

# Failure tags, worst first; the weights order the report's "worst failures".
TAG_WEIGHTS = {
    "answered_unanswerable": 3,
    "false_refusal": 3,
    "unsupported_sentence": 3,
    "wrong_answer": 2,
    "missed_evidence": 2,
    "citation_not_needed": 1,
}


def ranked_gold(evidence: Sequence[Evidence], hits: Sequence[Hit]) -> list[frozenset[str]]:
    """For each distinct retrieved article, in rank order, the gold evidence keys it matches."""
    ranked: list[frozenset[str]] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.article_id in seen:
            continue
        seen.add(hit.article_id)
        ranked.append(
            frozenset(e.key() for e in evidence if e.matches(hit.article_id, hit.url, hit.title))
        )
    return ranked


def quote_recall(evidence: Sequence[Evidence], passages: Sequence[str]) -> float | None:
    """Share of the gold quotes that occur (normalised) in some retrieved passage."""
    quotes = {norm_text(e.quote) for e in evidence if e.quote}
    if not quotes:
        return None
    texts = [norm_text(p) for p in passages]
    return sum(any(q in t for t in texts) for q in quotes) / len(quotes)


def retrieval_scores(q: EvalQuestion, hits: Sequence[Hit], k: int) -> dict[str, float | None]:
    """recall@k, reciprocal rank, nDCG@10 and evidence-quote recall@k of one question."""
    if not q.answerable or not q.evidence:
        return {"recall": None, "recall5": None, "rr": None, "ndcg": None, "quote_recall": None}
    top = list(hits[:k])
    ranked = ranked_gold(q.evidence, top)
    n_gold = len({e.key() for e in q.evidence})
    return {
        "recall": recall_at_k(ranked, n_gold, k),
        "recall5": recall_at_k(ranked_gold(q.evidence, hits[:5]), n_gold, 5),
        "rr": reciprocal_rank(ranked),
        "ndcg": ndcg_at_k(ranked_gold(q.evidence, hits[:NDCG_AT]), n_gold, NDCG_AT),
        "quote_recall": quote_recall(q.evidence, [h.text for h in top]),
    }


def answer_text(answer: Answer) -> str:
    """The answer's sentences without citation markers; empty when it abstained."""
    return "" if answer.abstained else " ".join(s.text for s in answer.sentences)


def correctness_scores(q: EvalQuestion, answer: Answer) -> dict[str, float | None]:
    """Exact match, token F1 and containment against the gold answers (answerable only)."""
    if not q.answerable or not q.answers:
        return {"em": None, "f1": None, "contains": None, "lead_contains": None}
    text = answer_text(answer)
    lead = "" if answer.abstained or not answer.sentences else answer.sentences[0].text
    return {
        "em": exact_match(text, q.answers),
        "f1": token_f1(text, q.answers),
        "contains": contains_answer(text, q.answers),
        "lead_contains": contains_answer(lead, q.answers),
    }


def score_question(
    q: EvalQuestion,
    answer: Answer,
    passages: Mapping[int, str],
    judge: Judge,
    k: int,
) -> dict[str, Any]:
    """The results.jsonl record of one question (without run-level fields).

    ``passages`` maps each citation number to the passage it stands for (the quote in its
    context), which is what the citation is judged against.
    """
    cited = [[passages[n] for n in s.citations if n in passages] for s in answer.sentences]
    citations = citation_scores(
        [(s.text, p) for s, p in zip(answer.sentences, cited, strict=True)], judge
    )
    context = tuple(dict.fromkeys([*(h.text for h in answer.retrieved), *passages.values()]))
    faithful = [
        j.supported for j in judge.judge([Claim(s.text, context) for s in answer.sentences])
    ]
    joint = _joint_judgements(judge, [s.text for s in answer.sentences], cited)
    metrics: dict[str, float | None] = {
        **retrieval_scores(q, answer.retrieved, k),
        **correctness_scores(q, answer),
        "citation_recall": citations.recall,
        "citation_precision": citations.precision,
        "faithfulness": sum(faithful) / len(faithful) if faithful else None,
    }
    sentences = [
        {
            "text": s.text,
            "citations": s.citations,
            "pipeline_verdict": s.verdict.value if s.verdict else None,
            "supported": check.supported,
            "score": round(j.score, 4),
            "reason": j.reason,
            "precise": check.precise,
            "faithful": f,
        }
        for s, check, j, f in zip(
            answer.sentences, citations.sentences, joint, faithful, strict=True
        )
    ]
    return {
        "id": q.id,
        "kind": q.kind,
        "question": q.question,
        "answerable": q.answerable,
        "gold_answers": list(q.answers),
        "gold_evidence": [_evidence_json(e, answer.retrieved[:k]) for e in q.evidence],
        "filters": q.filters.model_dump(mode="json") if q.filters else None,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "abstain_code": answer.abstain_code,
        "sentences": sentences,
        "citations": [
            {**c.model_dump(mode="json"), "passage": passages.get(c.n, "")}
            for c in answer.citations
        ],
        "retrieved": answer.to_json()["retrieved"],
        "metrics": {name: None if v is None else round(v, 4) for name, v in metrics.items()},
        "tags": failure_tags(q, answer, metrics, sentences),
        "judge": judge.name,
        "settings_hash": answer.settings_hash,
    }


def _joint_judgements(
    judge: Judge, statements: Sequence[str], cited: Sequence[Sequence[str]]
) -> list[Judgement]:
    """Each statement judged against its cited passages (a statement citing none fails)."""
    claims = [Claim(s, tuple(p)) for s, p in zip(statements, cited, strict=True) if p]
    judged = iter(judge.judge(claims))
    return [next(judged) if p else _NO_CITATION for p in cited]


def _evidence_json(e: Evidence, top: Sequence[Hit]) -> dict[str, Any]:
    """The evidence item, and whether its article (and quote) was among the top-k passages."""
    fields = {"article_id": e.article_id, "url": e.url, "title": e.title, "quote": e.quote}
    out: dict[str, Any] = {k: v for k, v in fields.items() if v}
    out["retrieved"] = any(e.matches(h.article_id, h.url, h.title) for h in top)
    if e.quote:
        out["quote_retrieved"] = quote_recall([e], [h.text for h in top]) == 1.0
    return out


def failure_tags(
    q: EvalQuestion,
    answer: Answer,
    metrics: Mapping[str, float | None],
    sentences: Sequence[Mapping[str, Any]],
) -> list[str]:
    """The failure tags of one question (README, 'Failure tags')."""
    tags = []
    missed = [metrics["recall"], metrics["quote_recall"]]
    if any(v is not None and v < 1.0 for v in missed):
        tags.append("missed_evidence")
    if q.answerable and answer.abstained:
        tags.append("false_refusal")
    if not q.answerable and not answer.abstained:
        tags.append("answered_unanswerable")
    if any(not s["supported"] for s in sentences):
        tags.append("unsupported_sentence")
    if any(s["supported"] and not all(s["precise"]) for s in sentences):
        tags.append("citation_not_needed")
    if q.answerable and not answer.abstained and metrics["contains"] == 0.0:
        tags.append("wrong_answer")
    return tags
