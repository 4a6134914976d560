"""The project's questions, answered and cited right: on the bundled corpus and among distractors."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from rag.pipeline import Pipeline
from rag.types import Answer, Filters, Turn
from tests.conftest import write_article

SEED_ID = "seed-d7a15be74b52943f"

# question → words the answer must contain, and whether only the seed holds the fact
QUESTIONS = {
    "who backed Assad?": (["Russia", "Iran"], False),
    "Which countries supported the rebels?": (["Turkey", "Arab states", "Western countries"], True),
    "How many civilians were among the dead in the March 2025 violence on Syria's coast?": (
        ["745 civilians"],
        True,
    ),
    "Who heads the Syrian Observatory for Human Rights?": (["Rami Abd"], False),
}


def _assert_grounded(answer: Answer, pipeline: Pipeline) -> None:
    """Every sentence carries a marker; every citation quotes its article verbatim."""
    assert not answer.abstained, answer.abstain_reason
    assert answer.citations and answer.sentences
    numbers = {c.n for c in answer.citations}
    for sentence in answer.sentences:
        assert sentence.citations and set(sentence.citations) <= numbers
        assert f"[{sentence.citations[0]}]" in answer.answer
    for c in answer.citations:
        article = pipeline.store.get_article(c.article_id)
        assert article is not None
        assert article.text[c.start : c.end] == c.quote
        assert c.context_start <= c.start < c.end <= c.context_end


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_seed_questions(seed_pipeline: Pipeline, question: str) -> None:
    must, _ = QUESTIONS[question]
    answer = seed_pipeline.ask(question)
    _assert_grounded(answer, seed_pipeline)
    for word in must:
        assert word in answer.answer, answer.answer
    assert answer.citations[0].article_id == SEED_ID
    assert answer.citations[0].published_at == "2025-03-09"


def test_who_backed_assad_names_iranian_backed_militias(seed_pipeline: Pipeline) -> None:
    answer = seed_pipeline.ask("who backed Assad?")
    assert (
        "Russia, Iran, and Iranian-backed militias have supported Assad"
        in answer.citations[0].quote
    )


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "Who won the 2018 FIFA World Cup?",
        "How do I bake sourdough bread?",
    ],
)
def test_off_topic_questions_abstain(seed_pipeline: Pipeline, question: str) -> None:
    answer = seed_pipeline.ask(question)
    assert answer.abstained
    assert answer.abstain_code == "no_relevant"
    assert answer.citations == []


def test_date_filter_that_excludes_the_evidence_says_so(seed_pipeline: Pipeline) -> None:
    question = "What did Ahmed Sharaa say in his video from the Mazzah mosque?"
    assert not seed_pipeline.ask(question).abstained
    answer = seed_pipeline.ask(question, filters=Filters(until=dt.date(2020, 1, 1)))
    assert answer.abstained and answer.abstain_code == "filtered_out"
    assert "date filter" in (answer.abstain_reason or "")


@pytest.mark.parametrize("question", ["Who heads HTS?", "Who is the head of HTS?"])
def test_an_abbreviation_the_article_writes_out_is_understood(
    seed_pipeline: Pipeline, question: str
) -> None:
    """The seed never writes "HTS"; it says "Rebels led by Sharaa's Sunni Islamist group,
    Hayat Tahrir al-Sham, …". Spelled out, the question finds that sentence, and its
    "heads" is the sentence's "led"."""
    answer = seed_pipeline.ask(question)
    assert not answer.abstained, answer.answer
    assert "Sharaa" in answer.sentences[0].text and "Hayat Tahrir al-Sham" in answer.answer
    assert answer.citations[0].article_id == SEED_ID


def test_filters_keep_only_matching_articles(seed_pipeline: Pipeline) -> None:
    answer = seed_pipeline.ask("who backed Assad?", filters=Filters(since=dt.date(2025, 3, 1)))
    assert not answer.abstained
    assert all(h.published_at and h.published_at >= "2025-03-01" for h in answer.retrieved)
    none = seed_pipeline.ask("who backed Assad?", filters=Filters(sources=["Reuters"]))
    assert none.abstained and "source filter" in (none.abstain_reason or "")


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_questions_among_402_real_distractors(fakes_pipeline: Pipeline, question: str) -> None:
    must, seed_only = QUESTIONS[question]
    answer = fakes_pipeline.ask(question)
    _assert_grounded(answer, fakes_pipeline)
    if question == "who backed Assad?":
        assert "Russia" in answer.answer and "Iran" in answer.answer
    else:
        assert any(word in answer.answer for word in must), answer.answer
    if seed_only:
        assert answer.citations[0].article_id == SEED_ID


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_extractive_answers_all_pass_verification(fakes_pipeline: Pipeline, question: str) -> None:
    answer = fakes_pipeline.ask(question)
    assert answer.sentences and all(s.verdict == "supported" for s in answer.sentences)


def test_follow_ups_among_distractors_stay_grounded(fakes_pipeline: Pipeline) -> None:
    first = fakes_pipeline.ask("who backed Assad?")
    rebels = fakes_pipeline.ask(
        "and who backed the rebels?", history=[Turn(question="who backed Assad?", answer=first)]
    )
    _assert_grounded(rebels, fakes_pipeline)
    # FA-KES holds this fact too ("Western-backed rebels", "Saudi-backed rebels", in its
    # lowercased copies "western-back rebels"): any backer counts.
    assert any(
        b.lower() in rebels.answer.lower()
        for b in ("Turkey", "Western", "Saudi", "Gulf", "United States", "Arab states")
    ), rebels.answer
    deaths_q = "How many people died in the March 2025 violence on Syria's coast?"
    deaths = fakes_pipeline.ask(deaths_q)
    _assert_grounded(deaths, fakes_pipeline)
    assert "1,000" in deaths.answer
    civilians = fakes_pipeline.ask(
        "how many of them were civilians?", history=[Turn(question=deaths_q, answer=deaths)]
    )
    _assert_grounded(civilians, fakes_pipeline)
    assert "745 civilians" in civilians.answer
    assert civilians.citations[0].article_id == SEED_ID


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "how do I bake sourdough bread?",
        "what are the symptoms of the flu?",
    ],
)
def test_off_topic_abstains_among_distractors_with_not_in_corpus_reason(
    fakes_pipeline: Pipeline, question: str
) -> None:
    answer = fakes_pipeline.ask(question)
    assert answer.abstained and answer.abstain_code == "no_relevant", answer.answer
    assert answer.citations == []


def test_mazzah_video_until_2020_is_outside_the_date_filter(fakes_pipeline: Pipeline) -> None:
    question = "What did Ahmed Sharaa say in his video from the Mazzah mosque?"
    answered = fakes_pipeline.ask(question)
    assert not answered.abstained and answered.citations[0].article_id == SEED_ID
    answer = fakes_pipeline.ask(question, filters=Filters(until=dt.date(2020, 1, 1)))
    assert answer.abstained and answer.abstain_code == "filtered_out"
    assert "date filter" in (answer.abstain_reason or "")


def test_not_answered_when_topic_found_but_no_number(seed_pipeline: Pipeline) -> None:
    answer = seed_pipeline.ask("How many mosques were damaged in Damascus during the video?")
    assert answer.abstained


def test_off_topic_abstains_among_distractors(fakes_pipeline: Pipeline) -> None:
    answer = fakes_pipeline.ask("What is the capital of Australia?")
    assert answer.abstained and answer.abstain_code == "no_relevant"


# ------------------------------------------- answers that answer (issue: lead, time, near-misses)
def test_lead_for_who_backed_assad_is_a_clause_naming_the_backers(fakes_pipeline: Pipeline) -> None:
    answer = fakes_pipeline.ask("who backed Assad?")
    _assert_grounded(answer, fakes_pipeline)
    lead = answer.lead or ""
    assert lead == answer.sentences[0].text == answer.citations[0].quote
    # The corpus's clearest answer is one clause of the seed's forty-word sentence; scored
    # clause by clause, it leads over the shorter single-backer sentences of FA-KES.
    assert lead == "Russia, Iran, and Iranian-backed militias have supported Assad"
    assert answer.citations[0].article_id == SEED_ID
    assert len(lead) < 120  # the clause that answers, not the run-on sentence around it
    assert "YouTube" not in answer.answer


@pytest.mark.parametrize("question", ["Who leads Syria?", "Who is Syria's leader?"])
def test_who_leads_syria_is_led_by_the_sentence_naming_its_leader(
    question: str, fakes_pipeline: Pipeline
) -> None:
    # a short question's verb retrieves every report of someone "leading" an offensive in
    # Syria; retrieved as the position too, it finds the seed's lede
    answer = fakes_pipeline.ask(question)
    _assert_grounded(answer, fakes_pipeline)
    assert "Syrian leader Ahmed Sharaa" in (answer.lead or "")
    assert answer.citations[0].article_id == SEED_ID


def test_march_2025_civilians_lead_is_the_seed_count(fakes_pipeline: Pipeline) -> None:
    answer = fakes_pipeline.ask(
        "How many civilians were among those killed in the March 2025 violence on Syria's coast?"
    )
    _assert_grounded(answer, fakes_pipeline)
    assert "745 civilians" in (answer.lead or "")
    assert answer.citations[0].article_id == SEED_ID
    assert answer.question_spec is not None
    assert [p.label() for p in answer.question_spec.periods] == ["March 2025"]


def test_aleppo_2025_is_a_time_mismatch_naming_the_years_covered(fakes_pipeline: Pipeline) -> None:
    answer = fakes_pipeline.ask("How many people were killed in Aleppo in 2025?")
    assert answer.abstained and answer.abstain_code == "time_mismatch", answer.answer
    reason = answer.abstain_reason or ""
    assert "2025" in reason and "2016" in reason
    assert answer.citations == []


def test_date_filter_excluding_the_2025_evidence_is_filtered_out(fakes_pipeline: Pipeline) -> None:
    answer = fakes_pipeline.ask(
        "How many civilians were among those killed in the March 2025 violence on Syria's coast?",
        filters=Filters(since=dt.date(2016, 1, 1), until=dt.date(2016, 12, 31)),
    )
    assert answer.abstained and answer.abstain_code == "filtered_out", answer.answer
    assert "date filter" in (answer.abstain_reason or "")
    assert "2025-03-09" in (answer.abstain_reason or "")


def test_sohr_head_lead_is_short_and_names_him(fakes_pipeline: Pipeline) -> None:
    answer = fakes_pipeline.ask("Who is the head of the Syrian Observatory for Human Rights?")
    _assert_grounded(answer, fakes_pipeline)
    lead = answer.lead or ""
    assert "Rami Abd" in lead and "head" in lead
    assert len(lead) < 120, lead
    assert "gas fields" not in lead


@pytest.mark.parametrize(
    "question",
    [
        "How many civilians were killed in Aleppo in September 2016?",
        "What symptoms did the victims of the Khan Shaykhun attack show?",
        "who backed Assad?",
    ],
)
def test_quotes_never_open_with_scraped_debris(fakes_pipeline: Pipeline, question: str) -> None:
    answer = fakes_pipeline.ask(question)
    for c in answer.citations:
        assert not re.match(r"(Published|Date of publication|Updated)\b", c.quote), c.quote
        assert not re.match(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\w* \d{1,2} \w+ \d{4}", c.quote), c.quote
        assert "- YouTube" not in c.quote


def test_a_short_article_is_about_a_name_only_when_the_filters_chose_it(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    """Over the whole corpus, a one-sentence article that never names Sam Altman is not
    about him ("the firings" of 9,000 game developers). Only among passages the question's
    own filters selected (RGB-style: five search snippets per question) may a snippet be
    taken to be about what the question names (``rag.abstain._implied``)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    write_article(
        folder / "openai.txt",
        "OpenAI's ex-chairman accuses board of going rogue in firing Altman",
        "OpenAI's board pushed out Altman, its chief executive, on Friday. "
        "While not trained as an AI engineer, Altman, now 38, has been seen as a Silicon "
        "Valley wunderkind since his early 20s.",
        "2023-11-18",
        "Fortune",
    )
    write_article(
        folder / "games.txt",
        "Video games in 2023: Acquisitions, layoffs, unions",
        "It’s estimated that more than 9,000 people in video games were laid off this year "
        "and the firings affected teams of all sizes.",
        "2023-12-20",
        "Engadget",
    )
    pipeline.ingest([folder])
    question = "When was Sam Altman fired?"
    answer = pipeline.ask(question)
    assert all(c.source == "Fortune" for c in answer.citations), answer.answer
    assert not answer.abstained and "Altman" in answer.sentences[0].text
    assert "on Friday" in answer.sentences[0].text  # not "since his early 20s"
    # Filtered to the games outlet, the snippet still does not answer: the evidence is
    # Fortune's, outside the filter, and the answer says so.
    chosen = pipeline.ask(question, filters=Filters(sources=["Engadget"]))
    assert chosen.abstain_code == "filtered_out", chosen.answer
    assert "Fortune" in chosen.answer


@pytest.mark.parametrize(
    "question",
    [
        "Who leads Syria now?",
        "Who is currently the president of Syria?",
        "Who is the president of Syria now?",
        "Who leads Hayat Tahrir al-Sham?",
        # a position asked in the present is asked as of the newest report
        "Who is the president of Syria?",
    ],
)
def test_the_current_leader_is_the_2025_report_among_older_wars(
    fakes_pipeline: Pipeline, question: str
) -> None:
    """Among 402 reports of 2011-2018, the one 2025 article names Syria's and HTS's
    current leader: "now" retrieves among the newest articles (also when a passage of the
    2025 report is already retrieved, but not the one naming the president), the newest
    report of a holder leads ("President Bashar al-Assad" in 2015 did),
    and "Sharaa's Sunni Islamist group, Hayat Tahrir al-Sham" names its leader ("Ahrar
    Al-Sham" in a headline is another group)."""
    answer = fakes_pipeline.ask(question)
    assert not answer.abstained, answer.abstain_reason
    assert answer.citations[0].article_id == SEED_ID, answer.answer
    assert "Sharaa" in answer.sentences[0].text


@pytest.mark.parametrize(
    ("question", "lead", "article"),
    [
        # three sentences where civilians flee rank above the one where Assad does
        ("Where did Assad flee?", "seek refuge in Russia", SEED_ID),
        # "fall" is the asked verb (the tagger calls it a noun) and means "ousted"; the
        # start of the war in March 2011 has a more exact date but is another event
        ("When did Assad's government fall?", "ousted Assad’s government in December", SEED_ID),
        # "carried out" asks who was responsible: not the 2013 Ghouta attack, which was
        # "carried out by government troops"
        (
            "Who carried out the chemical attack in Khan Sheikhun?",
            "the regime was responsible for a sarin attack on Khan Sheikhun",
            "fakes-1923102880",
        ),
    ],
)
def test_the_act_asked_about_leads_among_distractors(
    fakes_pipeline: Pipeline, question: str, lead: str, article: str
) -> None:
    answer = fakes_pipeline.ask(question)
    assert not answer.abstained, answer.abstain_reason
    assert lead in answer.sentences[0].text, answer.answer
    assert answer.citations[0].article_id == article
