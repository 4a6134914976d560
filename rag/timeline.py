"""Timelines: the dated events relevant to a query, in date order, wire copies collapsed.

An event is a retrieved sentence that is relevant to the query (it scores at least
``relative`` of the best sentence and ``answer.min_relevance``), dated by the most
specific date it names ("on Thursday" resolved against its article's publication date,
``rag.dates``), else by its article's publication date. Copies of one report (wire
copies, collapsed in retrieval, or a sentence stating the other on the same date) are
one event that lists the other outlets under ``also_carried_by``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from rag.dates import dates_between, resolve_dates
from rag.news import supports
from rag.questions import published_date
from rag.types import EventDate, Filters, SentenceHit, Timeline, TimelineEvent

_SPECIFIC = {"day": 0, "week": 1, "month": 2, "season": 3, "quarter": 3, "year": 4}
RELATIVE_CUTOFF = 0.6
"""Events score at least this fraction of the best sentence (the answer's supporting-quote rule)."""


def event_for(s: SentenceHit) -> TimelineEvent | None:
    """The sentence as an event, dated by its most specific date, else its publication."""
    resolved = resolve_dates(s.hit.text, s.hit.published_at, offset=s.hit.start)
    inside = [d for d in dates_between(resolved, s.start, s.end) if _usable(d, s)]
    best: EventDate | None = min(
        inside, key=lambda d: (_SPECIFIC.get(d.granularity, 5), d.start), default=None
    )
    base: dict[str, Any] = dict(
        quote=s.text, start=s.start, end=s.end, context_start=s.hit.start,
        context_end=s.hit.end, article_id=s.hit.article_id, title=s.hit.title,
        source=s.hit.source, url=s.hit.url, published_at=s.hit.published_at,
        score=round(s.score, 6), wire_group=s.hit.wire_group,
        also_carried_by=list(s.hit.also_carried_by),
    )  # fmt: skip
    if best is not None:
        return TimelineEvent(
            date=best.date, end_date=best.end_date, granularity=best.granularity,
            date_text=best.text, **base,
        )  # fmt: skip
    day = published_date(s.hit.published_at)
    if day is None:
        return None
    return TimelineEvent(date=day, end_date=day, granularity="day", date_text=None, **base)


def _usable(d: EventDate, s: SentenceHit) -> bool:
    """A date after the article was published is a plan or a forecast, not an event."""
    published = published_date(s.hit.published_at)
    return published is None or d.date <= published


def build_timeline(
    query: str,
    ranked: Sequence[SentenceHit],
    filters: Filters,
    *,
    min_relevance: float,
    limit: int,
    overlap: float,
) -> Timeline:
    """Events of the relevant sentences of ``ranked`` (best first), in date order."""
    if not ranked:
        return Timeline(query=query, filters=filters)
    floor = max(min_relevance, RELATIVE_CUTOFF * ranked[0].score)
    events: list[TimelineEvent] = []
    for s in ranked:
        if s.score < floor or len(events) >= limit:
            break
        event = event_for(s)
        if event is None or not _in_range(event, filters):
            continue
        copy = next((e for e in events if _same_report(e, event, overlap)), None)
        if copy is None:
            events.append(event)
        elif (name := event.source or event.article_id) not in copy.also_carried_by and name != (
            copy.source or copy.article_id
        ):
            copy.also_carried_by.append(name)
    events.sort(key=lambda e: (e.date, e.end_date, -e.score))
    return Timeline(query=query, filters=filters, events=events)


def _in_range(event: TimelineEvent, filters: Filters) -> bool:
    if filters.since and event.end_date < filters.since:
        return False
    return not (filters.until and event.date > filters.until)


def _same_report(a: TimelineEvent, b: TimelineEvent, overlap: float) -> bool:
    """Copies: one sentence stating the other, on the same date
    (also within one article: an agency story often repeats its key sentence). Copies
    of a whole wire story were already collapsed in retrieval (``rag.wire.collapse``)."""
    if a.date != b.date:
        return False
    return supports(a.quote, b.quote, overlap) or supports(b.quote, a.quote, overlap)


# ---------------------------------------------------------------------- export
COLUMNS = ["date", "end_date", "date_text", "source", "published_at", "title", "quote",
           "also_carried_by", "article_id", "start", "end", "url"]  # fmt: skip


def to_csv(timeline: Timeline) -> str:
    """One row per event (spreadsheet-ready)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in timeline.events:
        row = e.model_dump(mode="json")
        row["also_carried_by"] = "; ".join(e.also_carried_by)
        writer.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return out.getvalue()


def to_markdown(timeline: Timeline) -> str:
    """A dated list: '- **2025-03-06** (on Thursday) — quote — *Outlet, 2025-03-09*'."""
    lines = [f"# Timeline: {timeline.query}", ""]
    if not timeline.events:
        lines.append("No dated events found.")
    for e in timeline.events:
        when = e.date.isoformat() if e.date == e.end_date else f"{e.date} to {e.end_date}"
        how = f" ({e.date_text})" if e.date_text else " (publication date)"
        who = ", ".join(x for x in (e.source or e.title, (e.published_at or "")[:10]) if x)
        also = f"; also carried by {', '.join(e.also_carried_by)}" if e.also_carried_by else ""
        lines.append(f"- **{when}**{how} — “{e.quote}” — *{who}*{also}")
    return "\n".join(lines) + "\n"


def to_json(timeline: Timeline) -> str:
    """The Timeline as indented JSON."""
    return json.dumps(timeline.model_dump(mode="json"), indent=2, ensure_ascii=False)
