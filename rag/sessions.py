"""Persistent research sessions: conversations, their cited answers, and evidence boards.

One SQLite file per store (``Settings.sessions_file()``) holds its sessions. Turns and pins are
stored as the JSON of their pydantic models, so an answer comes back with every citation
exactly as it was shown; a few plain columns (title, owner, dates, question and answer
text) exist only to list and search sessions without loading their answers.

The schema version lives in SQLite's ``user_version``; :data:`SCHEMA_VERSION` says which
one this code writes, and a file written by a newer version is refused rather than
misread.

Durability: the file is in WAL mode with ``synchronous=FULL``, so a committed turn survives
a killed process (and a power cut). A question is written *before* it is answered
(:meth:`SessionStore.begin_turn`) and completed after (:meth:`SessionStore.complete_turn`),
so a process killed mid-answer leaves the question visible as ``interrupted``. On opening,
``PRAGMA quick_check`` runs; a damaged, truncated or emptied file is moved aside (never
silently replaced), what can still be read from it is copied into a fresh file, and
:attr:`SessionStore.notice` says what happened and where the old file went.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Final, Literal

from pydantic import ValidationError

from rag.errors import RagError, SessionNotFound
from rag.sessions_file import backup_problem, damage, move_aside, process_alive, salvage
from rag.types import Answer, Citation, Pin, Session, SessionInfo, Turn

SCHEMA_VERSION: Final = 2
log = logging.getLogger(__name__)

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
# Version 2: a turn is written before it is answered; ``writer`` (host:pid) tells whether
# the process answering a pending turn is still alive.
_V1_TO_V2 = """
ALTER TABLE turns ADD COLUMN status TEXT NOT NULL DEFAULT 'complete';
ALTER TABLE turns ADD COLUMN writer TEXT;
"""
# Migrations from version N to N + 1 go here, keyed by N; version 0 is an empty file.
_MIGRATIONS: Final[dict[int, str]] = {0: _SCHEMA_V1, 1: _V1_TO_V2}


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
        """Open (creating or upgrading) the sessions file at ``path``.

        A damaged file is moved aside first; :attr:`notice` then says so (else None).
        """
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.notice: str | None = None
        problem = damage(self.path)
        moved = move_aside(self.path, problem) if problem else None
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")  # persistent: recorded in the file
            self._migrate(conn)
        if problem and moved:
            with self._connect() as conn:
                recovered = salvage(moved, conn)
            self.notice = (
                f"the sessions file {self.path} was damaged ({problem}); it was moved to "
                f"{moved} and a new one started, with {recovered} session(s) recovered from "
                "it. `rag sessions restore BACKUP` puts a backup back."
            )
            log.warning("%s", self.notice)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")  # per connection, not stored
            with conn:  # one transaction: committed on success, rolled back on error
                yield conn
        except sqlite3.DatabaseError as exc:
            # Malformed pages show up as the base class; locks, constraints as subclasses.
            if type(exc) is not sqlite3.DatabaseError:
                raise
            raise RagError(
                f"the sessions file {self.path} cannot be read ({exc}): restart `rag serve` "
                "or run `rag sessions list` to move it aside, or put a backup back with "
                "`rag sessions restore BACKUP`"
            ) from exc
        finally:
            conn.close()

    # --------------------------------------------------------------- backups
    def backup(self, target: str | Path) -> Path:
        """Write a consistent copy of the sessions file to ``target`` (which must not exist).

        Safe while the app is running: SQLite's online backup copies one snapshot.
        """
        dest = Path(target)
        if dest.exists():
            raise RagError(f"{dest} already exists: choose a new file name for the backup")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn, contextlib.closing(sqlite3.connect(dest)) as out:
            conn.backup(out)
        return dest

    def restore(self, source: str | Path) -> Path:
        """Replace every session with those of the backup ``source``.

        The backup is checked first (a damaged or foreign file is refused). The current
        sessions are kept in a copy beside the file, whose path is returned.
        """
        src = Path(source)
        problem = backup_problem(src, SCHEMA_VERSION)
        if problem:
            raise RagError(f"cannot restore from {src}: {problem}")
        stamp = _now().strftime("%Y%m%dT%H%M%SZ")
        kept = self.backup(self.path.with_name(f"{self.path.name}.before-restore-{stamp}"))
        with contextlib.closing(sqlite3.connect(src)) as backup, self._connect() as conn:
            backup.backup(conn)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            self._migrate(conn)
        return kept

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
                "SELECT turn_json, status, writer FROM turns WHERE session_id = ?"
                " ORDER BY position",
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
                turns=[_turn(t, status, writer) for t, status, writer in turns],
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
        with self._connect() as conn:
            self._check(conn, session_id, owner)
            self._insert_turn(conn, session_id, turn, None)
            self._touch(conn, session_id)
        return self.require(session_id, owner=owner)

    def begin_turn(self, session_id: str, question: str, *, owner: OwnerScope = ANYONE) -> int:
        """Save a question before answering it; returns its position for :meth:`complete_turn`.

        Until completed, the turn reads as ``pending``, or ``interrupted`` once the process
        that began it is gone, so a question in flight when the server dies is not lost.
        """
        turn = Turn(question=question, status="pending")
        with self._connect() as conn:
            self._check(conn, session_id, owner)
            position = self._insert_turn(conn, session_id, turn, _WRITER)
            self._touch(conn, session_id)
        return position

    def complete_turn(
        self, session_id: str, position: int, answer: Answer, *, owner: OwnerScope = ANYONE
    ) -> Session:
        """Store the answer of a turn begun with :meth:`begin_turn`."""
        with self._connect() as conn:
            self._check(conn, session_id, owner)
            (question,) = self._turn_row(conn, session_id, position)
            turn = Turn(question=question, answer=answer)
            conn.execute(
                "UPDATE turns SET answer_text = ?, turn_json = ?, status = 'complete',"
                " writer = NULL WHERE session_id = ? AND position = ?",
                (answer.answer, turn.model_dump_json(), session_id, position),
            )
            self._touch(conn, session_id)
        return self.require(session_id, owner=owner)

    def abandon_turn(self, session_id: str, position: int, *, owner: OwnerScope = ANYONE) -> None:
        """Remove a begun turn that will not be answered (the error was shown instead)."""
        with self._connect() as conn:
            self._check(conn, session_id, owner)
            conn.execute(
                "DELETE FROM turns WHERE session_id = ? AND position = ? AND status != 'complete'",
                (session_id, position),
            )

    def _insert_turn(
        self, conn: sqlite3.Connection, session_id: str, turn: Turn, writer: str | None
    ) -> int:
        # MAX + 1, not COUNT: after an abandoned turn in the middle, COUNT would collide.
        (position,) = conn.execute(
            "SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE session_id = ?",
            (session_id,),
        ).fetchone()
        answer_text = turn.answer.answer if turn.answer is not None else ""
        conn.execute(
            "INSERT INTO turns (session_id, position, question, answer_text, turn_json,"
            " status, writer) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                session_id,
                position,
                turn.question,
                answer_text,
                turn.model_dump_json(),
                turn.status,
                writer,
            ),
        )
        return int(position)

    def _turn_row(self, conn: sqlite3.Connection, session_id: str, position: int) -> tuple[str]:
        row = conn.execute(
            "SELECT question FROM turns WHERE session_id = ? AND position = ?",
            (session_id, position),
        ).fetchone()
        if row is None:
            raise SessionNotFound(f"session {session_id!r} has no turn {position}")
        return (str(row[0]),)

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


_WRITER: Final = f"{socket.gethostname()}:{os.getpid()}"


def _turn(turn_json: str, status: str, writer: str | None) -> Turn:
    turn = Turn.model_validate_json(turn_json)
    if status == "complete":
        return turn
    return turn.model_copy(update={"status": "pending" if process_alive(writer) else "interrupted"})
