"""`rag serve` under load and under SIGKILL, through its real HTTP API and a real browser.

The load test is bounded (20 clients × 3 questions, loopback only, behind login): it
checks that nothing fails and that no client gets another's answer, and records the
latencies in artifacts/load/ (printed, never asserted: speed is measured, not tested).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.sessions import SessionStore
from tests.conftest import ROOT
from tests.servers import free_port, running
from tests.test_ui_browser import CHROMIUM, CHROMIUM_ARGS, RAG, Server, _env, loaded, serve_app

pytestmark = pytest.mark.slow
ARTIFACTS = ROOT / "artifacts" / "load"
CLIENTS, PER_CLIENT = 20, 3
# Distinct questions about the seed article with distinct answers (one abstains), so an
# answer that reached the wrong client would show.
# Questions with different answers, so that a client given another's answer shows.
POOL = [
    "who backed Assad?",
    "When did Assad's government fall?",
    "Which countries supported the rebels in Syria?",
    "What is the capital of Australia?",
    "Who are the Islamist rulers of Syria?",
    "Where did the clashes take place?",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`rag serve` over the seed article, behind login."""
    with serve_app(tmp_path_factory.mktemp("load"), "--auth", "reporter:s3cret") as running_:
        yield running_


def _client(server: Server) -> Any:
    from gradio_client import Client

    return Client(server.url, auth=("reporter", "s3cret"), verbose=False, analytics_enabled=False)


class _HttpClient:
    """A user of the `/ask` API over plain HTTP, as curl or a script in another language
    would call it: log in, post the question, read the answer from the event stream.

    The load test's clients run on the same two cores as the server. `gradio_client`
    spends about 85 ms of CPU per question of its own (measured: 5.2 CPU-s for 60
    questions, against 2.9 for the server), so it measured the load generator as much as
    the app; this client spends about 3 ms.

    With ``keep_session``, every call sends the same ``session_hash``, as `gradio_client`
    does; without it, Gradio opens a new session per call, which builds the config of
    every block of the app on the server's event loop (14 ms a call here).
    """

    def __init__(self, url: str, *, keep_session: bool = False) -> None:
        import httpx

        self.http = httpx.Client(base_url=url, timeout=120)
        self.http.post(
            "login", data={"username": "reporter", "password": "s3cret"}
        ).raise_for_status()
        self.session = {"session_hash": uuid.uuid4().hex[:11]} if keep_session else {}

    def ask(self, question: str) -> dict[str, Any]:
        body = {"data": [question, "", "", []], **self.session}
        posted = self.http.post("gradio_api/call/ask", json=body)
        posted.raise_for_status()
        event = ""
        with self.http.stream("GET", f"gradio_api/call/ask/{posted.json()['event_id']}") as got:
            for line in got.iter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:") and event == "error":
                    raise RuntimeError(f"the server answered with an error: {line}")
                elif line.startswith("data:") and event == "complete":
                    return dict(json.loads(line.removeprefix("data:"))[0])
        raise RuntimeError("the event stream ended without an answer")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize(
    "keep_session", [False, True], ids=["new-session-per-call", "one-session-per-client"]
)
def test_twenty_clients_get_their_own_answers_without_errors(
    server: Server, keep_session: bool
) -> None:
    first = _client(server)
    expected = {q: first.predict(question=q, api_name="/ask")["answer"] for q in POOL}
    assert len(set(expected.values())) == len(POOL), "the pool must tell answers apart"
    clients = [_HttpClient(server.url, keep_session=keep_session) for _ in range(CLIENTS)]
    results: list[tuple[str, dict[str, Any] | None, float, str]] = []
    lock, start = threading.Lock(), threading.Barrier(CLIENTS)

    def work(i: int) -> None:
        start.wait(60)  # every client starts at once
        for j in range(PER_CLIENT):
            question = POOL[(i + j * 7) % len(POOL)]
            t0 = time.perf_counter()
            try:
                got, error = clients[i].ask(question), ""
            except Exception as exc:  # noqa: BLE001 - every failure is counted, then asserted
                got, error = None, f"{type(exc).__name__}: {exc}"
            with lock:
                results.append((question, got, time.perf_counter() - t0, error))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CLIENTS)]
    server_cpu, own_cpu = _cpu_seconds(server.pid), time.process_time()
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    wall = time.perf_counter() - began
    cpu = {
        "server": _cpu_seconds(server.pid) - server_cpu,
        "clients": time.process_time() - own_cpu,
    }
    _record(
        results, wall, cpu, "one session per client" if keep_session else "new session per call"
    )
    assert len(results) == CLIENTS * PER_CLIENT
    assert [e for *_, e in results if e] == []
    for question, got, _, _ in results:
        assert got is not None and got["question"] == question
        assert got["answer"] == expected[question], f"cross-talk on {question!r}"


def _record(
    results: list[tuple[str, dict[str, Any] | None, float, str]],
    wall: float,
    cpu: dict[str, float],
    sessions: str,
) -> None:
    """Latency percentiles and CPU seconds (the server's, the clients'), printed and
    written to artifacts/load/api_load.json (one entry per way of using sessions)."""
    seconds = sorted(r[2] for r in results)
    cuts = statistics.quantiles(seconds, n=100) if len(seconds) > 1 else seconds * 99
    summary = {
        "clients": CLIENTS,
        "questions_per_client": PER_CLIENT,
        "questions": len(seconds),
        "errors": sum(1 for r in results if r[3]),
        "p50_s": round(cuts[49], 3),
        "p95_s": round(cuts[94], 3),
        "max_s": round(seconds[-1], 3),
        "wall_s": round(wall, 2),
        "server_cpu_s": round(cpu["server"], 2),
        "clients_cpu_s": round(cpu["clients"], 2),
        "client": "plain HTTP (login, POST /gradio_api/call/ask, read the event stream)",
        "sessions": sessions,
        "cpus": os.cpu_count(),
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "api_load.json"
    try:
        runs = json.loads(out.read_text("utf-8"))
        runs = runs if isinstance(runs, dict) and "clients" not in runs else {}
    except (OSError, ValueError):
        runs = {}
    runs[sessions] = summary
    out.write_text(json.dumps(runs, indent=2) + "\n", "utf-8")
    print(f"\nAPI load: {json.dumps(summary)}")


# ----------------------------------------------------------------- SIGKILL
def _pending_turns(sessions: Path) -> list[str]:
    """Questions saved but not answered yet (read-only: the server owns the file)."""
    if not sessions.exists():
        return []
    with (
        contextlib.suppress(sqlite3.Error),
        contextlib.closing(
            sqlite3.connect(f"file:{sessions}?mode=ro", uri=True, timeout=5)
        ) as conn,
    ):
        rows = conn.execute("SELECT question FROM turns WHERE status = 'pending'").fetchall()
        return [str(r[0]) for r in rows]
    return []


def test_sigkill_mid_question_leaves_a_sound_store_and_an_interrupted_turn(
    tmp_path: Path,
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: `apt-get install -y chromium` to run UI tests")
    from playwright.sync_api import sync_playwright

    question = "who backed Assad?"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        with serve_app(tmp_path) as server:
            page = browser.new_page()
            page.set_default_timeout(90_000)
            page.goto(server.url)
            loaded(page)
            api = threading.Thread(target=_fire_api_questions, args=(server,), daemon=True)
            api.start()  # more questions in flight beside the one in the browser
            page.fill("#nr-question textarea", question)
            page.click("#nr-ask")
            deadline = time.monotonic() + 60
            while not _pending_turns(server.sessions) and time.monotonic() < deadline:
                time.sleep(0.005)
            assert _pending_turns(server.sessions) == [question], "the question was not saved"
            os.kill(server.pid, signal.SIGKILL)
            page.close()
        _restart_and_see_interrupted(browser, tmp_path, server, question)
        browser.close()

    checked = subprocess.run(
        [RAG, "--store", str(server.store), "check", "--json"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["problems"] == []
    sessions = SessionStore(server.sessions)
    assert sessions.notice is None  # the file opened as it was: nothing moved aside
    (listed,) = sessions.list()
    turn = sessions.require(listed.id).turns[-1]
    assert (turn.question, turn.status, turn.answer) == (question, "interrupted", None)


def _fire_api_questions(server: Server) -> None:
    """Keep the API busy until the server dies (its errors then are expected)."""
    with contextlib.suppress(Exception):
        from gradio_client import Client

        client = Client(server.url, verbose=False, analytics_enabled=False)
        for q in POOL * 3:
            client.predict(question=q, api_name="/ask")


def _restart_and_see_interrupted(browser: Any, base: Path, server: Server, question: str) -> None:
    """`rag serve` again on the same store and sessions file: the turn shows as interrupted."""
    port = free_port()
    cmd = [RAG, "--store", str(server.store), "serve", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/"
    with running(cmd, url, timeout=180, env=_env(base), log=base / "restart.log"):
        page = browser.new_page()
        page.set_default_timeout(90_000)
        page.goto(url)
        loaded(page)
        turn = page.locator('#nr-transcript section.nr-turn[data-turn="0"]')
        turn.wait_for()
        assert question in turn.locator(".nr-q").inner_text()
        assert "Interrupted: the server stopped" in turn.locator(".nr-a").inner_text()
        page.close()


# ------------------------------------------------------- deleting, two logins
def _logged_in(browser: Any, server: Server, user: str, password: str) -> Any:
    """A browser profile logged in as ``user`` (through the app's own login form route)."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    reply = context.request.post(
        f"{server.url}login", form={"username": user, "password": password}
    )
    assert reply.ok, reply.status
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(server.url)
    loaded(page)
    page.get_by_role("tab", name="Corpus").click()
    return page


def _try_delete(page: Any, title: str) -> str:
    page.locator("#nr-articles").get_by_text(title).click()
    page.click("#nr-article-delete")
    page.click("#nr-article-confirm-btn")
    status = page.locator("#nr-ingest-status", has_text=title)
    status.wait_for()
    return str(status.inner_text())


def test_in_the_browser_only_the_uploader_deletes_an_article(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: `apt-get install -y chromium` to run UI tests")
    from playwright.sync_api import sync_playwright

    article = tmp_path / "ferry.txt"
    article.write_text(
        "Title: Harl Ferry resumes service\n\nThe Harl ferry resumed crossings on Monday.\n",
        encoding="utf-8",
    )
    auth = ("--auth", "alice:pw-a", "--auth", "bob:pw-b")
    with sync_playwright() as pw, serve_app(tmp_path / "app", *auth) as server:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        alice = _logged_in(browser, server, "alice", "pw-a")
        alice.set_input_files("#nr-upload input[type=file]", str(article))
        alice.locator("#nr-upload", has_text="ferry").wait_for()
        alice.click("#nr-ingest")
        alice.locator("#nr-ingest-status", has_text="added 1").wait_for()

        bob = _logged_in(browser, server, "bob", "pw-b")
        refused = _try_delete(bob, "Harl Ferry resumes service")
        assert "Not deleted" in refused and "added by alice" in refused
        bob.reload()
        loaded(bob)
        bob.get_by_role("tab", name="Corpus").click()
        bob.locator("#nr-articles", has_text="Harl Ferry resumes service").wait_for()

        done = _try_delete(alice, "Harl Ferry resumes service")
        assert done.startswith("Deleted “Harl Ferry resumes service”")
        browser.close()
