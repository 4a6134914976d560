"""Deciding that the corpus does not answer, and saying why.

Three kinds of abstention (``Answer.abstain_code``), checked in this order:

- ``no_relevant``: a name the question mentions is in no retrieved passage; or question
  words absent from every retrieved passage carry at least ``max_unknown_share`` of the
  question's weight; or no candidate sentence reaches ``min_relevance``;
- ``not_answered``: on-topic sentences exist, but a "how many" question finds no number
  of the thing it counts, or a "when" question no date;
- ``filtered_out``: set by the pipeline when the filters excluded evidence that the
  unfiltered corpus has.

The thresholds are calibrated on labelled data: ``python -m evals.calibrate_abstention``.
"""

from __future__ import annotations

import re

from rag.answer import FILTERED_OUT, NO_RELEVANT, NOT_ANSWERED, Draft
from rag.rerank import QuestionInfo
from rag.settings import AnswerSettings
from rag.text import content_terms, months, names, numbers, weighted_terms, words, years
from rag.types import Filters, Hit, SentenceHit


def decide(
    question: str, pool: list[Hit], ranked: list[SentenceHit], cfg: AnswerSettings
) -> Draft | None:
    """An abstaining Draft when the evidence cannot answer ``question``, else None."""
    missing = missing_names(question, pool)
    if missing:
        listed = ", ".join(repr(m) for m in missing)
        return _abstain(
            NO_RELEVANT, f"The corpus has nothing on {listed}: no retrieved article mentions it."
        )
    unknown, share = unknown_terms(question, pool)
    if share >= cfg.max_unknown_share:
        listed = ", ".join(repr(w) for w in unknown)
        return _abstain(
            NO_RELEVANT,
            f"The corpus does not mention {listed}, which is most of what the question asks about.",
        )
    relevant = [s for s in ranked[:3] if s.score >= cfg.min_relevance]
    if not relevant:
        return _abstain(
            NO_RELEVANT, "Nothing in the corpus is relevant enough to answer this question."
        )
    lacking = answer_type_missing(question, relevant)
    if lacking:
        return _abstain(
            NOT_ANSWERED,
            f"Articles on the topic were found (e.g. {relevant[0].hit.title!r}), "
            f"but none of their relevant sentences gives {lacking}.",
        )
    return None


def filtered_out(filters: Filters, example: Hit) -> Draft:
    """The abstention for evidence that exists but lies outside ``filters``."""
    which = []
    if filters.since or filters.until:
        which.append(f"the date filter ({filters.since or '…'} to {filters.until or '…'})")
    if filters.sources:
        which.append(f"the source filter ({', '.join(filters.sources)})")
    where = f"{example.title!r}" + (f", {example.source}" if example.source else "")
    where += f", {example.published_at[:10]}" if example.published_at else ", undated"
    return _abstain(
        FILTERED_OUT,
        f"Relevant articles exist but fall outside {' and '.join(which)}: for example {where}.",
    )


def _abstain(code: str, reason: str) -> Draft:
    return Draft(abstain_code=code, abstain_reason=reason)


def missing_names(question: str, hits: list[Hit]) -> list[str]:
    """Names the question mentions that appear in none of the passages, titles or outlets.

    "What is the capital of Australia?" over a Syria corpus finds passages about
    capitals; if "Australia" is nowhere among them, the corpus cannot answer.
    """
    pool: set[str] = set()
    for hit in hits:
        pool.update(content_terms(f"{hit.title} {hit.source or ''} {hit.text}"))
    missing = []
    for name in sorted(names(question)):
        terms = set(content_terms(name))
        if terms and not terms & pool:
            missing.append(name)
    return missing


def unknown_terms(question: str, hits: list[Hit]) -> tuple[list[str], float]:
    """Question words found in no retrieved passage, and their share of the question's weight.

    "What are the symptoms of the flu?" over a war corpus retrieves nerve-agent reports
    that mention symptoms; "flu" is nowhere, and it is half of what is asked.
    """
    pool: set[str] = set()
    for hit in hits:
        pool.update(content_terms(f"{hit.title} {hit.source or ''} {hit.text}"))
    weights = weighted_terms(question)
    total = sum(weights.values())
    missing = [t for t in weights if t not in pool]
    surface = [w for w in words(question) if content_terms(w) and content_terms(w)[0] in missing]
    share = sum(weights[t] for t in missing) / total if total else 0.0
    return list(dict.fromkeys(surface)), share


_HOW_MANY = re.compile(r"\bhow (?:many|much)\b(.*)", re.IGNORECASE)


def target_word(question: str) -> str | None:
    """The first content word after "how many"/"how much", as written."""
    m = _HOW_MANY.search(question)
    if not m:
        return None
    return next((w for w in words(m.group(1)) if content_terms(w)), None)


def count_target(question: str) -> str | None:
    """Stem of what a "how many" question counts ("how many of them were civilians" → civilian)."""
    word = target_word(question)
    return content_terms(word)[0] if word else None


def answer_type_missing(question: str, sentences: list[SentenceHit]) -> str | None:
    """For "how many" / "when" questions: what no candidate sentence provides, else None."""
    info = QuestionInfo(question)
    if info.kind == "count":
        # The number must count the thing asked about: "how many mosques" is not
        # answered by a sentence whose only number is a death toll.
        target = count_target(question)
        if not any(
            numbers(s.text) - info.numbers - info.years_str()
            and (target is None or target in content_terms(s.text))
            for s in sentences
        ):
            return "a number" + (f" of {target_word(question)}" if target else "")
    elif info.kind == "time" and not any(years(s.text) or months(s.text) for s in sentences):
        return "a date"
    return None
