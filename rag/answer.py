"""Scored sentences → an Answer whose every sentence carries a resolved citation.

The default answerer needs no LLM: it quotes the sentences that answer the question,
verbatim, each followed by its marker, so it is grounded by construction. LLM
backends (``rag.llm``) produce text with markers that ``resolve_markers`` checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.settings import AnswerSettings
from rag.text import content_terms
from rag.types import AnswerSentence, Citation, SentenceHit

NO_RELEVANT = "no_relevant"
FILTERED_OUT = "filtered_out"
NOT_ANSWERED = "not_answered"

_MARKER = re.compile(r"\s*\[(\d+)\]")


@dataclass
class Draft:
    """An answer before verification: text, sentences and the citations they use."""

    text: str = ""
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    abstain_code: str | None = None
    abstain_reason: str | None = None


def citation_for(n: int, s: SentenceHit) -> Citation:
    """A citation quoting exactly one sentence, with its passage as display context."""
    return Citation(
        n=n,
        article_id=s.hit.article_id,
        title=s.hit.title,
        source=s.hit.source,
        url=s.hit.url,
        published_at=s.hit.published_at,
        quote=s.text,
        start=s.start,
        end=s.end,
        score=round(s.score, 6),
        context_start=s.hit.start,
        context_end=s.hit.end,
    )


def _near_duplicate(a: str, b: str) -> bool:
    """Wire copies repeat a sentence across outlets; quoting it twice adds nothing."""
    ta, tb = set(content_terms(a)), set(content_terms(b))
    if not ta or not tb:
        return a.strip() == b.strip()
    return len(ta & tb) / len(ta | tb) > 0.6


def select_sentences(ranked: list[SentenceHit], settings: AnswerSettings) -> list[SentenceHit]:
    """The best sentence plus close runners-up that add something new."""
    if not ranked:
        return []
    best = ranked[0]
    chosen = [best]
    for cand in ranked[1:]:
        if len(chosen) >= settings.max_sentences:
            break
        if (
            cand.score < settings.min_relevance
            or cand.score < settings.relative_cutoff * best.score
        ):
            break
        if any(_near_duplicate(cand.text, c.text) for c in chosen):
            continue
        chosen.append(cand)
    return chosen


class ExtractiveAnswerer:
    """Answers by quoting the retrieved sentences that answer the question."""

    name = "extractive"

    def __init__(self, settings: AnswerSettings) -> None:
        self.settings = settings

    def answer(self, question: str, ranked: list[SentenceHit]) -> Draft:
        """Quote the selected sentences, each with its own citation; abstain when none fits."""
        if not ranked or ranked[0].score < self.settings.min_relevance:
            return Draft(
                abstain_code=NO_RELEVANT,
                abstain_reason="Nothing in the corpus is relevant enough to answer this question.",
            )
        draft = Draft()
        parts = []
        for n, sent in enumerate(select_sentences(ranked, self.settings), start=1):
            draft.citations.append(citation_for(n, sent))
            draft.sentences.append(AnswerSentence(text=sent.text, citations=[n]))
            parts.append(f"{sent.text} [{n}]")
        draft.text = " ".join(parts)
        return draft


def split_marked_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split answer text into (sentence without markers, marker numbers) pairs.

    A marker belongs to the sentence it follows; markers after the final full stop
    ("... Assad. [1]") are attached to that sentence.
    """
    import blingfire  # local: only LLM answers need re-splitting

    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    out: list[tuple[str, list[int]]] = []
    for start, end in offsets:
        piece = text[start:end]
        marks = [int(m) for m in _MARKER.findall(piece)]
        clean = _MARKER.sub("", piece).strip()
        if not clean and out:
            out[-1][1].extend(marks)  # a marker that blingfire split off on its own
        elif clean:
            out.append((clean, marks))
    return out
