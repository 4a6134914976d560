"""Pure rendering of who says what, and when: conflicts, outlet counts, dates, timelines.

Like :mod:`ui.render`, nothing here touches Gradio or the store; all article text goes
through :func:`ui.render.esc`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.types import Answer, Citation, EventDate, Timeline, TimelineEvent
from ui.render import chip, esc, format_date, title_link


def _outlet_date(c: Citation) -> str:
    parts = [c.source or c.title, format_date(c.published_at)]
    return " · ".join(p for p in parts if p)


_QUOTE_CHARS = 160  # of a quote in a conflict table; the whole quote is its hover


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _QUOTE_CHARS else flat[:_QUOTE_CHARS].rsplit(" ", 1)[0] + "…"


def conflicts_html(answer: Answer, turn: int) -> str:
    """Each disputed quantity as a small table: value, what it counts, outlet, date, quote."""
    cited = {c.n for c in answer.citations}
    blocks = []
    for conflict in answer.conflicts:
        rows = []
        for claim in conflict.claims:
            c = claim.citation
            marker = chip(turn, c.n, c) if c.n in cited else ""
            rows.append(
                f'<tr><td class="nr-cv">{esc(claim.value)}</td>'
                f"<td>{esc(claim.counts)}</td>"
                f'<td class="nr-cs">{esc(_outlet_date(c))}</td>'
                f'<td class="nr-cq" title="{esc(c.quote)}">“{esc(_clip(c.quote))}”{marker}</td>'
                "</tr>"
            )
        blocks.append(
            f'<div class="nr-conflict"><div class="nr-conflict-h">Sources differ on '
            f"<strong>{esc(conflict.about)}</strong></div>"
            f"<table><thead><tr><th>Value</th><th>Counts</th><th>Outlet · date</th>"
            f"<th>Quote</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    return "".join(blocks)


def backing_html(answer: Answer) -> str:
    """How many independent sources (outlets, or articles whose outlet is not named) back
    each sentence, and the as-of date."""
    items = []
    for i, s in enumerate(answer.sentences):
        if not s.independent_outlets:
            continue
        label = "Lead" if i == 0 else f"Quote {i + 1}"
        # "sources": an article whose outlet is not named counts as its own origin
        noun = "source" if s.independent_outlets == 1 else "independent sources"
        items.append(
            f'<li><span class="nr-backing-n">{s.independent_outlets}</span> {noun} '
            f'<span class="nr-meta">· {esc(label)}: {esc(", ".join(s.backed_by))}</span></li>'
        )
    carried = {name for c in answer.citations for name in c.also_carried_by if name != c.source}
    wire = (
        f'<li class="nr-meta">Wire copies collapsed; also carried by: '
        f"{esc(', '.join(sorted(carried)))}</li>"
        if carried
        else ""
    )
    as_of = (
        f'<li class="nr-meta">As of {esc(format_date(answer.as_of))} (newest cited article)</li>'
        if answer.as_of
        else ""
    )
    if not items and not wire and not as_of:
        return ""
    return f'<ul class="nr-backing">{"".join(items)}{wire}{as_of}</ul>'


def news_html(answer: Answer, turn: int) -> str:
    """Everything this module adds under an answer ('' for an abstention without values)."""
    if answer.abstained:
        return conflicts_html(answer, turn)
    return conflicts_html(answer, turn) + backing_html(answer)


def dated_html(text: str, lo: int, hi: int, dates: Sequence[EventDate]) -> str:
    """``text[lo:hi]`` escaped, each resolved date in it wrapped in a hoverable ``<time>``."""
    out, pos = [], lo
    for d in sorted(dates, key=lambda d: d.start):
        if d.start < pos or d.end > hi:
            continue
        out.append(esc(text[pos : d.start]))
        tip = f"{d.text} = {d.label()}" + (" (resolved against publication)" if d.relative else "")
        out.append(
            f'<time class="nr-date" datetime="{d.date.isoformat()}" title="{esc(tip)}">'
            f"{esc(text[d.start : d.end])}</time>"
        )
        pos = d.end
    out.append(esc(text[pos:hi]))
    return "".join(out)


def marked_dated_html(
    text: str, lo: int, hi: int, start: int, end: int, dates: Sequence[EventDate]
) -> str:
    """The passage ``text[lo:hi]`` with ``[start, end)`` highlighted and dates hoverable."""
    inside = [d for d in dates if start <= d.start and d.end <= end]
    around = [d for d in dates if d.end <= start or d.start >= end]
    return (
        dated_html(text, lo, start, around)
        + f"<mark>{dated_html(text, start, end, inside)}</mark>"
        + dated_html(text, end, hi, around)
    )


# ------------------------------------------------------------------ timeline
def _when(e: TimelineEvent) -> str:
    if e.date == e.end_date:
        return format_date(e.date)
    if e.granularity == "month":
        return f"{e.date:%B %Y}"
    if e.granularity == "year":
        return str(e.date.year)
    if (e.date.year, e.date.month) == (e.end_date.year, e.end_date.month):
        return f"{e.date.day}–{e.end_date.day} {e.date:%b %Y}"  # '3–9 Apr 2017'
    return f"{format_date(e.date)} – {format_date(e.end_date)}"


def timeline_html(timeline: Timeline, passages: dict[str, str] | None = None) -> str:
    """A vertical timeline: date, how it was dated, outlet, the sentence, and its passage.

    ``passages`` maps article ids to their text; an event whose article is there opens
    its passage with the sentence highlighted.
    """
    if not timeline.events:
        return (
            '<div class="nr-tl-empty">No dated events found'
            + (f" for “{esc(timeline.query)}”" if timeline.query else "")
            + ". Try broader words, or widen the dates.</div>"
        )
    items = []
    texts = passages or {}
    for i, e in enumerate(timeline.events):
        how = (
            f"“{esc(e.date_text)}” in an article of {esc(format_date(e.published_at))}"
            if e.date_text
            else "publication date"
        )
        who = esc(e.source or "Outlet unknown")
        also = (
            f'<div class="nr-tl-also">Also carried by {esc(", ".join(e.also_carried_by))}</div>'
            if e.also_carried_by
            else ""
        )
        text = texts.get(e.article_id)
        passage = ""
        if text is not None and text[e.start : e.end] == e.quote:
            lo, hi = min(e.context_start, e.start), max(e.context_end, e.end)
            body = esc(text[lo : e.start]) + f"<mark>{esc(e.quote)}</mark>" + esc(text[e.end : hi])
            passage = (
                f'<details class="nr-tl-passage"><summary>Show passage</summary>'
                f'<blockquote class="nr-context">{body}</blockquote></details>'
            )
        items.append(
            f'<li class="nr-tl-item" id="nr-tl-{i}" data-date="{e.date.isoformat()}">'
            f'<div class="nr-tl-dot"></div>'
            f'<div class="nr-tl-when"><time datetime="{e.date.isoformat()}">{esc(_when(e))}'
            f'</time><span class="nr-tl-how">{how}</span></div>'
            f'<div class="nr-tl-card"><div class="nr-tl-src"><strong>{who}</strong> · '
            f"{title_link(e.title, e.url)}</div>"
            f'<p class="nr-tl-quote">{esc(e.quote)}</p>{also}{passage}</div></li>'
        )
    count = len(timeline.events)
    head = (
        f'<div class="nr-tl-head">{count} dated event{"" if count == 1 else "s"} for '
        f"“{esc(timeline.query)}”, oldest first</div>"
    )
    return f'<div class="nr-timeline">{head}<ol class="nr-tl">{"".join(items)}</ol></div>'
