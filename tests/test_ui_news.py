"""Conflicts, outlet counts, resolved dates and the Timeline tab: pure render functions,
then what a researcher does in real Chromium against a real `rag serve` (seed article)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag.dates import resolve_dates
from rag.types import (
    Answer,
    AnswerSentence,
    Citation,
    Conflict,
    ConflictClaim,
    Timeline,
    TimelineEvent,
)
from tests.conftest import SEED
from tests.test_ui_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SHOTS,
    TIMEOUT_MS,
    Server,
    ask,
    loaded,
    no_errors,
    serve_app,
    shot,
)
from ui.news import conflicts_html, dated_html, news_html, timeline_html


def _citation(n: int, source: str, quote: str, published: str) -> Citation:
    return Citation(
        n=n, article_id=f"a{n}", title=f"Title {n}", source=source, published_at=published,
        quote=quote, start=0, end=len(quote), score=1.0, context_start=0,
        context_end=len(quote),
    )  # fmt: skip


def test_conflict_table_lays_claims_side_by_side_escaped() -> None:
    a = _citation(1, "reuters", "The toll rose to 86 <script>x</script>", "2017-04-05")
    b = _citation(2, "sana", "The attack killed 58 people", "2017-04-04")
    answer = Answer(
        question="q", answer="The toll rose to 86 [1]", citations=[a],
        sentences=[AnswerSentence(text=a.quote, citations=[1], independent_outlets=2,
                                  backed_by=["reuters", "ahram"])],
        conflicts=[Conflict(about="people killed", claims=[
            ConflictClaim(value="86", number=86, counts="people killed", citation=a),
            ConflictClaim(value="58", number=58, counts="people killed", citation=b),
        ])],
        as_of=dt.date(2017, 4, 5),
    )  # fmt: skip
    html = conflicts_html(answer, 0)
    assert "<script>" not in html and "&lt;script&gt;" in html
    rows = html.split("<tr>")[2:]
    assert "86" in rows[0] and "reuters" in rows[0] and 'data-n="1"' in rows[0]
    assert "58" in rows[1] and "sana · 4 Apr 2017" in rows[1] and "nr-chip" not in rows[1]
    full = news_html(answer, 0)
    assert "2</span> independent sources" in full and "reuters, ahram" in full
    assert "As of 5 Apr 2017" in full


def test_dates_hover_with_their_resolved_day() -> None:
    text = SEED.read_text("utf-8")
    dates = resolve_dates(text, "2025-03-09")
    at = text.index("on Thursday")
    html = dated_html(text, at - 40, at + 20, dates)
    assert 'title="on Thursday = 2025-03-06 (resolved against publication)"' in html
    assert '<time class="nr-date" datetime="2025-03-06"' in html


def test_timeline_html_orders_and_links_passages() -> None:
    text = "Intro. Forces were ambushed on Thursday near Jableh. Outro."
    start = text.index("Forces")
    end = text.index(" Outro")
    event = TimelineEvent(
        date=dt.date(2025, 3, 6), end_date=dt.date(2025, 3, 6), granularity="day",
        date_text="on Thursday", quote=text[start:end], start=start, end=end,
        context_start=0, context_end=len(text), article_id="seed", title="Seed <b>",
        source=None, published_at="2025-03-09", score=0.9, also_carried_by=["ahram"],
    )  # fmt: skip
    html = timeline_html(Timeline(query="ambush", events=[event]), {"seed": text})
    assert "6 Mar 2025" in html and "“on Thursday” in an article of 9 Mar 2025" in html
    assert "Seed &lt;b&gt;" in html and "Also carried by ahram" in html
    assert f"<mark>{text[start:end]}</mark>" in html
    assert "No dated events" in timeline_html(Timeline(query="x"))


# ------------------------------------------------------------------------ in Chromium
@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent: `apt-get install -y chromium` to run UI tests")
    with serve_app(tmp_path_factory.mktemp("ui-news")) as running:
        yield running


@pytest.fixture
def tab(app: Server) -> Iterator[tuple[Any, list[str]]]:
    from playwright.sync_api import sync_playwright

    console: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900},
                                      accept_downloads=True)  # fmt: skip
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(str(e)))
        page.goto(app.url)
        loaded(page)
        yield page, console
        browser.close()


@pytest.mark.slow
def test_timeline_tab_dates_thursday_and_exports(tab: tuple[Any, list[str]]) -> None:
    page, console = tab
    page.get_by_role("tab", name="Timeline").click()
    page.fill("#nr-tl-query textarea", "attacks on security forces on the Syrian coast")
    page.click("#nr-tl-build")
    items = page.locator("#nr-tl-view .nr-tl-item")
    items.first.wait_for()
    dates = [d for d in items.evaluate_all("els => els.map(e => e.dataset.date)")]
    assert dates == sorted(dates)
    thursday = page.locator("#nr-tl-view .nr-tl-item", has_text="“on Thursday”")
    assert "6 Mar 2025" in thursday.locator(".nr-tl-when").inner_text()
    thursday.locator("summary").click()
    mark = thursday.locator("mark")
    mark.wait_for()
    assert "on Thursday" in mark.inner_text()
    thursday.scroll_into_view_if_needed()
    shot(page, "tl_01_timeline.png")
    with page.expect_download() as download:
        page.click("#nr-tl-csv")
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert (
        exported.startswith("date,end_date,date_text")
        and "2025-03-06,2025-03-06,on Thursday" in exported
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)
    thursday.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "tl_02_phone.png"))
    box = thursday.locator(".nr-tl-card").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390  # no sideways scrolling
    no_errors(page, console, "timeline")


@pytest.mark.slow
def test_answer_shows_outlet_count_and_resolved_date(tab: tuple[Any, list[str]]) -> None:
    page, console = tab
    turn = ask(page, "How many security personnel were killed in the ambushes?", 0)
    backing = turn.locator(".nr-backing")
    # the bundled article names no outlet: it stands for itself, by its headline
    assert "1 source · Lead: “" in backing.inner_text()
    assert "(outlet not named)" in backing.inner_text()
    assert "As of 9 Mar 2025" in backing.inner_text()
    turn.locator("button.nr-chip").first.click()
    when = page.locator('#nr-passage time.nr-date[datetime="2025-03-06"]')
    when.wait_for()
    assert when.inner_text() == "on Thursday"
    assert "2025-03-06" in (when.get_attribute("title") or "")
    shot(page, "tl_03_answer_dates.png")
    no_errors(page, console, "answer")


def test_session_markdown_keeps_conflicts_and_as_of() -> None:
    from rag.types import Session, Turn
    from ui.export import session_markdown

    a = _citation(1, "reuters", "The toll rose to 86 | more", "2017-04-05")
    b = _citation(2, "sana", "The attack killed 58 people", "2017-04-04")
    answer = Answer(
        question="q", answer="The toll rose to 86 [1]", citations=[a],
        sentences=[AnswerSentence(text=a.quote, citations=[1])],
        conflicts=[Conflict(about="people killed", claims=[
            ConflictClaim(value="86", number=86, counts="people killed", citation=a),
            ConflictClaim(value="58", number=58, counts="people killed", citation=b),
        ])],
        as_of=dt.date(2017, 4, 5),
    )  # fmt: skip
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    session = Session(id="s", title="Tolls", created_at=now, updated_at=now,
                      turns=[Turn(question="q", answer=answer)])  # fmt: skip
    text = session_markdown(session)
    assert "Sources differ on *people killed*" in text
    assert "| 58 | people killed | sana | 2017-04-04 |" in text
    assert "86 \\| more" in text  # a pipe in a quote does not split the table row
    assert "*As of 2017-04-05 (newest cited article).*" in text
