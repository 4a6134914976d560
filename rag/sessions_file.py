"""The sessions file on disk: is it damaged, moving it aside, what can be saved from it.

Kept apart from :mod:`rag.sessions` (what sessions *are*) because none of it knows about
sessions beyond the names of three tables: it is about a SQLite file that may have been
truncated, emptied or scribbled over.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import sqlite3
from pathlib import Path
from typing import Final

from rag.errors import RagError

# Tables copied out of a damaged file, with the columns every schema version has.
SALVAGE: Final = {
    "sessions": "id, owner, title, created_at, updated_at",
    "turns": "session_id, position, question, answer_text, turn_json",
    "pins": "session_id, id, pinned_at, pin_json",
}


def damage(path: Path) -> str | None:
    """Why the file at ``path`` cannot be used as it is, or None when it is sound (or absent)."""
    try:
        if not path.exists():
            return None
        if path.stat().st_size == 0:
            return "it is empty (0 bytes)"
        with contextlib.closing(
            sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        ) as conn:
            rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return None  # another process is writing it: busy, not broken
        return str(exc)
    except sqlite3.DatabaseError as exc:
        return str(exc)
    if rows != ["ok"]:
        return "integrity check: " + "; ".join(rows[:3])
    return None


def move_aside(path: Path, problem: str) -> Path:
    """Rename the damaged file (and its WAL) to ``<name>.damaged-<UTC time>``; returns it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    try:
        os.replace(path, target)
    except OSError as exc:
        raise RagError(
            f"the sessions file {path} is damaged ({problem}) and could not be "
            f"moved aside to {target}: {exc}"
        ) from exc
    for suffix in ("-wal", "-shm"):  # a WAL of the damaged file belongs with it
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return target


def salvage(damaged: Path, conn: sqlite3.Connection) -> int:
    """Copy every table still readable in ``damaged`` into ``conn``; returns sessions there."""
    try:
        src = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error:
        return 0
    with contextlib.closing(src):
        for table, columns in SALVAGE.items():
            try:
                rows = src.execute(f"SELECT {columns} FROM {table}").fetchall()
            except sqlite3.Error:
                continue  # this table is unreadable; the others may not be
            marks = ", ".join("?" * len(columns.split(",")))
            conn.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", rows)
    conn.execute("DELETE FROM turns WHERE session_id NOT IN (SELECT id FROM sessions)")
    conn.execute("DELETE FROM pins WHERE session_id NOT IN (SELECT id FROM sessions)")
    (count,) = conn.execute("SELECT COUNT(*) FROM sessions").fetchone()
    return int(count)


def backup_problem(path: Path, schema_version: int) -> str | None:
    """Why ``path`` is not a usable sessions backup for ``schema_version``, or None."""
    if not path.is_file():
        return "no such file"
    if path.stat().st_size == 0:
        return "the file is empty"
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            check = [str(r[0]) for r in conn.execute("PRAGMA quick_check").fetchall()]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            tables = {str(r[0]) for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        return f"not a readable SQLite file ({exc})"
    if check != ["ok"]:
        return "it is damaged (" + "; ".join(check[:3]) + ")"
    if not set(SALVAGE) <= tables:
        return "it is not a newsrag sessions file (no sessions, turns and pins tables)"
    if version > schema_version:
        newer = f"schema {version}, this one reads {schema_version}"
        return f"it was written by a newer newsrag ({newer})"
    return None


def process_alive(writer: str | None) -> bool:
    """Whether the process named ``host:pid`` may still be running.

    On this host the pid is checked; a process on another host is taken as alive.
    """
    if not writer:
        return False
    host, _, pid = writer.rpartition(":")
    if host != socket.gethostname():
        return True
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True
