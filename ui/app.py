"""The Gradio app: layout, and the wiring of components to the chat and corpus handlers.

One Pipeline (one loaded embedding model) serves every browser tab and API call.
Questions (the chat and the `/ask` API) run in parallel, up to ``ui.max_concurrent_questions``
at once; writes to the corpus (upload, delete) run one at a time. The pipeline's own
read-write gate makes a question wait for a write in progress, so it answers from the
corpus as it was before the write or as it is after, never from a half-written one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import gradio as gr
from pydantic import ValidationError

from rag.errors import RagError
from rag.loaders import SUPPORTED_SUFFIXES
from rag.output import cap_output
from rag.pipeline import Pipeline
from rag.sessions import SessionStore
from rag.settings import Settings
from rag.types import Filters
from ui import render, style, timeline
from ui.chat import Chat, ChatWidgets, complete, filters_label, remember_filters
from ui.corpus import Corpus, CorpusWidgets
from ui.export import md

QUESTIONS = "questions"  # concurrency id of the handlers that answer questions
WRITES = "corpus-writes"  # concurrency id of the handlers that change the corpus
# A panel's heading lives in its template, so it costs no extra block (and gap) in the column.
_HEADED = '<div class="nr-side-h">{}</div>${{value}}'


def settings_rows(settings: Settings, store_location: str) -> list[tuple[str, str]]:
    """The settings a user may want to check, as (label, value) rows."""
    chroma = settings.chroma
    server = f"{chroma.host}:{chroma.port}" if chroma.host else "embedded"
    retrieval = settings.retrieval
    return [
        ("Answer backend", str(getattr(settings.answer, "backend", "extractive"))),
        ("Embedding model", settings.embedding.model),
        ("Store", store_location),
        ("Chroma", server),
        ("Retrieval", f"k={retrieval.k}, hybrid={retrieval.hybrid}"),
        ("Sessions file", str(settings.sessions_file())),
        ("Uploads folder", str(settings.ui.uploads)),
        ("Largest upload", f"{settings.ui.max_upload_mb:g} MB"),
        ("Settings hash", settings.settings_hash()),
    ]


def api_ask(pipeline: Pipeline) -> Callable[..., dict[str, Any]]:
    """The `/ask` API endpoint: one question in, the `rag ask --json` object out (capped
    at ``limits.max_output_chars`` like it)."""

    def ask(
        question: str, since: str = "", until: str = "", sources: list[str] | None = None
    ) -> dict[str, Any]:
        """Answer a question from the corpus; dates are YYYY-MM-DD, sources outlet names."""
        try:
            filters = Filters.model_validate(
                {"since": since or None, "until": until or None, "sources": sources or []}
            )
            answer = pipeline.ask(question or "", filters=filters)
        except (RagError, ValidationError) as exc:
            raise gr.Error(str(exc)) from exc
        # Measured as ASCII-escaped JSON, the largest way a client may receive it.
        return cap_output(answer.to_json(), limit, ascii_only=True)

    limit = pipeline.settings.limits.max_output_chars
    return ask


def _html(value: str = "", js: str | None = None, **kwargs: Any) -> Any:
    return gr.HTML(value, js_on_load=js, apply_default_css=True, **kwargs)


def _download(label: str, elem_id: str, width: int) -> Any:
    """A small export button; it holds a file path, so a click downloads at once."""
    return gr.DownloadButton(
        label, size="sm", scale=0, min_width=width, interactive=False, elem_id=elem_id,
        elem_classes="nr-action",
    )  # fmt: skip


def _sessions_column() -> dict[str, Any]:
    # On a phone this column is a drawer (see style.CSS), opened from the header.
    with gr.Column(scale=2, min_width=230, elem_id="nr-side"):
        _html(
            '<button type="button" class="nr-drawer-btn nr-drawer-close">✕ Close</button>',
            js=style.DRAWER_JS,
            elem_id="nr-drawer-close",
        )
        new = gr.Button("+ New session", variant="primary", size="md", elem_id="nr-new")
        search = gr.Textbox(
            placeholder="Search sessions…", show_label=False, container=False, elem_id="nr-search"
        )
        sessions = _html(js=style.SESSIONS_JS, elem_id="nr-sessions")
    return {"new": new, "search": search, "sessions": sessions}


def _conversation_column() -> dict[str, Any]:
    with gr.Column(scale=6, min_width=320, elem_id="nr-main"):
        title = gr.Textbox(
            show_label=False,
            placeholder="New session: ask a question to start",
            container=False,
            elem_id="nr-title",
            interactive=False,
        )
        # Actions on their own row, so a long session title is never squeezed out.
        with gr.Row(elem_id="nr-toolbar"):
            export_md = _download("Export Markdown", "nr-export-md", 140)
            export_json = _download("Export JSON", "nr-export-json", 110)
            delete = gr.Button(
                "Delete session", size="sm", scale=0, min_width=120, elem_classes="nr-action"
            )
        with gr.Row(visible=False, elem_id="nr-confirm-row") as confirm_row:
            gr.Markdown("**Delete this session and its evidence board?**")
            confirm = gr.Button(
                "Delete", variant="stop", size="sm", scale=0, min_width=90, elem_id="nr-confirm"
            )
            cancel = gr.Button("Keep", size="sm", scale=0, min_width=90)
        transcript = _html(
            render.transcript_html([]), js=style.TRANSCRIPT_JS, elem_id="nr-transcript"
        )
        with gr.Row(equal_height=True, elem_id="nr-ask-row"):
            question = gr.Textbox(
                placeholder="Ask about the corpus, e.g. who backed Assad?",
                show_label=False,
                container=False,
                scale=8,
                elem_id="nr-question",
                autofocus=True,
                max_lines=6,
                # Until the page's load handler has reopened the last session: a question
                # asked earlier would have its live answer replaced by that session.
                interactive=False,
            )
            ask = gr.Button(
                "Ask",
                variant="primary",
                scale=1,
                min_width=80,
                elem_id="nr-ask",
                interactive=False,
            )
    return dict(
        title=title,
        export_md=export_md,
        export_json=export_json,
        delete=delete,
        confirm_row=confirm_row,
        confirm=confirm,
        cancel=cancel,
        transcript=transcript,
        question=question,
        ask=ask,
    )


def _evidence_column() -> dict[str, Any]:
    with gr.Column(scale=4, min_width=300, elem_id="nr-evidence"):
        corpus_line = _html(elem_id="nr-corpus-line")
        with gr.Accordion(
            filters_label(None, None, None), open=False, elem_id="nr-filters"
        ) as filters:
            # Stacked, not side by side: each date box needs the column's width for its picker.
            since = gr.DateTime(
                label="Published on or after", include_time=False, type="string", elem_id="nr-since"
            )
            until = gr.DateTime(
                label="Published on or before",
                include_time=False,
                type="string",
                elem_id="nr-until",
            )
            outlets = gr.Dropdown(
                label="Outlets",
                info=render.OUTLETS_INFO,
                multiselect=True,
                choices=[],
                value=[],
                elem_id="nr-outlets",
            )
        passage = _html(
            render.PASSAGE_PLACEHOLDER,
            js=style.PASSAGE_JS,
            elem_id="nr-passage",
            html_template=_HEADED.format("Passage"),
        )
        with gr.Row(visible=False, equal_height=True, elem_id="nr-pin-row") as pin_row:
            note = gr.Textbox(
                placeholder="Note (optional)", show_label=False, container=False, scale=3
            )
            pin = gr.Button(
                "Pin to board", size="sm", scale=1, min_width=110, elem_id="nr-pin",
                elem_classes="nr-action",
            )  # fmt: skip
        board = _html(
            render.pins_html([]),
            js=style.BOARD_JS,
            elem_id="nr-board",
            html_template=_HEADED.format("Evidence board"),
        )
    return dict(
        corpus_line=corpus_line,
        filters=filters,
        since=since,
        until=until,
        outlets=outlets,
        passage=passage,
        pin_row=pin_row,
        note=note,
        pin=pin,
        board=board,
    )


def _research_tab(secret: str) -> tuple[ChatWidgets, dict[str, Any]]:
    sid, cited = gr.State(None), gr.State(None)
    # The open session's id, kept in the browser so a reload resumes it. It is not a
    # credential: the server checks the session's owner on every access.
    last = gr.BrowserState(None, storage_key="newsrag-session", secret=secret)
    # The filters as last set, with the session they were set in: a reload puts them
    # back, not the filters of that session's last question (cleared since, perhaps).
    set_filters = gr.BrowserState(None, storage_key="newsrag-filters", secret=secret)
    with gr.Row(equal_height=False):
        left, mid, right = _sessions_column(), _conversation_column(), _evidence_column()
    parts = {**left, **mid, **right}
    names = ChatWidgets.__dataclass_fields__
    widgets = ChatWidgets(
        sid=sid,
        last=last,
        set_filters=set_filters,
        cited=cited,
        **{k: v for k, v in parts.items() if k in names},
    )
    return widgets, parts


def _wire_chat(chat: Chat, w: ChatWidgets, parts: dict[str, Any], parallel: int) -> None:
    everything = w.all()
    private: dict[str, Any] = {"api_visibility": "private"}
    focus: dict[str, Any] = {"js": style.FOCUS_JS, **private}
    ask_inputs = [w.sid, w.question, w.since, w.until, w.outlets, w.search]
    for trigger in (w.ask.click, w.question.submit):
        trigger(
            chat.ask,
            ask_inputs,
            everything,
            concurrency_id=QUESTIONS,
            concurrency_limit=parallel,
            show_progress="hidden",
            api_visibility="private",
            api_name="chat_ask",  # "ask" is the public API endpoint's name
        ).then(None, **focus)
    w.transcript.cite(chat.cite, [w.sid], w.citing(), show_progress="hidden", **private)
    w.sessions.open(
        chat.open, [w.search, w.sid], everything, show_progress="hidden", **private
    ).then(None, **focus)
    parts["new"].click(chat.new, [w.search], everything, **private).then(None, **focus)
    parts["new"].click(None, js=style.CLOSE_DRAWER_JS, **private)  # js only: the phone drawer
    w.search.change(chat.search, [w.search, w.sid], [w.sessions], show_progress="hidden", **private)
    for event in (w.title.submit, w.title.blur):
        event(
            chat.rename, [w.sid, w.title, w.search], everything, show_progress="hidden", **private
        )
    parts["delete"].click(lambda: gr.update(visible=True), None, [w.confirm_row], **private)
    parts["cancel"].click(lambda: gr.update(visible=False), None, [w.confirm_row], **private)
    parts["confirm"].click(chat.delete, [w.sid, w.search], everything, **private).then(
        None, **focus
    )
    parts["pin"].click(chat.pin, [w.sid, w.cited, w.note], w.boarding(), **private)
    w.board.unpin(chat.unpin, [w.sid], w.boarding(), **private)
    filters = [w.since, w.until, w.outlets]
    for widget in filters:
        widget.change(
            lambda *v: gr.update(label=filters_label(*v)), filters, [parts["filters"]], **private
        ).then(remember_filters, [w.sid, *filters], [w.set_filters], **private)


def corpus_summary(chat: Chat, outlets: Any, line: Any) -> Callable[..., dict[Any, Any]]:
    """Outlets with article counts, and the corpus's size and date range, as stored now."""

    def summary(chosen: list[str] | None) -> dict[Any, Any]:
        stats = chat.corpus_stats()
        return {
            outlets: gr.update(**render.outlet_filter(stats, chosen)),
            line: render.corpus_line(stats),
        }

    return summary


def _corpus_tab(max_mb: float) -> tuple[dict[str, Any], dict[str, Any]]:
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            stats = _html(elem_id="nr-stats")
            files = gr.File(
                label="Add articles",
                file_count="multiple",
                file_types=sorted(SUPPORTED_SUFFIXES),
                elem_id="nr-upload",
            )
            accepted = ", ".join(sorted(SUPPORTED_SUFFIXES))
            gr.Markdown(
                f"Accepted: {accepted}; up to {max_mb:g} MB each.", elem_id="nr-upload-note"
            )
            add = gr.Button("Add to corpus", variant="primary", elem_id="nr-ingest")
            status = gr.Markdown(elem_id="nr-ingest-status")
        with gr.Column(scale=5, min_width=420):
            table = gr.Dataframe(
                headers=["Title", "Outlet", "Date", "Passages", "ID"],
                datatype=["str", "str", "str", "number", "str"],
                interactive=False,
                show_search="search",
                wrap=True,
                max_height=420,
                column_widths=["46%", "16%", "12%", "9%", "17%"],
                elem_id="nr-articles",
            )
            # The delete controls sit above the article, never below the fold of a long text.
            with gr.Row(visible=False, elem_id="nr-article-actions") as delete_row:
                delete = gr.Button(
                    "Delete this article", variant="secondary", size="sm", scale=0,
                    elem_id="nr-article-delete",
                )  # fmt: skip
            with gr.Row(visible=False, elem_id="nr-article-confirm") as confirm_row:
                gr.Markdown(
                    "**Remove this article from the corpus?** Saved sessions keep their quotes."
                )
                confirm = gr.Button(
                    "Delete", variant="stop", size="sm", scale=0, min_width=90,
                    elem_id="nr-article-confirm-btn",
                )  # fmt: skip
                cancel = gr.Button("Keep", size="sm", scale=0, min_width=90)
            article = _html(elem_id="nr-article")
    widgets = dict(
        files=files,
        status=status,
        table=table,
        stats=stats,
        article=article,
        delete_row=delete_row,
        confirm_row=confirm_row,
    )
    return widgets, {"add": add, "delete": delete, "confirm": confirm, "cancel": cancel}


def corpus_outputs(w: CorpusWidgets) -> list[Any]:
    """Everything the corpus tab's handlers may change."""
    return [w.table, w.stats, w.outlets, w.status, w.files, w.article, w.selected,
            w.delete_row, w.confirm_row]  # fmt: skip


def delete_article(corpus: Corpus, w: CorpusWidgets) -> Callable[..., dict[Any, Any]]:
    """Delete the selected article; the status names it by its title, not its id."""

    def delete(article_id: str | None, request: gr.Request) -> dict[Any, Any]:
        article = corpus.pipeline.store.get_article(article_id) if article_id else None
        updates = corpus.delete(article_id, request)
        if article is not None and updates.get(w.selected, "") is None:  # it was deleted
            updates[w.status] = f"Deleted “{md(article.title)}” from the corpus."
        elif article is not None:
            updates[w.status] = md(str(updates[w.status]))
        return complete(updates, corpus_outputs(w))

    return delete


def _wire_corpus(
    corpus: Corpus, w: CorpusWidgets, buttons: dict[str, Any], summary: dict[str, Any]
) -> None:
    outputs = corpus_outputs(w)
    private: dict[str, Any] = {"api_visibility": "private"}
    # After any change to the corpus: outlets with counts, the corpus line, fresh stats.
    recount = {"fn": summary["fn"], "inputs": [w.outlets], "outputs": summary["outputs"], **private}
    buttons["add"].click(
        corpus.ingest,
        [w.files],
        outputs,
        concurrency_id=WRITES,
        concurrency_limit=1,
        show_progress_on=[w.status],
        **private,
    ).then(**recount)
    w.table.select(corpus.select, None, outputs, show_progress="hidden", **private)
    buttons["delete"].click(lambda: gr.update(visible=True), None, [w.confirm_row], **private).then(
        None, js=_SHOW_CONFIRM_JS, **private
    )
    buttons["cancel"].click(lambda: gr.update(visible=False), None, [w.confirm_row], **private)
    buttons["confirm"].click(
        delete_article(corpus, w),
        [w.selected],
        outputs,
        concurrency_id=WRITES,
        concurrency_limit=1,
        **private,
    ).then(**recount)


def _wire_timeline(tab: timeline.TimelineTab, w: dict[str, Any], chat: Chat, parallel: int) -> None:
    """Build on click or Enter (a read: it runs beside questions); outlets follow the corpus."""
    inputs = [w["query"], w["since"], w["until"], w["outlets"]]
    outputs = [w["view"], w["csv"], w["md"], w["json"]]
    for trigger in (w["build"].click, w["query"].submit):
        trigger(
            tab.build, inputs, outputs, concurrency_id=QUESTIONS, concurrency_limit=parallel,
            api_visibility="private",
        )  # fmt: skip

    def outlets(chosen: list[str] | None) -> Any:
        return gr.update(**render.outlet_filter(chat.corpus_stats(), chosen))

    w["query"].focus(outlets, [w["outlets"]], [w["outlets"]], api_visibility="private")


# The confirmation must be seen: scroll it into view once it is shown.
_SHOW_CONFIRM_JS = """() => { setTimeout(() => {
  const row = document.getElementById('nr-article-confirm');
  if (row) row.scrollIntoView({block: 'nearest'});
}, 50); }"""
_DRAWER_BUTTON = (
    '<button type="button" class="nr-drawer-btn nr-drawer-open-btn">☰ Sessions</button>'
)


def build_app(pipeline: Pipeline, store: SessionStore, *, auth: bool = False) -> gr.Blocks:
    """The whole app over one pipeline and session store; ``auth`` adds a log-out link."""
    settings = pipeline.settings
    secret = hashlib.sha256(str(settings.sessions_file().resolve()).encode()).hexdigest()[:32]
    with gr.Blocks(title="newsrag", analytics_enabled=False, fill_width=True) as app:
        logout = ' · <a href="/logout">Log out</a>' if auth else ""
        tagline = "Answers from your news corpus, every sentence quoted and cited"
        _html(
            f'<div id="nr-header">{_DRAWER_BUTTON}<h1>newsrag</h1>'
            f"<span>{tagline}{logout}</span></div>",
            js=style.DRAWER_JS,
        )
        with gr.Tabs():
            with gr.Tab("Research", id="research"):
                chat_w, chat_parts = _research_tab(secret)
            with gr.Tab("Timeline", id="timeline", elem_id="nr-timeline-tab"):
                tl = timeline.layout()
            with gr.Tab("Corpus", id="corpus", elem_id="nr-corpus-tab"):
                corpus_parts, corpus_buttons = _corpus_tab(settings.ui.max_upload_mb)
            with gr.Tab("Settings", id="settings"):
                gr.HTML(render.settings_html(settings_rows(settings, pipeline.store.location)))
                with gr.Accordion("All settings (read-only)", open=False):
                    gr.JSON(settings.model_dump(mode="json"))
        corpus_w = CorpusWidgets(selected=gr.State(None), outlets=chat_w.outlets, **corpus_parts)
        chat, corpus = Chat(pipeline, store, chat_w), Corpus(pipeline, corpus_w)
        line = chat_parts["corpus_line"]
        summary = {
            "fn": corpus_summary(chat, chat_w.outlets, line),
            "outputs": [chat_w.outlets, line],
        }
        parallel = settings.ui.max_concurrent_questions
        _wire_chat(chat, chat_w, chat_parts, parallel)
        _wire_corpus(corpus, corpus_w, corpus_buttons, summary)
        _wire_timeline(timeline.TimelineTab(pipeline), tl, chat, parallel)
        gr.api(  # type: ignore[attr-defined]  # gradio exports it, untyped
            api_ask(pipeline), api_name="ask", concurrency_id=QUESTIONS, concurrency_limit=parallel
        )
        private: dict[str, Any] = {"api_visibility": "private"}
        app.load(
            corpus.refresh, None, [corpus_w.table, corpus_w.stats, corpus_w.outlets], **private
        ).then(summary["fn"], [chat_w.outlets], summary["outputs"], **private).then(
            chat.load, [chat_w.last, chat_w.set_filters], chat_w.all(), **private
        ).then(None, js=style.FOCUS_JS, **private)
    return app  # type: ignore[no-any-return]  # gr.Blocks.__enter__ is untyped


def launch(
    app: gr.Blocks,
    settings: Settings,
    *,
    host: str,
    port: int,
    credentials: list[tuple[str, str]] | None = None,
    block: bool = True,
) -> None:
    """Serve the app (offline: no share link, no analytics, no server-side rendering)."""
    app.queue(default_concurrency_limit=4)
    app.launch(
        server_name=host,
        server_port=port,
        auth=credentials or None,
        max_file_size=int(settings.ui.max_upload_mb * 1_000_000),
        share=False,
        ssr_mode=False,
        show_error=True,
        prevent_thread_lock=not block,
        theme=style.theme(),
        css=style.CSS,
        footer_links=[],
    )
