"""The app's `/ask` API through gradio_client: the `rag ask --json` contract, behind login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import gradio as gr
import pytest

from rag.loaders import load_file
from rag.types import Answer, Session, Turn
from tests.conftest import SEED
from tests.test_ui_browser import Server, serve_app
from ui.cli import parse_credentials

pytestmark = pytest.mark.slow
CONTRACT = {
    "question", "answer", "abstained", "abstain_reason", "abstain_code", "citations",
    "sentences", "retrieved", "standalone_question", "filters", "backend", "settings_hash",
    "timings_ms",
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`rag serve` over the seed article, with two users (one from --auth, one from a file)."""
    base = tmp_path_factory.mktemp("api")
    users = base / "users.txt"
    users.write_text("# newsroom\nbob:hunter2\n", encoding="utf-8")
    with serve_app(base, "--auth", "alice:s3cret", "--auth-file", str(users)) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: Server) -> Any:
    from gradio_client import Client

    return Client(server.url, auth=("alice", "s3cret"), verbose=False, analytics_enabled=False)


def test_ask_returns_the_json_contract_with_verbatim_quotes(client: Any) -> None:
    result = client.predict(question="who backed Assad?", api_name="/ask")
    assert set(result) >= CONTRACT
    assert result["question"] == "who backed Assad?" and not result["abstained"]
    assert "Russia" in result["answer"]
    (article,) = load_file(SEED)
    for c in result["citations"]:
        assert c["article_id"] == article.id
        assert c["quote"] == article.text[c["start"] : c["end"]]
        assert c["context_start"] <= c["start"] < c["end"] <= c["context_end"]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", result["answer"])}
    assert markers == {c["n"] for c in result["citations"]}
    assert all(s["citations"] for s in result["sentences"])


def test_filters_reach_the_pipeline(client: Any) -> None:
    result = client.predict(question="who backed Assad?", since="2026-01-01", api_name="/ask")
    assert result["abstained"] and result["abstain_code"] == "filtered_out"
    assert result["filters"]["since"] == "2026-01-01"
    assert "Syrian Leader Calls for Unity" in result["abstain_reason"]
    by_outlet = client.predict(
        question="who backed Assad?", since="", until="", sources=["Reuters"], api_name="/ask"
    )
    assert by_outlet["filters"]["sources"] == ["Reuters"]
    assert by_outlet["abstain_code"] == "filtered_out"  # the seed article names no outlet


def test_errors_come_back_as_messages(client: Any) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question is empty"):
        client.predict(question="   ", api_name="/ask")
    with pytest.raises(AppError, match="date"):
        client.predict(question="who backed Assad?", since="last spring", api_name="/ask")


def test_login_is_required_and_file_users_work(server: Server) -> None:
    from gradio_client import Client

    with pytest.raises(Exception, match=r"(?i)login|auth|401|403"):
        Client(server.url, verbose=False, analytics_enabled=False).predict(
            question="who backed Assad?", api_name="/ask"
        )
    bob = Client(server.url, auth=("bob", "hunter2"), verbose=False, analytics_enabled=False)
    assert "Russia" in bob.predict(question="who backed Assad?", api_name="/ask")["answer"]
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do: wrong password
        Client(server.url, auth=("bob", "wrong"), verbose=False, analytics_enabled=False)


def test_credentials_parse_from_options_and_file(tmp_path: Path) -> None:
    users = tmp_path / "users"
    users.write_text("# team\n\nbob:pa:ss\n  carol:x  \n", encoding="utf-8")
    assert parse_credentials(("alice:s3cret",), users) == [
        ("alice", "s3cret"), ("bob", "pa:ss"), ("carol", "x"),
    ]  # fmt: skip
    for bad in ("alice", ":pw", "alice:"):
        with pytest.raises(click.BadParameter):
            parse_credentials((bad,), None)


def test_api_answers_with_an_llm_backend(tmp_path: Path, llama_server: str) -> None:
    """The app with the OpenAI-compatible backend on the real llama.cpp server."""
    from gradio_client import Client

    backend = f"openai:{llama_server}#smollm2"
    with serve_app(tmp_path / "llm", options=("--backend", backend)) as srv:
        client = Client(srv.url, verbose=False, analytics_enabled=False)
        result = client.predict(question="who backed Assad?", api_name="/ask")
    assert result["backend"] == backend
    if not result["abstained"]:
        numbers = {c["n"] for c in result["citations"]}
        assert {int(n) for n in re.findall(r"\[(\d+)\]", result["answer"])} <= numbers
        # SmolLM2's sentences are verified like any others; uncited ones are flagged.
        assert all(s["verdict"] for s in result["sentences"])
        assert all(s["verdict"] == "unsupported" for s in result["sentences"] if not s["citations"])


# ------------------------------------------------- every handler, every branch
@pytest.fixture
def app_parts(tmp_path: Path, pipeline: Any, seed_dir: Path) -> dict[str, Any]:
    """The app over a real store holding the seed article, and a real answer to save."""
    from rag.sessions import SessionStore
    from ui.app import build_app

    pipeline.ingest([seed_dir])
    store = SessionStore(tmp_path / "sessions.sqlite3")
    answer = pipeline.ask("who backed Assad?")
    return {"app": build_app(pipeline, store), "store": store, "answer": answer}


def _session(store: Any, answer: Answer) -> Session:
    """A saved session with one answered question and one pin."""
    session = store.create("who backed Assad?", owner=None)
    store.append_turn(session.id, Turn(question="who backed Assad?", answer=answer), owner=None)
    store.pin(session.id, answer.citations[0], "a note", owner=None)
    return store.require(session.id, owner=None)  # type: ignore[no-any-return]


def _pools(app: Any, session: Session) -> dict[int, list[Any]]:
    """Values each input component can hold, by component id: the branches to exercise."""
    from ui.chat import Chat
    from ui.corpus import Corpus

    owners = {type(f.fn.__self__): f.fn.__self__ for f in app.fns.values() if hasattr(f.fn, "__self__")}  # fmt: skip
    chat, corpus = owners[Chat].w, owners[Corpus].w
    first = session.turns[0].answer.citations[0]  # type: ignore[union-attr]
    sids = [None, session.id, "gone"]
    pools = {
        chat.sid: sids,
        chat.last: sids,
        chat.cited: [None, first.model_dump(mode="json")],
        chat.title: [session.title, "", None, "A new title"],
        chat.question: ["", "   ", None, "who backed Assad?"],
        chat.search: ["", None, "Assad"],
        chat.since: [None, "2025-03-01"],
        chat.until: [None],
        chat.outlets: [[], ["Reuters"]],
        chat.note: ["", None, "a note"],
        corpus.selected: [None, first.article_id, "gone"],
        corpus.files: [None],
    }
    return {block._id: values for block, values in pools.items()}


def _events(session: Session) -> list[dict[str, Any]]:
    """What the page's scripts send with `trigger`, good and stale."""
    pin = session.pins[0].id
    return [{}, {"id": session.id}, {"id": "gone"}, {"turn": 0, "n": 1}, {"turn": 7, "n": 1},
            {"pin": pin}, {"pin": "gone"}]  # fmt: skip


def _calls(fn: Any, inputs: list[Any], pools: dict[int, list[Any]], session: Session) -> Iterator[list[Any]]:  # fmt: skip
    """Every combination of input values, plus the event data and request Gradio injects."""
    import inspect
    import itertools

    params = list(inspect.signature(fn).parameters.values())
    extra = params[len(inputs) :]
    choices = [pools.get(block._id, [None]) for block in inputs]
    for extra_param in extra:
        text = str(extra_param.annotation)
        if "Request" in text:
            choices.append([gr.Request()])
        elif "SelectData" in text:  # a click on a row of the corpus table
            article = session.turns[0].answer.citations[0].article_id  # type: ignore[union-attr]
            rows = [["t", "", "", 1, article], ["t", "", "", 1, "gone"], None]
            choices.append([gr.SelectData(None, {"index": [0, 0], "value": "t", "row_value": r}) for r in rows])  # fmt: skip
        elif "Data" in text:
            choices.append([gr.EventData(None, e) for e in _events(session)])
        elif extra_param.default is not inspect.Parameter.empty:
            break  # e.g. gr.Progress: left to its default
    for combo in itertools.product(*choices):
        yield list(combo)


def test_reopening_the_open_session_keeps_the_passage(app_parts: dict[str, Any]) -> None:
    """After a reload the page reopens the last session; a citation clicked before the
    sidebar click is answered must stay on screen. Another session clears it."""
    app, store = app_parts["app"], app_parts["store"]
    session = _session(store, app_parts["answer"])
    [fn] = [f.fn for f in app.fns.values() if getattr(f.fn, "__name__", "") == "open"]
    chat = fn.__self__
    event = gr.EventData(None, {"id": session.id})
    same = fn("", session.id, event, gr.Request())
    other = fn("", "another-session", event, gr.Request())
    for component in chat.w.citing():
        assert same[component] == gr.skip()
    assert other[chat.w.cited] is None  # cleared


def test_every_handler_returns_every_output_in_every_branch(app_parts: dict[str, Any]) -> None:
    """Gradio's own output check on every reply of every handler: none comes back short.

    A short reply (such as ``{}`` from a rename that changed nothing) makes Gradio cover
    the page with "Error" overlays; here it fails the test instead.
    """
    import asyncio
    import inspect

    app, store = app_parts["app"], app_parts["store"]
    checked = 0
    for block_fn in app.fns.values():
        if block_fn.fn is None:
            continue  # browser-only (js) steps
        session = _session(store, app_parts["answer"])  # each handler starts from a saved one
        pools = _pools(app, session)
        for args in _calls(block_fn.fn, block_fn.inputs, pools, session):
            try:
                result = block_fn.fn(*args)
                replies = list(result) if inspect.isgenerator(result) else [result]
            except gr.Error:
                continue  # a message to the user (e.g. a malformed date) is a valid reply
            for reply in replies:
                asyncio.run(app.postprocess_data(block_fn, reply, None))
                checked += 1
    assert checked > 100  # the branches above were really exercised
