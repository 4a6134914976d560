"""Who says what, and when: what an Answer gains once it is written.

- each citation: its wire group, the other outlets that carried the same story, and the
  dates its passage names, resolved against its publication date (``rag.dates``);
- each sentence: how many independent outlets back it among the retrieved passages
  (copies of one wire story, and several articles of one outlet, count once);
- the conflicts among the answer's evidence (``rag.conflicts``), and the answer's as-of
  date (the newest article it cites).

It runs after verification and never changes the answer text, so every guarantee about
quotes and markers stays as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from rag.answer import citation_for
from rag.conflicts import find_conflicts
from rag.dates import dates_between, resolve_dates
from rag.nlp import Annotator
from rag.questions import published_date
from rag.settings import NewsSettings
from rag.text import content_terms, numbers
from rag.types import Answer, AnswerSentence, Citation, Conflict, Hit, SentenceHit
from rag.wire import carried_by

SOURCES_DISAGREE = "sources_disagree"
"""Abstention code: the sources give different values and nothing else can be said."""

Members = dict[str, list[tuple[str, str | None]]]
"""Wire group → [(article id, outlet)] of its stored articles."""


def supports(claim: str, sentence: str, overlap: float) -> bool:
    """True when ``sentence`` states ``claim``: it holds at least ``overlap`` of the claim's
    content words, and every number the claim gives."""
    want = set(content_terms(claim))
    if not want:
        return False
    have = set(content_terms(sentence))
    if len(want & have) / len(want) < overlap:
        return False
    return set(numbers(claim)) <= set(numbers(sentence))


def prefer_recent(ranked: list[SentenceHit], weight: float) -> list[SentenceHit]:
    """Sentences re-ranked with a bonus growing with publication date, up to ``weight``
    for the newest (for "latest" questions: a revised toll supersedes the first one)."""
    days = {id(s): d for s in ranked if (d := published_date(s.hit.published_at)) is not None}
    if len(set(days.values())) < 2 or weight <= 0:
        return ranked
    oldest, newest = min(days.values()), max(days.values())
    span = (newest - oldest).days

    def bonus(s: SentenceHit) -> float:
        d = days.get(id(s))
        return 0.0 if d is None else weight * (d - oldest).days / span

    scored = [s.model_copy(update={"score": s.score + bonus(s)}) for s in ranked]
    return sorted(scored, key=lambda s: -s.score)


def independent_origins(hits: Sequence[Hit]) -> list[str]:
    """One outlet name per independent origin among ``hits``.

    Two passages share an origin when they are copies of one wire story (same group) or
    come from the same outlet; origins are the connected groups of that relation.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    names: dict[str, str] = {}
    for hit in hits:
        outlet = f"o:{(hit.source or hit.article_id).lower()}"
        group = f"g:{hit.wire_group or hit.article_id}"
        parent[find(outlet)] = find(group)
        # An article whose outlet the corpus does not name stands for itself, by headline.
        names.setdefault(outlet, hit.source or f"“{_short(hit.title)}” (outlet not named)")
    firsts: dict[str, str] = {}
    for outlet, name in names.items():
        firsts.setdefault(find(outlet), name)
    return list(firsts.values())


def _short(title: str, limit: int = 40) -> str:
    """A headline cut at a word boundary, for a list of outlets."""
    if len(title) <= limit:
        return title
    return title[:limit].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


class NewsLens:
    """Adds wire copies, outlet counts, resolved dates and conflicts to answers."""

    def __init__(
        self,
        settings: NewsSettings,
        annotator: Annotator,
        copies: Callable[[Sequence[str]], Members],
    ) -> None:
        """``copies`` gives the stored members of wire groups (``Store.wire_copies``); it
        is asked once per answer, for the groups of the passages the answer shows."""
        self.settings = settings
        self.annotator = annotator
        self.copies = copies

    def enrich(
        self, answer: Answer, answers: Sequence[SentenceHit], ranked: Sequence[SentenceHit]
    ) -> Answer:
        """``answer`` with the fields above; ``answers`` passed the checks, ``ranked`` is
        every scored sentence."""
        passages = {(s.hit.article_id, s.hit.start): s.hit for s in ranked}
        # Only the groups the answer shows: its cited passages and its retrieved ones.
        cited = [passages.get((c.article_id, c.context_start)) for c in answer.citations]
        groups = [h.wire_group or h.article_id for h in answer.retrieved]
        groups += [
            h.wire_group or h.article_id if h is not None else c.article_id
            for c, h in zip(answer.citations, cited, strict=True)
        ]
        members = self.copies(groups)
        citations = [self._citation(c, passages, members) for c in answer.citations]
        by_n = {c.n: c for c in citations}
        sentences = [self._backing(s, by_n, ranked) for s in answer.sentences]
        conflicts = []
        if self.settings.conflicts:
            conflicts = self._conflicts(citations, answers)
        if answer.abstain_code == "not_answered" and conflicts:
            # Nothing verified, but the candidates disagree: say so, with the values.
            answer = answer.model_copy(update={"conflicts": conflicts})
            reason = disagreement(answer)
            answer = answer.model_copy(
                update={
                    "abstain_code": SOURCES_DISAGREE,
                    "abstain_reason": reason,
                    "answer": reason,
                }
            )
        elif answer.abstained:
            conflicts = []
        newest = [d for c in citations if (d := published_date(c.published_at)) is not None]
        return answer.model_copy(
            update={
                "citations": citations,
                "sentences": sentences,
                "conflicts": conflicts,
                "as_of": max(newest, default=None),
                "retrieved": [self._with_copies(h, members) for h in answer.retrieved],
            }
        )

    def _with_copies(self, hit: Hit, members: Members) -> Hit:
        copies = carried_by(hit.article_id, hit.wire_group, members)
        return hit.model_copy(update={"also_carried_by": copies}) if copies else hit

    def _citation(
        self, c: Citation, passages: dict[tuple[str, int], Hit], members: Members
    ) -> Citation:
        hit = passages.get((c.article_id, c.context_start))
        group = hit.wire_group if hit is not None else None
        dates = []
        if hit is not None:
            resolved = resolve_dates(hit.text, hit.published_at, offset=hit.start)
            dates = dates_between(resolved, c.context_start, c.context_end)
        return c.model_copy(
            update={
                "wire_group": group,
                "also_carried_by": carried_by(c.article_id, group, members),
                "event_dates": dates,
            }
        )

    def _backing(
        self, s: AnswerSentence, by_n: dict[int, Citation], ranked: Sequence[SentenceHit]
    ) -> AnswerSentence:
        cited = [by_n[n] for n in s.citations if n in by_n]
        if not cited:
            return s
        backers = [r.hit for r in ranked if supports(s.text, r.text, self.settings.claim_overlap)]
        own = [
            Hit(
                article_id=c.article_id, chunk_id=f"{c.article_id}:cited", title=c.title,
                source=c.source, start=c.context_start, end=c.context_end, text=c.quote,
                score=c.score, wire_group=c.wire_group,
            )
            for c in cited
        ]  # fmt: skip
        origins = independent_origins([*own, *backers])
        return s.model_copy(update={"independent_outlets": len(origins), "backed_by": origins})

    def _conflicts(
        self, citations: list[Citation], answers: Sequence[SentenceHit]
    ) -> list[Conflict]:
        """Counts among the cited sentences and the other checked answer candidates."""
        claims = [(c, c.quote) for c in citations]
        cited = {(c.article_id, c.start) for c in citations}
        extra = len(citations)
        for s in answers:
            if (s.hit.article_id, s.start) in cited:
                continue
            extra += 1
            claims.append((citation_for(extra, s), s.text))
            cited.add((s.hit.article_id, s.start))
        return find_conflicts(claims, self.annotator, self.settings.conflict_window_days)


def disagreement(answer: Answer) -> str:
    """The 'sources disagree' reason: each value with its outlet and date."""
    parts = []
    for conflict in answer.conflicts:
        values = "; ".join(
            f"{c.value} ({c.citation.source or c.citation.title}, "
            f"{(c.citation.published_at or 'undated')[:10]})"
            for c in conflict.claims
        )
        parts.append(f"{conflict.about}: {values}")
    return "The sources disagree, " + " — ".join(parts) + "."


def as_of_label(day: dt.date | None) -> str:
    """'as of 9 March 2025' for the answer's newest cited article."""
    return f"as of {day.day} {day:%B %Y}" if day else ""
