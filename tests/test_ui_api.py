"""The app's `/ask` API through gradio_client: the `rag ask --json` contract, behind login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

from rag.loaders import load_file
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
