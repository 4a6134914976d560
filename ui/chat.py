"""The research tab's behaviour: asking, citations, sessions, the evidence board, exports.

Each method is one event handler. It returns (or, when streaming, yields) a dict from
component to new value, so a handler names exactly what it changes.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from rag.errors import RagError
from rag.pipeline import Pipeline
from rag.sessions import SessionStore
from rag.types import Answer, Citation, Filters, Session, Turn
from ui import render
from ui.export import export_filename, session_json, session_markdown

Updates = dict[Any, Any]
_TITLE_CHARS = 80


@dataclass
class ChatWidgets:
    """The components the research tab's handlers read and write."""

    sid: Any
    last: Any
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


def user(request: gr.Request | None) -> str | None:
    """The logged-in user's name, or None when login is off."""
    return getattr(request, "username", None) if request is not None else None


def session_title(question: str) -> str:
    """A new session's title: its first question, shortened at a word boundary."""
    text = " ".join(question.split())
    if len(text) <= _TITLE_CHARS:
        return text
    return text[:_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def parse_filters(since: str | None, until: str | None, outlets: list[str] | None) -> Filters:
    """Filters from the filter widgets; raises gr.Error on a malformed date."""
    try:
        start = dt.date.fromisoformat(since.strip()[:10]) if since and since.strip() else None
        end = dt.date.fromisoformat(until.strip()[:10]) if until and until.strip() else None
    except ValueError as exc:
        raise gr.Error(f"Dates must be YYYY-MM-DD ({exc})") from exc
    return Filters(since=start, until=end, sources=list(outlets or []))


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
        # its cache, or the working directory.
        self.exports = Path(tempfile.mkdtemp(prefix="newsrag-exports-"))

    # ------------------------------------------------------------ session view
    def show(self, session: Session | None, owner: str | None, query: str = "") -> Updates:
        """Everything on screen that depends on which session is open."""
        w = self.w
        sid = session.id if session else None
        md_path, json_path = self._write_exports(session) if session else (None, None)
        listed = self.store.list(owner=owner, query=query)
        return {
            w.sid: sid,
            w.last: sid,
            w.title: gr.update(value=session.title if session else "", interactive=bool(session)),
            w.transcript: render.transcript_html(session.turns if session else []),
            w.sessions: render.sessions_html(listed, sid, query=query),
            w.board: render.pins_html(session.pins if session else []),
            w.export_md: gr.update(value=md_path, interactive=bool(session)),
            w.export_json: gr.update(value=json_path, interactive=bool(session)),
            w.confirm_row: gr.update(visible=False),
        }

    def _clear_passage(self) -> Updates:
        w = self.w
        return {
            w.passage: render.PASSAGE_PLACEHOLDER,
            w.cited: None,
            w.pin_row: gr.update(visible=False),
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

    def load(self, last: str | None, request: gr.Request) -> Updates:
        """On page load: reopen the session this browser had open, else the newest one."""
        owner = user(request)
        return {**self.show(self._resume(last, owner), owner), **self._clear_passage()}

    def _resume(self, last: str | None, owner: str | None) -> Session | None:
        session = self.store.get(last, owner=owner) if last else None
        if session is None:
            newest = self.store.list(owner=owner, limit=1)
            session = self.store.get(newest[0].id, owner=owner) if newest else None
        return session

    def open(self, query: str, evt: gr.EventData, request: gr.Request) -> Updates:
        """A session was clicked in the sidebar."""
        owner = user(request)
        session = self.store.get(str(evt.id), owner=owner)
        if session is None:
            gr.Warning("That session no longer exists.")
        return {**self.show(session, owner, query), **self._clear_passage()}

    def new(self, query: str, request: gr.Request) -> Updates:
        """Start afresh; the session is created when its first question is asked."""
        return {**self.show(None, user(request), query), **self._clear_passage()}

    def search(self, query: str, sid: str | None, request: gr.Request) -> str:
        """Filter the sidebar by title and content."""
        listed = self.store.list(owner=user(request), query=query)
        return render.sessions_html(listed, sid, query=query)

    def rename(self, sid: str | None, title: str, query: str, request: gr.Request) -> Updates:
        """Save an edited session title."""
        if not sid:
            return {}
        owner = user(request)
        session = self.store.get(sid, owner=owner)
        if session is None or session.title == title.strip():
            return {}  # leaving the box unchanged must not bump the session to the top
        if not title.strip():
            return {self.w.title: session.title}  # a blank title is refused: put it back
        return self.show(self.store.rename(sid, title, owner=owner), owner, query)

    def delete(self, sid: str | None, query: str, request: gr.Request) -> Updates:
        """Delete the open session (after the user confirmed) and show the newest one left."""
        owner = user(request)
        if sid:
            self.store.delete(sid, owner=owner)
            shutil.rmtree(self.exports / sid, ignore_errors=True)
        return {**self.show(self._resume(None, owner), owner, query), **self._clear_passage()}

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

        The session's earlier turns go to the pipeline as history, so follow-ups work.
        """
        w, owner, asked = self.w, user(request), question.strip()
        if not asked:
            return
        filters = parse_filters(since, until, outlets)
        session = self.store.get(sid, owner=owner) if sid else None
        turns = list(session.turns) if session else []
        idle = {w.question: gr.update(interactive=True), w.ask: gr.update(interactive=True)}
        yield {
            w.question: gr.update(value="", interactive=False),
            w.ask: gr.update(interactive=False),
            w.transcript: render.transcript_html(turns, render.pending_html(asked, "", len(turns))),
        }
        try:
            answer = None
            text = ""
            for event in self.pipeline.stream(asked, filters=filters, history=turns):
                if isinstance(event, Answer):
                    answer = event
                    break
                text += event
                tail = render.pending_html(asked, text, len(turns))
                yield {w.transcript: render.transcript_html(turns, tail)}
        except RagError as exc:
            tail = render.error_html(asked, str(exc), len(turns))
            yield {
                **idle,
                w.question: gr.update(value=asked, interactive=True),  # let them retry
                w.transcript: render.transcript_html(turns, tail),
            }
            return
        assert answer is not None  # Pipeline.stream always ends with the Answer
        if session is None:
            session = self.store.create(session_title(asked), owner=owner)
        turn = Turn(question=asked, answer=answer)
        session = self.store.append_turn(session.id, turn, owner=owner)
        yield {**self.show(session, owner, query), **idle}

    # ---------------------------------------------------- citations and pins
    def cite(self, sid: str | None, evt: gr.EventData, request: gr.Request) -> Updates:
        """A citation chip was clicked: show its passage, highlighted, in the side panel."""
        session = self.store.get(sid, owner=user(request)) if sid else None
        citation = _citation(session, int(evt.turn), int(evt.n)) if session else None
        if citation is None:
            return self._clear_passage()
        article = self.pipeline.store.get_article(citation.article_id)
        w = self.w
        return {
            w.passage: render.passage_html(citation, article),
            w.cited: citation.model_dump(mode="json"),
            w.pin_row: gr.update(visible=True),
        }

    def pin(
        self, sid: str | None, cited: dict[str, Any] | None, note: str, request: gr.Request
    ) -> Updates:
        """Pin the passage on display to the session's evidence board."""
        if not sid or not cited:
            return {}
        owner = user(request)
        self.store.pin(sid, Citation.model_validate(cited), note.strip(), owner=owner)
        session = self.store.require(sid, owner=owner)
        gr.Info("Pinned to the evidence board.")
        return self._board(session) | {self.w.note: ""}

    def unpin(self, sid: str | None, evt: gr.EventData, request: gr.Request) -> Updates:
        """Remove a passage from the evidence board."""
        if not sid:
            return {}
        owner = user(request)
        self.store.unpin(sid, str(evt.pin), owner=owner)
        return self._board(self.store.require(sid, owner=owner))

    def _board(self, session: Session) -> Updates:
        md_path, json_path = self._write_exports(session)
        w = self.w
        return {
            w.board: render.pins_html(session.pins),
            w.export_md: gr.update(value=md_path),
            w.export_json: gr.update(value=json_path),
        }


def _citation(session: Session, turn: int, n: int) -> Citation | None:
    if not 0 <= turn < len(session.turns):
        return None
    answer = session.turns[turn].answer
    if answer is None:
        return None
    return next((c for c in answer.citations if c.n == n), None)
