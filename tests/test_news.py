"""Who says what, and when: resolved dates, wire copies, outlet counts, conflicts, timelines.

On the seed article and, when ../shared/data is present, on real FA-KES articles.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.conflicts import counts_in, find_conflicts
from rag.dates import resolve_dates
from rag.embeddings import Embedder
from rag.news import independent_origins, supports
from rag.nlp import Annotator
from rag.pipeline import Pipeline
from rag.settings import NewsSettings, Settings
from rag.types import Citation, Hit
from rag.wire import WIRE_GROUP, WireGrouper, collapse
from tests.conftest import CORPUS, FAKES, SEED

needs_fakes = pytest.mark.skipif(
    not FAKES.exists(), reason="../shared/data/fa_kes_syria is not on this machine"
)


@cache
def annotator() -> Annotator:
    return Annotator(Settings().answer.nlp_model)


@cache
def fakes() -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in FAKES.read_text("utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in rows}


def _seed_text() -> str:
    return SEED.read_text("utf-8")


# ------------------------------------------------------------------------------- dates
@pytest.mark.parametrize(
    ("expression", "published", "label"),
    [
        ("on Thursday", "2025-03-09", "2025-03-06"),  # the seed's Thursday
        ("on Sunday", "2025-03-09", "2025-03-09"),  # the publication day itself
        ("last week", "2025-03-09", "2025-02-24 to 2025-03-02"),
        ("in December", "2025-03-09", "December 2024"),
        ("in March", "2025-03-09", "March 2025"),
        ("yesterday", "2017-04-05", "2017-04-04"),
        ("on April 4, 2017", "2017-04-05", "2017-04-04"),
    ],
)
def test_relative_dates_resolve_against_publication(
    expression: str, published: str, label: str
) -> None:
    text = f"The attack happened {expression} in the town."
    found = resolve_dates(text, published)
    assert [d.label() for d in found] == [label]
    assert text[found[0].start : found[0].end] in expression


@pytest.mark.parametrize(
    "text",
    [
        "Some 2000 fighters are believed to be hiding.",  # a count, not a year
        "The talks in Geneva resume next round.",
        "He said it may rain.",  # "may" is not a month
    ],
)
def test_no_date_is_invented(text: str) -> None:
    assert resolve_dates(text, "2025-03-09") == []


def test_seed_thursday_is_march_6() -> None:
    text = _seed_text()
    dates = resolve_dates(text, "2025-03-09")
    thursday = next(d for d in dates if d.text == "on Thursday")
    assert thursday.date == dt.date(2025, 3, 6) and thursday.relative
    assert text[thursday.start : thursday.end] == "on Thursday"
    december = next(d for d in dates if d.text == "December")
    assert december.date == dt.date(2024, 12, 1)  # Assad ousted in December 2024


# ---------------------------------------------------------------------------- conflicts
def test_counts_of_different_scope_are_not_a_conflict() -> None:
    sentence = (
        "Among the casualties were 745 civilians, 125 members of the Syrian security "
        "forces, and 148 pro-Assad fighters."
    )
    found = {c.value: c.about for c in counts_in(sentence, annotator())}
    assert found["745"] == "civilians killed"
    assert "security forces" in found["125"] and found["125"] != found["745"]
    claims = [
        (_citation(1, "seed", sentence, "2025-03-09"), sentence),
        (
            _citation(2, "seed", "over 1,000 people have died", "2025-03-09"),
            "Over 1,000 people have died in two days of fighting.",
        ),
    ]
    assert find_conflicts(claims, annotator(), 7) == []


def test_same_quantity_different_values_is_a_conflict() -> None:
    a = "The death toll rose to 86 including 30 children, the monitor said."
    b = "A suspected chemical attack killed 58 people in the town."
    claims = [
        (_citation(1, "x", a, "2017-04-05", "reuters"), a),
        (_citation(2, "y", b, "2017-04-04", "sana"), b),
    ]
    conflicts = find_conflicts(claims, annotator(), 7)
    assert [c.about for c in conflicts] == ["people killed"]
    assert [(c.value, c.citation.source) for c in conflicts[0].claims] == [
        ("86", "reuters"),
        ("58", "sana"),
    ]
    # One article's two figures are another event or an earlier count, not a conflict.
    same = [claims[0], (_citation(2, "x", b, "2017-04-05", "reuters"), b)]
    assert find_conflicts(same, annotator(), 7) == []
    # A year apart, they are about different events.
    far = [claims[0], (_citation(2, "y", b, "2018-04-04", "sana"), b)]
    assert find_conflicts(far, annotator(), 7) == []


def _citation(n: int, article: str, quote: str, published: str, source: str = "") -> Citation:
    return Citation(
        n=n, article_id=article, title=article, source=source or None, published_at=published,
        quote=quote, start=0, end=len(quote), score=1.0, context_start=0,
        context_end=len(quote),
    )  # fmt: skip


# ------------------------------------------------------------------------ wire copies
def _hit(article: str, source: str | None, group: str | None, text: str = "x") -> Hit:
    return Hit(
        article_id=article, chunk_id=f"{article}:0", title=article, source=source, text=text,
        start=0, end=len(text), score=1.0, wire_group=group,
    )  # fmt: skip


def test_collapse_keeps_one_article_per_wire_group() -> None:
    hits = [
        _hit("a", "ahram", "g1"),
        _hit("b", "alaraby", "g1"),
        _hit("a", "ahram", "g1"),  # a second passage of the same article stays
        _hit("c", "sana", "c"),
        _hit("d", "jordantimes", "g1"),
    ]
    out = collapse(hits)
    assert [h.article_id for h in out] == ["a", "a", "c"]
    assert out[0].also_carried_by == ["alaraby", "jordantimes"]
    assert out[2].also_carried_by == []


def test_independent_outlets_count_a_wire_story_once() -> None:
    hits = [
        _hit("a", "ahram", "g1"),
        _hit("b", "alaraby", "g1"),  # copy of a
        _hit("c", "sana", "c"),
        _hit("d", "sana", "d"),  # same outlet as c
    ]
    assert independent_origins(hits) == ["ahram", "sana"]


def test_an_article_whose_outlet_is_not_named_stands_for_itself() -> None:
    unnamed = _hit("s", None, "s").model_copy(
        update={"title": "Syrian Leader Calls for Unity Amid Deadly Clashes as Violence Escalates"}
    )
    assert independent_origins([unnamed, _hit("c", "sana", "c")]) == [
        "“Syrian Leader Calls for Unity Amid…” (outlet not named)",
        "sana",
    ]


def test_supports_needs_the_claims_numbers() -> None:
    claim = "Rebel shelling killed four civilians in Damascus on Monday"
    assert supports(claim, "Rebel shelling killed four civilians in Damascus Monday", 0.6)
    assert not supports(
        "The strike killed 18 civilians in Raqqa", "The strike killed 12 civilians in Raqqa", 0.6
    )


@needs_fakes
def test_wire_copies_group_and_distinct_stories_do_not() -> None:
    rows = fakes()
    from rag.types import Article

    def article(i: str) -> Article:
        r = rows[f"fakes-{i}"]
        return Article(id=r["id"], title=r["title"], text=r["text"], source=r["source"])

    grouper = WireGrouper([], NewsSettings())
    # alaraby and ahram ran the same wedding-bombing wire story; jordantimes and ahram
    # the same air-raid story; the TRT pair only shares boilerplate.
    got = grouper.assign(
        [article(i) for i in ("1923102911", "1923848289", "1924058079", "1924058107")]
    )
    groups = [a.metadata[WIRE_GROUP] for a in got]
    assert groups[0] == groups[1] == "fakes-1923102911"
    assert groups[2] == "fakes-1924058079" and groups[3] == "fakes-1924058107"


@needs_fakes
def test_wire_groups_are_incremental_and_survive_rebuild(
    tmp_path: Path, embedder: Embedder
) -> None:
    rows = fakes()
    first, second = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    first.write_text(json.dumps(rows["fakes-1923848187"]) + "\n", "utf-8")  # ahram
    second.write_text(json.dumps(rows["fakes-1924058050"]) + "\n", "utf-8")  # jordantimes copy
    pipeline = Pipeline(Settings(store=tmp_path / "store"), embedder=embedder)
    pipeline.ingest([first])
    pipeline.ingest([second])  # a later run: joins the stored article's group

    def groups() -> dict[str, str | None]:
        return {h.article_id: h.wire_group for h in pipeline.store.iter_chunks()}

    assert set(groups().values()) == {"fakes-1923848187"}
    pipeline.ingest([first, second], rebuild=True)
    assert set(groups().values()) == {"fakes-1923848187"}
    hits = pipeline.retrieve("13 civilians killed in regime air raids on northern Syria")
    assert {h.article_id for h in hits} == {"fakes-1923848187"}  # one story, once
    assert all(h.also_carried_by == ["jordantimes"] for h in hits)


# ------------------------------------------------------------------- answers, timeline
def test_seed_answer_resolves_thursday(seed_pipeline: Pipeline) -> None:
    answer = seed_pipeline.ask("How many security personnel were killed in the ambushes?")
    assert not answer.abstained
    dates = {d.text: d.date for c in answer.citations for d in c.event_dates}
    assert dates.get("on Thursday") == dt.date(2025, 3, 6)
    assert answer.as_of == dt.date(2025, 3, 9)
    assert answer.sentences[0].independent_outlets == 1
    payload = answer.to_json()
    assert payload["as_of"] == "2025-03-09" and "conflicts" in payload
    assert payload["citations"][0]["event_dates"][0]["date"]


def test_seed_casualty_counts_of_different_scope_are_not_conflicts(
    seed_pipeline: Pipeline,
) -> None:
    answer = seed_pipeline.ask("How many people were killed in the coastal violence?")
    # One article gives counts of several scopes; none of them contradicts another.
    assert answer.conflicts == []


def test_seed_timeline_dates_thursday(seed_pipeline: Pipeline) -> None:
    result = seed_pipeline.timeline("attacks on security forces on the Syrian coast")
    assert result.events
    days = [e.date for e in result.events]
    assert days == sorted(days)
    thursday = [e for e in result.events if e.date_text == "on Thursday"]
    assert thursday and thursday[0].date == dt.date(2025, 3, 6)
    text = SEED.read_text("utf-8")
    assert all(e.quote in text for e in result.events)


@needs_fakes
def test_fakes_conflict_and_outlet_count(fakes_pipeline: Pipeline) -> None:
    answer = fakes_pipeline.ask("What was the death toll of the Aleppo bus convoy bomb attack?")
    assert not answer.abstained
    killed = [c for c in answer.conflicts if c.about.endswith("killed")]
    assert killed, answer.conflicts
    values = {c.number for c in killed[0].claims}
    assert len(values) >= 2
    assert len({c.citation.article_id for c in killed[0].claims}) >= 2
    assert all(s.independent_outlets for s in answer.sentences)


@needs_fakes
def test_fakes_timeline_khan_shaykhun(fakes_pipeline: Pipeline) -> None:
    result = fakes_pipeline.timeline("chemical attack Khan Shaykhun sarin")
    assert result.events
    april_2017 = [e for e in result.events if (e.date.year, e.date.month) == (2017, 4)]
    assert april_2017
    days = [e.date for e in result.events]
    assert days == sorted(days)


def test_cli_timeline_exports(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(CORPUS)]).exit_code == 0
    query = "attacks on security forces on the Syrian coast"
    as_json = runner.invoke(main, ["timeline", query, "--json"])
    assert as_json.exit_code == 0, as_json.output
    events = json.loads(as_json.output)["events"]
    assert any(e["date"] == "2025-03-06" and e["date_text"] == "on Thursday" for e in events)
    as_csv = runner.invoke(main, ["timeline", query, "--csv"])
    assert as_csv.output.splitlines()[0].startswith("date,end_date,date_text,source")
    assert "2025-03-06" in as_csv.output
    as_md = runner.invoke(main, ["timeline", query, "--md", "--since", "2025-03-01"])
    assert as_md.output.startswith("# Timeline:") and "**2025-03-06** (on Thursday)" in as_md.output
    empty = runner.invoke(main, ["timeline", query, "--until", "1990-01-01"])
    assert empty.exit_code == 0 and "No dated events" in empty.output


@pytest.mark.parametrize(
    ("text", "published", "labels"),
    [
        ("a chemical weapons attack killed nearly 90 people on April 4.", "2017-04-05",
         ["2017-04-04"]),
        ("Warplanes releasing toxic gas targeted Tuesday the town.", "2017-04-05",
         ["2017-04-04"]),
        ("Talks resumed in Geneva on December 30.", "2017-01-03", ["2016-12-30"]),
        ("Tuesday's strike killed 18.", "2017-04-05", []),  # a possessive names no day
    ],
)  # fmt: skip
def test_dates_reported_without_year(text: str, published: str, labels: list[str]) -> None:
    assert [d.label() for d in resolve_dates(text, published)] == labels


@pytest.mark.parametrize(
    ("question", "latest"),
    [
        ("What is the latest death toll of the Aleppo convoy bombing?", True),
        ("How many people have been killed so far on the coast?", True),
        ("As of March 2025, who controls Latakia?", True),
        ("What is the most recent statement by the EU?", True),
        ("How many people were killed in the Aleppo convoy bombing?", False),
        ("Who was the first to report the attack?", False),
    ],
)
def test_latest_questions_are_parsed_once(question: str, latest: bool) -> None:
    from rag.questions import parse_question

    assert parse_question(question).latest is latest


def test_prefer_recent_lifts_the_newer_report() -> None:
    from rag.news import prefer_recent
    from rag.types import SentenceHit

    def sent(article: str, published: str, score: float) -> SentenceHit:
        hit = _hit(article, article, None).model_copy(update={"published_at": published})
        return SentenceHit(hit=hit, text="toll", start=0, end=4, score=score)

    ranked = [sent("first", "2017-04-15", 0.80), sent("update", "2017-04-16", 0.75)]
    assert [s.hit.article_id for s in prefer_recent(ranked, 0.1)] == ["update", "first"]
    assert [s.hit.article_id for s in prefer_recent(ranked, 0.0)] == ["first", "update"]


def test_timeline_merges_copies_and_orders_by_resolved_date() -> None:
    from rag.timeline import build_timeline
    from rag.types import Filters, SentenceHit

    def sent(article: str, source: str, published: str, text: str, score: float) -> SentenceHit:
        hit = _hit(article, source, None, text).model_copy(update={"published_at": published})
        return SentenceHit(hit=hit, text=text, start=0, end=len(text), score=score)

    ranked = [
        sent("a", "sputnik", "2017-04-07", "On Tuesday a chemical attack in Idlib killed 80 people.", 0.9),
        sent("b", "manar", "2017-04-07", "On Tuesday a chemical attack in Idlib killed 80 people.", 0.85),
        sent("c", "nna", "2017-04-05", "The WHO said on Wednesday the symptoms match a nerve agent.", 0.8),
        sent("d", "trt", "2017-04-05", "Unrelated weather report for the coast.", 0.1),  # irrelevant
    ]  # fmt: skip
    result = build_timeline("q", ranked, Filters(), min_relevance=0.2, limit=10, overlap=0.6)
    assert [(e.date.isoformat(), e.source) for e in result.events] == [
        ("2017-04-04", "sputnik"),
        ("2017-04-05", "nna"),
    ]
    assert result.events[0].also_carried_by == ["manar"]
    assert result.events[0].date_text == "On Tuesday"
    since = build_timeline("q", ranked, Filters(since=dt.date(2017, 4, 5)), min_relevance=0.2,
                           limit=10, overlap=0.6)  # fmt: skip
    assert [e.source for e in since.events] == ["nna"]


def test_nothing_verified_but_values_differ_abstains_with_sources_disagree() -> None:
    from rag.news import SOURCES_DISAGREE, NewsLens
    from rag.types import Answer, SentenceHit

    def sent(article: str, source: str, text: str) -> SentenceHit:
        hit = _hit(article, source, None, text).model_copy(update={"published_at": "2017-04-05"})
        return SentenceHit(hit=hit, text=text, start=0, end=len(text), score=0.8)

    answers = [
        sent("a", "reuters", "The chemical attack killed 72 people in the town."),
        sent("b", "sana", "The chemical attack killed 20 people in the town."),
    ]
    lens = NewsLens(NewsSettings(), annotator(), lambda groups: {})
    abstained = Answer(question="q", answer="", abstained=True, abstain_code="not_answered")
    out = lens.enrich(abstained, answers, answers)
    assert out.abstain_code == SOURCES_DISAGREE and out.abstained
    assert "72 (reuters, 2017-04-05)" in (out.abstain_reason or "")
    assert "20 (sana, 2017-04-05)" in (out.abstain_reason or "")
    # Any other abstention stays as it was, without conflicts.
    other = Answer(question="q", answer="", abstained=True, abstain_code="no_relevant")
    kept = lens.enrich(other, answers, answers)
    assert kept.abstain_code == "no_relevant" and kept.conflicts == []


@needs_fakes
def test_fakes_timeline_coast_2025_has_the_seed_thursday(fakes_pipeline: Pipeline) -> None:
    from rag.types import Filters

    # The query of the seed test: "clashes between Assad loyalists and security forces in
    # coastal Latakia and Tartous" left the Thursday sentence at 0.2999 against the 0.30
    # relevance floor, so this passed or failed with the CPU's int8 arithmetic. Here it
    # scores 0.50 against a floor of 0.33.
    result = fakes_pipeline.timeline(
        "attacks on security forces on the Syrian coast",
        filters=Filters(since=dt.date(2025, 1, 1)),
    )
    assert all(e.end_date >= dt.date(2025, 1, 1) for e in result.events)
    thursday = [e for e in result.events if e.date_text == "on Thursday"]
    assert thursday and thursday[0].date == dt.date(2025, 3, 6)


def test_wire_groups_match_datasketch_lsh_on_articles_that_share_passages() -> None:
    # WireGrouper keeps LSH bands in sorted arrays instead of datasketch's MinHashLSH
    # (0.4 KB an article instead of ~11 KB); the groups must be the ones MinHashLSH
    # finds, with re-ingested (updated) articles among them.
    from datasketch import MinHashLSH

    from rag.types import Article
    from rag.wire import signature

    rng = random.Random(7)
    words = [f"w{i}" for i in range(400)]
    stories = [" ".join(rng.choice(words) for _ in range(120)) for _ in range(30)]
    articles = []
    for i in range(300):  # copies of a story, each with some of its words replaced
        body = stories[i % 30].split()
        for _ in range(rng.choice([2, 10, 40, 90])):
            body[rng.randrange(len(body))] = rng.choice(words)
        articles.append(Article(id=f"a{i:03d}", title="t", text=" ".join(body)))
    articles += [a.model_copy(update={"text": a.text + " extra"}) for a in articles[:20]]

    settings = NewsSettings()
    lsh = MinHashLSH(threshold=settings.wire_threshold, num_perm=settings.wire_num_perm)
    sigs: dict[str, Any] = {}
    expected: dict[str, str] = {}
    for a in articles:
        sig = signature(a.text, settings)
        matches = [m for m in lsh.query(sig) if m != a.id]
        best = max(matches, key=lambda m: (sig.jaccard(sigs[m]), m), default=None)
        if a.id in sigs:
            lsh.remove(a.id)
        lsh.insert(a.id, sig)
        sigs[a.id] = sig
        expected[a.id] = expected[best] if best is not None else a.id

    grouper = WireGrouper([], settings)
    grouper._bands._MERGE_AT = 64  # merge into the sorted arrays several times
    assigned = grouper.assign(articles)
    got = {a.id: a.metadata[WIRE_GROUP] for a in assigned}
    assert got == expected
    assert 30 < len(set(got.values())) < 300  # copies were grouped, distinct ones not

    # Loaded back from the stored signatures, a new copy finds the same group.
    latest = {a.id: a for a in assigned}  # an updated article's last version
    stored = [{"id": a.id, "meta_json": json.dumps(a.metadata)} for a in latest.values()]
    again = WireGrouper(stored, settings).assign([articles[0].model_copy(update={"id": "new"})])
    assert again[0].metadata[WIRE_GROUP] == got[articles[0].id]


@pytest.mark.parametrize(
    ("text", "could"),
    [
        ("At least 23 civilians were killed in Aleppo.", True),
        ("Dozens fled; the death toll rose to eighty.", False),  # "eighty" is no number word
        ("The toll rose to seven.", True),
        ("Twelve people were wounded.", True),
        # must not fire: no number, or a number with nothing counted by an event
        ("Civilians were killed in Aleppo.", False),
        ("The summit opened on 23 May with 40 delegations.", False),
    ],
)
def test_a_sentence_is_parsed_for_counts_only_when_it_could_hold_one(
    text: str, could: bool
) -> None:
    from rag.conflicts import _could_count

    assert _could_count(text) is could
