"""Research sessions in SQLite: what a user relies on after closing the app and coming back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rag.cli import main
from rag.errors import RagError, SessionNotFound
from rag.sessions import SCHEMA_VERSION, SessionStore
from rag.types import Answer, AnswerSentence, Citation, Turn, Verdict
from ui.export import session_from_json, session_json

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
    assert saved not in rag("sessions", "list").output
    missing = rag("sessions", "show", saved)
    assert missing.exit_code != 0 and "no session" in missing.output
