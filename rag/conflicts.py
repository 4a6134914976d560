"""Conflicting reports: the numbers sources give for one quantity, laid side by side.

Outlets on opposite sides of a war report the same strike with different death tolls, and
tolls are revised as events unfold. An answer that quotes one of them silently picks a
side; instead, every count among the answer's evidence is read with what it counts, and
counts of the same thing (same counted noun, same event: "civilians killed") that differ
become a :class:`rag.types.Conflict`. Counts of different scope ("more than 1,000 people",
"745 civilians", "125 members of the security forces") are different quantities, not a
conflict: each keeps its own ``counts``.

What a number counts is read from spaCy's dependency parse: the noun the number modifies
(or the noun after "of": "200 of their personnel"), its modifiers, and the event verb or
noun above it ("killed", "deaths", "toll").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from rag.nlp import Annotator
from rag.questions import published_date
from rag.types import Citation, Conflict, ConflictClaim

# Event words → the event class a count is compared under. Order matters: first match wins.
EVENTS: list[tuple[str, re.Pattern[str]]] = [
    ("injured", re.compile(r"^(injur|wound|hurt)", re.I)),
    ("killed", re.compile(r"^(kill|dead|die|death|toll|casualt|li(fe|ves)|massacr|execut)", re.I)),
    ("arrested", re.compile(r"^(arrest|detain|captur|abduct|kidnap)", re.I)),
    ("displaced", re.compile(r"^(displac|fle[de]|evacuat|refugee)", re.I)),
]
# Nouns that say nothing about scope: "the deaths of 1,000 people" counts people.
_GENERIC = {"people": "people", "persons": "people", "person": "people", "individuals": "people"}
_OF_HEADS = {"members", "member", "dozens", "number", "total", "some", "most", "all"}
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
_SKIP_ENTS = {"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL", "QUANTITY"}


@dataclass(frozen=True)
class Count:
    """One count in a sentence: '745' civilians killed."""

    value: str
    number: float
    counted: str  # normalised counted noun: 'civilians', 'security forces members'
    event: str  # event class: killed, injured, arrested, displaced

    @property
    def about(self) -> str:
        """The quantity: counted noun and event ('civilians killed')."""
        return f"{self.counted} {self.event}"


def counts_in(text: str, annotator: Annotator) -> list[Count]:
    """Every count of people or events in ``text`` with what it counts (needs spaCy)."""
    if not _could_count(text):
        return []  # no count can be read, so no parse (~10 ms a sentence)
    doc = annotator.parse(text, entities=False)
    if doc is None:
        return []
    # Entities from the annotator, which keeps them per text (the answer's checks have
    # mostly tagged these sentences already): the same NER, run at most once.
    skip = [(e.start, e.end) for e in annotator.entities(text) if e.label in _SKIP_ENTS]
    out = []
    for tok in doc:
        if (
            not tok.like_num
            or any(a <= tok.idx < b for a, b in skip)
            or tok.dep_ in ("quantmod", "compound")
        ):
            continue
        number = _number(tok.text)
        if number is None:
            continue
        counted = _counted(tok)
        if counted is None:
            if _is_toll(tok):  # "put the death toll at at least 70"
                out.append(Count(_value_text(tok), number, "people", "killed"))
            continue
        event = _event(tok, counted)
        if event is None:
            continue
        out.append(Count(_value_text(tok), number, _phrase(counted), event))
    return out


def _number(text: str) -> float | None:
    clean = text.replace(",", "")
    if clean.lower() in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[clean.lower()])
    try:
        value = float(clean)
    except ValueError:
        return None
    return None if 1900 <= value <= 2100 and "," not in text else value  # a year, not a count


def _counted(num: Any) -> Any | None:
    """The noun a number counts: its head ("745 civilians"), or its "of" object."""
    noun = num.head if num.dep_ == "nummod" else None
    if noun is None:
        for child in num.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                noun = next((c for c in child.children if c.dep_ == "pobj"), None)
    if noun is None or noun.pos_ not in ("NOUN", "PROPN"):
        return None
    return noun


def _phrase(noun: Any) -> str:
    """'security forces members' for "members of the Syrian security forces"."""
    words = [c.lower_ for c in noun.lefts if c.dep_ in ("compound", "amod") and c.is_alpha]
    head = _GENERIC.get(noun.lower_, noun.lower_)
    if noun.lower_ in _OF_HEADS:
        for child in noun.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                obj = next((c for c in child.children if c.dep_ == "pobj"), None)
                if obj is not None:
                    return _phrase(obj) + ("" if noun.lower_ != "members" else " members")
    return " ".join([*words, head])


def _event(num: Any, noun: Any) -> str | None:
    """The event class of the nearest event word above the count (or the noun itself)."""
    for word in [noun, *noun.ancestors]:
        for kind, pattern in EVENTS:
            if pattern.match(word.lower_):
                return kind
        if word.pos_ == "VERB" and word.dep_ in ("ROOT", "ccomp", "conj") and word is not noun:
            break
    for child in noun.children:  # "civilians killed"
        for kind, pattern in EVENTS:
            if child.pos_ == "VERB" and pattern.match(child.lower_):
                return kind
    # "Among the casualties were 745 civilians": an event noun beside the count's verb.
    verb = next((w for w in noun.ancestors if w.pos_ in ("VERB", "AUX")), None)
    if verb is not None:
        near = [g for c in verb.children if c.dep_ == "prep" for g in c.children]
        for word in near:
            for kind, pattern in EVENTS:
                if word.dep_ == "pobj" and pattern.match(word.lower_):
                    return kind
    return None


def _is_toll(num: Any) -> bool:
    """A bare number given as a death toll: under "toll", or the object of a verb whose
    subject is a toll ("the toll rose to 86")."""
    for word in num.ancestors:
        if word.lower_ == "toll":
            return True
        if word.pos_ in ("VERB", "AUX"):
            return any(c.lower_ == "toll" and c.dep_.startswith("nsubj") for c in word.children)
    return False


def _value_text(num: Any) -> str:
    """The count as written with its qualifier: 'more than 1,000', 'at least 200'."""
    left = min([num.i, *(c.i for c in num.subtree if c.dep_ in ("quantmod", "advmod"))])
    words = [t.text for t in num.doc[left : num.i + 1]]
    return " ".join(words)


def find_conflicts(
    claims: list[tuple[Citation, str]], annotator: Annotator, window_days: int
) -> list[Conflict]:
    """Quantities the given quoted sentences give different values for.

    ``claims`` pairs each citation with the sentence to read (its quote). Two values
    conflict only when they count the same thing, differ, and come from different articles
    published at most ``window_days`` apart (further apart, likely different events).
    One article's two figures are not sources differing: they are another event or an
    earlier count ("over 1,000 people have died in two days" beside "the 2013 chemical
    attack, which resulted in the deaths of about 1,400 people").
    """
    # Parsing costs ~10 ms a quote: a conflict needs two quotes with a number in them.
    claims = [(c, t) for c, t in claims if _maybe_number(t)]
    if len(claims) < 2:
        return []
    by_about: dict[str, list[ConflictClaim]] = {}
    for citation, text in claims:
        for count in counts_in(text, annotator):
            claim = ConflictClaim(
                value=count.value, number=count.number, counts=count.about, citation=citation
            )
            by_about.setdefault(count.about, []).append(claim)
    out = []
    for about, found in by_about.items():
        kept = _one_per_source(found)
        kept = _within_window(kept, window_days)
        if len({c.number for c in kept}) >= 2 and len({c.citation.article_id for c in kept}) >= 2:
            out.append(Conflict(about=about, claims=sorted(kept, key=lambda c: -c.number)))
    return out


def _maybe_number(text: str) -> bool:
    """Cheap pre-check: a digit or a number word anywhere in ``text``."""
    return any(ch.isdigit() for ch in text) or any(
        w in _WORD_NUMBERS for w in re.findall(r"[a-z]+", text.lower())
    )


def _could_count(text: str) -> bool:
    """Cheap pre-check before a parse: a count needs a number (a digit or a number word)
    and an event word ("killed", "toll", …). Words here are runs of letters, so every
    token the parse could match starts one of them."""
    words = re.findall(r"[a-z]+", text.lower())
    if not (any(ch.isdigit() for ch in text) or any(w in _WORD_NUMBERS for w in words)):
        return False
    return any(p.match(w) for w in words for _, p in EVENTS)


def _one_per_source(claims: list[ConflictClaim]) -> list[ConflictClaim]:
    """One claim per (article, value): a toll repeated in one article is said once."""
    seen: set[tuple[str, float]] = set()
    out = []
    for c in claims:
        key = (c.citation.article_id, c.number)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _within_window(claims: list[ConflictClaim], days: int) -> list[ConflictClaim]:
    """Claims published within ``days`` of the first (the best-ranked) claim."""
    if not claims:
        return []
    anchor = published_date(claims[0].citation.published_at)
    if anchor is None:
        return claims
    span = dt.timedelta(days=days)
    return [
        c
        for c in claims
        if (d := published_date(c.citation.published_at)) is None or abs(d - anchor) <= span
    ]
