"""The question parser (rag.questions): answer types, periods, outlets, entities, parts."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.questions import (
    cited_as_source,
    classify,
    count_focus,
    find_periods,
    match_outlets,
    parse_question,
)
from rag.retrieve import latest_window, steer_filters
from rag.types import Filters

REF = dt.date(2025, 3, 9)  # a Sunday


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who backed Assad?", "person"),
        ("who is the head of the Syrian Observatory for Human Rights?", "person"),
        ("Which person leads the monitoring group?", "person"),
        ("How many civilians were killed in March 2025?", "number"),
        (
            "How many people were killed in Aleppo in 2016?",
            "number",
        ),  # a year is not a date question
        ("What percentage of voters backed the plan?", "number"),
        ("How much did the company pay to settle the case?", "money"),
        ("When did the chemical attack happen?", "date"),
        ("In what year did the war start?", "date"),
        ("Where did the clashes break out?", "place"),
        ("Which city was hit by the strikes?", "place"),
        ("Which group claimed the attack?", "organisation"),
        ("Which countries supported the rebels?", "organisation"),
        ("What did Sharaa say about unity?", "quote"),
        ("Did the Verge report that Google paid Apple?", "yes_no"),
        ("Is the ceasefire holding?", "yes_no"),
        # modifiers before the type noun; the first type noun decides
        ("Which imam was killed by the bomb?", "person"),
        ("Which Jordanian leader stood beside the president?", "person"),
        ("Which Al-Ikhbariya TV correspondent did SANA name among the dead?", "person"),
        ("Which Texas-based publisher sued the company?", "organisation"),
        ("Which Syrian air base did the militants capture?", "place"),
        ("From which Damascus neighbourhood did he speak?", "place"),
        ("Which company's chief executive resigned?", "person"),
        ("How much operating income did the firm report?", "money"),
        ("What was Tesla's revenue in Q1 2021?", "money"),
        ("What is the release date of The Last of Us Part II?", "date"),
        ("What is the date of the 2021 NBA Draft?", "date"),
        ("Xenoblade Chronicles 2 release date", "date"),  # a keyword query
        ("Super Bowl 2021 location", "place"),
        # a name asked for: of a kind when the named thing is one, else any name
        ("What is the name of Amazon's AI assistant?", "name"),
        ("What was the title of her debut album?", "name"),
        ("What is the latest name for Twitter?", "name"),
        ("What's the name for the new variant?", "name"),
        ("What is Apple's new phone's name?", "name"),
        ("What was the storm called?", "name"),
        ("What new name did the Nusra Front adopt in July 2016?", "name"),
        ("According to Reuters, what name had the group taken?", "name"),
        ("What is the name of the city where the summit was held?", "place"),
        ("What was the name of the company's chief executive?", "person"),
        ("What is the name of the group that claimed the attack?", "organisation"),
        # must not fire: "name" or "called" that is not what is asked
        ("Who named the new prime minister?", "person"),
        ("What did the name of the bill say?", "quote"),
        ("Why was the storm called off?", "other"),
        ("What happened after he was named captain?", "other"),
        # must not fire: a date or place word that is not what is asked
        ("What was the outcome of the vote?", "other"),
        ("Why was the release date moved?", "other"),
        ("What is men's year-end No 1 in tennis in 2019?", "other"),  # "year-end" is no year
        # a length of time, with a verb of time; "how long ago" asks when
        ("How long has the civil war lasted?", "duration"),
        ("For how long did the siege of Aleppo go on?", "duration"),
        ("How long ago did the war begin?", "date"),
        ("How long is the bridge?", "other"),  # a length, not a time
        # must not fire: no answer type cue at all
        ("Describe the humanitarian situation in Idlib.", "other"),
        ("What happened to the city?", "other"),
        ("What type of helicopter was shot down?", "other"),
        ("What happened in Latakia?", "other"),
    ],
)
def test_answer_type(question: str, kind: str) -> None:
    assert classify(question) == kind


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("In which Idlib village did warplanes strike a school?", "village"),
        ("Which Syrian air base did the militants capture?", "base"),
        ("What type of Russian military helicopter was shot down?", "helicopter"),
        ("What kind of weapon was used in the attack?", "weapon"),
        ("Members of which tribe did ISIL execute?", "tribe"),
        # any noun between the wh-word and the verb names the answer's kind
        ("What movie won the Oscar for Best Animated Film in 2020?", "movie"),
        ("Which team won the 2022 World Cup?", "team"),
        # must not fire: nothing named is asked for
        ("Who backed Assad?", None),
        ("What happened to the city?", None),
        ("What type of weapon, and why?", None),  # no verb after the kind: not parsed
    ],
)
def test_asked_noun(question: str, asked: str | None) -> None:
    spec = parse_question(question)
    assert spec.asked == asked
    assert asked is None or asked not in spec.predicate  # the answer names it instead


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What happened in March 2025?", [("2025-03-01", "2025-03-31", "month")]),
        ("What happened on March 6, 2025?", [("2025-03-06", "2025-03-06", "day")]),
        ("What happened on 6 March 2025?", [("2025-03-06", "2025-03-06", "day")]),
        ("Who won in 2013?", [("2013-01-01", "2013-12-31", "year")]),
        ("Revenue in Q3 2023?", [("2023-07-01", "2023-09-30", "quarter")]),
        ("Revenue in the third quarter of 2023?", [("2023-07-01", "2023-09-30", "quarter")]),
        ("What happened in the summer of 2017?", [("2017-06-01", "2017-08-31", "season")]),
        ("What happened in late 2023?", [("2023-09-01", "2023-12-31", "season")]),
        ("Music of the 1990s?", [("1990-01-01", "1999-12-31", "decade")]),
        ("What happened yesterday?", [("2025-03-08", "2025-03-08", "day")]),
        ("What happened last year?", [("2024-01-01", "2024-12-31", "year")]),
        ("What happened this year?", [("2025-01-01", "2025-12-31", "year")]),
        ("What happened last month?", [("2025-02-01", "2025-02-28", "month")]),
        ("What happened last March?", [("2024-03-01", "2024-03-31", "month")]),
        ("What happened on Thursday?", [("2025-03-06", "2025-03-06", "day")]),
        ("What happened 3 days ago?", [("2025-03-06", "2025-03-06", "day")]),
        # must not fire: numbers that are not years, and no time at all
        ("How many of the 1,000 dead were civilians?", []),
        ("Were 2500 troops deployed?", []),
        ("Who backed Assad?", []),
        ("What did the May report say?", []),
    ],
)
def test_periods(question: str, expected: list[tuple[str, str, str]]) -> None:
    found = [
        (p.start.isoformat(), p.end.isoformat(), p.granularity) for p in find_periods(question, REF)
    ]
    assert found == expected


def test_relative_periods_need_a_reference_date() -> None:
    assert find_periods("What happened yesterday?", None) == []


@pytest.mark.parametrize(
    ("question", "outlets", "expected"),
    [
        ("What did The Verge report about Apple?", ["The Verge", "TechCrunch"], ["The Verge"]),
        ("According to reuters, who attacked?", ["reuters", "nna"], ["reuters"]),
        (
            "Did TechCrunch and The Verge agree?",
            ["The Verge", "TechCrunch"],
            ["TechCrunch", "The Verge"],
        ),
        # must not fire: a capitalised outlet name used as a common phrase
        ("Is this the age of AI?", ["The Age"], []),
        ("What is the verge of collapse?", ["The Verge"], []),
    ],
)
def test_outlets(question: str, outlets: list[str], expected: list[str]) -> None:
    assert match_outlets(question, outlets) == expected


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("How many civilians were among the dead?", "civilians"),
        ("How many mosques were destroyed?", "mosques"),
        ("How many people were killed?", None),  # "people" counts anything
        ("Who backed Assad?", None),
    ],
)
def test_count_focus(question: str, focus: str | None) -> None:
    assert count_focus(question) == focus


def test_spec_separates_entities_outlets_periods_and_predicate() -> None:
    spec = parse_question(
        "How many civilians did The Verge say were killed in Aleppo in March 2016?",
        outlets=["The Verge", "reuters"],
        reference=REF,
    )
    assert spec.answer_type == "number"
    assert spec.outlets == ["The Verge"]
    assert spec.entities == ["Aleppo"]
    assert [p.label() for p in spec.periods] == ["March 2016"]
    assert spec.focus == "civilians"
    assert (
        "kill" in spec.predicate and "verg" not in spec.predicate and "2016" not in spec.predicate
    )


@pytest.mark.parametrize(
    ("question", "entities"),
    [
        # the pieces of an outlet's name are no names the question asks about
        (
            "Which club, discussed in 'The Roar | Sports Writers Blog' and 'The Guardian', "
            "sacked its manager?",
            [],
        ),
        # a name the question also uses outside the outlet's name stays
        ("Did The Roar | Sports Writers Blog say the Roar won?", ["Roar"]),
        ("Did The Guardian report on Everton's points deduction?", ["Everton's"]),
    ],
)
def test_entities_leave_out_the_named_outlets(question: str, entities: list[str]) -> None:
    outlets = ["The Roar | Sports Writers Blog", "The Guardian"]
    assert parse_question(question, outlets=outlets, reference=REF).entities == entities


def test_multi_outlet_question_splits_into_one_part_per_outlet() -> None:
    spec = parse_question(
        "Between the report by TechCrunch on Google's antitrust case and the report by "
        "The Verge on Apple's testimony, did both mention search deals?",
        outlets=["The Verge", "TechCrunch", "Fortune"],
    )
    assert len(spec.parts) == 2
    assert spec.parts[0].startswith("TechCrunch") and "antitrust" in spec.parts[0]
    assert spec.parts[1].startswith("The Verge") and "testimony" in spec.parts[1]


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        # outlets named together share the words after them: no "Fortune' and" part
        (
            "Who is the individual recognized for his vision of AI at a developer conference, "
            "and has been described by 'Fortune' and 'TechCrunch' as both impactful in the "
            "industry and a central figure in a controversy over a board's decision?",
            [],
        ),
        (
            "Did The Verge report that Apple defended its search deal in court, while Fortune "
            "and TechCrunch both reported a lawsuit filed by news publishers against Google?",
            [
                "The Verge report that Apple defended its search deal in court, while",
                "Fortune and TechCrunch both reported a lawsuit filed by news publishers "
                "against Google",
            ],
        ),
        # must not fire: each outlet has its own words
        (
            "Between the report by TechCrunch on Google's antitrust case and the report by "
            "The Verge on Apple's testimony, did both mention search deals?",
            [
                "TechCrunch on Google's antitrust case and the report by",
                "The Verge on Apple's testimony, did both mention search deals",
            ],
        ),
    ],
)
def test_outlets_named_together_make_one_part(question: str, parts: list[str]) -> None:
    spec = parse_question(question, outlets=["The Verge", "TechCrunch", "Fortune"])
    assert spec.parts == parts
    if len(parts) == 2:  # each part is retrieved within every outlet it names
        steers = {text: f.sources for text, f in steer_filters(spec, Filters(), 365)}
        named = {o for o in ("The Verge", "TechCrunch", "Fortune") if o.split()[-1] in parts[1]}
        assert set(steers[parts[1]] or []) == named


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Who backed Assad and who backed the rebels?",
            ["Who backed Assad?", "who backed the rebels?"],
        ),
        # must not fire: "and" inside one question
        ("Who backed Assad and Iran?", []),
        ("How many civilians and fighters died?", []),
    ],
)
def test_two_wh_questions_split(question: str, parts: list[str]) -> None:
    assert parse_question(question).parts == parts


@pytest.mark.parametrize(
    ("question", "about"),
    [
        ("What did CNBC's November 2023 report say about Nike?", "publication"),
        ("According to the article published on October 5, 2023, who resigned?", "publication"),
        # must not fire: the period is what is reported on, or no report is named
        ("How much operating income did Uber report for the third quarter of 2023?", "event"),
        ("How many people were killed in Aleppo in 2016?", "event"),
    ],
)
def test_period_dates_the_report_or_the_event(question: str, about: str) -> None:
    spec = parse_question(question, outlets=["CNBC"], reference=dt.date(2025, 3, 9))
    assert [p.about for p in spec.periods] == [about]


@pytest.mark.parametrize(
    ("question", "entities"),
    [
        ("Who was named the 2021 National Teacher of the Year?", ["National Teacher of the Year"]),
        ("Who won the AP Player of the Year award in 2020?", ["AP Player of the Year"]),
        # must not fire: "of" between names that are no honour's title
        ("Who backed the Government of Syria?", ["Government", "Syria"]),
        ("Which team won the Year of the Dragon cup?", ["Dragon", "Year"]),
    ],
)
def test_an_honours_title_is_one_name_over_its_of_the(question: str, entities: list[str]) -> None:
    assert parse_question(question, reference=REF).entities == entities


@pytest.mark.parametrize(
    ("question", "entities"),
    [
        (
            "When was The Legend of Zelda: Breath of the Wild released?",
            ["Legend of Zelda: Breath of the Wild"],
        ),
        ("Who directed Star Wars: The Last Jedi?", ["Star Wars: The Last Jedi"]),
        ("When was Xenoblade Chronicles 2: Torna released?", ["Xenoblade Chronicles 2: Torna"]),
        # must not fire: a colon after a name that opens no title, and no colon at all
        ("What did TechCrunch report: did Google win?", ["Google", "TechCrunch"]),
        ("Did Russia and Iran back Assad?", ["Assad", "Iran", "Russia"]),
    ],
)
def test_a_two_part_title_is_one_name(question: str, entities: list[str]) -> None:
    assert parse_question(question, reference=REF).entities == entities


def test_a_title_cut_off_by_its_full_stop_is_no_entity() -> None:
    spec = parse_question("Did Rep. Patrick McHenry meet Dr. Smith in Aleppo?", reference=REF)
    assert spec.entities == ["Aleppo", "Patrick McHenry", "Smith"]


@pytest.mark.parametrize(
    ("question", "entities"),
    [
        # a generic word after a name need not be in the text ...
        ("Which actor won Best Actor at the 92nd Academy Awards Ceremony?", ["Academy Awards"]),
        ("Who won the US Open Tennis Tournament in 2019?", ["US Open Tennis"]),
        # ... but a name that is nothing else stays, as does a word that is part of it
        ("When did The Event air?", ["Event"]),
        ("Who hosted The Tonight Show in 2010?", ["Tonight Show"]),
        ("Who won the World Cup Final in 2014?", ["World Cup Final"]),
    ],
)
def test_generic_words_after_a_name_are_not_part_of_it(question: str, entities: list[str]) -> None:
    spec = parse_question(question, reference=REF)
    assert [e for e in spec.entities if e != "Best Actor"] == entities
    assert "ceremoni" not in spec.predicate  # nor what the question asks


def test_long_question_splits_into_claims_each_with_its_outlet() -> None:
    question = (
        "Who is the individual whose trial is approaching, as reported by TechCrunch, who faced "
        "difficulties managing the rapid expansion of FTX and Alameda Research as mentioned by "
        "The Verge, and who is also accused of committing fraud for personal gain according to "
        "another article from TechCrunch?"
    )
    spec = parse_question(question, outlets=["TechCrunch", "The Verge", "Fortune"])
    assert spec.claims == [
        "Who is the individual whose trial is approaching, as reported by TechCrunch",
        "who faced difficulties managing the rapid expansion of FTX and Alameda Research as "
        "mentioned by The Verge",
        "who is also accused of committing fraud for personal gain according to another "
        "article from TechCrunch",
    ]
    # each claim is retrieved within the outlet it names
    steers = steer_filters(spec, Filters(), 365)
    by_text = {text: f.sources for text, f in steers}
    assert by_text[spec.claims[1]] == ["The Verge"]
    assert by_text[spec.claims[2]] == ["TechCrunch"]


def test_a_question_on_the_present_is_also_retrieved_among_the_newest_reports() -> None:
    """Over a corpus of older wars, "Who leads Syria now?" must see the one 2025 report:
    it is retrieved again within ``latest_days`` before the reference date, inside the
    user's own filters."""
    spec = parse_question("Who leads Syria now?", reference=dt.date(2025, 3, 9))
    window = latest_window(spec, Filters(sources=["SANA"]), 365)
    assert window == Filters(since=dt.date(2024, 3, 9), until=dt.date(2025, 3, 9), sources=["SANA"])
    assert latest_window(spec, Filters(), 0) is None
    # a named time is retrieved as itself; a question on the past has no such window
    dated = parse_question("Who led Syria in 2016?", reference=dt.date(2025, 3, 9))
    past = parse_question("Where did Assad flee?", reference=dt.date(2025, 3, 9))
    assert latest_window(dated, Filters(), 365) is None
    assert latest_window(past, Filters(), 365) is None


@pytest.mark.parametrize(
    ("question", "latest"),
    [
        ("Where is Assad now?", True),
        ("Who leads Syria right now?", True),
        ("What is the latest death toll?", True),
        # who holds a position, asked in the present: its holder as of the newest report
        ("Who is the president of Syria?", True),
        ("Who leads Syria?", True),
        # must not fire: "now" inside the question describes what was reported; a former
        # holder, a named time, no position
        ("Who is now facing a criminal trial on fraud charges?", False),
        ("Where did Assad flee?", False),
        ("Who was the president of Syria?", False),
        ("Who is the former president of FIFA?", False),
        ("Who is the president of Syria in 2015?", False),
        ("Who won the World Cup?", False),
    ],
)
def test_a_question_ending_in_now_asks_for_the_newest_reports(question: str, latest: bool) -> None:
    assert parse_question(question, reference=REF).latest is latest


@pytest.mark.parametrize(
    ("question", "claims"),
    [
        (  # a contrast: ", yet …"
            "Which carmaker, covered by both Fortune and The Verge, is expected to double its "
            "battery output next year, yet is criticized for delaying its cheapest model?",
            [
                "Which carmaker, covered by both Fortune and The Verge, is expected to double "
                "its battery output next year",
                "is criticized for delaying its cheapest model",
            ],
        ),
        (  # "not only … but is also …"
            "Which airline, recently reported by The Verge, is not only facing fines over "
            "refunds owed to passengers but is also planning to cut regional routes entirely?",
            [
                "Which airline, recently reported by The Verge, is not only facing fines over "
                "refunds owed to passengers",
                "is also planning to cut regional routes entirely",
            ],
        ),
        (  # a second object of the same verb: "… for … and for …"
            "Which retailer, according to Fortune, has been fined for misleading shoppers about "
            "discounts and for hiding delivery fees until the final checkout page?",
            [
                "Which retailer, according to Fortune, has been fined for misleading shoppers "
                "about discounts",
                "for hiding delivery fees until the final checkout page",
            ],
        ),
    ],
)
def test_contrasts_and_second_objects_start_a_claim(question: str, claims: list[str]) -> None:
    assert parse_question(question, outlets=["Fortune", "The Verge"]).claims == claims


@pytest.mark.parametrize(
    "question",
    [
        # "yet" with no comma before it is an adverb, not a contrast
        "Which streaming service, as reported by both Fortune and The Verge, has not yet "
        "released the subscriber figures it promised its investors last spring?",
        # "but" with no "also" joins within one claim
        "Which startup, according to The Verge, raised a large seed round but lost its "
        "founder within a few months of launching its first product?",
    ],
)
def test_adverbs_and_plain_buts_do_not_split_claims(question: str) -> None:
    assert parse_question(question, outlets=["Fortune", "The Verge"]).claims == []


@pytest.mark.parametrize(
    "question",
    [
        "How many civilians were among those killed in the March 2025 violence on Syria's coast?",
        "Who backed Assad, and who backed the rebels in the long civil war that began in 2011?",
        # a fragment too short to be a claim joins its neighbour: one claim is no split
        "Which country, recently reported by both Fortune and The Verge, has implemented a "
        "blockade that halted the delivery of essential supplies to a region?",
    ],
)
def test_questions_with_one_claim_are_not_split(question: str) -> None:
    assert parse_question(question, outlets=["Fortune", "The Verge"]).claims == []


@pytest.mark.parametrize(
    ("question", "role"),
    [
        ("Who is the CEO of Lego in 2021?", ("ceo", "Lego", False)),
        ("Who is the president of the FIFA?", ("president", "FIFA", False)),
        ("Who is the new CEO of Vanguard?", ("ceo", "Vanguard", False)),
        ("Who is Google's CEO?", ("ceo", "Google", False)),
        ("Who is the Tesla CEO?", ("ceo", "Tesla", False)),
        ("Who is currently the president of Syria?", ("president", "Syria", False)),
        ("Who is now Google's CEO?", ("ceo", "Google", False)),
        ("Who was the CEO of Twitter in 2015?", ("ceo", "Twitter", True)),
        ("Who is the former president of FIFA?", ("president", "FIFA", True)),
        (
            "Who is the head of the Syrian Observatory for Human Rights?",
            ("head", "Syrian Observatory for Human Rights", False),
        ),
        # the kind of work beside its name is not part of the owner's name
        ("Who is the director of the Silent Hill movie?", ("director", "Silent Hill", False)),
        ("Who is the director of the film Titanic?", ("director", "Titanic", False)),
        ("Who is the editor of the New York Times?", ("editor", "New York Times", False)),
        ("Who is the director of the Disney film unit?", ("director", "Disney film unit", False)),
        # the position's verb
        ("Who leads Syria now?", ("leader", "Syria", False)),
        ("Who led the rebels?", ("leader", "rebels", True)),
        ("Who heads the observatory?", ("head", "observatory", False)),
        # must not fire: no position is asked about (nor one by a verb that names none)
        ("Who governs Syria?", None),
        ("Who won the 2021 Tour de France?", None),
        ("Who backed Assad?", None),
        ("Who is the lead actress in La La Land?", None),
    ],
)
def test_role(question: str, role: tuple[str, str, bool] | None) -> None:
    spec = parse_question(question)
    got = spec.role and (spec.role.noun, spec.role.of, spec.role.past)
    assert got == role
    assert "CEO" not in spec.entities  # the position asked about is not a name


def test_ordinal_suffixes_are_not_predicate_words() -> None:
    spec = parse_question("Which actor won Best Actor at the 92nd Academy Awards?")
    assert "nd" not in spec.predicate
    assert parse_question("Who acquired 20th Century Fox?").predicate == ["acquir"]


@pytest.mark.parametrize(
    ("question", "instance"),
    [
        ("When will the first season of The Blacklist premiere?", ("season", "1")),
        ("Who won stage 13?", ("stage", "13")),
        ("Who won stage 13 of the Tour de France?", ("stage", "13")),
        ("Who won Game 7 of the 2016 World Series?", ("game", "7")),
        ("Who was the third president of the United States?", ("president", "3")),
        # must not fire: "final" may be any number; an ordinal before a function word;
        # a year or a count is no instance
        ("When does the final season of Ozark air?", None),
        ("Who came first in the 2021 Tour de France?", None),
        ("How many people died in 2016?", None),
        ("Who won season 2021?", None),
        # a number inside a name is part of the name
        ("Who acquired 20th Century Fox?", None),
        ("Which actor won Best Actor at the 92nd Academy Awards?", None),
    ],
)
def test_instance(question: str, instance: tuple[str, str] | None) -> None:
    spec = parse_question(question)
    assert (spec.instance and (spec.instance.noun, spec.instance.ordinal)) == instance


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Who is the lead actress in The Shape of Water?", "actress"),
        ("Who directed The Avengers?", "directed"),
        ("Who is the CEO of Apple in 2021?", "ceo"),
        ("Who are the authors of the report?", "authors"),
        # a country or a people may answer these
        ("Who won the World Cup Final in 2018?", None),
        ("Who backed Assad?", None),
        ("Who is the owner of Paris Saint-Germain?", None),
        ("Who is the leader of the coalition?", None),
        # not a who-question
        ("When was the director's cut released?", None),
    ],
)
def test_person_noun(question: str, noun: str | None) -> None:
    assert parse_question(question).person_noun == noun


@pytest.mark.parametrize(
    ("name", "question", "cited"),
    [
        (
            "Bloomberg",
            "Considering a Bloomberg article on Apple's plans, which executive left?",
            True,
        ),
        ("CNET", "Based on a report by CNET on the Watch Series 9, which feature is new?", True),
        ("Forbes", "According to Forbes, who founded the company?", True),
        ("Hindu", "Did The Hindu's piece on Shreyanka Patil name her team?", True),
        ("Joker", "Will Zazie Beetz reprise her role in the Joker sequel?", False),
        ("Apple", "Considering a Bloomberg article on Apple's plans, which executive left?", False),
    ],
)
def test_cited_as_source(name: str, question: str, cited: bool) -> None:
    assert cited_as_source(name, question) is cited


def test_a_question_opener_is_not_part_of_the_name_after_it() -> None:
    spec = parse_question(
        "Considering Jeh Johnson's statements in an article from Wired, who is he?"
    )
    assert "Jeh Johnson's" in spec.entities
    assert not any(e.startswith("Considering") for e in spec.entities)


@pytest.mark.parametrize(
    ("question", "predicate"),
    [
        # the answer names the position ("CEO"); no sentence need say "role" or "position"
        ("What was Caroline Ellison's role at Alameda?", []),
        ("What position did Sharaa hold in 2024?", ["hold"]),
        ("What job did Assad's brother have?", ["brother"]),
        # "what role did X play": the answer describes it; the verb and the war carry it
        ("What role did Russia play in the war?", ["play", "war"]),
    ],
)
def test_a_position_asked_for_frames_the_question(question: str, predicate: list[str]) -> None:
    assert parse_question(question, reference=REF).predicate == predicate
