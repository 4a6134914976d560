"""Research sessions in SQLite: what a user relies on after closing the app and coming back."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rag.cli import main
from rag.errors import RagError, SessionNotFound
from rag.sessions import SCHEMA_VERSION, SessionStore
from rag.types import Answer, AnswerSentence, Citation, Turn, Verdict
from tests.conftest import ROOT
from ui.export import (
    EXPORTS_PREFIX,
    clean_stale_exports,
    delete_exports,
    new_exports_folder,
    session_from_json,
    session_json,
)

QUOTE = (
    "The conflict, which has drawn in Western countries, Arab states, and Turkey supporting "
    "the rebels, while Russia, Iran, and Iranian-backed militias have supported Assad, has "
    "turned into a battleground for various proxy conflicts."
)


def citation(n: int = 1, quote: str = QUOTE, start: int = 2150) -> Citation:
    return Citation(
        n=n,
        article_id="seed-d7a15be74b52943f",
        title="Syrian Leader Calls for Unity Amid Deadly Clashes",
        source="Reuters",
        url="https://example.com/syria",
        published_at="2025-03-09",
        quote=quote,
        start=start,
        end=start + len(quote),
        score=0.61,
        context_start=start - 40,
        context_end=start + len(quote) + 40,
    )


def answered(question: str, text: str = QUOTE) -> Turn:
    answer = Answer(
        question=question,
        answer=f"{text} [1]",
        citations=[citation()],
        sentences=[
            AnswerSentence(text=text, citations=[1], verdict=Verdict.supported, reason="verbatim")
        ],
        standalone_question=question,
        settings_hash="abc123",
    )
    return Turn(question=question, answer=answer)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "sessions.sqlite3"


def test_a_session_resumes_after_a_restart_with_its_citations(path: Path) -> None:
    store = SessionStore(path)
    session = store.create("Syria's coast", owner=None)
    store.append_turn(session.id, answered("who backed Assad?"))
    store.append_turn(session.id, answered("and who backed the rebels?"))
    store.pin(session.id, citation(), "key quote")

    reopened = SessionStore(path).require(session.id)  # a new process opening the same file

    assert [t.question for t in reopened.turns] == ["who backed Assad?", "and who backed the rebels?"]  # fmt: skip
    first = reopened.turns[0].answer
    assert first is not None
    assert first.citations[0] == citation()
    assert first.sentences[0].verdict is Verdict.supported
    assert [p.note for p in reopened.pins] == ["key quote"]
    assert reopened.pins[0].citation.quote == QUOTE


def test_sessions_are_listed_newest_first(path: Path) -> None:
    store = SessionStore(path)
    older = store.create("Older")
    newer = store.create("Newer")
    assert [s.id for s in store.list()] == [newer.id, older.id]

    store.append_turn(older.id, answered("who backed Assad?"))  # activity moves it up
    listed = store.list()
    assert [s.id for s in listed] == [older.id, newer.id]
    assert listed[0].turns == 1 and listed[1].turns == 0


def test_search_matches_titles_questions_and_answers(path: Path) -> None:
    store = SessionStore(path)
    coast = store.create("Coastal violence")
    store.append_turn(coast.id, answered("who backed Assad?"))
    other = store.create("Budget talks")

    assert [s.id for s in store.list(query="coastal")] == [coast.id]  # title, any case
    assert [s.id for s in store.list(query="backed Assad")] == [coast.id]  # question
    assert [s.id for s in store.list(query="proxy conflicts")] == [coast.id]  # answer text
    assert [s.id for s in store.list(query="budget")] == [other.id]
    assert store.list(query="100%") == []  # LIKE wildcards are taken literally


def test_rename_and_delete(path: Path) -> None:
    store = SessionStore(path)
    session = store.create("who backed Assad?")
    store.append_turn(session.id, answered("who backed Assad?"))
    store.pin(session.id, citation())

    assert store.rename(session.id, "  Foreign backers  ").title == "Foreign backers"
    with pytest.raises(RagError):
        store.rename(session.id, "   ")

    store.delete(session.id)
    assert store.get(session.id) is None
    assert store.list() == []
    with sqlite3.connect(path) as conn:  # turns and pins go with their session
        assert conn.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM pins").fetchone()[0] == 0


def test_each_user_sees_only_their_own_sessions(path: Path) -> None:
    store = SessionStore(path)
    alice = store.create("Alice's research", owner="alice")
    bob = store.create("Bob's research", owner="bob")
    anonymous = store.create("No login")

    assert [s.id for s in store.list(owner="alice")] == [alice.id]
    assert [s.id for s in store.list(owner=None)] == [anonymous.id]
    assert store.get(alice.id, owner="bob") is None
    for action in (
        lambda: store.append_turn(alice.id, answered("q"), owner="bob"),
        lambda: store.rename(alice.id, "mine now", owner="bob"),
        lambda: store.delete(alice.id, owner="bob"),
        lambda: store.pin(alice.id, citation(), owner="bob"),
    ):
        with pytest.raises(SessionNotFound):
            action()
    assert store.require(alice.id).title == "Alice's research"  # untouched
    assert {s.id for s in store.list()} == {alice.id, bob.id, anonymous.id}  # the CLI's view


def test_pinning_the_same_passage_twice_keeps_one_pin(path: Path) -> None:
    store = SessionStore(path)
    session = store.create("Pins")
    first = store.pin(session.id, citation(), "first")
    again = store.pin(session.id, citation(n=3))  # same quote, cited under another marker
    other = store.pin(session.id, citation(quote="It has resulted in hundreds of thousands of deaths.", start=2400))  # fmt: skip
    assert again.id == first.id
    assert [p.id for p in store.require(session.id).pins] == [first.id, other.id]

    store.unpin(session.id, first.id)
    assert [p.id for p in store.require(session.id).pins] == [other.id]


def test_json_export_round_trips(path: Path) -> None:
    store = SessionStore(path)
    session = store.create("Round trip", owner="alice")
    store.append_turn(session.id, answered("who backed Assad?"), owner="alice")
    store.pin(session.id, citation(), "note", owner="alice")
    saved = store.require(session.id)

    assert session_from_json(session_json(saved)) == saved


def test_schema_version_is_recorded_and_a_newer_file_is_refused(path: Path) -> None:
    SessionStore(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RagError, match="newer newsrag"):
        SessionStore(path)


def test_unknown_session_says_how_to_find_one(path: Path) -> None:
    with pytest.raises(SessionNotFound, match="rag sessions list"):
        SessionStore(path).require("nope")


# ------------------------------------------------------------ rag sessions (CLI)
@pytest.fixture
def saved(tmp_path: Path) -> str:
    """A session in the file the CLI reads (RAG_UI__SESSIONS_PATH points into tmp_path)."""
    store = SessionStore(tmp_path / "sessions.sqlite3")
    session = store.create("Syria's coast")
    store.append_turn(session.id, answered("who backed Assad?"))
    return session.id


def rag(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_lists_shows_exports_and_deletes(saved: str, tmp_path: Path) -> None:
    listed = rag("sessions", "list")
    assert listed.exit_code == 0 and saved in listed.output and "Syria's coast" in listed.output

    shown = rag("sessions", "show", saved)
    assert QUOTE in shown.output and "## Bibliography" in shown.output

    out = tmp_path / "export.json"
    assert rag("sessions", "export", saved, "--format", "json", "-o", str(out)).exit_code == 0
    assert session_from_json(out.read_text()).turns[0].question == "who backed Assad?"
    md = rag("sessions", "export", saved).output
    assert "[^1]" in md and QUOTE in md

    assert rag("sessions", "delete", saved).exit_code == 0
    empty = rag("sessions", "list")
    assert saved not in empty.output
    assert f"no sessions in {tmp_path / 'sessions.sqlite3'}" in empty.stderr  # says where
    missing = rag("sessions", "show", saved)
    assert missing.exit_code != 0 and "no session" in missing.output


# ------------------------------------------------------------ durability
def _run(code: str) -> subprocess.CompletedProcess[str]:
    """Run Python ``code`` (this checkout's rag importable) in another process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_question_in_flight_when_the_process_is_killed_stays_visible(path: Path) -> None:
    store = SessionStore(path)
    sid = store.create("Coast").id
    store.append_turn(sid, answered("who backed Assad?"))
    killed = _run(
        "import os, signal\n"
        "from rag.sessions import SessionStore\n"
        f"s = SessionStore({str(path)!r})\n"
        f"s.begin_turn({sid!r}, 'how many people died?')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    assert killed.returncode == -signal.SIGKILL
    turns = SessionStore(path).require(sid).turns
    assert [t.question for t in turns] == ["who backed Assad?", "how many people died?"]
    assert turns[0].status == "complete" and turns[0].answer is not None
    assert turns[1].status == "interrupted" and turns[1].answer is None


def test_a_turn_is_pending_while_answered_then_complete(path: Path) -> None:
    store = SessionStore(path)
    sid = store.create("Coast").id
    position = store.begin_turn(sid, "who backed Assad?")
    (turn,) = store.require(sid).turns
    assert turn.status == "pending"  # this process is alive and answering it
    answer = answered("who backed Assad?").answer
    assert answer is not None
    done = store.complete_turn(sid, position, answer)
    assert done.turns[0].status == "complete"
    assert done.turns[0].answer == answer
    assert store.list(query="Russia")[0].id == sid  # the answer text is searchable

    failed = store.begin_turn(sid, "and the rebels?")
    store.abandon_turn(sid, failed)  # the error was shown instead; nothing is left behind
    assert [t.question for t in store.require(sid).turns] == ["who backed Assad?"]
    # Two questions in flight in one session (two tabs): abandoning the first keeps the second.
    first = store.begin_turn(sid, "and the rebels?")
    second = store.begin_turn(sid, "and Turkey?")
    store.abandon_turn(sid, first)
    third = store.begin_turn(sid, "and Iran?")
    assert third != second
    assert [t.question for t in store.require(sid).turns] == [
        "who backed Assad?",
        "and Turkey?",
        "and Iran?",
    ]


def test_the_file_is_in_wal_mode_and_a_committed_turn_survives_a_kill(path: Path) -> None:
    killed = _run(
        "import os, signal\n"
        "from rag.sessions import SessionStore\n"
        "from tests.test_sessions import answered\n"
        f"s = SessionStore({str(path)!r})\n"
        "sid = s.create('Coast').id\n"
        "s.append_turn(sid, answered('who backed Assad?'))\n"
        "print(sid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    sid = killed.stdout.strip()
    assert SessionStore(path).require(sid).turns[0].answer is not None
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _filled(path: Path, sessions: int = 40) -> None:
    store = SessionStore(path)
    for i in range(sessions):
        sid = store.create(f"Session {i}").id
        store.append_turn(sid, answered(f"question {i}?"))
    # Every connection is closed: the WAL is checkpointed into the main file.
    assert not path.with_name(path.name + "-wal").exists()


def _moved_aside(path: Path) -> list[Path]:
    return sorted(
        p for p in path.parent.glob(f"{path.name}.damaged-*") if p.name[-4:] not in ("-wal", "-shm")
    )


@pytest.mark.parametrize("damage", ["emptied", "truncated", "garbage page"])
def test_a_damaged_file_is_moved_aside_with_a_message_naming_it(path: Path, damage: str) -> None:
    _filled(path)
    data = path.read_bytes()
    if damage == "emptied":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        page = 4096
        rng = random.Random(7)
        garbage = bytes(rng.randrange(256) for _ in range(page))
        path.write_bytes(data[: 2 * page] + garbage + data[3 * page :])

    expected_aside = path.read_bytes()
    store = SessionStore(path)  # never "database disk image is malformed"
    (aside,) = _moved_aside(path)
    assert store.notice is not None
    assert str(path) in store.notice and str(aside) in store.notice
    assert aside.stat().st_size == len(expected_aside)  # the damaged file, untouched
    kept = store.list()
    if damage == "emptied":
        assert kept == []
    assert len(kept) <= 40
    # The new file works.
    sid = store.create("After the damage").id
    assert SessionStore(path).require(sid).title == "After the damage"
    assert SessionStore(path).notice is None  # sound now: nothing more is moved


def test_the_cli_reports_a_damaged_file_and_carries_on(saved: str, tmp_path: Path) -> None:
    sessions = tmp_path / "sessions.sqlite3"
    sessions.write_bytes(b"")
    listed = rag("sessions", "list")
    assert listed.exit_code == 0
    assert f"warning: the sessions file {sessions} was damaged (it is empty (0 bytes))" in (
        listed.output
    )
    assert "moved to" in listed.output and _moved_aside(sessions)


def test_backup_and_restore(saved: str, tmp_path: Path) -> None:
    backup_file = tmp_path / "backup.sqlite3"
    done = rag("sessions", "backup", str(backup_file))
    assert done.exit_code == 0 and f"to {backup_file}" in done.output
    again = rag("sessions", "backup", str(backup_file))
    assert again.exit_code == 1 and "already exists" in again.output

    assert rag("sessions", "delete", saved).exit_code == 0
    assert saved not in rag("sessions", "list").output
    restored = rag("sessions", "restore", str(backup_file))
    assert restored.exit_code == 0 and "restored 1 session(s)" in restored.output
    assert saved in rag("sessions", "list").output
    assert QUOTE in rag("sessions", "show", saved).output
    # What was there before the restore is kept beside the file.
    (kept,) = tmp_path.glob("sessions.sqlite3.before-restore-*")
    assert str(kept) in restored.output
    assert SessionStore(kept).list() == []


def test_restore_refuses_a_file_that_is_not_a_sound_sessions_backup(
    saved: str, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 300)
    refused = rag("sessions", "restore", str(junk))
    assert refused.exit_code == 1
    assert f"cannot restore from {junk}: not a readable SQLite file" in refused.output
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE notes (x)")
        conn.commit()
    refused = rag("sessions", "restore", str(other))
    assert "not a newsrag sessions file" in refused.output
    assert saved in rag("sessions", "list").output  # nothing was touched


# ------------------------------------------------------------ export files
def test_export_files_go_with_their_session_and_dead_apps_folders_are_cleaned(
    tmp_path: Path,
) -> None:
    root = tmp_path / "tmp"
    root.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    mine = new_exports_folder(root)
    theirs = root / f"{EXPORTS_PREFIX}{dead.stdout.strip()}-abc"
    for folder in (mine, theirs):
        (folder / "s1").mkdir(parents=True)
        (folder / "s1" / "notes.md").write_text("x")
        (folder / "s2").mkdir()
    assert clean_stale_exports(root) == [theirs]  # a dead app's folder
    assert mine.exists() and not theirs.exists()
    assert delete_exports("s1", root) == 1
    assert not (mine / "s1").exists() and (mine / "s2").exists()
