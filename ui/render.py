"""Pure rendering: answers, passages, sessions and the corpus as HTML for the Gradio app.

Nothing here touches Gradio, the store or the network, so every function is tested
without a browser. Article text is untrusted (anyone can publish a page with a
``<script>`` in it) and so is what users type: every piece of text goes through
:func:`esc`, and only http(s) URLs become links.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from rag.types import (
    Answer,
    AnswerSentence,
    Article,
    Citation,
    Filters,
    Hit,
    Pin,
    SessionInfo,
    Turn,
    Verdict,
)

_MARKER = re.compile(r"\[(\d+)\]")
_MARKERS_AFTER = re.compile(r"(?:\s*\[\d+\])*")
_ABSTAIN_LABELS = {
    "no_relevant": "Not in the corpus",
    "filtered_out": "Outside your filters",
    "not_answered": "Not supported by the sources",
    "sources_disagree": "Sources disagree",
}
_VERDICT_LABELS = {
    Verdict.supported: "Supported",
    Verdict.partial: "Partly supported",
    Verdict.unsupported: "Unsupported",
}
_PREVIEW_CHARS = 220  # of a quote, in a chip's hover preview
_SNIPPET_CHARS = 200  # of a passage, in the "Also retrieved" list
_LONG_QUESTION = 400  # longer questions are folded, showing their first words
_QUESTION_PREVIEW = 240
WELCOME = (
    "Ask a question about your news corpus. Every sentence of an answer quotes an article "
    "verbatim: click a numbered chip to read the quote in its paragraph."
)


def esc(text: object) -> str:
    """HTML-escape text, quotes included (safe in element content and attributes)."""
    return html.escape(str(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) link, else None (no ``javascript:`` from articles)."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def format_date(value: str | dt.date | None) -> str:
    """'9 Mar 2025' from an ISO date or datetime; '' when unknown or unreadable."""
    if value is None or value == "":
        return ""
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)[:10]
    return f"{day.day} {day:%b %Y}"


def source_text(record: Citation | Article) -> str:
    """'Outlet · 9 Mar 2025' (whichever is known), as plain text."""
    published = record.published_at if isinstance(record, Citation) else record.published_iso()
    parts = [record.source or "", format_date(published)]
    return " · ".join(p for p in parts if p) or "Outlet and date unknown"


def source_line(record: Citation | Article) -> str:
    """:func:`source_text`, escaped for HTML."""
    return esc(source_text(record))


def chip(turn: int, n: int, citation: Citation | None = None) -> str:
    """A clickable citation marker; the app's script reads its data attributes.

    ``data-meta`` (outlet and date) and ``data-quote`` feed the hover preview, which the
    script fills in with ``textContent``, so article text never becomes markup.
    """
    preview = ""
    if citation is not None:
        preview = (
            f' data-title="{esc(citation.title)}" data-meta="{esc(source_text(citation))}"'
            f' data-quote="{esc(_clip(citation.quote, _PREVIEW_CHARS))}"'
        )
        label = f"Show source {n}: {citation.title}, {source_text(citation)}"
    else:
        label = f"Show source {n}"
    return (
        f'<button type="button" class="nr-chip" data-turn="{turn}" data-n="{n}"{preview}'
        f' aria-label="{esc(label)}">{n}</button>'
    )


def _clip(text: str, limit: int) -> str:
    """``text`` folded to one line and cut at a word boundary near ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


# ------------------------------------------------------------------ answers
def verdict_badge(sentence: AnswerSentence) -> str:
    """The sentence's verification verdict as a small visible badge (reason on hover)."""
    verdict = sentence.verdict
    if verdict is None:
        return ""
    label = _VERDICT_LABELS[verdict]
    tip = f"{label}: {sentence.reason}" if sentence.reason else label
    if verdict is Verdict.supported:
        # an empty badge: style.py draws the check
        return (
            f'<span class="nr-ok" role="img" title="{esc(tip)}" aria-label="{esc(label)}"></span>'
        )
    return f'<span class="nr-flag" title="{esc(tip)}">{esc(label)}</span>'


def sentence_html(sentence: AnswerSentence, turn: int, cites: dict[int, Citation]) -> str:
    """One answer sentence with its chips and its verdict badge."""
    chips = "".join(chip(turn, n, cites.get(n)) for n in sentence.citations)
    verdict = sentence.verdict
    label = _VERDICT_LABELS.get(verdict) if verdict else None
    tip = f"{label}: {sentence.reason}" if label and sentence.reason else (label or "")
    css = f"nr-s nr-{verdict.value}" if verdict else "nr-s"
    # The last word travels with the chips, so a chip never wraps onto a line of its own.
    head, _, last = sentence.text.rstrip().rpartition(" ")
    lead = esc(head + " ") if head else ""
    tail = f'<span class="nr-tail">{esc(last)}{chips}{verdict_badge(sentence)}</span>'
    return f'<span class="{css}" title="{esc(tip)}">{lead}{tail}</span>'


def marked_text_html(text: str, turn: int | None) -> str:
    """Text whose [n] markers become chips (inert ones while ``turn`` is None)."""
    out, pos = [], 0
    for m in _MARKER.finditer(text):
        out.append(esc(text[pos : m.start()].rstrip()))
        n = int(m.group(1))
        out.append(chip(turn, n) if turn is not None else f'<span class="nr-chip inert">{n}</span>')
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def abstention_html(answer: Answer) -> str:
    """An abstention, said plainly: no answer, what kind, and why."""
    kind = _ABSTAIN_LABELS.get(answer.abstain_code or "", "No answer")
    reason = answer.abstain_reason or answer.answer or "The corpus does not answer this."
    return (
        f'<div class="nr-abstain" data-code="{esc(answer.abstain_code or "")}">'
        f'<div class="nr-abstain-h"><strong>No answer</strong>'
        f'<span class="nr-tag">{esc(kind)}</span></div><p>{esc(reason)}</p></div>'
    )


def sources_html(answer: Answer, turn: int) -> str:
    """The articles this answer cites (only those), each with its chips."""
    by_article: dict[str, list[Citation]] = {}
    for c in answer.citations:
        by_article.setdefault(c.article_id, []).append(c)
    items = []
    for cites in by_article.values():
        first = cites[0]
        chips = "".join(chip(turn, c.n, c) for c in cites)
        items.append(f"<li>{chips} {title_link(first.title, first.url)}"
                     f' <span class="nr-meta">{source_line(first)}</span></li>')  # fmt: skip
    return f'<div class="nr-sources"><h4>Sources</h4><ul>{"".join(items)}</ul></div>'


def uncited_hits(answer: Answer) -> list[Hit]:
    """Passages the answer considered but quoted nothing from, best first."""

    def cited(hit: Hit) -> bool:
        return any(
            c.article_id == hit.article_id and c.start < hit.end and c.end > hit.start
            for c in answer.citations
        )

    return sorted((h for h in answer.retrieved if not cited(h)), key=lambda h: -h.score)


def also_retrieved_html(answer: Answer) -> str:
    """A folded list of the passages considered but not cited, with their scores."""
    hits = uncited_hits(answer)
    if not hits:
        return ""
    # The fused retrieval score (reciprocal ranks, ~0.01–0.03) means nothing to a reader;
    # the passage's closeness in meaning to the question (cosine, 0–1) does.
    items = "".join(
        f'<li><span class="nr-score" title="{_SIMILARITY_TIP}">'
        f"{h.scores.get('dense', h.score):.2f}</span> "
        f"{title_link(h.title, h.url)} "
        f'<span class="nr-meta">{esc(_hit_source(h))}</span>'
        f'<div class="nr-snippet">{esc(_clip(h.text, _SNIPPET_CHARS))}</div></li>'
        for h in hits
    )
    return (
        f'<details class="nr-also"><summary>Also retrieved: {len(hits)} passage'
        f"{'' if len(hits) == 1 else 's'} not cited</summary>"
        f'<p class="nr-meta">{_ALSO_NOTE}</p><ol>{items}</ol></details>'
    )


_SIMILARITY_TIP = "Similarity in meaning to the question, 0 to 1 (cosine of the embeddings)"
_ALSO_NOTE = (
    "Found by the search, in its order, but not quoted: none of their sentences passed the "
    "answer's checks, or a quoted passage says it better. The number is how close in "
    "meaning each is to the question (0 to 1)."
)


def _hit_source(hit: Hit) -> str:
    parts = [hit.source or "", format_date(hit.published_at)]
    return " · ".join(p for p in parts if p) or "Outlet and date unknown"


def title_link(title: str, url: str | None) -> str:
    """The title, linked to the article when its URL is a web link."""
    href = safe_url(url)
    if href is None:
        return f'<span class="nr-title">{esc(title)}</span>'
    return (
        f'<a class="nr-title" href="{esc(href)}" target="_blank" '
        f'rel="noopener noreferrer">{esc(title)}</a>'
    )


def answer_html(answer: Answer, turn: int) -> str:
    """A finished answer: the lead, then the supporting quotes, sources, and the rest.

    ``sentences[0]`` is the lead answer (the shortest quoted span that answers the
    question); the other sentences are the quotes that support it.
    """
    from ui.news import news_html  # conflicts, outlet counts, as-of (imports this module)

    if answer.abstained:
        return abstention_html(answer) + news_html(answer, turn) + also_retrieved_html(answer)
    cites = {c.n: c for c in answer.citations}
    if answer.sentences:
        lead, *rest = answer.sentences
        body = f'<p class="nr-answer nr-lead">{sentence_html(lead, turn, cites)}</p>'
        if rest:
            items = "".join(f"<li>{sentence_html(s, turn, cites)}</li>" for s in rest)
            body += f'<ul class="nr-answer nr-supports">{items}</ul>'
    else:
        body = f'<p class="nr-answer">{marked_text_html(answer.answer, turn)}</p>'
    sources = sources_html(answer, turn) if answer.citations else ""
    return body + news_html(answer, turn) + sources + also_retrieved_html(answer)


def filters_tag(filters: Filters | None) -> str:
    """The filters a question was asked with, briefly: '2016 · Reuters'; '' when none."""
    if filters is None or filters.is_empty():
        return ""
    parts = []
    since, until = filters.since, filters.until
    if since and until and (since.month, since.day, until.month, until.day) == (1, 1, 12, 31):
        years = {since.year, until.year}
        parts.append(str(since.year) if len(years) == 1 else f"{since.year}–{until.year}")
    elif since and until:
        parts.append(f"{format_date(since)} – {format_date(until)}")
    elif since:
        parts.append(f"from {format_date(since)}")
    elif until:
        parts.append(f"until {format_date(until)}")
    parts += filters.sources
    return " · ".join(parts)


def _question_html(question: str, answer: Answer | None, filters: Filters | None = None) -> str:
    understood = ""
    rewritten = answer.standalone_question if answer is not None else None
    if rewritten and not same_question(rewritten, question):
        understood = f'<div class="nr-understood">Understood as: {esc(rewritten)}</div>'
    tag = filters_tag(answer.filters if answer is not None else filters)
    tag_html = f'<span class="nr-ftag" title="Filters">{esc(tag)}</span>' if tag else ""
    text = " ".join(question.split())
    if len(text) <= _LONG_QUESTION:
        asked = f'<p class="nr-qt">{esc(text)}{tag_html}</p>'
    else:  # a pasted document: folded, so it never pushes the answer out of reach
        asked = (
            f'<details class="nr-qlong"><summary><span class="nr-qt">'
            f"{esc(_clip(text, _QUESTION_PREVIEW))}</span>{tag_html}"
            f'<span class="nr-more">Show the whole question ({len(text):,} characters)</span>'
            f"</summary><p>{esc(text)}</p></details>"
        )
    return f'<div class="nr-q">{asked}{understood}</div>'


def same_question(a: str, b: str) -> bool:
    """True when a rewritten question only differs in case, spacing or end punctuation."""
    return " ".join(a.lower().strip(" ?.!").split()) == " ".join(b.lower().strip(" ?.!").split())


def turn_html(turn: Turn, index: int) -> str:
    """One exchange of the conversation."""
    if turn.answer is None:
        why = {
            "pending": "This question is still being answered (in another window or tab).",
            "interrupted": "Interrupted: the server stopped before this question was answered."
            " Ask it again.",
        }.get(turn.status, "This question has no saved answer.")
        body = f'<div class="nr-error">{html.escape(why)}</div>'
    else:
        body = answer_html(turn.answer, index)
    return (
        f'<section class="nr-turn" data-turn="{index}">'
        f'{_question_html(turn.question, turn.answer)}<div class="nr-a">{body}</div></section>'
    )


def split_lead(partial: str) -> tuple[str, str]:
    """Streamed text cut after its first citation marker(s): (lead, supporting quotes)."""
    m = _MARKER.search(partial)
    if m is None:
        return partial, ""
    end = _MARKERS_AFTER.match(partial, m.end())
    cut = end.end() if end else m.end()
    return partial[:cut], partial[cut:]


def pending_html(
    question: str, partial: str, index: int, step: str = "", filters: Filters | None = None
) -> str:
    """The exchange being answered: the lead, then the quotes streamed so far, and the step.

    Chips are not clickable until the answer is saved.
    """
    body = ""
    if partial.strip():
        lead, rest = split_lead(partial)
        body = f'<p class="nr-answer nr-lead">{marked_text_html(lead.strip(), None)}</p>'
        if rest.strip():
            body += f'<p class="nr-answer nr-supports">{marked_text_html(rest.strip(), None)}</p>'
    step_html = f'<p class="nr-working">{esc(step or "Searching the corpus…")}</p>'
    return (
        f'<section class="nr-turn nr-pending" data-turn="{index}">'
        f'{_question_html(question, None, filters)}<div class="nr-a nr-streaming">'
        f"{body}{step_html}</div></section>"
    )


def error_html(question: str, message: str, index: int, filters: Filters | None = None) -> str:
    """A question that failed, with the reason (e.g. an empty store)."""
    return (
        f'<section class="nr-turn" data-turn="{index}">{_question_html(question, None, filters)}'
        f'<div class="nr-a"><div class="nr-error">{esc(message)}</div></div></section>'
    )


def transcript_html(turns: Sequence[Turn], tail: str = "") -> str:
    """The whole conversation; ``tail`` is a pending or failed exchange to append.

    The outer ``nr-scroll`` box is ours, not Gradio's, so it scrolls whatever inline
    styles Gradio puts on the component around it.
    """
    if not turns and not tail:
        inner = f'<div class="nr-welcome">{esc(WELCOME)}</div>'
    else:
        inner = "".join(turn_html(t, i) for i, t in enumerate(turns)) + tail
    return f'<div class="nr-scroll"><div class="nr-transcript">{inner}</div></div>'


# ----------------------------------------------------------------- passages
def passage_html(citation: Citation, article: Article | None) -> str:
    """The cited quote highlighted inside its paragraph, with title, outlet, date and link.

    Falls back to the quote alone, saying why, when the article has since been deleted or
    changed: the session's citation is still the record of what was quoted.
    """
    header = (
        f'<div class="nr-passage-h"><span class="nr-chip static">{citation.n}</span>'
        f"<h3>{title_link(citation.title, citation.url)}</h3></div>"
        f'<div class="nr-meta">{source_line(citation)}{_url_note(citation.url)}</div>'
    )
    note, body = "", f"<mark>{esc(citation.quote)}</mark>"
    if article is None:
        note = "This article is no longer in the corpus; the quote is shown as it was cited."
    elif article.text[citation.start : citation.end] != citation.quote:
        note = "The article has changed since this answer; the quote is shown as it was cited."
    else:
        body = _context_with_mark(article.text, citation)
    note_html = f'<p class="nr-note">{esc(note)}</p>' if note else ""
    quote = f'<blockquote class="nr-context">{body}</blockquote>'
    return f'<div class="nr-passage">{header}{quote}{note_html}</div>'


def _context_with_mark(text: str, c: Citation) -> str:
    lo, hi = min(c.context_start, c.start), max(c.context_end, c.end)
    if c.event_dates:  # resolved dates show their day on hover
        from ui.news import marked_dated_html

        return marked_dated_html(text, lo, hi, c.start, c.end, c.event_dates)
    return (
        esc(text[lo : c.start])
        + f"<mark>{esc(text[c.start : c.end])}</mark>"
        + esc(text[c.end : hi])
    )


def _url_note(url: str | None) -> str:
    href = safe_url(url)
    if href is None:
        return ""
    host = urlparse(href).netloc
    return f' · <a href="{esc(href)}" target="_blank" rel="noopener noreferrer">{esc(host)} ↗</a>'


PASSAGE_PLACEHOLDER = (
    '<div class="nr-passage nr-placeholder"><p>Click a numbered chip in an answer to see the '
    "quoted passage here, highlighted in its paragraph.</p></div>"
)


# ----------------------------------------------------------------- sessions
def sessions_html(
    sessions: Sequence[SessionInfo],
    current: str | None,
    now: dt.datetime | None = None,
    query: str = "",
) -> str:
    """The sidebar list, newest first, the open session highlighted."""
    if not sessions:
        empty = f"No session mentions “{query.strip()}”." if query.strip() else "No sessions yet."
        return f'<div class="nr-sessions-empty">{esc(empty)}</div>'
    now = now or dt.datetime.now(dt.UTC)
    titles = Counter(s.title for s in sessions)
    items = []
    for s in sessions:
        active = " active" if s.id == current else ""
        count = f"{s.turns} question" + ("" if s.turns == 1 else "s")
        if titles[s.title] > 1:  # same title: when each began tells them apart
            count = f"started {when(s.created_at, now)} · {count}"
        items.append(
            f'<li><button type="button" class="nr-session{active}" data-id="{esc(s.id)}">'
            f'<span class="nr-session-t">{esc(s.title)}</span>'
            f'<span class="nr-session-m">{count} · {esc(when(s.updated_at, now))}</span>'
            "</button></li>"
        )
    return f'<ul class="nr-sessions">{"".join(items)}</ul>'


def when(moment: dt.datetime, now: dt.datetime) -> str:
    """'today 14:05', or '9 Mar 2025' for older moments (UTC)."""
    moment = moment.astimezone(dt.UTC)
    if moment.date() == now.astimezone(dt.UTC).date():
        return f"today {moment:%H:%M}"
    return format_date(moment.date())


def pins_html(pins: Sequence[Pin]) -> str:
    """The evidence board: pinned quotes with their sources, each removable."""
    if not pins:
        return (
            '<div class="nr-board-empty">Pinned passages appear here and are exported '
            "with the session.</div>"
        )
    cards = []
    for pin in pins:
        c = pin.citation
        note = f'<p class="nr-pin-note">{esc(pin.note)}</p>' if pin.note else ""
        cards.append(
            f'<li class="nr-pin"><blockquote>{esc(c.quote)}</blockquote>'
            f'<div class="nr-meta">{title_link(c.title, c.url)} · {source_line(c)}</div>'
            f'<div class="nr-pin-foot">{note}<button type="button" class="nr-unpin" '
            f'data-pin="{esc(pin.id)}" title="Remove from the board">Remove</button></div></li>'
        )
    return f'<ul class="nr-board">{"".join(cards)}</ul>'


# ------------------------------------------------------------------- corpus
def article_rows(infos: Sequence[dict[str, Any]]) -> list[list[Any]]:
    """Rows of the corpus table: title, outlet, date, chunks, id."""
    rows = [
        [
            str(i.get("title") or "(untitled)"),
            str(i.get("source") or ""),
            str(i.get("published_at") or "")[:10],
            int(i.get("chunks") or 0),
            str(i["id"]),
        ]
        for i in infos
    ]
    return sorted(rows, key=lambda r: (r[2], r[0]), reverse=True)


def article_html(article: Article) -> str:
    """A whole stored article for reading (text escaped, paragraphs kept)."""
    return (
        f'<div class="nr-article"><h3>{title_link(article.title, article.url)}</h3>'
        f'<div class="nr-meta">{source_line(article)}{_url_note(article.url)}'
        f" · <code>{esc(article.id)}</code></div>"
        f'<div class="nr-article-text">{esc(article.text)}</div></div>'
    )


def stats_html(stats: dict[str, Any]) -> str:
    """Corpus statistics as a row of small figures."""
    span = stats.get("date_range")
    dates = " – ".join(format_date(d) for d in span) if span else "undated"
    outlets = [s for s in stats.get("sources", {}) if s != "(unknown)"]
    figures = [
        (f"{stats.get('articles', 0):,}", "articles"),
        (f"{stats.get('chunks', 0):,}", "passages"),
        (f"{len(outlets):,}", "outlets"),
        (dates, "published"),
    ]
    cells = "".join(
        f'<div class="nr-stat"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for v, k in figures
    )
    return f'<div class="nr-stats">{cells}</div>'


def settings_html(rows: Sequence[tuple[str, str]]) -> str:
    """A read-only two-column table of settings."""
    body = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in rows)
    return f'<table class="nr-settings">{body}</table>'


def outlet_options(stats: dict[str, Any]) -> list[tuple[str, str]]:
    """The outlet filter's choices as ('Reuters (120)', 'Reuters'), most articles first.

    Articles without an outlet cannot be picked by an outlet filter, so they are left out.
    """
    sources = stats.get("sources", {})
    named = [(str(s), int(n)) for s, n in sources.items() if s != "(unknown)"]
    named.sort(key=lambda item: (-item[1], item[0].lower()))
    return [(f"{s} ({n:,})", s) for s, n in named]


OUTLETS_INFO = "Only these outlets (articles in the corpus)"
NO_OUTLETS_INFO = "No article in the corpus names its outlet, so there is none to pick"


def outlet_filter(stats: dict[str, Any], chosen: list[str] | None) -> dict[str, Any]:
    """The outlet filter's choices, kept selection and help line, as update arguments.

    An outlet whose articles were all deleted can no longer be chosen; an empty list says
    why it is empty instead of looking broken.
    """
    options = outlet_options(stats)
    known = {value for _, value in options}
    return {
        "choices": options,
        "value": [s for s in chosen or [] if s in known],
        "info": OUTLETS_INFO if options else NO_OUTLETS_INFO,
    }


def corpus_line(stats: dict[str, Any]) -> str:
    """'805 articles from 12 outlets, published 2 Jan 2011 – 9 Mar 2025' as HTML."""
    count = int(stats.get("articles", 0))
    outlets = sum(1 for s in stats.get("sources", {}) if s != "(unknown)")
    span = stats.get("date_range")
    text = f"{count:,} article{'' if count == 1 else 's'}"
    if outlets:
        text += f" from {outlets:,} outlet{'' if outlets == 1 else 's'}"
    if span:
        first, last = format_date(span[0]), format_date(span[1])
        text += f", published {first}" + (f" – {last}" if last != first else "")
    return f'<div class="nr-corpus-line">{esc(text)}</div>'
