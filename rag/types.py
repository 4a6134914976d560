"""Domain records shared by every pipeline stage.

All records are pydantic v2 models with ``extra="forbid"`` so that a typo in a
field name is an error, not silently dropped data. LangChain and Chroma types
stop at their adapters (``store.py``, ``llm.py``, ``interop.py``); they never
appear here.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Article(_Record):
    """One news article, the unit of ingest and of citation."""

    id: str = Field(description="Stable id: explicit id field, else derived from URL or file path.")
    title: str = Field(description="Headline.")
    text: str = Field(description="Body text; citation offsets index into this string.")
    source: str | None = Field(default=None, description="Outlet, e.g. 'Reuters'.")
    url: str | None = Field(default=None, description="Canonical URL, when known.")
    author: str | None = Field(default=None, description="Byline, when known.")
    published_at: dt.datetime | dt.date | None = Field(
        default=None,
        description="Publication date, or timezone-aware datetime (naive ones are read as UTC).",
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Free metadata kept from the source file."
    )
    path: str | None = Field(
        default=None, description="File the article was loaded from (used by --prune)."
    )

    @model_validator(mode="after")
    def _aware_datetime(self) -> Article:
        value = self.published_at
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            self.published_at = value.replace(tzinfo=dt.UTC)
        return self

    def published_iso(self) -> str | None:
        """Publication date as ISO-8601 text, or None."""
        return self.published_at.isoformat() if self.published_at is not None else None


class Span(_Record):
    """A half-open character range ``[start, end)`` into an article's text."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Chunk(_Record):
    """A run of whole sentences of one article; ``article.text[start:end] == text``."""

    id: str = Field(description="'<article_id>:<index>'.")
    article_id: str
    index: int = Field(ge=0, description="Position of the chunk in its article.")
    text: str
    start: int = Field(ge=0, description="Offset of the first character in the article text.")
    end: int = Field(ge=0, description="Offset one past the last character.")
    sentences: list[Span] = Field(
        default_factory=list, description="Sentence spans, as offsets into the article text."
    )


class Filters(_Record):
    """Metadata filters applied to every retrieval path alike."""

    since: dt.date | None = Field(default=None, description="Published on or after this date.")
    until: dt.date | None = Field(default=None, description="Published on or before this date.")
    sources: list[str] = Field(default_factory=list, description="Keep only these outlets.")

    def is_empty(self) -> bool:
        """True when no filter is set."""
        return self.since is None and self.until is None and not self.sources


class Period(_Record):
    """A time a question names, resolved to an inclusive date range."""

    text: str = Field(description="The expression as written ('March 2025', 'last year').")
    start: dt.date = Field(description="First day of the period.")
    end: dt.date = Field(description="Last day of the period (inclusive).")
    granularity: str = Field(description="day, week, month, quarter, season, year or decade.")
    about: str = Field(
        default="event",
        description="'event': when the asked thing happened; 'publication': when the report "
        "the question names was published ('CNBC's November 2023 report').",
    )

    def contains(self, day: dt.date) -> bool:
        """True when ``day`` falls inside the period."""
        return self.start <= day <= self.end

    def label(self) -> str:
        """Short human label: '2025', 'March 2025', '2025-03-06'."""
        if self.granularity == "year":
            return str(self.start.year)
        if self.granularity == "month":
            return self.start.strftime("%B %Y")
        if self.granularity == "day":
            return self.start.isoformat()
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


class Role(_Record):
    """The position a "who is the CEO of Tesla?" question asks the holder of."""

    noun: str = Field(description="The position as asked ('ceo', 'director', 'president').")
    of: str | None = Field(
        default=None, description="Whose position it is, as written ('Tesla'), if said."
    )
    past: bool = Field(
        default=False,
        description="The question asks for a former holder ('former', 'previous', 'first').",
    )


class Instance(_Record):
    """Which one of a numbered series a question asks about ("the first season")."""

    noun: str = Field(description="The numbered thing, as written ('season', 'stage').")
    ordinal: str = Field(description="Its number: 'first' and '1st' are '1', 'season 3' is '3'.")


class QuestionSpec(_Record):
    """A question parsed once (``rag.questions.parse_question``); every later stage reads it."""

    question: str = Field(description="The question as parsed (the standalone form).")
    answer_type: str = Field(
        description="Expected answer: person, organisation, place, date, duration ('how "
        "long'), number, money, name (a name of any kind: 'What is the name of …'), yes_no, "
        "quote or other."
    )
    entities: list[str] = Field(
        default_factory=list, description="Names the question mentions (outlets excluded)."
    )
    predicate: list[str] = Field(
        default_factory=list,
        description="Stemmed content words saying what is asked of the entities.",
    )
    focus: str | None = Field(
        default=None, description="What a number question counts ('civilians'), as written."
    )
    counted_event: str | None = Field(
        default=None,
        description="What happened to the counted thing in a number question ('arrested').",
    )
    periods: list[Period] = Field(
        default_factory=list, description="Times the question names, resolved to dates."
    )
    outlets: list[str] = Field(
        default_factory=list, description="Outlets of the corpus that the question names."
    )
    parts: list[str] = Field(
        default_factory=list,
        description="Sub-questions of a multi-part or comparison question (empty: one part).",
    )
    claims: list[str] = Field(
        default_factory=list,
        description="The separate claims of a long question that describes its answer by "
        "several facts ('…, as reported by TechCrunch, who faced …, and who is also accused "
        "…'); each is retrieved on its own, within the outlet it names. Empty: one claim.",
    )
    reference_date: dt.date | None = Field(
        default=None, description="Date relative expressions were resolved against."
    )
    latest: bool = Field(
        default=False,
        description="The question asks for the newest state of things ('latest', 'most "
        "recent', 'as of', 'so far'): newer articles are preferred.",
    )
    asked: str | None = Field(
        default=None,
        description="The noun a 'which/what … <noun>' or 'what type of <noun>' question asks "
        "for ('village', 'helicopter'): a name the sentence gives such a thing answers it.",
    )
    role: Role | None = Field(
        default=None,
        description="The position whose holder a 'who is the <position> of …' question asks "
        "for: the answer names a person holding it, not a former holder or another's.",
    )
    instance: Instance | None = Field(
        default=None,
        description="The one of a numbered series the question asks about ('the first "
        "season of The Blacklist', 'stage 13'): a sentence about another one of them ('the "
        "tenth season') is about something else.",
    )
    person_noun: str | None = Field(
        default=None,
        description="The word saying a 'who' question asks for one person ('actress', "
        "'CEO', 'directed'): a place or a nationality does not answer it, as it may answer "
        "'who won the World Cup?' or 'who backed Assad?'.",
    )


class EventDate(_Record):
    """A date expression inside an article, resolved against its publication date."""

    text: str = Field(description="The expression as written ('on Thursday', 'in December').")
    start: int = Field(ge=0, description="Offset of the expression in the article text.")
    end: int = Field(ge=0)
    date: dt.date = Field(description="First day the expression names.")
    end_date: dt.date = Field(description="Last day it names (== date for a single day).")
    granularity: str = Field(description="day, week, month, season, quarter or year.")
    relative: bool = Field(
        description="True when resolved against the publication date ('last week'), "
        "False when written out ('March 6, 2025')."
    )

    def label(self) -> str:
        """'2025-03-06', or 'December 2024', or '2025-03-03 to 2025-03-09'."""
        if self.date == self.end_date:
            return self.date.isoformat()
        if self.granularity == "month":
            return self.date.strftime("%B %Y")
        if self.granularity == "year":
            return str(self.date.year)
        return f"{self.date.isoformat()} to {self.end_date.isoformat()}"


class Hit(_Record):
    """A retrieved passage with its score; rerankers return new hits, never mutate."""

    article_id: str
    chunk_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published_at: str | None = Field(default=None, description="ISO-8601 publication date.")
    text: str = Field(description="Passage text, verbatim from the article.")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float = Field(description="Relevance score after fusion / reranking (higher is better).")
    sentences: list[Span] = Field(default_factory=list)
    scores: dict[str, float] = Field(
        default_factory=dict, description="Component scores (dense, bm25, …) for inspection."
    )
    wire_group: str | None = Field(
        default=None, description="Id of the group of near-duplicate (wire copy) articles."
    )
    also_carried_by: list[str] = Field(
        default_factory=list,
        description="Other outlets whose copies of the same wire story were collapsed into it.",
    )

    def summary(self) -> dict[str, Any]:
        """Where the passage is and how it scored, without its text (``retrieved`` in JSON)."""
        return {
            "article_id": self.article_id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published_at": self.published_at,
            "start": self.start,
            "end": self.end,
            "score": round(self.score, 6),
            "wire_group": self.wire_group,
            "also_carried_by": self.also_carried_by,
        }


class SentenceHit(_Record):
    """One sentence of a retrieved passage, scored as a candidate answer sentence."""

    hit: Hit = Field(description="The passage the sentence comes from (its context).")
    text: str
    start: int = Field(ge=0, description="Offset into the article text.")
    end: int = Field(ge=0)
    score: float
    scores: dict[str, float] = Field(default_factory=dict, description="Component scores.")


class Citation(_Record):
    """A resolved citation: marker number → article and exact quoted span."""

    n: int = Field(ge=1, description="The marker number used in the answer text, [n].")
    article_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published_at: str | None = None
    quote: str = Field(description="Verbatim article.text[start:end].")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float
    context_start: int = Field(
        ge=0, description="Start of the surrounding passage, for display around the quote."
    )
    context_end: int = Field(ge=0)
    wire_group: str | None = Field(default=None, description="Wire-copy group of the article.")
    also_carried_by: list[str] = Field(
        default_factory=list, description="Other outlets that ran a copy of the same story."
    )
    event_dates: list[EventDate] = Field(
        default_factory=list,
        description="Dates named in the quoted passage, resolved against its publication date.",
    )


class Verdict(StrEnum):
    """How well an answer sentence is supported by the passages it cites."""

    supported = "supported"
    partial = "partially_supported"
    unsupported = "unsupported"


class AnswerSentence(_Record):
    """One sentence of an answer, with the citations it carries and its verification verdict."""

    text: str = Field(description="Sentence text without its markers.")
    citations: list[int] = Field(default_factory=list, description="Marker numbers cited.")
    verdict: Verdict | None = Field(default=None, description="Set by rag.verify.")
    reason: str | None = Field(default=None, description="Why the verdict was given.")
    support_score: float | None = Field(default=None, description="Verification score in [0, 1].")
    independent_outlets: int | None = Field(
        default=None,
        description="How many independent outlets back the sentence among the retrieved "
        "passages (copies of one wire story count once).",
    )
    backed_by: list[str] = Field(
        default_factory=list, description="The outlets backing it, one per independent origin."
    )


class ConflictClaim(_Record):
    """One source's value for a quantity that other sources give differently."""

    value: str = Field(description="The value as written ('more than 1,000').")
    number: float = Field(description="The value as a number, for comparison.")
    counts: str = Field(description="What the value counts ('civilians killed').")
    citation: Citation = Field(description="Where it is said: outlet, date and verbatim quote.")


class Conflict(_Record):
    """Sources giving different values for the same quantity, laid side by side."""

    about: str = Field(description="The quantity: 'people killed', 'security forces killed'.")
    claims: list[ConflictClaim] = Field(description="Each source's value, largest first.")


class Answer(_Record):
    """What ``Pipeline.ask`` returns; ``to_json()`` is the public ``rag ask --json`` contract."""

    question: str
    answer: str = Field(description="Answer text with [n] markers after each sentence.")
    abstained: bool = False
    abstain_reason: str | None = None
    abstain_code: str | None = Field(
        default=None,
        description="Machine-readable abstention kind: no_relevant, filtered_out, not_answered, "
        "time_mismatch, sources_disagree.",
    )
    relevance: float | None = Field(
        default=None,
        description="Score of the best candidate sentence: what abstention thresholds compare.",
    )
    lead: str | None = Field(
        default=None,
        description="The lead answer: the shortest quoted span that answers the question "
        "(sentences[0]).",
    )
    question_spec: QuestionSpec | None = Field(
        default=None, description="How the question was understood (rag.questions)."
    )
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[AnswerSentence] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(
        default_factory=list, description="Quantities the sources give different values for."
    )
    as_of: dt.date | None = Field(
        default=None, description="Publication date of the newest article the answer cites."
    )
    retrieved: list[Hit] = Field(default_factory=list)
    standalone_question: str | None = Field(
        default=None, description="The follow-up rewritten into a standalone question."
    )
    filters: Filters = Field(default_factory=Filters)
    backend: str = Field(default="extractive", description="Answer backend that wrote it.")
    settings_hash: str = Field(default="", description="Hash of the settings that produced it.")
    timings_ms: dict[str, float] = Field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The public JSON contract (see README, 'JSON output of rag ask')."""
        return {
            "question": self.question,
            "answer": self.answer,
            "lead": self.lead,
            "abstained": self.abstained,
            "abstain_reason": self.abstain_reason,
            "abstain_code": self.abstain_code,
            "relevance": None if self.relevance is None else round(self.relevance, 6),
            "question_spec": (
                None if self.question_spec is None else self.question_spec.model_dump(mode="json")
            ),
            "citations": [c.model_dump(mode="json") for c in self.citations],
            "sentences": [s.model_dump(mode="json") for s in self.sentences],
            "conflicts": [c.model_dump(mode="json") for c in self.conflicts],
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "retrieved": [h.summary() for h in self.retrieved],
            "standalone_question": self.standalone_question,
            "filters": self.filters.model_dump(mode="json"),
            "backend": self.backend,
            "settings_hash": self.settings_hash,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


class Turn(_Record):
    """One question/answer exchange of a conversation."""

    question: str
    answer: Answer | None = None
    status: Literal["complete", "pending", "interrupted"] = Field(
        default="complete",
        description="'pending' while being answered; 'interrupted' when the process "
        "answering it died first (the question was saved, the answer never came).",
    )


class Pin(_Record):
    """A passage pinned to a session's evidence board."""

    id: str = Field(description="Unique within the session.")
    citation: Citation = Field(description="The passage, as cited (quote, offsets, article).")
    note: str = Field(default="", description="The researcher's note.")
    pinned_at: dt.datetime


class Session(_Record):
    """A persistent research session: the conversation, its answers, and its evidence board."""

    id: str
    title: str
    owner: str | None = Field(default=None, description="User name when login is on.")
    created_at: dt.datetime
    updated_at: dt.datetime
    turns: list[Turn] = Field(default_factory=list)
    pins: list[Pin] = Field(default_factory=list)


class SessionInfo(_Record):
    """A session as listed in the sidebar: no answers loaded."""

    id: str
    title: str
    owner: str | None = None
    created_at: dt.datetime
    updated_at: dt.datetime
    turns: int = Field(description="Number of questions asked.")


class IngestReport(_Record):
    """Outcome of one ingest run; the CLI prints it as one line (or JSON)."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    pruned: int = 0
    duplicates: int = Field(default=0, description="Records repeated verbatim in the input.")
    chunks: int = Field(default=0, description="Chunks written in this run.")
    seconds: float = 0.0
    errors: list[str] = Field(default_factory=list, description="'path: reason' per failure.")

    def summary(self) -> str:
        """One-line human summary."""
        rate = (self.added + self.updated) / self.seconds if self.seconds > 0 else 0.0
        return (
            f"added {self.added}, updated {self.updated}, skipped {self.skipped}, "
            f"failed {self.failed}, pruned {self.pruned}"
            + (f", duplicates {self.duplicates}" if self.duplicates else "")
            + f"; {self.chunks} chunks in "
            f"{self.seconds:.1f} s ({rate:.1f} articles/s)"
        )


class IntegrityProblem(_Record):
    """One disagreement between the article records, chunk rows, vector index and BM25."""

    kind: str = Field(
        description="'orphan_chunks', 'chunk_count', 'unreachable', 'no_vector', "
        "'bm25_missing', 'bm25_extra', 'bm25_stale', 'stray_collection' or 'orphan_segments'."
    )
    detail: str = Field(description="What disagrees, in words.")
    article_id: str | None = Field(default=None, description="The article concerned, if one.")
    ids: list[str] = Field(default_factory=list, description="Chunk (or collection) ids.")
    repaired: bool = Field(default=False, description="True once --repair fixed it.")


class IntegrityReport(_Record):
    """Outcome of `rag check`: counts compared, and every problem found (and repaired)."""

    articles: int = 0
    chunks: int = Field(default=0, description="Chunk rows.")
    bm25: int = Field(default=0, description="Chunks in the BM25 index.")
    probed: int = Field(default=0, description="Chunks whose own vector was queried.")
    generation: int = Field(default=0, description="Store generation checked.")
    problems: list[IntegrityProblem] = Field(default_factory=list)

    @property
    def remaining(self) -> list[IntegrityProblem]:
        """Problems not repaired."""
        return [p for p in self.problems if not p.repaired]


class TimelineEvent(_Record):
    """One dated event of a timeline: a sentence naming (or dated by) a day, with its source."""

    date: dt.date = Field(description="When it happened: the first day its date names.")
    end_date: dt.date = Field(description="Last day its date names (== date for one day).")
    granularity: str = Field(description="day, week, month, season, quarter or year.")
    date_text: str | None = Field(
        default=None,
        description="The date expression as written ('on Thursday'); None when the event is "
        "dated by its article's publication date.",
    )
    quote: str = Field(description="The sentence, verbatim from the article.")
    start: int = Field(ge=0, description="Offset of the sentence in the article text.")
    end: int = Field(ge=0)
    context_start: int = Field(ge=0, description="Start of the passage around the sentence.")
    context_end: int = Field(ge=0)
    article_id: str
    title: str
    source: str | None = None
    url: str | None = None
    published_at: str | None = None
    score: float = Field(description="Relevance of the sentence to the query.")
    wire_group: str | None = None
    also_carried_by: list[str] = Field(
        default_factory=list, description="Outlets whose copies of the story were collapsed."
    )


class Timeline(_Record):
    """What ``rag timeline`` prints: dated events relevant to a query, in date order."""

    query: str
    filters: Filters = Field(default_factory=Filters)
    events: list[TimelineEvent] = Field(default_factory=list)
