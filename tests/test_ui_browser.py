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
    pid: int = 0  # the `rag serve` process (a test may kill it)


def _env(base: Path) -> dict[str, str]:
    # The session's built-model cache is kept: without it each process would build its own.
    keep = ("RAG_EMBEDDING__CACHE_DIR",)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_") or k in keep}
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
    with running(cmd, url, timeout=180, env=env, log=log) as proc:
        yield Server(url, store, base / "sessions.sqlite3", base / "uploads", proc.pid)


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
    answer = first.locator(".nr-a").inner_text()
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
    pinned = page.locator("#nr-board .nr-pin", has_text="Russia")
    pinned.wait_for()
    shot(page, "02_passage.png")
    pinned.scroll_into_view_if_needed()
    pinned.screenshot(path=str(SHOTS / "02b_pin.png"))
    note = pinned.locator(".nr-pin-note").bounding_box()
    remove = pinned.locator(".nr-unpin").bounding_box()
    assert note and remove and note["x"] + note["width"] < remove["x"]  # apart, side by side

    second = ask(page, "and who backed the rebels?", 1)
    assert "rebels" in second.locator(".nr-a").inner_text()
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
    assert "Tallowmark" in turn.locator(".nr-a").inner_text()
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
        if i == 0:  # hovering a chip previews its source: outlet and date, and the quote
            chip.hover()
            tip = page.locator(".nr-tooltip")
            tip.wait_for()
            assert "9 Mar 2025" in tip.inner_text() and "Syrian Leader" in tip.inner_text()
            assert tip.locator(".nr-tip-quote").inner_text().strip("“”")[:40] in turn.inner_text()
            shot(page, "11_chip_preview.png")
        chip.click()  # really clickable: its passage opens
        page.locator("#nr-passage mark").wait_for()
    box = page.locator("#nr-transcript .nr-scroll")
    scrolled = box.evaluate("b => [b.scrollTop, b.scrollHeight, b.clientHeight]")
    assert scrolled[1] > scrolled[2] and scrolled[0] > 0  # the box holds more than it shows
    no_errors(page, console, "six questions")


def test_a_question_asked_as_the_page_opens_keeps_its_live_answer(
    browser: Any, server: Server, console: list[str]
) -> None:
    """The question box is enabled only once the page has reopened the last session: a
    question asked before that showed "still being answered (in another window or tab)"
    for its own answer, the reopened session having replaced the live one."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    tab.on("pageerror", lambda e: console.append(str(e)))
    try:
        tab.goto(server.url)
        box = tab.locator("#nr-question textarea")
        box.wait_for()
        # No wait for the sidebar: Playwright's fill waits only until the box is enabled,
        # the first moment a user could type in it.
        box.fill("who backed Assad?")
        tab.click("#nr-ask")
        turn = tab.locator("#nr-transcript section.nr-turn:last-of-type:not(.nr-pending)")
        turn.wait_for()
        assert "still being answered" not in turn.inner_text()
        turn.locator(".nr-lead button.nr-chip").first.wait_for()
        no_errors(tab, console, "a question asked as the page opens")
    finally:
        context.close()


FERRY = (
    "Title: Harl Ferry resumes service\nSource: Harl Courier\nPublished: 2024-06-11\n\n"
    "The Harl ferry resumed service on Monday after a winter of repairs by the Oskel yard.\n"
)


def set_date(page: Any, elem: str, value: str) -> None:
    """Type a date into a filter's date box ('' clears it) and commit it."""
    box = page.locator(f"#{elem} input.time")
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(300)


def test_a_scripted_afternoon_raises_no_error(
    page: Any, server: Server, console: list[str], tmp_path: Path
) -> None:
    """Thirty things a journalist does, in order; after each: no error anywhere."""
    article = tmp_path / "harl ferry.txt"
    article.write_text(FERRY, encoding="utf-8")
    title = page.locator("#nr-title textarea")
    filters = page.locator("#nr-filters")
    steps: list[tuple[str, Any]] = [
        ("new session", lambda: page.click("#nr-new")),
        ("ask", lambda: ask(page, "who backed Assad?", 0)),
        ("focus the title", lambda: title.click()),
        ("blur it unchanged", lambda: page.click("#nr-header h1")),
        ("focus the title again", lambda: title.click()),
        ("switch to the Corpus tab", lambda: page.get_by_role("tab", name="Corpus").click()),
        ("back to Research", lambda: page.get_by_role("tab", name="Research").click()),
        ("rename", lambda: (title.fill("Backers of Assad"), title.press("Enter"))),
        (
            "renamed in the list",
            lambda: page.locator(
                "#nr-sessions .nr-session", has_text="Backers of Assad"
            ).wait_for(),
        ),
        ("blur unchanged after rename", lambda: (title.click(), title.press("Tab"))),
        ("click a chip", lambda: page.locator("#nr-transcript button.nr-chip").first.click()),
        ("pin it", lambda: (page.fill("#nr-pin-row textarea", "a note"), page.click("#nr-pin"))),
        ("pinned", lambda: page.locator("#nr-board .nr-pin").wait_for()),
        ("remove the pin", lambda: page.click("#nr-board .nr-unpin")),
        ("pin gone", lambda: page.locator("#nr-board .nr-board-empty").wait_for()),
        ("open the filters", lambda: filters.locator("button.label-wrap").click()),
        ("filter by date", lambda: set_date(page, "nr-since", "2025-01-01")),
        ("ask with the filter", lambda: ask(page, "Where did Assad seek refuge?", 1)),
        ("clear the filter", lambda: set_date(page, "nr-since", "")),
        ("reload", lambda: (page.reload(), loaded(page))),
        (
            "upload on the Corpus tab",
            lambda: (
                page.get_by_role("tab", name="Corpus").click(),
                page.set_input_files("#nr-upload input[type=file]", str(article)),
            ),
        ),
        (
            "ingest",
            lambda: (
                page.click("#nr-ingest"),
                page.locator("#nr-ingest-status", has_text="added 1").wait_for(),
            ),
        ),
        (
            "select the new article",
            lambda: page.locator("#nr-articles").get_by_text("Harl Ferry resumes service").click(),
        ),
        ("ask to delete it", lambda: page.click("#nr-article-delete")),
        ("confirm", lambda: page.click("#nr-article-confirm-btn")),
        ("deleted", lambda: page.locator("#nr-ingest-status", has_text="Deleted").wait_for()),
        ("back to Research", lambda: page.get_by_role("tab", name="Research").click()),
        ("new session", lambda: page.click("#nr-new")),
        ("empty question", lambda: page.click("#nr-ask")),
        ("reload again", lambda: (page.reload(), loaded(page))),
    ]
    assert len(steps) == 30
    for i, (name, action) in enumerate(steps, start=1):
        action()
        page.wait_for_timeout(250)
        no_errors(page, console, f"step {i} ({name})")
        shot(page, f"20_step_{i:02d}_{name.replace(' ', '_')}.png")
        if name == "ask with the filter":
            tag = page.locator('#nr-transcript section.nr-turn[data-turn="1"] .nr-ftag')
            assert tag.inner_text() == "from 1 Jan 2025"
        if name == "reload":  # the session is back, and the filters as last set: cleared
            page.locator("#nr-transcript .nr-ftag").first.wait_for()
            assert page.locator("#nr-transcript .nr-ftag").count() == 1  # the question's own
            filters.locator("button.label-wrap", has_text="none (whole corpus)").wait_for()
            filters.locator("button.label-wrap").click()
            assert page.locator("#nr-since input.time").input_value() == ""
        if name == "ask to delete it":
            visible_and_clickable(page, page.locator("#nr-article-confirm-btn"))
        if name == "deleted":
            status = page.locator("#nr-ingest-status").inner_text()
            assert "Harl Ferry resumes service" in status  # named by its title, not its id
        if name == "empty question":
            page.locator(".toast-body", has_text="question box is empty").wait_for()
    assert "Backers of Assad" in page.locator("#nr-sessions").inner_text()


def test_phone_layout_question_first_sessions_in_a_drawer(
    browser: Any, server: Server, outside: list[str], console: list[str]
) -> None:
    """At 390×844: the question box is on the first screen; answers and passages readable."""
    context, page = open_page(browser, server, outside, console, {"width": 390, "height": 844})
    try:
        question = page.locator("#nr-question textarea")
        visible_and_clickable(page, question)
        assert page.evaluate("scrollY") == 0
        side = page.locator("#nr-side")
        assert not side.is_visible()  # the session list waits in its drawer
        shot(page, "30_phone_start.png")

        page.click(".nr-drawer-open-btn")
        page.wait_for_timeout(500)  # it slides in
        visible_and_clickable(page, page.locator("#nr-new"))
        shot(page, "31_phone_drawer.png")
        page.click("#nr-new")  # starts a session and closes the drawer
        page.wait_for_selector("#nr-transcript .nr-welcome")
        side.wait_for(state="hidden")

        turn = ask(page, "who backed Assad?", 0)
        page.wait_for_timeout(300)
        chip = turn.locator(".nr-lead button.nr-chip").first
        visible_and_clickable(page, chip)
        visible_and_clickable(page, question)
        shot(page, "32_phone_answer.png")

        chip.click()
        mark = page.locator("#nr-passage mark")
        mark.wait_for()
        page.wait_for_timeout(800)  # the panel scrolls into view
        box = mark.bounding_box()
        assert box is not None and 0 <= box["y"] < 844  # the quote is on screen to read
        shot(page, "33_phone_passage.png")
        no_errors(page, console, "phone session")
    finally:
        context.close()


def test_llm_answers_stream_onto_the_screen(
    browser: Any, tmp_path: Path, llama_server: str, outside: list[str], console: list[str]
) -> None:
    """With the LLM backend, answer text is on screen before the final answer is."""
    backend = f"openai:{llama_server}#smollm2"
    with serve_app(tmp_path / "llm", options=("--backend", backend)) as srv:
        context, page = open_page(browser, srv, outside, console, {"width": 1440, "height": 900})
        try:
            page.evaluate(
                """() => {
                  window.__seen = [];
                  const box = document.getElementById('nr-transcript');
                  new MutationObserver(() => {
                    const live = box.querySelector('.nr-pending');
                    if (!live) return;
                    const text = [...live.querySelectorAll('.nr-answer')].map((p) => p.textContent).join(' ');
                    const step = live.querySelector('.nr-working');
                    window.__seen.push({text: text.trim(), step: step ? step.textContent : ''});
                  }).observe(box, {subtree: true, childList: true, characterData: true});
                }"""
            )
            page.fill("#nr-question textarea", "who backed Assad?")
            page.click("#nr-ask")
            with contextlib.suppress(Exception):  # a declined answer never streams text
                page.wait_for_selector("#nr-transcript .nr-pending .nr-lead", timeout=60_000)
                shot(page, "39_llm_streaming.png")
            page.wait_for_selector('#nr-transcript section.nr-turn[data-turn="0"]:not(.nr-pending)')
            turn = page.locator('#nr-transcript section.nr-turn[data-turn="0"]')
            seen = page.evaluate("window.__seen")
            final = turn.inner_text()
            shot(page, "40_llm_streamed.png")
        finally:
            context.close()
    steps = [s["step"] for s in seen]
    assert any(s.startswith("Searching 1 article…") for s in steps), steps
    texts = [s["text"] for s in seen if s["text"]]
    if "No answer" in final and not texts:
        pytest.skip("SmolLM2 declined to answer this time: nothing to stream")
    assert len(set(texts)) >= 2, texts  # the text grew on screen, piece by piece
    assert len(texts[0]) < len(texts[-1])
