"""Rendering without a browser: chips, verdicts, highlighted passages, escaping, exports.

Also the upload helpers, which decide what lands on disk from a browser's file names.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest

from rag.loaders import load_file
from rag.types import Answer, AnswerSentence, Article, Citation, Pin, Session, Turn, Verdict
from tests.conftest import SEED
from ui import render
from ui.export import md, session_markdown
from ui.uploads import safe_name, save_uploads

QUOTE = (
    "The conflict, which has drawn in Western countries, Arab states, and Turkey supporting "
    "the rebels, while Russia, Iran, and Iranian-backed militias have supported Assad, has "
    "turned into a battleground for various proxy conflicts."
)
EVIL = '<script>alert(1)</script><img src=x onerror="alert(2)">'


@pytest.fixture(scope="module")
def seed() -> Article:
    (article,) = load_file(SEED)
    return article


def cite(article: Article, quote: str = QUOTE, n: int = 1, **changes: object) -> Citation:
    start = article.text.index(quote)
    values: dict[str, object] = dict(
        n=n, article_id=article.id, title=article.title, source=article.source, url=article.url,
        published_at=article.published_iso(), quote=quote, start=start, end=start + len(quote),
        score=0.6, context_start=max(0, start - 200), context_end=start + len(quote) + 120,
    )  # fmt: skip
    values.update(changes)
    return Citation.model_validate(values)


def answer_with(sentences: list[AnswerSentence], citations: list[Citation]) -> Answer:
    text = " ".join(f"{s.text} " + "".join(f"[{n}]" for n in s.citations) for s in sentences)
    return Answer(question="q", answer=text, sentences=sentences, citations=citations)


def text_of(fragment: str) -> str:
    """What a reader sees: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# ------------------------------------------------------------------ answers
def test_every_cited_sentence_gets_a_clickable_chip(seed: Article) -> None:
    c1, c2 = cite(seed), cite(seed, "It has resulted in hundreds of thousands of deaths and millions of displaced Syrians.", n=2)  # fmt: skip
    answer = answer_with(
        [
            AnswerSentence(text=c1.quote, citations=[1]),
            AnswerSentence(text=c2.quote, citations=[2]),
        ],
        [c1, c2],
    )
    out = render.answer_html(answer, turn=3)
    assert re.findall(r'<button[^>]*class="nr-chip"[^>]*data-turn="3" data-n="(\d)"', out) == ["1", "2", "1", "2"]  # fmt: skip
    assert QUOTE in text_of(out)


def test_sources_list_only_the_cited_articles_once_each(seed: Article) -> None:
    other = cite(seed, n=2).model_copy(update={"article_id": "other", "title": "Another outlet's report"})  # fmt: skip
    answer = answer_with(
        [AnswerSentence(text=QUOTE, citations=[1, 3]), AnswerSentence(text="x", citations=[2])],
        [cite(seed), other, cite(seed, n=3)],
    )
    sources = render.sources_html(answer, 0)
    assert sources.count("<li>") == 2
    assert text_of(sources).count(seed.title) == 1 and "Another outlet's report" in text_of(sources)  # fmt: skip
    assert "9 Mar 2025" in text_of(sources)


def test_flagged_sentences_are_marked_with_their_reason_on_hover(seed: Article) -> None:
    answer = answer_with(
        [
            AnswerSentence(text=QUOTE, citations=[1], verdict=Verdict.supported, reason="verbatim"),
            AnswerSentence(
                text="Iran sent 40,000 troops.",
                citations=[1],
                verdict=Verdict.unsupported,
                reason="the number 40,000 is in no cited passage",
            ),
            AnswerSentence(
                text="Turkey backed the rebels.",
                citations=[1],
                verdict=Verdict.partial,
                reason="support 0.55",
            ),
        ],
        [cite(seed)],
    )
    out = render.answer_html(answer, 0)
    assert out.count('class="nr-flag"') == 2  # the supported sentence carries no badge
    assert 'title="Unsupported: the number 40,000 is in no cited passage"' in out
    assert ">Partly supported</span>" in out and 'class="nr-s nr-partially_supported"' in out


def test_an_abstention_says_so_and_why() -> None:
    answer = Answer(
        question="What is the capital of Australia?",
        answer="The corpus has nothing on 'Australia'.",
        abstained=True,
        abstain_reason="The corpus has nothing on 'Australia': no retrieved article mentions it.",
        abstain_code="no_relevant",
    )
    shown = text_of(render.answer_html(answer, 0))
    assert "No answer" in shown and "Not in the corpus" in shown
    assert "no retrieved article mentions it" in shown
    assert "nr-chip" not in render.answer_html(answer, 0)


def test_streaming_text_shows_markers_as_inert_chips() -> None:
    out = render.pending_html("who backed Assad?", "Russia backed Assad. [1]", 0)
    assert '<span class="nr-chip inert">1</span>' in out and "<button" not in out
    assert render.transcript_html([]).count("nr-welcome") == 1


def test_a_rewritten_follow_up_shows_how_it_was_understood(seed: Article) -> None:
    answer = answer_with([AnswerSentence(text=QUOTE, citations=[1])], [cite(seed)])
    answer.standalone_question = "who backed the rebels? (who backed Assad?)"
    out = render.turn_html(Turn(question="and the rebels?", answer=answer), 1)
    assert "Understood as: who backed the rebels? (who backed Assad?)" in text_of(out)
    answer.standalone_question = "And the rebels"
    assert "Understood as" not in render.turn_html(Turn(question="and the rebels?", answer=answer), 1)  # fmt: skip


# ----------------------------------------------------------------- passages
def test_passage_highlights_exactly_the_quote_inside_its_context(seed: Article) -> None:
    c = cite(seed)
    out = render.passage_html(c, seed)
    (marked,) = re.findall(r"<mark>(.*?)</mark>", out, re.S)
    assert html.unescape(marked) == seed.text[c.start : c.end] == QUOTE
    context = text_of(re.search(r'<blockquote class="nr-context">(.*?)</blockquote>', out, re.S)[1])  # type: ignore[index]  # fmt: skip
    assert context == seed.text[c.context_start : c.context_end]
    assert seed.title in text_of(out) and "9 Mar 2025" in text_of(out)


def test_passage_of_a_deleted_or_edited_article_still_shows_the_quote(seed: Article) -> None:
    c = cite(seed)
    gone = render.passage_html(c, None)
    assert "no longer in the corpus" in gone and QUOTE in text_of(gone)
    edited = seed.model_copy(update={"text": seed.text.replace("Russia, Iran", "Iran")})
    changed = render.passage_html(c, edited)
    assert "has changed since" in changed and QUOTE in text_of(changed)


def test_untrusted_article_text_renders_as_text(seed: Article) -> None:
    hostile = seed.model_copy(
        update={
            "title": f"Breaking {EVIL}",
            "source": "<b>Outlet</b>",
            "url": "javascript:alert(3)",
            "text": seed.text.replace("proxy conflicts.", f"proxy conflicts. {EVIL}"),
        }
    )
    c = cite(hostile, context_end=len(hostile.text))
    pieces = [
        render.passage_html(c, hostile),
        render.article_html(hostile),
        render.sources_html(answer_with([AnswerSentence(text=EVIL, citations=[1])], [c]), 0),
        render.answer_html(answer_with([AnswerSentence(text=EVIL, citations=[1])], [c]), 0),
        render.pins_html([Pin(id="p1", citation=c, note=EVIL, pinned_at=dt.datetime.now(dt.UTC))]),
        render.transcript_html([], render.error_html(EVIL, EVIL, 0)),
    ]
    for out in pieces:
        assert "<script" not in out and "<img" not in out and "<b>" not in out
        assert 'href="javascript' not in out
        assert EVIL in text_of(out)


def test_only_web_links_become_links() -> None:
    assert render.safe_url("https://www.reuters.com/world/x") == "https://www.reuters.com/world/x"
    for bad in ("javascript:alert(1)", "data:text/html,hi", "ftp://x", "//evil.com", "", None):
        assert render.safe_url(bad) is None


# ----------------------------------------------------------------- sidebar
def test_session_list_marks_the_open_session_and_escapes_titles() -> None:
    now = dt.datetime(2025, 3, 10, 15, 0, tzinfo=dt.UTC)
    from rag.types import SessionInfo

    infos = [
        SessionInfo(id="a", title=EVIL, created_at=now, updated_at=now, turns=2),
        SessionInfo(
            id="b", title="Old", created_at=now, updated_at=now - dt.timedelta(days=3), turns=1
        ),
    ]
    out = render.sessions_html(infos, current="a", now=now)
    assert 'class="nr-session active" data-id="a"' in out and "<script" not in out
    assert "2 questions · today 15:00" in text_of(out) and "1 question · 7 Mar 2025" in text_of(out)
    assert "No session mentions “Kyiv”." in text_of(render.sessions_html([], None, query="Kyiv"))  # fmt: skip


# ------------------------------------------------------------------ exports
def session_of(seed: Article) -> Session:
    now = dt.datetime(2025, 3, 10, 9, 30, tzinfo=dt.UTC)
    c1 = cite(seed, url="https://example.com/syria?a=1", source="Reuters")
    c2 = cite(seed, "It has resulted in hundreds of thousands of deaths and millions of displaced Syrians.", n=2, source="Reuters", url="https://example.com/syria?a=1")  # fmt: skip
    first = answer_with(
        [AnswerSentence(text=QUOTE, citations=[1], verdict=Verdict.supported),
         AnswerSentence(text="Millions were displaced.", citations=[2], verdict=Verdict.partial, reason="support 0.55")],
        [c1, c2],
    )  # fmt: skip
    second = answer_with([AnswerSentence(text=QUOTE, citations=[1])], [c1])
    refused = Answer(question="capital?", answer="", abstained=True, abstain_reason="The corpus has nothing on 'Australia'.", abstain_code="no_relevant")  # fmt: skip
    return Session(
        id="s1", title="Who *backed* Assad?", created_at=now, updated_at=now,
        turns=[Turn(question="who backed Assad?", answer=first),
               Turn(question="and the rebels?", answer=second),
               Turn(question="What is the capital of Australia?", answer=refused)],
        pins=[Pin(id="p1", citation=c1, note="lead quote", pinned_at=now)],
    )  # fmt: skip


def test_markdown_export_keeps_every_citation(seed: Article) -> None:
    out = session_markdown(session_of(seed))
    assert out.startswith("# Who \\*backed\\* Assad?")
    assert f"{QUOTE}[^1]" in out and "displaced.[^2]" in out and f"{QUOTE}[^3]" in out
    assert out.count("[^1]:") == 1 and out.count("[^3]:") == 1  # numbered across the session
    assert f'[^1]: "{QUOTE}" — *{md(seed.title)}*, Reuters, 9 Mar 2025, <https://example.com/syria?a=1>.' in out  # fmt: skip
    assert "*(partly supported: support 0.55)*" in out
    assert "*No answer:* The corpus has nothing on 'Australia'." in out
    bibliography = out.split("## Bibliography")[1].split("[^1]:")[0]
    assert bibliography.count("- *") == 1  # one article, listed once, with both spans
    assert f'  - "{QUOTE}"' in bibliography and "millions of displaced Syrians." in bibliography
    board = out.split("## Evidence board")[1].split("## Bibliography")[0]
    assert QUOTE in board and "Note: lead quote" in board


def test_markdown_export_neutralises_markup_in_article_text(seed: Article) -> None:
    session = session_of(seed)
    session.title = "[link](javascript:alert(1)) <b>bold</b>"
    out = session_markdown(session)
    assert "[link](javascript" not in out and "<b>" not in out


# ------------------------------------------------------------------ uploads
@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\x\\..\\evil.csv", "evil.csv"),
        ("..", "upload"),
        (".hidden.md", "hidden.md"),
        ("Reuters: “Syria” 2025.HTML", "Reuters_ Syria 2025.html"),
        ("naïve café.txt", "naive cafe.txt"),
    ],
)
def test_uploaded_file_names_are_made_safe(given: str, kept: str) -> None:
    assert safe_name(given) == kept


def test_uploads_land_inside_the_folder_within_the_size_limit(tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    ok = incoming / "story.txt"
    ok.write_text("Title: A\n\nBody.", encoding="utf-8")
    big = incoming / "big.txt"
    big.write_bytes(b"x" * 1_200_000)
    exe = incoming / "tool.exe"
    exe.write_bytes(b"MZ")
    folder = tmp_path / "uploads"

    result = save_uploads([ok, big, exe], folder, max_mb=1)
    assert result.saved == [folder.resolve() / "story.txt"]
    assert [r.split(":")[0] for r in result.rejected] == ["big.txt", "tool.exe"]
    assert "over the 1 MB upload limit" in result.rejected[0]

    again = save_uploads([ok], folder, max_mb=1)  # the same file again: same path
    assert again.saved == result.saved
    ok.write_text("Title: B\n\nAnother story.", encoding="utf-8")
    other = save_uploads([ok], folder, max_mb=1)  # same name, other content: kept apart
    assert other.saved == [folder.resolve() / "story-2.txt"]
    assert sorted(p.name for p in folder.iterdir()) == ["story-2.txt", "story.txt"]


# ------------------------------------------- lead, filters, long questions
def test_the_lead_answer_comes_first_and_supports_follow(seed: Article) -> None:
    c1, c2 = cite(seed), cite(seed, "It has resulted in hundreds of thousands of deaths and millions of displaced Syrians.", n=2)  # fmt: skip
    answer = answer_with(
        [AnswerSentence(text=c1.quote, citations=[1], verdict=Verdict.supported, reason="verbatim"),
         AnswerSentence(text=c2.quote, citations=[2], verdict=Verdict.partial, reason="support 0.5")],
        [c1, c2],
    )  # fmt: skip
    out = render.answer_html(answer, 0)
    lead = re.search(r'<p class="nr-answer nr-lead">(.*?)</p>', out, re.S)
    assert lead is not None and QUOTE in text_of(lead[1]) and "displaced" not in text_of(lead[1])
    supports = re.search(r'<ul class="nr-answer nr-supports">(.*?)</ul>', out, re.S)
    assert supports is not None and "displaced Syrians" in text_of(supports[1])
    assert 'title="Supported: verbatim"' in out  # every sentence shows its verdict
    assert ">Partly supported</span>" in out
    chip = re.search(r'<button[^>]*data-n="1"[^>]*>', out)
    assert chip is not None and 'data-meta="9 Mar 2025"' in chip[0] and "data-quote=" in chip[0]


def test_passages_considered_but_not_cited_are_listed_folded_with_scores(seed: Article) -> None:
    from rag.types import Hit

    c = cite(seed)
    hit = {"article_id": seed.id, "title": seed.title, "published_at": "2025-03-09"}
    cited_hit = Hit(chunk_id="a:0", text=QUOTE, start=c.start, end=c.end, score=0.9, **hit)
    other = Hit(chunk_id="b:0", text="Another passage.", start=0, end=16, score=0.0163, scores={"dense": 0.4123, "rrf": 0.0163}, **{**hit, "article_id": "b", "title": "Other story"})  # fmt: skip
    answer = answer_with([AnswerSentence(text=QUOTE, citations=[1])], [c])
    answer.retrieved = [cited_hit, other]
    out = render.also_retrieved_html(answer)
    assert out.startswith('<details class="nr-also">') and "1 passage not cited" in out
    # the score shown is the closeness in meaning, explained, not the fused rank score
    assert "Other story" in out and ">0.41<" in out and "0.016" not in out
    assert "how close in meaning" in text_of(out) and seed.title not in out
    answer.retrieved = [cited_hit]
    assert render.also_retrieved_html(answer) == ""


@pytest.mark.parametrize(
    ("since", "until", "sources", "tag"),
    [
        (dt.date(2016, 1, 1), dt.date(2016, 12, 31), ["reuters"], "2016 · reuters"),
        (dt.date(2015, 1, 1), dt.date(2016, 12, 31), [], "2015–2016"),
        (dt.date(2016, 3, 2), None, [], "from 2 Mar 2016"),
        (None, dt.date(2016, 3, 2), ["a", "b"], "until 2 Mar 2016 · a · b"),
        (dt.date(2016, 3, 2), dt.date(2016, 4, 1), [], "2 Mar 2016 – 1 Apr 2016"),
        (None, None, [], ""),
    ],
)
def test_filters_tag_says_briefly_what_a_question_was_limited_to(
    since: dt.date | None, until: dt.date | None, sources: list[str], tag: str
) -> None:
    from rag.types import Filters

    assert render.filters_tag(Filters(since=since, until=until, sources=sources)) == tag


def test_a_very_long_question_is_folded(seed: Article) -> None:
    long = "Assad" * 1000  # 5,000 characters
    out = render.turn_html(Turn(question=long, answer=answer_with([], [])), 0)
    assert '<details class="nr-qlong">' in out and "5,000 characters" in text_of(out)
    short = render.turn_html(Turn(question="who backed Assad?", answer=None), 0)
    assert "<details" not in short


def test_streamed_text_splits_into_lead_and_supports() -> None:
    assert render.split_lead("Russia backed Assad. [1] [2] Iran too. [3]") == (
        "Russia backed Assad. [1] [2]", " Iran too. [3]",
    )  # fmt: skip
    assert render.split_lead("Russia backed") == ("Russia backed", "")
    out = render.pending_html("q", "Russia backed Assad. [1] Iran too.", 0, "Searching 3 articles…")
    assert '<p class="nr-answer nr-lead">' in out and "Searching 3 articles…" in text_of(out)


def test_outlets_are_offered_with_their_article_counts() -> None:
    stats = {"sources": {"trt": 3, "(unknown)": 9, "Reuters": 12, "nna": 3}, "articles": 27,
             "date_range": ["2011-09-15", "2025-03-09"]}  # fmt: skip
    assert render.outlet_options(stats) == [("Reuters (12)", "Reuters"), ("nna (3)", "nna"), ("trt (3)", "trt")]  # fmt: skip
    line = text_of(render.corpus_line(stats))
    assert line == "27 articles from 3 outlets, published 15 Sep 2011 – 9 Mar 2025"


def test_the_outlet_filter_keeps_known_choices_and_says_why_it_is_empty() -> None:
    stats = {"sources": {"Reuters": 12, "(unknown)": 1}, "articles": 13}
    update = render.outlet_filter(stats, ["Reuters", "SANA"])
    assert update["value"] == ["Reuters"]  # SANA's articles are gone: no longer a choice
    assert update["info"] == render.OUTLETS_INFO
    empty = render.outlet_filter({"sources": {"(unknown)": 1}, "articles": 1}, ["Reuters"])
    assert empty["choices"] == [] and empty["value"] == []
    assert "none to pick" in empty["info"]


def test_markdown_export_does_not_double_quote_marks_and_keeps_filters(seed: Article) -> None:
    from rag.types import Filters
    from ui.export import quoted

    assert quoted('"We must preserve our national cohesion."') == '"We must preserve our national cohesion."'  # fmt: skip
    assert quoted("“Be assured.”") == "“Be assured.”"
    assert quoted("plain") == '"plain"'
    session = session_of(seed)
    session.turns[0].answer.filters = Filters(since=dt.date(2016, 1, 1), until=dt.date(2016, 12, 31), sources=["reuters"])  # type: ignore[union-attr]  # fmt: skip
    out = session_markdown(session)
    assert "*Filters: 2016 · reuters*" in out
    assert f"**Answer:** {QUOTE}[^1]" in out and '""' not in out


def test_sessions_with_the_same_title_say_when_each_began() -> None:
    from rag.types import SessionInfo

    now = dt.datetime(2025, 3, 10, 15, 0, tzinfo=dt.UTC)
    early, late = now - dt.timedelta(hours=5), now - dt.timedelta(days=2)
    infos = [
        SessionInfo(id="a", title="who backed Assad?", created_at=early, updated_at=now, turns=2),
        SessionInfo(id="b", title="who backed Assad?", created_at=late, updated_at=late, turns=1),
        SessionInfo(id="c", title="Other", created_at=late, updated_at=late, turns=1),
    ]
    shown = text_of(render.sessions_html(infos, current="a", now=now))
    assert "started today 10:00 · 2 questions" in shown
    assert (
        "started 8 Mar 2025 · 1 question" in shown
        and "started 8 Mar 2025 · 1 question · 8 Mar 2025" in shown
    )
    assert shown.count("started") == 2  # a unique title needs no more


def test_new_session_titles_tell_sessions_apart() -> None:
    from rag.types import Filters
    from ui.chat import session_title

    at = dt.datetime(2026, 11, 29, 15, 2, tzinfo=dt.UTC)
    assert session_title("who backed Assad?", None, at) == "who backed Assad? · 29 Nov 15:02"
    year = Filters(since=dt.date(2016, 1, 1), until=dt.date(2016, 12, 31))
    assert session_title("who backed Assad?", year, at) == "who backed Assad? (2016) · 29 Nov 15:02"
    assert session_title("why " * 40, None, at).endswith("… · 29 Nov 15:02")


def test_interrupted_and_pending_turns_say_so() -> None:
    from rag.types import Turn
    from ui.render import turn_html

    assert "Interrupted" in turn_html(Turn(question="q?", status="interrupted"), 0)
    assert "still being answered" in turn_html(Turn(question="q?", status="pending"), 0)
