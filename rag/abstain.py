"""Deciding that the corpus does not answer, and saying why.

Three kinds of abstention (``Answer.abstain_code``), checked in this order:

- ``no_relevant``: a name the question mentions is in no retrieved passage; or question
  words absent from every retrieved passage carry at least ``max_unknown_share`` of the
  question's weight while no top sentence's cosine reaches ``unknown_max_dense``; or no
  candidate sentence reaches ``min_relevance``;
- ``not_answered``: on-topic sentences exist, but a "how many" question finds no number
  of the thing it counts (or what it counts happens in no retrieved passage), a "when"
  question no date, or none of the relevant sentences has any of the question's words
  besides its names;
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
    # Paraphrase is normal ("appealed for calm" vs "called for peace"), so unknown words
    # only count when nothing retrieved is close in meaning either.
    closest = max((s.scores.get("dense", 0.0) for s in ranked[:5]), default=0.0)
    if share >= cfg.max_unknown_share and closest < cfg.unknown_max_dense:
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
    lacking = answer_type_missing(question, relevant, _pool_terms(pool))
    if lacking is None and asked_words_missing(question, relevant):
        lacking = "what the question asks about them"
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
    # A one-word name is found when the word occurs at all. A longer name is found when
    # all its words occur, or one of them occurs capitalised: "Mahomes" finds "Patrick
    # Mahomes", but "Arab states" does not find "United States". Hyphenated parts are
    # split and particles ("al-") dropped.
    capital: set[str] = set()
    anycase: set[str] = set()
    for hit in hits:
        text = f"{hit.title} {hit.source or ''} {hit.text}"
        capital.update(_bare(w) for w in _CAPITAL_WORD.findall(text))
        anycase.update(words(text))
    missing = []
    for name in sorted(names(question)):
        parts = {w for w in words(name) if "-" not in w} - _PARTICLES
        if not parts:
            continue
        whole = parts <= anycase
        if not (whole if len(parts) == 1 else whole or parts & capital):
            missing.append(name)
    return missing


_PARTICLES = frozenset({"al", "el", "bin", "ibn", "abu", "de", "van", "von", "der", "la", "the"})
_CAPITAL_WORD = re.compile(r"\b[A-Z][\w'’]*")


def _bare(word: str) -> str:
    return word.lower().strip("'’\".,;:!?()[]").removesuffix("'s").removesuffix("’s")


def found(stem: str, pool: set[str]) -> bool:
    """``stem`` is in ``pool``, or begins a pool word a suffix longer ("coast" → "coastal").

    Short stems must match exactly: "flu" must not be found in "fluid".
    """
    if stem in pool:
        return True
    return len(stem) >= 4 and any(p.startswith(stem) and len(p) - len(stem) <= 3 for p in pool)


def _pool_terms(hits: list[Hit]) -> set[str]:
    pool: set[str] = set()
    for hit in hits:
        pool.update(content_terms(f"{hit.title} {hit.source or ''} {hit.text}"))
    return pool


def unknown_terms(question: str, hits: list[Hit]) -> tuple[list[str], float]:
    """Question words found in no retrieved passage, and their share of the question's weight.

    "What are the symptoms of the flu?" over a war corpus retrieves nerve-agent reports
    that mention symptoms; "flu" is nowhere, and it is half of what is asked.
    """
    pool = _pool_terms(hits)
    weights = weighted_terms(question)
    total = sum(weights.values())
    # A stem that begins a pool word counts as found: "coast" is in "coastal".
    missing = [t for t in weights if not found(t, pool)]
    surface = [w for w in words(question) if content_terms(w) and content_terms(w)[0] in missing]
    share = sum(weights[t] for t in missing) / total if total else 0.0
    return list(dict.fromkeys(surface)), share


_HOW_MANY = re.compile(r"\bhow (?:many|much)\b(.*)", re.IGNORECASE)


def _after_how_many(question: str) -> list[str]:
    m = _HOW_MANY.search(question)
    return [w for w in words(m.group(1)) if content_terms(w)] if m else []


def target_word(question: str) -> str | None:
    """The first content word after "how many"/"how much", as written."""
    after = _after_how_many(question)
    return after[0] if after else None


def count_predicate(question: str) -> str | None:
    """The content word after the counted thing: "how many people were *arrested*"."""
    after = _after_how_many(question)
    return after[1] if len(after) > 1 else None


def count_target(question: str) -> str | None:
    """Stem of what a "how many" question counts ("how many of them were civilians" → civilian)."""
    word = target_word(question)
    return content_terms(word)[0] if word else None


_FACTOID_WORDS = 6


def asked_words_missing(question: str, sentences: list[SentenceHit]) -> bool:
    """True when no relevant sentence has any of the question's words other than names.

    Sentences that match only the entity ("Syria") or only in embedding space do not say
    anything about what was asked ("When will Syria hold its next election?"). Applies to
    questions of at most six such words.
    """
    name_terms = {t for n in names(question) for t in content_terms(n)}
    asked = [t for t in weighted_terms(question) if t not in name_terms]
    # Long multi-part questions ("Between the report by X on … and …") are answered
    # piecewise by sentences that share only their names; the check is for factoids.
    if not asked or len(asked) > _FACTOID_WORDS:
        return False
    have = {t for s in sentences for t in content_terms(s.text)}
    return not any(found(t, have) for t in asked)


def answer_type_missing(
    question: str, sentences: list[SentenceHit], pool: set[str] | None = None
) -> str | None:
    """For "how many" / "when" questions: what no candidate sentence provides, else None.

    ``pool`` (the retrieved passages' words) lets a count question be refused when what
    it counts happens nowhere: "how many people were arrested" over reports of deaths.
    """
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
        predicate = count_predicate(question)
        stem = content_terms(predicate)[0] if predicate else None
        if stem and pool is not None and not found(stem, pool):
            return f"a number of {target_word(question)} {predicate}"
    elif info.kind == "time" and not any(years(s.text) or months(s.text) for s in sentences):
        return "a date"
    return None
