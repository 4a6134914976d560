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
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from rag.types import Answer, AnswerSentence, Article, Citation, Pin, SessionInfo, Turn, Verdict

_MARKER = re.compile(r"\[(\d+)\]")
_ABSTAIN_LABELS = {
    "no_relevant": "Not in the corpus",
    "filtered_out": "Outside your filters",
    "not_answered": "Not supported by the sources",
}
_VERDICT_LABELS = {
    Verdict.supported: "Supported",
    Verdict.partial: "Partly supported",
    Verdict.unsupported: "Unsupported",
}
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


def chip(turn: int, n: int, title: str = "") -> str:
    """A clickable citation marker; the app's script reads its data attributes."""
    tip = f' title="{esc(title)}"' if title else ""
    return (
        f'<button type="button" class="nr-chip" data-turn="{turn}" data-n="{n}"{tip}'
        f' aria-label="Show source {n}">{n}</button>'
    )


def _chip_title(citation: Citation | None) -> str:
    if citation is None:
        return ""
    return f"{citation.title} — {source_text(citation)}"


# ------------------------------------------------------------------ answers
def sentence_html(sentence: AnswerSentence, turn: int, cites: dict[int, Citation]) -> str:
    """One answer sentence with its chips, marked when verification flagged it."""
    chips = "".join(chip(turn, n, _chip_title(cites.get(n))) for n in sentence.citations)
    verdict = sentence.verdict
    label = _VERDICT_LABELS.get(verdict) if verdict else None
    tip = f"{label}: {sentence.reason}" if label and sentence.reason else (label or "")
    css = f"nr-s nr-{verdict.value}" if verdict else "nr-s"
    flag = ""
    if verdict in (Verdict.partial, Verdict.unsupported):
        flag = f'<span class="nr-flag" title="{esc(tip)}">{esc(label)}</span>'
    # The last word travels with the chips, so a chip never wraps onto a line of its own.
    head, _, last = sentence.text.rstrip().rpartition(" ")
    lead = esc(head + " ") if head else ""
    tail = f'<span class="nr-tail">{esc(last)}{chips}{flag}</span>'
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
        chips = "".join(chip(turn, c.n, _chip_title(c)) for c in cites)
        items.append(f"<li>{chips} {title_link(first.title, first.url)}"
                     f' <span class="nr-meta">{source_line(first)}</span></li>')  # fmt: skip
    return f'<div class="nr-sources"><h4>Sources</h4><ul>{"".join(items)}</ul></div>'


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
    """A finished answer: sentences with chips and verdicts, then its sources."""
    if answer.abstained:
        return abstention_html(answer)
    cites = {c.n: c for c in answer.citations}
    if answer.sentences:
        body = " ".join(sentence_html(s, turn, cites) for s in answer.sentences)
    else:
        body = marked_text_html(answer.answer, turn)
    return f'<p class="nr-answer">{body}</p>' + (
        sources_html(answer, turn) if answer.citations else ""
    )


def _question_html(question: str, answer: Answer | None) -> str:
    understood = ""
    rewritten = answer.standalone_question if answer is not None else None
    if rewritten and not same_question(rewritten, question):
        understood = f'<div class="nr-understood">Understood as: {esc(rewritten)}</div>'
    return f'<div class="nr-q"><p>{esc(question)}</p>{understood}</div>'


def same_question(a: str, b: str) -> bool:
    """True when a rewritten question only differs in case, spacing or end punctuation."""
    return " ".join(a.lower().strip(" ?.!").split()) == " ".join(b.lower().strip(" ?.!").split())


def turn_html(turn: Turn, index: int) -> str:
    """One exchange of the conversation."""
    if turn.answer is None:
        body = '<div class="nr-error">This question has no saved answer.</div>'
    else:
        body = answer_html(turn.answer, index)
    return (
        f'<section class="nr-turn" data-turn="{index}">'
        f'{_question_html(turn.question, turn.answer)}<div class="nr-a">{body}</div></section>'
    )


def pending_html(question: str, partial: str, index: int) -> str:
    """The exchange being answered: the text streamed so far, chips not yet clickable."""
    body = (
        f'<p class="nr-answer nr-streaming">{marked_text_html(partial, None)}</p>'
        if partial.strip()
        else '<p class="nr-working">Searching the corpus…</p>'
    )
    return (
        f'<section class="nr-turn nr-pending" data-turn="{index}">'
        f'{_question_html(question, None)}<div class="nr-a">{body}</div></section>'
    )


def error_html(question: str, message: str, index: int) -> str:
    """A question that failed, with the reason (e.g. an empty store)."""
    return (
        f'<section class="nr-turn" data-turn="{index}">{_question_html(question, None)}'
        f'<div class="nr-a"><div class="nr-error">{esc(message)}</div></div></section>'
    )


def transcript_html(turns: Sequence[Turn], tail: str = "") -> str:
    """The whole conversation; ``tail`` is a pending or failed exchange to append."""
    if not turns and not tail:
        return f'<div class="nr-transcript"><div class="nr-welcome">{esc(WELCOME)}</div></div>'
    body = "".join(turn_html(t, i) for i, t in enumerate(turns))
    return f'<div class="nr-transcript">{body}{tail}</div>'


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
    items = []
    for s in sessions:
        active = " active" if s.id == current else ""
        count = f"{s.turns} question" + ("" if s.turns == 1 else "s")
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
            f'<div class="nr-meta">{title_link(c.title, c.url)} · {source_line(c)}</div>{note}'
            f'<button type="button" class="nr-unpin" data-pin="{esc(pin.id)}" '
            f'title="Remove from the board">Remove</button></li>'
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
