"""Session exports that keep their citations: Markdown with footnotes, and JSON.

The Markdown is for people (a report to paste into a story file): each answer sentence
keeps a footnote quoting its source verbatim, and a bibliography lists every article
cited with the exact spans quoted from it. The JSON is for programs and round-trips:
:func:`session_from_json` reads back exactly the session that was exported.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from rag.types import Answer, Citation, Pin, Session, Verdict
from ui.render import filters_tag, format_date, safe_url, same_question

EXPORT_FORMAT = "newsrag-session"
EXPORT_VERSION = 1
# Characters Markdown would read as formatting; escaped so titles and quotes show verbatim.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
_LONG_QUESTION, _HEADING_CHARS = 400, 120  # longer questions get a short heading
_OPENING, _CLOSING = '"“„', '"”'  # quotes a speech quote may already begin or end with


def md(text: str) -> str:
    """Text made inert in Markdown: specials backslash-escaped, newlines folded."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def quoted(text: str) -> str:
    """The quote in double quotes, unless it already is one: never ``""…""``."""
    inert = md(text)
    if len(inert) >= 2 and inert[0] in _OPENING and inert[-1] in _CLOSING:
        return inert
    return f'"{inert}"'


def reference(c: Citation) -> str:
    """'*Title*, Outlet, 9 Mar 2025, <url>' with whatever is known."""
    parts = [f"*{md(c.title)}*"]
    if c.source:
        parts.append(md(c.source))
    if c.published_at:
        parts.append(format_date(c.published_at))
    href = safe_url(c.url)
    if href:
        parts.append(f"<{href}>")
    return ", ".join(parts)


@dataclass
class _Notes:
    """Footnotes numbered across the whole session, and the bibliography they feed."""

    lines: list[str] = field(default_factory=list)
    by_article: dict[str, tuple[Citation, list[str]]] = field(default_factory=dict)

    def add(self, c: Citation) -> str:
        label = f"[^{len(self.lines) + 1}]"
        self.lines.append(f"{label}: {quoted(c.quote)} — {reference(c)}.")
        _, quotes = self.by_article.setdefault(c.article_id, (c, []))
        if c.quote not in quotes:
            quotes.append(c.quote)
        return label


def _answer_md(answer: Answer, notes: _Notes) -> list[str]:
    if answer.abstained:
        return [f"*No answer:* {md(answer.abstain_reason or answer.answer)}"]
    labels = {c.n: notes.add(c) for c in answer.citations}
    if not answer.sentences:  # answers saved before verification existed
        text = ""
        for i, part in enumerate(re.split(r"\s*\[(\d+)\]", answer.answer)):
            if i % 2:
                text += labels.get(int(part), "")
            elif part.strip():
                text += (" " if text else "") + md(part)
        return [text]
    lines = []
    for s in answer.sentences:
        line = md(s.text) + "".join(labels.get(n, "") for n in s.citations)
        if s.verdict in (Verdict.partial, Verdict.unsupported):
            flag = "partly supported" if s.verdict is Verdict.partial else "unsupported"
            line += f" *({flag}: {md(s.reason or 'no reason given')})*"
        lines.append(line)
    # The first sentence is the lead answer; the others are the quotes that support it.
    lead, *supports = lines
    out = [f"**Answer:** {lead}"]
    if supports:
        out += ["", "Supporting quotes:", "", *(f"- {line}" for line in supports)]
    return out + _conflicts_md(answer)


def _conflicts_md(answer: Answer) -> list[str]:
    """Each disputed quantity as a table: value, what it counts, outlet, date, quote."""
    out: list[str] = []
    for conflict in answer.conflicts:
        out += ["", f"Sources differ on *{md(conflict.about)}*:", "",
                "| value | counts | outlet | date | quote |", "|---|---|---|---|---|"]  # fmt: skip
        for claim in conflict.claims:
            c = claim.citation
            cells = [claim.value, claim.counts, c.source or c.title, (c.published_at or "")[:10],
                     f"“{c.quote}”"]  # fmt: skip
            out.append("| " + " | ".join(md(x) for x in cells) + " |")  # md() escapes "|"
    if answer.as_of:
        out += ["", f"*As of {answer.as_of.isoformat()} (newest cited article).*"]
    return out


def _pins_md(pins: list[Pin]) -> list[str]:
    if not pins:
        return []
    out = ["## Evidence board", ""]
    for i, pin in enumerate(pins, start=1):
        out.append(f"{i}. {quoted(pin.citation.quote)} — {reference(pin.citation)}")
        if pin.note:
            out.append(f"   Note: {md(pin.note)}")
    return [*out, ""]


def _bibliography_md(notes: _Notes) -> list[str]:
    if not notes.by_article:
        return []
    out = ["## Bibliography", ""]
    for c, quotes in notes.by_article.values():
        out.append(f"- {reference(c)}")
        out.extend(f"  - {quoted(q)}" for q in quotes)
    return [*out, ""]


def session_markdown(session: Session) -> str:
    """The session as a Markdown report: Q&A with footnotes, evidence board, bibliography."""
    count = f"{len(session.turns)} question" + ("" if len(session.turns) == 1 else "s")
    out = [
        f"# {md(session.title)}",
        "",
        f"Research session, {count}; created {session.created_at:%Y-%m-%d %H:%M} UTC, "
        f"last updated {session.updated_at:%Y-%m-%d %H:%M} UTC. Every answer sentence "
        "quotes its source verbatim (see the footnotes).",
        "",
    ]
    notes = _Notes()
    for i, turn in enumerate(session.turns, start=1):
        asked = " ".join(turn.question.split())
        if len(asked) <= _LONG_QUESTION:
            out += [f"## {i}. {md(asked)}", ""]
        else:  # a pasted document would make an unreadable heading: quote it in full below
            head = asked[:_HEADING_CHARS].rsplit(" ", 1)[0]
            out += [f"## {i}. {md(head)}…", "", f"> {md(asked)}", ""]
        answer = turn.answer
        tag = filters_tag(answer.filters) if answer is not None else ""
        if tag:
            out += [f"*Filters: {md(tag)}*", ""]
        rewritten = answer.standalone_question if answer is not None else None
        if rewritten and not same_question(rewritten, turn.question):
            out += [f"*Understood as: {md(rewritten)}*", ""]
        out += [*(_answer_md(answer, notes) if answer else ["*No saved answer.*"]), ""]
    out += _pins_md(session.pins) + _bibliography_md(notes)
    if notes.lines:
        out += [*notes.lines, ""]
    return "\n".join(out)


def session_json(session: Session) -> str:
    """The session as JSON: every turn's full Answer and every pin, re-readable."""
    payload = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "session": session.model_dump(mode="json"),
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def session_from_json(text: str) -> Session:
    """Read back a session exported by :func:`session_json`."""
    payload = json.loads(text)
    if not isinstance(payload, dict) or payload.get("format") != EXPORT_FORMAT:
        raise ValueError("not a newsrag session export")
    return Session.model_validate(payload["session"])


def export_filename(session: Session, suffix: str) -> str:
    """A safe file name from the title: 'who-backed-assad.md'."""
    slug = re.sub(r"[^a-z0-9]+", "-", session.title.lower()).strip("-")[:60] or "session"
    return f"{slug}.{suffix}"


# ------------------------------------------------------------ export files on disk
# The app writes each open session's exports under a private temp folder (Gradio serves
# files only from there, its cache or the working directory). Named with the pid of the
# app, so a later start can tell folders of dead apps (removed) from those of live ones.
EXPORTS_PREFIX = "newsrag-exports-"
_LEGACY_MAX_AGE = 24 * 3600.0  # folders named without a pid (older versions): by age


def new_exports_folder(root: Path | None = None) -> Path:
    """A fresh exports folder for this process: ``<tmp>/newsrag-exports-<pid>-<random>``."""
    return Path(tempfile.mkdtemp(prefix=f"{EXPORTS_PREFIX}{os.getpid()}-", dir=root))


def _exports_folders(root: Path | None) -> list[Path]:
    base = root or Path(tempfile.gettempdir())
    return [p for p in base.glob(f"{EXPORTS_PREFIX}*") if p.is_dir()]


def clean_stale_exports(root: Path | None = None) -> list[Path]:
    """Remove export folders left by apps that are no longer running; returns them."""
    removed = []
    for folder in _exports_folders(root):
        pid = folder.name[len(EXPORTS_PREFIX) :].split("-", 1)[0]
        if pid.isdigit():
            stale = not _pid_alive(int(pid))
        else:
            stale = time.time() - folder.stat().st_mtime > _LEGACY_MAX_AGE
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def delete_exports(session_id: str, root: Path | None = None) -> int:
    """Remove a deleted session's export files from every app's folder; returns how many."""
    count = 0
    for folder in _exports_folders(root):
        target = folder / session_id
        if session_id and target.parent == folder and target.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            count += 1
    return count


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
