"""Follow-up questions → standalone questions, before retrieval.

Without an LLM this is a documented heuristic (README, 'Follow-up questions'):

1. leading conjunctions ("and", "but", "so", "also") are dropped;
2. a question that leans on the conversation — it has a pronoun pointing back
   ("them", "he", "it", "those" …), starts with "what about"/"how about", or has fewer
   than two content words (unless it is a whole question about a name: "What did the EU
   say?", "Who is Sharaa?") — gets the previous standalone question appended in
   parentheses (its own words, and the names of its own context, so a chain of
   follow-ups stays one level deep), so retrieval sees the topic the user still means.
   A pronoun whose antecedent is a name earlier in the question itself does not point
   back: a possessive ("Why did Tesla cut *its* prices?") or the subject of a clause the
   question opens ("What name did the Nusra Front adopt when *it* broke with al
   Qaeda?"). An object ("What did the UN say about *it*?") still does;
3. any other question stands on its own: a new topic is never polluted by the old one.

Every turn is then retrieved and grounded afresh; nothing from earlier answers is
reused as evidence. With an LLM backend (and ``llm.rewrite_followups``) the LLM writes
the standalone question instead, falling back to the heuristic when it fails.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.llm import ChatModel
from rag.text import content_terms, names
from rag.types import Turn

_LEADING = re.compile(r"^\s*(and|but|so|also|then|ok|okay)\b[\s,]*", re.IGNORECASE)
_BACK_REFERENCE = re.compile(
    r"\b(they|them|their|theirs|he|him|his|she|her|hers|it|its|those|these|that one|this one)\b",
    re.IGNORECASE,
)
_ELLIPTIC = re.compile(r"^\s*(what|how) about\b", re.IGNORECASE)


def standalone_question(question: str, history: Sequence[Turn]) -> str:
    """The question to retrieve with, given earlier turns (most recent last)."""
    q = _LEADING.sub("", question).strip()
    q = q[:1].upper() + q[1:] if q else question.strip()
    previous = _previous_standalone(history)
    if previous is None or not _needs_context(q):
        return q
    return f"{q} ({_as_context(previous)})"


def _as_context(previous: str) -> str:
    """The previous standalone question as context for the next: its own words, then the
    names its own context carried ("When did his government fall? (The rebels? (Who
    backed Assad))" would nest a level deeper with every follow-up; it is "When did his
    government fall; Assad"). The question itself is the nearer topic, the names keep
    the older one's subject ("his" is Assad's), and the context stays one level deep.
    """
    own, bracket, rest = previous.partition(" (")
    own = own.rstrip("?. ")
    if not bracket:
        return own
    carried = [n for n in sorted(names(rest), key=rest.find) if n not in own][:_CARRIED_NAMES]
    return f"{own}; {', '.join(carried)}" if carried else own


_CARRIED_NAMES = 3  # a long chain's names: the question stays a question, not a list


# A pronoun that a name before it in the same question can be the antecedent of: a
# possessive, or the subject of a subordinate clause ("when it broke", "after he fled").
_OWN_ANTECEDENT = re.compile(
    r"\b(?:its|his|their)\b|\b(?:when|after|before|while|because|since|as|if|until|once|"
    r"whether|that|which|where|although|though|so)\s+(?:it|he|she|they)\b",
    re.IGNORECASE,
)


def _needs_context(question: str) -> bool:
    return bool(
        any(_points_back(question, m) for m in _BACK_REFERENCE.finditer(question))
        or _ELLIPTIC.match(question)
        or (len(content_terms(question)) < 2 and not _asks_about_a_name(question))
    )


# A whole question about one name: "What did the EU say?", "Who is Sharaa?" (not "And
# Tartus?", which asks the last question again about another name).
_QUESTION_START = re.compile(
    r"^\s*(?:what|who|whom|whose|which|when|where|why|how|did|does|do|is|are|was|were|has|"
    r"have|can|will)\b",
    re.IGNORECASE,
)


def _asks_about_a_name(question: str) -> bool:
    return bool(_QUESTION_START.match(question) and names(question))


def _points_back(question: str, pronoun: re.Match[str]) -> bool:
    """Whether ``pronoun`` refers to the conversation rather than to a name before it."""
    own = any(
        m.start() <= pronoun.start() and m.end() >= pronoun.end()
        for m in _OWN_ANTECEDENT.finditer(question)
    )
    return not (own and names(question[: pronoun.start()]))


def _previous_standalone(history: Sequence[Turn]) -> str | None:
    for turn in reversed(history):
        if turn.answer is not None and turn.answer.standalone_question:
            return turn.answer.standalone_question
        if turn.question.strip():
            return turn.question.strip()
    return None


REWRITE_PROMPT = (
    "Rewrite the user's last question as one standalone question that can be understood "
    "without the conversation. Replace pronouns with what they refer to. Output only the "
    "question, nothing else."
)


def standalone_question_llm(model: ChatModel, question: str, history: Sequence[Turn]) -> str:
    """The LLM's standalone rewrite of a follow-up; the heuristic when it fails or rambles."""
    fallback = standalone_question(question, history)
    if not history:
        return fallback
    convo = [f"User: {t.question}" for t in history[-3:]]
    prompt = "\n".join([*convo, f"User (last question): {question}", "Standalone question:"])
    try:
        reply = model.complete([("system", REWRITE_PROMPT), ("user", prompt)]).strip()
    except Exception:  # noqa: BLE001 - an unreachable LLM must not break the conversation
        return fallback
    line = reply.splitlines()[0].strip().strip('"') if reply else ""
    # A reply that is empty or much longer than a question is not a rewrite, and one that
    # drops the follow-up's own words ("…the rebels?" → "Who backed Assad?") changed it.
    if not line or len(line) > 3 * len(fallback) + 40:
        return fallback
    own = set(content_terms(_LEADING.sub("", question)))
    if not own <= set(content_terms(line)):
        return fallback
    return line
