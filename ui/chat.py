"""The research tab's behaviour: asking, citations, sessions, the evidence board, exports.

Each method is one event handler. It returns (or, when streaming, yields) a dict from
component to new value, so a handler names exactly what it changes; :func:`complete` fills
in every other declared output with "no change", because Gradio rejects a reply that is
missing outputs (an empty dict included) and covers the page with error overlays.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.pipeline import Pipeline
from rag.sessions import SessionStore
from rag.types import Answer, Citation, Filters, Session, Turn
from ui import render
from ui.export import (
    delete_exports,
    export_filename,
    new_exports_folder,
    session_json,
    session_markdown,
)

Updates = dict[Any, Any]
_TITLE_CHARS = 80


@dataclass
class ChatWidgets:
    """The components the research tab's handlers read and write."""

    sid: Any
    last: Any
    set_filters: Any
    title: Any
    transcript: Any
    sessions: Any
    search: Any
    board: Any
    export_md: Any
    export_json: Any
    passage: Any
    cited: Any
    pin_row: Any
    note: Any
    question: Any
    ask: Any
    confirm_row: Any
    delete: Any
    pin: Any
    since: Any
    until: Any
    outlets: Any

    def all(self) -> list[Any]:
        """Every component, in a fixed order: the outputs of the whole-view handlers."""
        return list(vars(self).values())

    def citing(self) -> list[Any]:
        """What a click on a citation chip changes."""
        return [self.passage, self.cited, self.pin_row, self.pin]

    def boarding(self) -> list[Any]:
        """What pinning and unpinning change."""
        return [self.board, self.export_md, self.export_json, self.note, self.pin]


def complete(updates: Updates, outputs: Sequence[Any]) -> Updates:
    """``updates`` for every one of ``outputs``: those it does not name stay as they are."""
    unknown = [k for k in updates if k not in outputs]
    if unknown:
        raise ValueError(f"handler updated {len(unknown)} component(s) it did not declare")
    return {o: updates[o] if o in updates else gr.skip() for o in outputs}


def user(request: gr.Request | None) -> str | None:
    """The logged-in user's name, or None when login is off."""
    return getattr(request, "username", None) if request is not None else None


def session_title(
    question: str, filters: Filters | None = None, at: dt.datetime | None = None
) -> str:
    """A new session's title: its first question (shortened at a word boundary), the
    filters it was asked with, and when it was started, so two sessions that began with
    the same question can be told apart: 'who backed Assad? (2016) · 29 Nov 15:02'.
    """
    text = " ".join(question.split())
    if len(text) > _TITLE_CHARS:
        text = text[:_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    tag = render.filters_tag(filters)
    if tag:
        text += f" ({tag})"
    at = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{text} · {at.day} {at:%b %H:%M}"


def parse_filters(since: str | None, until: str | None, outlets: list[str] | None) -> Filters:
    """Filters from the filter widgets; raises gr.Error on a malformed date."""
    try:
        start = dt.date.fromisoformat(since.strip()[:10]) if since and since.strip() else None
        end = dt.date.fromisoformat(until.strip()[:10]) if until and until.strip() else None
    except ValueError as exc:
        raise gr.Error(f"Dates must be YYYY-MM-DD ({exc})") from exc
    return Filters(since=start, until=end, sources=list(outlets or []))


def remember_filters(
    sid: str | None, since: str | None, until: str | None, outlets: list[str] | None
) -> dict[str, Any]:
    """The filter widgets' values with the open session, for the browser to keep."""
    return {"sid": sid, "since": since, "until": until, "outlets": list(outlets or [])}


def filters_label(since: str | None, until: str | None, outlets: list[str] | None) -> str:
    """The filter panel's title, saying which filters are on even when it is folded."""
    parts = []
    if since or until:
        parts.append(f"{(since or '…')[:10]} to {(until or '…')[:10]}")
    if outlets:
        parts.append(", ".join(outlets))
    return "Filters: " + ("; ".join(parts) if parts else "none (whole corpus)")


class Chat:
    """Handlers of the research tab, over one shared pipeline and session store."""

    def __init__(self, pipeline: Pipeline, store: SessionStore, widgets: ChatWidgets) -> None:
        """``widgets`` are the components the handlers update."""
        self.pipeline = pipeline
        self.store = store
        self.w = widgets
        # Export files live in a private temp folder: Gradio serves files only from there,
        # its cache, or the working directory. Named with our pid, so that a later start
        # removes it once this process is gone (ui.export.clean_stale_exports).
        self.exports = new_exports_folder()
        self._stats: tuple[int, dict[str, Any]] | None = None

    def corpus_stats(self) -> dict[str, Any]:
        """``Pipeline.stats()``, recomputed only when the number of stored passages changes."""
        chunks = self.pipeline.store.count_chunks()
        if self._stats is None or self._stats[0] != chunks:
            self._stats = (chunks, self.pipeline.stats())
        return self._stats[1]

    # ------------------------------------------------------------ session view
    def show(
        self, session: Session | None, owner: str | None, query: str = "", *, reopen: bool = False
    ) -> Updates:
        """Everything on screen that depends on which session is open (all outputs).

        With ``reopen`` (a reload, a session picked from the list) the filters of the
        session's last question are put back; otherwise the filters set stay as they are.
        """
        w = self.w
        sid = session.id if session else None
        md_path, json_path = self._write_exports(session) if session else (None, None)
        query = query or ""
        listed = self.store.list(owner=owner, query=query)
        updates = {
            w.sid: sid,
            w.last: sid,
            w.title: gr.update(value=session.title if session else "", interactive=bool(session)),
            w.transcript: render.transcript_html(session.turns if session else []),
            w.sessions: render.sessions_html(listed, sid, query=query),
            w.board: render.pins_html(session.pins if session else []),
            w.export_md: gr.update(value=md_path, interactive=bool(session)),
            w.export_json: gr.update(value=json_path, interactive=bool(session)),
            w.confirm_row: gr.update(visible=False),
            w.delete: gr.update(interactive=bool(session)),
            **(self._restore_filters(session) if reopen else {}),
        }
        return complete(updates, w.all())

    def _restore_filters(self, session: Session | None) -> Updates:
        """The filters of the session's last question, back in the filter widgets."""
        answers = [t.answer for t in session.turns if t.answer] if session else []
        if not answers:
            return {}  # a new session keeps whatever filters are set
        used = answers[-1].filters
        return self._filter_values(
            used.since.isoformat() if used.since else None,
            used.until.isoformat() if used.until else None,
            used.sources,
        )

    def _filter_values(
        self, since: str | None, until: str | None, outlets: list[str] | None
    ) -> Updates:
        """The filter widgets set to these values."""
        w = self.w
        return {
            w.since: since or None,
            w.until: until or None,
            w.outlets: gr.update(**render.outlet_filter(self.corpus_stats(), outlets)),
        }

    def _clear_passage(self) -> Updates:
        w = self.w
        return {
            w.passage: render.PASSAGE_PLACEHOLDER,
            w.cited: None,
            w.pin_row: gr.update(visible=False),
            w.pin: gr.update(value="Pin to board", interactive=True),
        }

    def _write_exports(self, session: Session) -> tuple[str, str]:
        folder = self.exports / session.id
        shutil.rmtree(folder, ignore_errors=True)  # the title, hence the file name, may change
        folder.mkdir(parents=True)
        md_path = folder / export_filename(session, "md")
        md_path.write_text(session_markdown(session), encoding="utf-8")
        json_path = folder / export_filename(session, "json")
        json_path.write_text(session_json(session), encoding="utf-8")
        return str(md_path), str(json_path)

    def load(
        self, last: str | None, set_filters: dict[str, Any] | None, request: gr.Request
    ) -> Updates:
        """On page load: reopen the session this browser had open, else the newest one,
        then let questions be asked (the question box starts disabled, so a question asked
        before this ran cannot have its live answer replaced by the reopened session).

        The filters come back as this browser last set them in that session
        (``set_filters``, see ``remember_filters``), else as its last question used them.
        """
        owner = user(request)
        session = self._resume(last, owner)
        shown = self.show(session, owner, reopen=True) | self._clear_passage()
        if session is not None and set_filters and set_filters.get("sid") == session.id:
            shown |= self._filter_values(
                set_filters.get("since"), set_filters.get("until"), set_filters.get("outlets")
            )
        ready = gr.update(interactive=True)
        return shown | {self.w.question: ready, self.w.ask: ready}

    def _resume(self, last: str | None, owner: str | None) -> Session | None:
        session = self.store.get(last, owner=owner) if last else None
        if session is None:
            newest = self.store.list(owner=owner, limit=1)
            session = self.store.get(newest[0].id, owner=owner) if newest else None
        return session

    def open(self, query: str, sid: str | None, evt: gr.EventData, request: gr.Request) -> Updates:
        """A session was clicked in the sidebar.

        Clicking the session already open keeps the passage on screen: after a reload
        the page reopens it, and a citation clicked meanwhile must not be wiped when the
        click on the sidebar is answered."""
        owner = user(request)
        session = self.store.get(str(getattr(evt, "id", "")), owner=owner)
        if session is None:
            gr.Warning("That session no longer exists.")
        shown = self.show(session, owner, query, reopen=True)
        if session is not None and session.id == sid:
            return shown | {c: gr.skip() for c in self.w.citing()}
        return shown | self._clear_passage()

    def new(self, query: str, request: gr.Request) -> Updates:
        """Start afresh; the session is created when its first question is asked."""
        return self.show(None, user(request), query) | self._clear_passage()

    def search(self, query: str, sid: str | None, request: gr.Request) -> Updates:
        """Filter the sidebar by title and content."""
        listed = self.store.list(owner=user(request), query=query or "")
        return {self.w.sessions: render.sessions_html(listed, sid, query=query or "")}

    def rename(self, sid: str | None, title: str, query: str, request: gr.Request) -> Updates:
        """Save an edited session title; leaving it unchanged changes nothing."""
        owner, title = user(request), title or ""
        session = self.store.get(sid, owner=owner) if sid else None
        unchanged = complete({}, self.w.all())
        if session is None or session.title == title.strip():
            return unchanged  # leaving the box unchanged must not bump the session to the top
        if not title.strip():  # a blank title is refused: put the old one back
            gr.Warning("A session needs a title: the previous one is kept.")
            return unchanged | {self.w.title: session.title}
        return self.show(self.store.rename(sid or "", title, owner=owner), owner, query)

    def delete(self, sid: str | None, query: str, request: gr.Request) -> Updates:
        """Delete the open session (after the user confirmed) and show the newest one left."""
        owner = user(request)
        if sid and self.store.get(sid, owner=owner) is not None:  # gone already: another tab
            self.store.delete(sid, owner=owner)
            delete_exports(sid)  # from every running app's folder, not only this one's
        session = self._resume(None, owner)
        return self.show(session, owner, query, reopen=True) | self._clear_passage()

    # ------------------------------------------------------------------ asking
    def ask(
        self,
        sid: str | None,
        question: str,
        since: str | None,
        until: str | None,
        outlets: list[str] | None,
        query: str,
        request: gr.Request,
    ) -> Iterator[Updates]:
        """Answer a question in the open session, streaming the text, then save the turn.

        While it works, a step line says what is happening; the lead answer appears
        first, then the supporting quotes. The session's earlier turns go to the pipeline
        as history, so follow-ups work.
        """
        w, owner, asked = self.w, user(request), (question or "").strip()
        everything = w.all()
        if not asked:
            gr.Warning("Type a question first: the question box is empty.")
            yield complete({w.question: ""}, everything)
            return
        filters = parse_filters(since, until, outlets)
        session = self.store.get(sid, owner=owner) if sid else None
        turns = list(session.turns) if session else []
        articles = int(self.corpus_stats().get("articles", 0))
        searching = f"Searching {articles:,} article{'' if articles == 1 else 's'}…"
        yield complete(
            {
                w.question: gr.update(value="", interactive=False),
                w.ask: gr.update(interactive=False),
                w.transcript: self._pending(turns, asked, "", searching, filters),
            },
            everything,
        )
        idle = {w.question: gr.update(interactive=True), w.ask: gr.update(interactive=True)}
        # The question is saved before it is answered: if the server dies mid-answer, the
        # session shows an interrupted turn instead of losing the question.
        if session is None:
            session = self.store.create(session_title(asked, filters), owner=owner)
        position = self.store.begin_turn(session.id, asked, owner=owner)
        try:
            answer, text = None, ""
            for event in self.pipeline.stream(asked, filters=filters, history=turns):
                if isinstance(event, Answer):
                    answer = event
                    break
                text += event
                step = f"{searching} {checking(text)}"
                shown = self._pending(turns, asked, text, step, filters)
                yield complete({w.transcript: shown}, everything)
        except RagError as exc:
            self.store.abandon_turn(session.id, position, owner=owner)
            tail = render.error_html(asked, str(exc), len(turns), filters)
            failed = {
                **idle,
                w.question: gr.update(value=asked, interactive=True),  # let them retry
                w.transcript: render.transcript_html(turns, tail),
            }
            yield complete(failed, everything)
            return
        assert answer is not None  # Pipeline.stream always ends with the Answer
        session = self.store.complete_turn(session.id, position, answer, owner=owner)
        yield self.show(session, owner, query) | idle

    def _pending(
        self, turns: list[Turn], asked: str, text: str, step: str, filters: Filters
    ) -> str:
        tail = render.pending_html(asked, text, len(turns), step, filters)
        return render.transcript_html(turns, tail)

    # ---------------------------------------------------- citations and pins
    def cite(self, sid: str | None, evt: gr.EventData, request: gr.Request) -> Updates:
        """A citation chip was clicked: show its passage, highlighted, in the side panel."""
        session = self.store.get(sid, owner=user(request)) if sid else None
        turn, n = getattr(evt, "turn", None), getattr(evt, "n", None)
        citation = None
        if session is not None and isinstance(turn, int | float) and isinstance(n, int | float):
            citation = _citation(session, int(turn), int(n))
        if citation is None:
            return complete(self._clear_passage(), self.w.citing())
        article = self.pipeline.store.get_article(citation.article_id)
        w = self.w
        shown = {
            w.passage: render.passage_html(citation, article),
            w.cited: citation.model_dump(mode="json"),
            w.pin_row: gr.update(visible=True),
            w.pin: gr.update(value="Pin to board", interactive=True),
        }
        return complete(shown, w.citing())

    def pin(
        self, sid: str | None, cited: dict[str, Any] | None, note: str, request: gr.Request
    ) -> Updates:
        """Pin the passage on display to the session's evidence board.

        The button itself says it worked ("Pinned ✓") instead of a toast, which would
        cover the passage panel.
        """
        w = self.w
        owner = user(request)
        if not sid or not cited or self.store.get(sid, owner=owner) is None:
            if sid and cited:
                gr.Warning("This session was deleted (in another tab?): start a new one.")
            return complete({}, w.boarding())
        self.store.pin(sid, Citation.model_validate(cited), (note or "").strip(), owner=owner)
        session = self.store.require(sid, owner=owner)
        done = {w.note: "", w.pin: gr.update(value="Pinned ✓", interactive=False)}
        return complete(self._board(session) | done, w.boarding())

    def unpin(self, sid: str | None, evt: gr.EventData, request: gr.Request) -> Updates:
        """Remove a passage from the evidence board."""
        pin_id, owner = getattr(evt, "pin", None), user(request)
        if not sid or not pin_id or self.store.get(sid, owner=owner) is None:
            return complete({}, self.w.boarding())
        self.store.unpin(sid, str(pin_id), owner=owner)
        # The passage on display may be the one removed: let it be pinned again.
        again = {self.w.pin: gr.update(value="Pin to board", interactive=True)}
        board = self._board(self.store.require(sid, owner=owner))
        return complete(board | again, self.w.boarding())

    def _board(self, session: Session) -> Updates:
        md_path, json_path = self._write_exports(session)
        w = self.w
        return {
            w.board: render.pins_html(session.pins),
            w.export_md: gr.update(value=md_path),
            w.export_json: gr.update(value=json_path),
        }


def checking(text: str) -> str:
    """The step line's second part while an answer streams: how many quotes it cites."""
    quotes = len(set(re.findall(r"\[(\d+)\]", text)))
    if not quotes:
        return "Writing the answer…"
    return f"Checking {quotes} quote{'' if quotes == 1 else 's'}…"


def _citation(session: Session, turn: int, n: int) -> Citation | None:
    if not 0 <= turn < len(session.turns):
        return None
    answer = session.turns[turn].answer
    if answer is None:
        return None
    return next((c for c in answer.citations if c.n == n), None)
