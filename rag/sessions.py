"""Persistent research sessions: conversations, their cited answers, and evidence boards.

One SQLite file (``settings.ui.sessions_path``) holds every session. Turns and pins are
stored as the JSON of their pydantic models, so an answer comes back with every citation
exactly as it was shown; a few plain columns (title, owner, dates, question and answer
text) exist only to list and search sessions without loading their answers.

The schema version lives in SQLite's ``user_version``; :data:`SCHEMA_VERSION` says which
one this code writes, and a file written by a newer version is refused rather than
misread.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Final, Literal

from pydantic import ValidationError

from rag.errors import RagError, SessionNotFound
from rag.types import Citation, Pin, Session, SessionInfo, Turn

SCHEMA_VERSION: Final = 1

_SCHEMA_V1 = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    owner TEXT,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sessions_by_owner ON sessions (owner, updated_at);
CREATE TABLE turns (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer_text TEXT NOT NULL,
    turn_json TEXT NOT NULL,
    PRIMARY KEY (session_id, position)
);
CREATE TABLE pins (
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    pinned_at TEXT NOT NULL,
    pin_json TEXT NOT NULL,
    PRIMARY KEY (session_id, id)
);
"""
# Migrations from version N to N + 1 go here, keyed by N; version 0 is an empty file.
_MIGRATIONS: Final[dict[int, str]] = {0: _SCHEMA_V1}


class _Anyone(Enum):
    ANYONE = "anyone"


ANYONE: Final = _Anyone.ANYONE
"""Owner scope that matches every session (the CLI, which has the file anyway)."""

OwnerScope = str | None | Literal[_Anyone.ANYONE]
"""A user name, None for sessions made without login, or ANYONE."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SessionStore:
    """Research sessions in one SQLite file; every method opens its own connection.

    A connection per call keeps the store safe to share between the UI's worker threads.
    Methods take an ``owner`` scope: a session is visible only to its owner (None is the
    owner of sessions made without login), unless the scope is :data:`ANYONE`.
    """

    def __init__(self, path: str | Path) -> None:
        """Open (creating or upgrading) the sessions file at ``path``."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            self._migrate(conn)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn
        finally:
            conn.close()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise RagError(
                f"{self.path} was written by a newer newsrag (sessions schema {version}, "
                f"this one reads {SCHEMA_VERSION}): upgrade newsrag to open it"
            )
        while version < SCHEMA_VERSION:
            conn.executescript(_MIGRATIONS[version])
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")

    # ---------------------------------------------------------------- sessions
    def create(self, title: str, *, owner: str | None = None) -> Session:
        """A new, empty session."""
        now = _now()
        session = Session(
            id=uuid.uuid4().hex[:16],
            title=title.strip() or "Untitled session",
            owner=owner,
            created_at=now,
            updated_at=now,
        )
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO sessions (id, owner, title, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (session.id, owner, session.title, now.isoformat(), now.isoformat()),
            )
        return session

    def get(self, session_id: str, *, owner: OwnerScope = ANYONE) -> Session | None:
        """The whole session (turns with their answers, pins), or None if not visible."""
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, owner, title, created_at, updated_at FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            if row is None or not _visible(row[1], owner):
                return None
            turns = conn.execute(
                "SELECT turn_json FROM turns WHERE session_id = ? ORDER BY position",
                (session_id,),
            ).fetchall()
            pins = conn.execute(
                "SELECT pin_json FROM pins WHERE session_id = ? ORDER BY pinned_at, id",
                (session_id,),
            ).fetchall()
        try:
            return Session(
                id=row[0],
                owner=row[1],
                title=row[2],
                created_at=dt.datetime.fromisoformat(row[3]),
                updated_at=dt.datetime.fromisoformat(row[4]),
                turns=[Turn.model_validate_json(t) for (t,) in turns],
                pins=[Pin.model_validate_json(p) for (p,) in pins],
            )
        except ValidationError as exc:
            raise RagError(f"session {session_id} in {self.path} is unreadable: {exc}") from exc

    def require(self, session_id: str, *, owner: OwnerScope = ANYONE) -> Session:
        """Like :meth:`get`, but raises SessionNotFound instead of returning None."""
        session = self.get(session_id, owner=owner)
        if session is None:
            raise SessionNotFound(f"no session {session_id!r}: `rag sessions list` shows them")
        return session

    def list(
        self, *, owner: OwnerScope = ANYONE, query: str = "", limit: int = 200
    ) -> list[SessionInfo]:
        """Sessions newest first; ``query`` matches titles, questions and answer text."""
        sql = (
            "SELECT s.id, s.owner, s.title, s.created_at, s.updated_at,"
            " (SELECT COUNT(*) FROM turns t WHERE t.session_id = s.id)"
            " FROM sessions s WHERE 1 = 1"
        )
        params: list[object] = []
        if owner is not ANYONE:
            sql += " AND s.owner IS ?"
            params.append(owner)
        if query.strip():
            pattern = _like(query.strip())
            sql += (
                " AND (s.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM turns t"
                " WHERE t.session_id = s.id AND (t.question LIKE ? ESCAPE '\\'"
                " OR t.answer_text LIKE ? ESCAPE '\\')))"
            )
            params += [pattern, pattern, pattern]
        sql += " ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?"
        params.append(limit)
        with self._connect() as conn:
            rows = conn.execute(sql, params).fetchall()
        return [
            SessionInfo(
                id=r[0],
                owner=r[1],
                title=r[2],
                created_at=dt.datetime.fromisoformat(r[3]),
                updated_at=dt.datetime.fromisoformat(r[4]),
                turns=r[5],
            )
            for r in rows
        ]

    def rename(self, session_id: str, title: str, *, owner: OwnerScope = ANYONE) -> Session:
        """Give the session a new title (blank titles are refused)."""
        if not title.strip():
            raise RagError("a session title cannot be empty")
        with self._connect() as conn:
            self._check(conn, session_id, owner)
            conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (title.strip(), session_id))
            self._touch(conn, session_id)
        return self.require(session_id, owner=owner)

    def delete(self, session_id: str, *, owner: OwnerScope = ANYONE) -> None:
        """Remove the session with its turns and pins."""
        with self._connect() as conn:
            self._check(conn, session_id, owner)
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    # ------------------------------------------------------------ turns, pins
    def append_turn(self, session_id: str, turn: Turn, *, owner: OwnerScope = ANYONE) -> Session:
        """Add a question and its answer at the end of the conversation."""
        answer_text = turn.answer.answer if turn.answer is not None else ""
        with self._connect() as conn:
            self._check(conn, session_id, owner)
            (position,) = conn.execute(
                "SELECT COUNT(*) FROM turns WHERE session_id = ?", (session_id,)
            ).fetchone()
            conn.execute(
                "INSERT INTO turns (session_id, position, question, answer_text, turn_json)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, position, turn.question, answer_text, turn.model_dump_json()),
            )
            self._touch(conn, session_id)
        return self.require(session_id, owner=owner)

    def pin(
        self, session_id: str, citation: Citation, note: str = "", *, owner: OwnerScope = ANYONE
    ) -> Pin:
        """Put a cited passage on the session's evidence board.

        Pinning the same quote of the same article again returns the existing pin, so a
        double click does not fill the board with copies.
        """
        session = self.require(session_id, owner=owner)
        for existing in session.pins:
            same = existing.citation
            if (same.article_id, same.start, same.end) == (
                citation.article_id,
                citation.start,
                citation.end,
            ):
                return existing
        pin = Pin(id=uuid.uuid4().hex[:8], citation=citation, note=note, pinned_at=_now())
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO pins (session_id, id, pinned_at, pin_json) VALUES (?, ?, ?, ?)",
                (session_id, pin.id, pin.pinned_at.isoformat(), pin.model_dump_json()),
            )
            self._touch(conn, session_id)
        return pin

    def unpin(self, session_id: str, pin_id: str, *, owner: OwnerScope = ANYONE) -> None:
        """Take a passage off the evidence board (no error if it was not there)."""
        with self._connect() as conn:
            self._check(conn, session_id, owner)
            conn.execute("DELETE FROM pins WHERE session_id = ? AND id = ?", (session_id, pin_id))
            self._touch(conn, session_id)

    # ---------------------------------------------------------------- helpers
    def _check(self, conn: sqlite3.Connection, session_id: str, owner: OwnerScope) -> None:
        row = conn.execute("SELECT owner FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None or not _visible(row[0], owner):
            raise SessionNotFound(f"no session {session_id!r}: `rag sessions list` shows them")

    def _touch(self, conn: sqlite3.Connection, session_id: str) -> None:
        conn.execute(
            "UPDATE sessions SET updated_at = ? WHERE id = ?", (_now().isoformat(), session_id)
        )


def _visible(row_owner: str | None, owner: OwnerScope) -> bool:
    return owner is ANYONE or row_owner == owner
