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

from rag.nlp import (
    SPECIFIC_TYPES,
    TYPE_LABELS,
    Annotator,
    Entity,
    has_answer_type,
    headless,
    names_asked,
)
from rag.questions import names_position
from rag.settings import AnswerSettings
from rag.text import content_terms, debris_prefix, found, is_sense, weighted_terms, word_forms
from rag.types import AnswerSentence, Citation, Hit, QuestionSpec, SentenceHit, Verdict

NO_RELEVANT = "no_relevant"
FILTERED_OUT = "filtered_out"
NOT_ANSWERED = "not_answered"
TIME_MISMATCH = "time_mismatch"

_MARKER = re.compile(r"\s*\[(\d+)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")


@dataclass
class Draft:
    """An answer before verification: text, sentences and the citations they use."""

    text: str = ""
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    evidence: dict[int, str] = field(default_factory=dict)  # citation n → passage text
    # The passages an LLM answer was written from (empty for extractive answers): a
    # sentence its markers do not support may be re-attributed to one of them.
    passages: list[Hit] = field(default_factory=list)
    abstain_code: str | None = None
    abstain_reason: str | None = None
    # An LLM reply of citation markers and no sentence ("[1][2]"): it points at passages
    # but says nothing, so the extractive answer may stand in for it.
    bare_markers: bool = False
    # The answerer that wrote it, when not the configured backend ("extractive" for that
    # stand-in); None otherwise.
    writer: str | None = None


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
    answers: list[SentenceHit],
    settings: AnswerSettings,
    spec: QuestionSpec | None = None,
    ranked: list[SentenceHit] | None = None,
) -> list[SentenceHit]:
    """The lead sentence, then at most ``max_sentences - 1`` supporting quotes.

    ``answers`` are the sentences that passed the abstention checks, best first.
    Supporting quotes score at least ``relative_cutoff`` of the lead, add something new
    (no wire copies of a chosen sentence), and come from other outlets first: the same
    fact confirmed elsewhere is worth more than a second sentence of one article.

    For "what did X say" questions, a lead that only reports the speech ("…emphasized
    the importance of unity") is followed by the next sentence of its passage when that
    one carries the direct quote ("He stated, “We must…”").
    """
    if not answers:
        return []
    lead = answers[0]
    chosen = [lead]
    if spec is not None and spec.answer_type == "quote" and not _QUOTE_MARK.search(lead.text):
        follow = _next_sentence(lead, ranked or answers)
        if follow is not None and _QUOTE_MARK.search(follow.text):
            chosen.append(follow)
    rest = [
        c
        for c in answers[1:]
        if c.score >= settings.min_relevance and c.score >= settings.relative_cutoff * lead.score
    ]
    outlets = {_outlet(lead)}
    # Other outlets first, each group best first (sorted() is stable).
    for cand in sorted(rest, key=lambda c: _outlet(c) in outlets):
        if len(chosen) >= settings.max_sentences:
            break
        if any(_near_duplicate(cand.text, c.text) for c in chosen):
            continue
        chosen.append(cand)
        outlets.add(_outlet(cand))
    return chosen


def _outlet(s: SentenceHit) -> str:
    return (s.hit.source or s.hit.article_id).lower()


_MIN_LEAD_WORDS = 4
_LONG_LEAD = 200  # characters; a lead longer than this is worth narrowing further


def lead_span(
    spec: QuestionSpec, sent: SentenceHit, annotator: Annotator, has_type: bool
) -> SentenceHit:
    """The shortest clause of ``sent`` that still answers: the lead quote.

    A span qualifies when it covers as much of the question's weighted words as the
    whole sentence does, has at least four words, and — when the sentence holds the
    expected answer type (``has_type``) — still holds it. Clauses (verb subtrees) come
    first: "The conflict, which has drawn in …, while Russia, Iran, and Iranian-backed
    militias have supported Assad, has turned into a battleground …" leads with "Russia,
    Iran, and Iranian-backed militias have supported Assad". Only when no clause
    qualifies, or the best is still long (run-on news dumps), is the lead the tightest
    window around an answer entity and the question's words ("the head of the Syrian
    Observatory for Human Rights Rami Abdel-Rahman"). Returns a new SentenceHit.
    """
    if spec.answer_type in ("quote", "yes_no") or not annotator.uses_model:
        return sent
    terms = weighted_terms(spec.question)
    full = _covered(terms, sent.text)
    named = bool(names_asked(spec, sent.text))

    who = spec.answer_type in ("person", "organisation", "name")

    def answers(piece: str) -> bool:
        if named:  # the sentence names the asked thing: the lead must keep the name
            return bool(names_asked(spec, piece))
        # A "who" lead keeps its subject: "directed Titanic and Avatar", the relative
        # clause of "James Cameron, who directed Titanic and Avatar", has lost who did it
        # (the tagger takes "Avatar" for an organisation, which would answer "who").
        if who and headless(piece, annotator):
            return False
        return has_answer_type(spec, piece, annotator)

    def shortest(spans: list[tuple[int, int]]) -> tuple[int, int] | None:
        best: tuple[int, int, int] | None = None
        for start, end in spans:
            piece = sent.text[start:end]
            if len(piece.split()) < _MIN_LEAD_WORDS or _covered(terms, piece) < full - 1e-9:
                continue
            if has_type and not answers(piece):
                continue
            if best is None or (end - start, start) < best[:2]:
                best = (end - start, start, end)
        return None if best is None else (best[1], best[2])

    whole = (0, len(sent.text))
    span = shortest([c for c in annotator.clauses(sent.text) if c != whole])
    if has_type and (span[1] - span[0] if span else len(sent.text)) > _LONG_LEAD:
        windows = _entity_windows(spec, sent.text, annotator, terms)
        windows += _widen(names_asked(spec, sent.text), sent.text, terms)
        span = shortest(windows + ([span] if span else []))
    if span is None:
        return sent
    start, end = _whole_entities(sent.text, span, annotator)
    end = _object_kept(sent.text, start, end, annotator)
    start, end = _whole_phrases(sent.text, start, end)
    end = _no_dangling_end(sent.text, start, end)
    start += debris_prefix(sent.text[start:end])  # a clause can open inside the debris
    return sent.model_copy(
        update={"text": sent.text[start:end], "start": sent.start + start, "end": sent.start + end}
    )


_ENTITY_REACH = 40  # characters a lead may grow by to keep a name or date whole
_OPENING_REACH = 70  # characters of a sentence's opening a lead takes back
_OPENING_NEEDED = re.compile(
    r"\b(?:that|the|a|an|of|said|says|told|reported|confirmed|noted|stated|announced|added|"
    r"warned)\s*$",
    re.I,
)
_FULL_STOP = re.compile(r"[.!?][”\"’)]?\s*")  # not an ellipsis: "… the company was ..."
_PRONOUN = re.compile(r"\b(?:he|she|it|they|him|her|them|his|its|their)\b", re.I)
_PHRASE_END = re.compile(r" (?:of|for|at|in|on) [^,;:.()\"“”]{1,45}(?=[,;:.])")


def _whole_phrases(text: str, start: int, end: int) -> tuple[int, int]:
    """A lead grown to its sentence's short opening and to the end of a cut-off phrase.

    A narrowed clause can drop who says it and what its pronouns point to: *"at least
    200 of their personnel were killed"* of *"Syrian security sources confirmed that at
    least 200 of their personnel were killed …"*, or open inside a noun phrase: *"fighting
    had eased"* of *"… that the intensity of the fighting had eased"*. An opening of up to
    ``_OPENING_REACH`` characters with no comma (no clause of its own) is taken back when
    the lead needs it: the opening ends on a reporting verb, "that", an article or "of",
    or the lead has a pronoun the opening may name. A
    window ending on a noun its phrase goes on from (*"Rami Abdulrahman, the head"*) runs
    on to the phrase's end (*"… the head of the observatory"*). Neither may make the lead
    longer than ``_LONG_LEAD``. A lead that ends its sentence keeps the full stop.
    """
    opening = text[:start]
    if (
        0 < start <= _OPENING_REACH
        and end <= _LONG_LEAD
        and not re.search(r"[,;:(—–]", opening)
        and (_OPENING_NEEDED.search(opening) or _PRONOUN.search(text[start:end]))
    ):
        start = 0
    m = _PHRASE_END.match(text, end)
    if m and m.end() - start <= _LONG_LEAD:
        end = m.end()
    if _FULL_STOP.fullmatch(text, end):
        end = len(text.rstrip())  # the sentence's own full stop (and closing quote mark)
    return start, end


# A lead cut after a word that needs what follows: "… leaving 43 civilians dead and", "…
# Serena Williams will be".
_DANGLING = re.compile(
    r"[\s,;:]+(?:and|or|but|nor|while|including|the|a|an|of|to|in|on|at|with|by|for|from|"
    r"will|would|shall|should|can|could|may|might|must|be|been|being)[\s,;:]*$",
    re.I,
)


def _no_dangling_end(text: str, start: int, end: int) -> int:
    """The end of a lead that does not stop on a conjunction, preposition or article: it
    runs on to the sentence's end when that keeps it short ("… leaving 43 civilians dead
    and many more wounded."), else stops before the word."""
    m = _DANGLING.search(text, start, end)
    if m is None:
        return end
    rest = _FULL_STOP.search(text, end)
    stop = rest.end() if rest else len(text)
    if stop - start <= _LONG_LEAD:
        return len(text[:stop].rstrip())
    cut = end
    while m is not None:  # "… will be": every such word
        cut = m.start()
        m = _DANGLING.search(text, start, cut)
    return cut if cut > start else end


# What a verb or preposition needs after it: "… destroyed by airstrikes that killed" is
# cut before its object ("13 people").
_OBJECTS = frozenset({"dobj", "attr", "pobj", "acomp", "oprd", "dative", "pcomp"})


def _object_kept(text: str, start: int, end: int, annotator: Annotator) -> int:
    """The end of a lead grown to keep the object of its last word, when that is a verb
    or a preposition whose object the cut left out and the lead stays short."""
    doc = annotator.parse(text, entities=False)
    if doc is None:
        return end
    inside = [t for t in doc if start <= t.idx < end]
    if not inside or inside[-1].pos_ not in ("VERB", "AUX", "ADP"):
        return end
    last = inside[-1]
    cut = [c for c in last.rights if c.dep_ in _OBJECTS and c.idx >= end]
    if cut:
        edge = cut[-1].right_edge
        grown = edge.idx + len(edge.text)
    elif not any(c.idx < end for c in last.rights) and last.i + 1 < len(doc):
        # The parser attached what follows elsewhere ("that killed | 13 people MSF said");
        # a verb or preposition with nothing after it in the lead still needs it: up to
        # the next punctuation.
        if doc[last.i + 1].is_punct:
            return end
        stop = _NEXT_PUNCT.search(text, end)
        grown = stop.start() if stop else len(text.rstrip())
    else:
        return end
    return grown if grown - start <= _LONG_LEAD else end


_NEXT_PUNCT = re.compile(r"[,;:!?()\"“”]|\.(?:\s|$)")


def _whole_entities(text: str, span: tuple[int, int], annotator: Annotator) -> tuple[int, int]:
    """``span`` grown so that it cuts no entity in two.

    The parser can end a clause inside a date ("The game was launched on May 15" of "…
    on May 15, 2012.12:01 AM PST"): the lead would lose the year it answers with. Only a
    short reach is added, so a tagger's run-on entity does not undo the narrowing.
    """
    start, end = span
    for ent in annotator.entities(text):
        if ent.start < end < ent.end and ent.end - end <= _ENTITY_REACH:
            end = ent.end
        if ent.start < start < ent.end and start - ent.start <= _ENTITY_REACH:
            start = ent.start
    return start, end


_LIST_TAIL = re.compile(r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)[A-Z][\w'’-]*")
# Between two items of a list; an item may end in a plural noun ("Western countries, Arab
# states, and Turkey") when a comma or "and" follows it.
_LIST_GAP = re.compile(r"\s*(?:[a-z]+s\s*(?=,|&|and\b|or\b))?,?\s*(?:and|or|&)?\s*")
_CAPITALISED_TAIL = re.compile(r"(?:\b[A-Z][\w'’-]*\s+)+$")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")


def _entity_windows(
    spec: QuestionSpec, text: str, annotator: Annotator, terms: dict[str, float]
) -> list[tuple[int, int]]:
    """For each answer-type entity, the tightest span holding it and the question's words."""
    where = _term_spots(text, terms)
    labels = TYPE_LABELS.get(spec.answer_type, frozenset())
    typed = sorted(
        (e for e in annotator.entities(text) if e.label in labels and e.end > e.start),
        key=lambda e: e.start,
    )
    # A list of answers stays whole, whichever item the question's words are beside:
    # "Latakia, Jabla, and Baniyas"; "Western countries, Arab states, and Turkey
    # supporting the rebels", not "Turkey supporting the rebels".
    lists: list[list[Entity]] = []
    for ent in typed:
        if lists and _LIST_GAP.fullmatch(text[lists[-1][-1].end : ent.start]):
            lists[-1].append(ent)
        else:
            lists.append([ent])
    windows = []
    for items in lists:
        start, end = items[0].start, items[-1].end
        while tail := _LIST_TAIL.match(text, end):  # a last item the tagger missed
            end = tail.end()
        start, end = _stretch(text, start, end, where, around=(start, end))
        # Capitalised words just before the window belong to it: "Western countries".
        lead_in = _CAPITALISED_TAIL.search(text[:start])
        windows.append((lead_in.start() if lead_in else start, end))
    return windows


def _widen(
    spans: list[tuple[int, int]], text: str, terms: dict[str, float]
) -> list[tuple[int, int]]:
    """Each span stretched to the nearest occurrence of every question word."""
    where = _term_spots(text, terms)
    return [_stretch(text, start, end, where, around=(start, end)) for start, end in spans]


def _stretch(
    text: str,
    start: int,
    end: int,
    where: dict[str, list[tuple[int, int]]],
    around: tuple[int, int],
) -> tuple[int, int]:
    """``start:end`` grown to the occurrence of each question word nearest ``around``,
    within the stretch of the sentence no contrast word cuts (``_contrast_segment``)."""
    lo, hi = _contrast_segment(text, *around)
    for spots in where.values():
        inside = [s for s in spots if lo <= s[0] and s[1] <= hi]
        if inside:
            near = min(inside, key=lambda s: min(abs(s[0] - around[0]), abs(s[1] - around[1])))
            start, end = min(start, near[0]), max(end, near[1])
    return start, end


# Where a sentence turns to another actor or claim: "… Turkey supporting the rebels,
# *while* Russia, Iran, and Iranian-backed militias have supported Assad".
# A full stop the sentence splitter took for an abbreviation ("… the sole remaining route
# in. Aleppo was once …") ends a window's stretch too.
_CONTRAST = re.compile(
    r"(?i:,?\s+(?:while|whereas|but|although|though|yet)\s+)|\s*;\s*"
    r"|(?<=[a-z][a-z][.!?])\s+(?=[A-Z])"
)


def _contrast_segment(text: str, start: int, end: int) -> tuple[int, int]:
    """The stretch of ``text`` around ``start:end`` that no contrast word cuts.

    A lead window grows to the question's words nearest its answer; one found across
    "while" or "but" belongs to the other half of the sentence, so a window made of both
    halves ("rebels, while Russia, Iran, and Iranian-backed") answers neither. A word
    only across the cut is left out, and the window then fails the coverage test.
    """
    lo, hi = 0, len(text)
    for m in _CONTRAST.finditer(text):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end:
            hi = m.start()
            break
    return lo, hi


def _term_spots(text: str, terms: dict[str, float]) -> dict[str, list[tuple[int, int]]]:
    """Where in ``text`` each of the question's ``terms`` is said, as ``_covered`` finds it."""
    where: dict[str, list[tuple[int, int]]] = {}
    for m in _TOKEN.finditer(text):
        for c in content_terms(m.group(0)):
            for t in terms:
                if found(t, {c}):
                    where.setdefault(t, []).append((m.start(), m.end()))
    return where


def _covered(terms: dict[str, float], text: str) -> float:
    """Weight of the question's ``terms`` that ``text`` says ("coast" in "coastal"), in
    its own words or another of the same sense ("backed" in "Turkey supporting the
    rebels": else the whole sentence, whose "Iranian-backed" is another side's, would be
    the shortest span that says it)."""
    have = set(content_terms(text))
    senses = {f for t in have for f in word_forms(t, {}) if is_sense(f)}

    def says(term: str) -> bool:
        return found(term, have) or any(
            is_sense(f) and f in senses for f in word_forms(term, {}, asked=True)
        )

    return sum(w for t, w in terms.items() if says(t))


_QUOTE_MARK = re.compile(r"[“”\"]")


_QUOTE_REACH = 600  # characters a quoted statement may run to, across its sentences


def closed_quote(sent: SentenceHit) -> SentenceHit:
    """``sent`` run on through the next sentences of its passage until a quotation it
    opens is closed.

    A statement of several sentences is split by the sentence splitter: *He stated, “We
    must preserve our national cohesion; we can coexist peacefully.* is half of what he
    said, and reads as if that were all. Up to ``_QUOTE_REACH`` characters; a quotation
    still open there (or a stray mark) leaves the sentence as it was.
    """
    if not _open_quote(sent.text):
        return sent
    hit = sent.hit
    for span in sorted(
        (sp for sp in hit.sentences if sp.start >= sent.end), key=lambda sp: sp.start
    ):
        if span.end - sent.start > _QUOTE_REACH:
            break
        text = hit.text[sent.start - hit.start : span.end - hit.start]
        if not _open_quote(text):
            return sent.model_copy(update={"text": text, "end": span.end})
    return sent


_ANTECEDENT_REACH = 400  # characters a quote may run to with the sentence before it
_OPENS_WITH_PRONOUN = re.compile(
    # "This is …" points back, "This week, …" does not
    r"(?:It|They|He|She|Its|Their|His|Her)\b|(?:This|These)\s+(?:is|was|are|were|has|have|"
    r"had|will|would|could|can|may|might|means|meant|led|comes|came)\b"
)


def with_antecedent(sent: SentenceHit, chosen: list[SentenceHit]) -> SentenceHit:
    """``sent`` with the sentence before it when it opens with a pronoun.

    Quoted alone, *"It has resulted in hundreds of thousands of deaths and millions of
    displaced Syrians."* reads as if "it" were the week's violence the question asked
    about; in its article "it" is the 13-year war the sentence before names. The two are
    quoted together, up to ``_ANTECEDENT_REACH`` characters, unless the sentence before is
    already quoted (``chosen``).
    """
    if not _OPENS_WITH_PRONOUN.match(sent.text):
        return sent
    hit = sent.hit
    before = [sp for sp in hit.sentences if sp.end <= sent.start and sp.start >= hit.start]
    if not before:
        return sent
    prev = max(before, key=lambda sp: sp.start)
    if sent.end - prev.start > _ANTECEDENT_REACH or any(
        c.start < prev.end and prev.start < c.end
        for c in chosen
        if c.hit.article_id == hit.article_id
    ):
        return sent
    text = hit.text[prev.start - hit.start : sent.end - hit.start]
    return sent.model_copy(update={"text": text, "start": prev.start})


def _open_quote(text: str) -> bool:
    """``text`` opens a quotation it does not close (curly marks, or an odd number of
    straight ones)."""
    return text.count("“") > text.count("”") or text.count('"') % 2 == 1


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

    def __init__(self, settings: AnswerSettings, annotator: Annotator) -> None:
        self.settings = settings
        self.annotator = annotator

    def stream(
        self,
        spec: QuestionSpec,
        answers: list[SentenceHit],
        ranked: list[SentenceHit] | None = None,
    ) -> Iterator[str | Draft]:
        """Yield the lead quote, then each supporting quote, with markers; then the Draft.

        ``answers`` passed the abstention checks (best first); ``ranked`` is every
        scored sentence (for the direct quote that follows a reported speech).
        """
        draft = Draft()
        parts = []
        chosen = select_sentences(answers, self.settings, spec, ranked)
        if chosen and self.settings.lead_clauses:
            typed = bool(names_asked(spec, chosen[0].text)) or (
                spec.answer_type in SPECIFIC_TYPES
                and has_answer_type(spec, chosen[0].text, self.annotator)
            )
            chosen[0] = lead_span(spec, chosen[0], self.annotator, typed)
        quoted: list[SentenceHit] = []  # as quoted: a closed quotation runs past its sentence
        for n, sent in enumerate(chosen, start=1):
            sent = closed_quote(sent)
            # A lead naming the asked position and its holder ("He blamed the attack on
            # Syrian President Bashar Assad" for "Who is the president of Syria?") answers
            # without whom its pronoun means: the sentence before would open it with
            # another man ("… President Donald Trump declared …").
            if n > 1 or spec.role is None or names_position(spec.role, sent.text) != 0:
                sent = with_antecedent(sent, [*quoted, *chosen])
            quoted.append(sent)
            draft.citations.append(citation_for(n, sent))
            draft.evidence[n] = sent.hit.text
            draft.sentences.append(AnswerSentence(text=sent.text, citations=[n]))
            part = f"{sent.text} [{n}]"
            yield part if n == 1 else (LEAD_BREAK if n == 2 else " ") + part
            parts.append(part)
        draft.text = compose(parts)
        yield draft


LEAD_BREAK = "\n\n"
"""Between the lead and the supporting quotes: the lead is a paragraph of its own."""


def compose(parts: list[str]) -> str:
    """Answer text from marked sentences: the lead, a blank line, then the support."""
    if len(parts) <= 1:
        return "".join(parts)
    return parts[0] + LEAD_BREAK + " ".join(parts[1:])


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
    text = compose([s.text + "".join(f" [{n}]" for n in s.citations) for s in final])
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
