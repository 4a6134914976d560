"""What a journalist does in the app, in real Chromium against a real `rag serve`.

One server per module (over a tmp store holding the seed article), one browser; each
step saves a screenshot under artifacts/ui/ so the look can be reviewed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEED
from tests.servers import free_port, running

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = ROOT / "artifacts" / "ui"
RAG = str(Path(sys.executable).with_name("rag"))
TIMEOUT_MS = 90_000  # the machine is shared and small: answers can take a while

pytestmark = pytest.mark.slow


@dataclass
class Server:
    """A running `rag serve` and the folders it uses."""

    url: str
    store: Path
    sessions: Path
    uploads: Path


def _env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        RAG_UI__SESSIONS_PATH=str(base / "sessions.sqlite3"),
        RAG_UI__UPLOADS=str(base / "uploads"),
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    return env


@contextlib.contextmanager
def serve_app(base: Path, *extra: str, options: tuple[str, ...] = ()) -> Iterator[Server]:
    """Ingest the seed article into a store under ``base``, then run `rag serve` on it.

    ``extra`` are `serve` options; ``options`` global ones (e.g. ``--backend``).
    """
    store, env = base / "store", _env(base)
    articles = base / "articles"
    articles.mkdir(parents=True)
    shutil.copy(SEED, articles / SEED.name)
    subprocess.run(
        [RAG, "--store", str(store), "ingest", str(articles)],
        env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    port, log = free_port(), base / "serve.log"
    cmd = [
        RAG,
        "--store",
        str(store),
        *options,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    cmd += extra
    url = f"http://127.0.0.1:{port}/"
    with running(cmd, url, timeout=180, env=env, log=log):
        yield Server(url, store, base / "sessions.sqlite3", base / "uploads")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`rag serve` over the seed article, for the whole module."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: `apt-get install -y chromium` to run UI tests")
    with serve_app(tmp_path_factory.mktemp("ui")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def outside() -> list[str]:
    """URLs the page requested from anywhere but the app (must stay empty: offline use)."""
    return []


@pytest.fixture
def console() -> list[str]:
    """Errors the page logged or threw (must stay empty)."""
    return []


def open_page(browser: Any, server: Server, outside: list[str], console: list[str],
              viewport: dict[str, int]) -> tuple[Any, Any]:  # fmt: skip
    """A fresh browser profile on the app at ``viewport``, loaded."""
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    local = (server.url, "data:", "blob:")
    tab.on("request", lambda r: None if r.url.startswith(local) else outside.append(r.url))
    tab.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: console.append(str(e)))
    tab.goto(server.url)
    loaded(tab)
    return context, tab


@pytest.fixture
def page(browser: Any, server: Server, outside: list[str], console: list[str]) -> Iterator[Any]:
    """A fresh browser profile on the app at 1440×900, loaded (sidebar filled in)."""
    context, tab = open_page(browser, server, outside, console, {"width": 1440, "height": 900})
    yield tab
    context.close()


def loaded(page: Any) -> None:
    """Wait until the page's load handlers have filled the sidebar (a drawer on a phone)."""
    page.wait_for_selector(
        "#nr-sessions .nr-sessions, #nr-sessions .nr-sessions-empty", state="attached"
    )
    page.wait_for_timeout(300)


ERRORS_ON_SCREEN = ".toast-body.error, [data-testid='status-tracker'] .error"


def no_errors(page: Any, console: list[str], step: str) -> None:
    """No error toast, no red error overlay on a component, nothing in the console."""
    shown = page.locator(ERRORS_ON_SCREEN)
    assert shown.count() == 0, f"after {step}: error on screen: {shown.first.inner_text()}"
    assert console == [], f"after {step}: console errors: {console}"


def visible_and_clickable(page: Any, target: Any) -> dict[str, float]:
    """``target``'s box lies inside the viewport and nothing covers its centre."""
    box = target.bounding_box()
    assert box is not None, "not rendered"
    view = page.viewport_size
    assert box["y"] >= 0 and box["y"] + box["height"] <= view["height"], box
    assert box["x"] >= 0 and box["x"] + box["width"] <= view["width"], box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    on_top = target.evaluate(
        "(el, [x, y]) => { const hit = document.elementFromPoint(x, y);"
        " return !!hit && (hit === el || el.contains(hit)); }",
        [x, y],
    )
    assert on_top, f"something covers {box}"
    return box  # type: ignore[no-any-return]


def shot(page: Any, name: str) -> None:
    """Save a screenshot for review (artifacts/ is git-ignored)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let the last re-render settle
    page.screenshot(path=str(SHOTS / name))


def ask(page: Any, question: str, turns_before: int) -> Any:
    """Type a question, press Ask, and wait until its answer is saved (chips clickable)."""
    page.fill("#nr-question textarea", question)
    page.click("#nr-ask")
    turn = page.locator(f'#nr-transcript section.nr-turn[data-turn="{turns_before}"]')
    page.wait_for_selector(f'#nr-transcript section.nr-turn[data-turn="{turns_before}"]:not(.nr-pending)')  # fmt: skip
    return turn


def test_ask_cite_follow_up_resume_and_export(
    page: Any, server: Server, outside: list[str]
) -> None:
    page.wait_for_selector("#nr-transcript .nr-welcome")
    first = ask(page, "who backed Assad?", 0)
    answer = first.locator(".nr-answer").inner_text()
    assert "Russia" in answer
    shot(page, "01_answer.png")

    first.locator("button.nr-chip").first.click()
    mark = page.locator("#nr-passage mark")
    mark.wait_for()
    quote = mark.inner_text()
    assert "Russia" in quote and quote.strip() in answer
    assert "Syrian Leader Calls for Unity" in page.locator("#nr-passage h3").inner_text()
    page.fill("#nr-pin-row textarea", "Russia and Iran named as Assad's backers")
    page.click("#nr-pin")
    page.locator("#nr-board .nr-pin", has_text="Russia").wait_for()
    shot(page, "02_passage.png")

    second = ask(page, "and who backed the rebels?", 1)
    assert "rebels" in second.locator(".nr-answer").inner_text()
    assert second.locator("button.nr-chip").count() >= 1
    shot(page, "03_follow_up.png")

    page.reload()
    loaded(page)
    item = page.locator("#nr-sessions button.nr-session", has_text="who backed Assad?")
    item.wait_for()
    assert "2 questions" in item.inner_text()
    item.click()
    page.locator('#nr-transcript section.nr-turn[data-turn="1"]').wait_for()
    text = page.locator("#nr-transcript").inner_text()
    assert "who backed Assad?" in text and "and who backed the rebels?" in text
    page.locator('#nr-transcript section.nr-turn[data-turn="0"] button.nr-chip').first.click()
    assert page.locator("#nr-passage mark").inner_text() == quote  # citations survive
    shot(page, "04_after_reload.png")

    page.fill("#nr-search textarea", "proxy conflicts")  # words of an answer, not the title
    page.locator("#nr-sessions .nr-session", has_text="who backed Assad?").wait_for()
    page.fill("#nr-search textarea", "Ukraine")
    page.locator("#nr-sessions", has_text="No session mentions").wait_for()
    page.fill("#nr-search textarea", "")
    page.fill("#nr-title textarea", "Foreign backers in Syria")
    page.press("#nr-title textarea", "Enter")
    page.locator("#nr-sessions .nr-session", has_text="Foreign backers in Syria").wait_for()

    with page.expect_download() as download:
        page.click("#nr-export-md")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert quote.strip() in exported
    assert exported.startswith("# Foreign backers in Syria")
    assert "Syrian Leader Calls for Unity" in exported and "9 Mar 2025" in exported
    assert "## Bibliography" in exported
    assert "## Evidence board" in exported and "Assad's backers" in exported
    assert outside == [], f"the page reached outside the machine: {outside}"


def test_upload_an_article_and_ask_about_it(page: Any, server: Server, tmp_path: Path) -> None:
    article = tmp_path / "vexmoor bridge.txt"
    article.write_text(
        "Title: Vexmoor opens the Quenby Bridge <img src=x onerror=window.__pwned=1>\n"
        "Source: Vexmoor Gazette\nPublished: 2024-05-03\n\n"
        "The town of Vexmoor opened the Quenby Bridge on Friday. The bridge was built by "
        "the engineering firm Tallowmark and cost 41 million florins.\n"
        "Mayor Ilsa Quenby cut the ribbon in front of a crowd of about 3,000 residents.\n",
        encoding="utf-8",
    )
    page.get_by_role("tab", name="Corpus").click()
    page.set_input_files("#nr-upload input[type=file]", str(article))
    page.locator("#nr-upload", has_text="vexmoor").wait_for()
    page.click("#nr-ingest")
    page.locator("#nr-ingest-status", has_text="added 1").wait_for()
    page.locator("#nr-articles", has_text="Vexmoor Gazette").wait_for()
    assert (server.uploads / "vexmoor bridge.txt").exists()
    shot(page, "05_corpus_upload.png")

    page.get_by_role("tab", name="Research").click()
    page.click("text=+ New session")
    page.wait_for_selector("#nr-transcript .nr-welcome")
    turn = ask(page, "Which firm built the Quenby Bridge?", 0)
    assert "Tallowmark" in turn.locator(".nr-answer").inner_text()
    sources = turn.locator(".nr-sources").inner_text()
    assert "<img src=x onerror=window.__pwned=1>" in sources  # the title shows as text
    assert page.evaluate("window.__pwned") is None
    shot(page, "06_upload_answer.png")

    refused = ask(page, "What is the capital of Australia?", 1)
    assert "No answer" in refused.inner_text() and "Australia" in refused.inner_text()
    assert refused.locator("button.nr-chip").count() == 0
    shot(page, "07_abstention.png")

    listed = page.locator("#nr-sessions button.nr-session")
    before = listed.count()
    page.click("text=Delete session")
    page.click("#nr-confirm")
    listed.filter(has_text="Quenby").wait_for(state="detached")
    assert listed.count() == before - 1  # only the open session went


SIX = [
    "who backed Assad?",
    "Where did Assad seek refuge?",
    "How many people have died in the violence?",
    "Who ousted Assad's government?",
    "Where are the pro-Assad insurgents hiding?",
    "What did Sharaa urge Syrians to do?",
]


def test_six_questions_the_newest_answer_is_always_in_view(page: Any, console: list[str]) -> None:
    """The transcript scrolls in its own box: each new answer's first chip can be clicked."""
    page.click("#nr-new")
    page.wait_for_selector("#nr-transcript .nr-welcome")
    question = page.locator("#nr-question textarea")
    for i, asked in enumerate(SIX):
        turn = ask(page, asked, i)
        page.wait_for_timeout(300)  # the scroll to the newest answer runs after the render
        chip = turn.locator(".nr-lead button.nr-chip").first
        visible_and_clickable(page, chip)
        visible_and_clickable(page, question)  # the question box stays on screen ...
        assert page.evaluate("document.activeElement.closest('#nr-question') !== null")  # focused
        assert page.evaluate("scrollY") < 40  # the page itself does not scroll away
        shot(page, f"10_six_questions_{i + 1}.png")
        chip.click()  # really clickable: its passage opens
        page.locator("#nr-passage mark").wait_for()
    box = page.locator("#nr-transcript .nr-scroll")
    scrolled = box.evaluate("b => [b.scrollTop, b.scrollHeight, b.clientHeight]")
    assert scrolled[1] > scrolled[2] and scrolled[0] > 0  # the box holds more than it shows
    no_errors(page, console, "six questions")
