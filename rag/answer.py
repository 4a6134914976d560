"""Scored sentences → an Answer whose every sentence carries a resolved citation.

The default answerer needs no LLM: it quotes the sentences that answer the question,
verbatim, each followed by its marker, so it is grounded by construction. LLM answers
(``rag.generate``) are split back into marked sentences here and share the same
verification and renumbering.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import blingfire

from rag.settings import AnswerSettings
from rag.text import content_terms, question_type
from rag.types import AnswerSentence, Citation, SentenceHit, Verdict

NO_RELEVANT = "no_relevant"
FILTERED_OUT = "filtered_out"
NOT_ANSWERED = "not_answered"

_MARKER = re.compile(r"\s*\[(\d+)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")


@dataclass
class Draft:
    """An answer before verification: text, sentences and the citations they use."""

    text: str = ""
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    evidence: dict[int, str] = field(default_factory=dict)  # citation n → passage text
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


def select_sentences(
    ranked: list[SentenceHit], settings: AnswerSettings, question: str = ""
) -> list[SentenceHit]:
    """The best sentence plus close runners-up that add something new.

    For "what did X say" questions, a best sentence that only reports the speech
    ("…emphasized the importance of unity") is followed by the next sentence of its
    passage when that one carries the direct quote ("He stated, “We must…”").
    """
    if not ranked:
        return []
    best = ranked[0]
    chosen = [best]
    if question_type(question) == "speech" and not _QUOTE_MARK.search(best.text):
        follow = _next_sentence(best, ranked)
        if follow is not None and _QUOTE_MARK.search(follow.text):
            chosen.append(follow)
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


_QUOTE_MARK = re.compile(r"[“”\"]")


def _next_sentence(sent: SentenceHit, ranked: list[SentenceHit]) -> SentenceHit | None:
    """The scored sentence that follows ``sent`` in its passage, if it was scored."""
    spans = sent.hit.sentences
    following = [s.start for s in spans if s.start >= sent.end]
    if not following:
        return None
    start = min(following)
    return next(
        (s for s in ranked if s.hit.article_id == sent.hit.article_id and s.start == start), None
    )


class ExtractiveAnswerer:
    """Answers by quoting the retrieved sentences that answer the question."""

    name = "extractive"

    def __init__(self, settings: AnswerSettings) -> None:
        self.settings = settings

    def stream(self, question: str, ranked: list[SentenceHit]) -> Iterator[str | Draft]:
        """Yield each quoted sentence with its marker as it is chosen, then the Draft.

        The caller has already checked that the best sentence is relevant enough.
        """
        draft = Draft()
        parts = []
        for n, sent in enumerate(select_sentences(ranked, self.settings, question), start=1):
            draft.citations.append(citation_for(n, sent))
            draft.evidence[n] = sent.hit.text
            draft.sentences.append(AnswerSentence(text=sent.text, citations=[n]))
            part = f"{sent.text} [{n}]"
            yield part if n == 1 else " " + part
            parts.append(part)
        draft.text = " ".join(parts)
        yield draft


def apply_verdicts(draft: Draft, sentences: list[AnswerSentence], drop: bool) -> Draft:
    """Attach verified sentences; with ``drop``, remove unsupported ones and renumber.

    Citations no sentence uses any more are removed, and the survivors are renumbered
    1..n in order of first use, so markers and the source list stay consistent.
    """
    kept = [s for s in sentences if not (drop and s.verdict == Verdict.unsupported)]
    if not kept:
        return Draft(
            abstain_code=NOT_ANSWERED,
            abstain_reason="The retrieved passages are about the topic, but none of the "
            "answer's sentences is supported by them.",
        )
    renumber: dict[int, int] = {}
    for s in kept:
        for n in s.citations:
            renumber.setdefault(n, len(renumber) + 1)
    by_n = {c.n: c for c in draft.citations}
    citations = [by_n[old].model_copy(update={"n": new}) for old, new in renumber.items()]
    final = [s.model_copy(update={"citations": [renumber[n] for n in s.citations]}) for s in kept]
    text = " ".join(s.text + "".join(f" [{n}]" for n in s.citations) for s in final)
    evidence = {renumber[n]: t for n, t in draft.evidence.items() if n in renumber}
    return Draft(text=text, sentences=final, citations=citations, evidence=evidence)


def split_marked_sentences(text: str) -> list[tuple[str, list[int]]]:
    """Split answer text into (sentence without markers, marker numbers) pairs.

    A marker belongs to the sentence it follows; markers after the final full stop
    ("... Assad. [1]") are attached to that sentence.
    """
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    out: list[tuple[str, list[int]]] = []
    for start, end in offsets:
        piece = text[start:end]
        # "… Assad. [1] Iran …": markers opening a piece close the previous sentence.
        lead = _LEADING_MARKERS.match(piece)
        if lead and out:
            out[-1][1].extend(int(m) for m in _MARKER.findall(lead.group(0)))
            piece = piece[lead.end() :]
        marks = [int(m) for m in _MARKER.findall(piece)]
        clean = _MARKER.sub("", piece).strip()
        if clean:
            out.append((clean, marks))
        elif out:
            out[-1][1].extend(marks)
    return out
