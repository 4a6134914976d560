"""Question → ``QuestionSpec``: parsed once, then read by every later stage.

Retrieval reads the outlets, periods and parts; ranking and abstention read the answer
type, entities, predicate and periods; the answerer reads the answer type to find the
lead span. No other module keeps its own patterns over the question text.

What is parsed, in general terms:

- **answer type** by ordered rules over the question's opening (``ANSWER_TYPE_RULES``):
  the first rule that matches wins, so "how many … in 2016" is a number, not a date;
- **periods**: absolute dates (day, month, quarter, season, "early/late YEAR", year,
  decade) by pattern; relative ones ("yesterday", "last week", "last March", "this
  year", "3 days ago", "on Thursday") resolved with ``dateparser`` against a reference
  date (the corpus's latest publication date, or ``--as-of``);
- **outlets**: the corpus's own outlet names that occur in the question;
- **entities**: capitalised names, minus outlets and calendar words;
- **predicate**: the remaining content words (stemmed) — what is asked of the entities;
- **parts**: a question naming several outlets, or joining two wh-questions with "and",
  is split so that each part is retrieved on its own.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from functools import lru_cache

from rag.text import (
    ORDINAL,
    QUESTION_WORDS,
    SEQUENCE_NOUNS,
    STOPWORDS,
    content_terms,
    months,
    names,
    ordinal_value,
    relative_years,
    without_reference_years,
    words,
    years,
)
from rag.types import Instance, Period, QuestionSpec, Role, SentenceHit

# Nouns that name what a "which …" / "what …" question wants. The first of them after the
# wh-word decides, whatever modifiers come before it ("which Texas-based publisher",
# "which Syrian air base", "which imam"); a possessive defers to the next noun ("which
# company's chief executive" asks for a person).
_PLACE_NOUNS = """city cities town towns village villages region regions province provinces
    place places area areas location locations neighbourhood neighborhood
    district districts venue venues
    airport airports base bases port ports camp camps field fields bridge bridges island islands
    river rivers lake mountain mountains valley border crossing checkpoint road street highway
    square building buildings stadium prison mosque church suburb suburbs county capital
    continent hotel site sites facility plant mine dam compound zone hospital school""".split()
_ORG_NOUNS = """organisation organization organisations organizations group groups company companies
    firm firms agency agencies outlet outlets party parties militia militias faction factions team
    teams club clubs bank banks government governments country countries nation nations state
    states alliance coalition body bodies institution institutions network networks newspaper
    newspapers startup startups publisher publishers broadcaster broadcasters channel airline
    airlines automaker carmaker carrier retailer manufacturer maker studio lab laboratory
    university court ministry department council committee commission union league federation
    association charity brand platform exchange fund regulator watchdog army brigade regime
    administration parliament board consortium insurer lender bloc tribe tribes clan clans sect
    sects movement movements""".split()
_PERSON_NOUNS = """person people man men woman women official officials minister ministers president
    leader leaders player players driver drivers coach ceo executive executives journalist
    journalists reporter spokesman spokeswoman spokesperson commander commanders envoy general
    judge founder cofounder co-founder author singer actor actress athlete imam cleric sheikh
    priest bishop pope king queen prince princess emir ambassador diplomat senator lawmaker
    politician governor mayor candidate chief director chairman chairwoman chair secretary lawyer
    attorney prosecutor doctor scientist researcher analyst activist soldier officer pilot
    militant victim hostage prisoner detainee survivor witness winner champion manager owner
    investor billionaire entrepreneur economist professor student monarch dictator negotiator
    mediator inspector investigator commissioner chancellor premier rapper musician artist
    writer novelist editor columnist employee engineer correspondent correspondents presenter
    photographer cameraman commentator striker goalkeeper midfielder quarterback pitcher""".split()
_NUMBER_NOUNS = """toll tolls number numbers percentage percent proportion fraction total figure
    figures count""".split()
_TYPE_NOUNS = {
    "place": _PLACE_NOUNS,
    "organisation": _ORG_NOUNS,
    "person": _PERSON_NOUNS,
    "number": _NUMBER_NOUNS,
}
_ANY_TYPE_NOUN = "|".join(
    sorted({n for nouns in _TYPE_NOUNS.values() for n in nouns}, key=len, reverse=True)
)
# Function words end the modifiers: "what happened to the city" asks no place.
_FUNCTION_WORD = "|".join(sorted((re.escape(w) for w in STOPWORDS), key=len, reverse=True))


def _which_noun(nouns: list[str]) -> re.Pattern[str]:
    """'which/what', up to three modifiers (no type noun, no function word), then ``nouns``."""
    wanted = "|".join(sorted(nouns, key=len, reverse=True))
    modifier = rf"(?:(?!(?:(?:{_ANY_TYPE_NOUN})\b(?!['’]s)|(?:{_FUNCTION_WORD})\b))[\w'’.-]+\s+)"
    return re.compile(rf"\b(?:which|what)\s+{modifier}{{0,3}}(?P<noun>{wanted})\b(?!['’]s)")


def _name_of(nouns: list[str] | None = None) -> re.Pattern[str]:
    """A question asking for the *name* of something ("What is the name of Amazon's AI
    assistant?", "What was the title of her debut album?", "What is the ship called?").

    With ``nouns``, only when what is named is one of them ("the name of the *city*
    where …" asks for a place); the noun is the pattern's ``noun`` group.
    """
    if nouns is None:
        return _NAME_OF
    wanted = "|".join(sorted(nouns, key=len, reverse=True))
    return re.compile(
        rf"{_NAME_OF_HEAD}(?:the |a |an )?(?:[\w'’-]+ ){{0,3}}?(?P<noun>{wanted})\b(?!['’]s)"
    )


_NAME_OF_HEAD = (
    r"^(?:what|which)(?:['’]s| is| was| are| were| will be| would be) "
    r"(?:the |its |their |his |her )?(?:[a-z]+ )?"  # "the new name", "its official name"
    r"(?:names?|nicknames?|titles?|brand names?|code ?names?) (?:of|for|given to) "
)
_NAME_OF = re.compile(
    rf"{_NAME_OF_HEAD}|"
    # "What is Amazon's AI assistant's name?", "What was the band's new name?"
    r"^what(?:['’]s| is| was| are| were) [^?]{1,80}?['’]s? (?:new |official |full |real )?"
    r"(?:name|nickname|title)\b|"
    # "What is the new variant called?", "What was the storm named?"
    r"^what (?:is|was|are|were) [^?]{1,80}? (?:called|named|nicknamed)\s*\??$|"
    # "What new name did the Nusra Front adopt …", "… what name had it taken?"
    r"\b(?:what|which) (?:new |official |full |real |first |last |code |brand )?names? "
    r"(?:did|does|do|had|has|have|was|were|is|are|will|would)\b"
)

# (answer type, pattern over the lower-cased question). Order matters: the first match wins.
ANSWER_TYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "quote",
        re.compile(
            r"^what (did|does|do|has|have|had)\b.*\b(say|said|tell|told|state|stated|announce|"
            r"write|wrote)\b"
        ),
    ),
    (
        "money",
        re.compile(
            r"\bhow much (money|cash|funding)\b|\bhow much\b.*\b(cost|costs|pay|paid|raise|"
            r"raised|spend|spent|worth|fined?|earn|earned|invest|invested)\b|"
            r"\bwhat (price|amount of money)\b|\b(what|how much) (net |operating )?(income|"
            r"revenue|profit|loss|sales|earnings|valuation)\b|"
            # "What was Tesla's revenue in Q1 2021?"
            r"^(what|how much) (is|was|were|are)\b[^?]{0,60}?\b(revenue|net income|profits?|"
            r"earnings|valuation|market cap(italisation|italization)?)\b"
        ),
    ),
    (
        "number",
        re.compile(
            r"^(how many|how much|what (number|percentage|percent|share|proportion|fraction|"
            r"amount|total))\b|\bhow many\b|\bwhat was the (death toll|toll|number)\b"
        ),
    ),
    ("number", _which_noun(_NUMBER_NOUNS)),
    (
        "date",
        re.compile(
            # "(?!-)": "men's year-end No 1" is no year
            r"^when\b|^how long ago\b|\b(what|which) (year|date|day|month|week)\b(?!-)|"
            r"\bon what (date|day)\b|^(in )?what year\b(?!-)|"
            # "What is the release date of …", "What is the date of the 2021 NBA Draft?"
            r"^(what|which) (is|was|are|were) (the |its |their )?([\w'’-]+ ){0,2}?"
            r"(date|year|day)\b(?!-)|"
            # A keyword query: "Xenoblade Chronicles 2 release date"
            r"^(?!(what|which|who|how|why)\b)[^?]*\b(release|premiere|launch|air) date\??$"
        ),
    ),
    # "How long has the war lasted?", with a verb of time: "How long is the bridge?" asks
    # a length, and "how long ago" asks when.
    (
        "duration",
        re.compile(
            r"^(for )?how long (has|have|had|did|does|do|will|would|could|can|must|should)\b"
            r"(?!.*\bago\b)"
        ),
    ),
    ("place", re.compile(r"^where\b")),
    # A keyword query: "Super Bowl 2021 location"
    ("place", re.compile(r"^(?!(what|which|who|how|why|when)\b)[^?]*\b(location|venue)\??$")),
    ("place", _which_noun(_PLACE_NOUNS)),
    ("organisation", _which_noun(_ORG_NOUNS)),
    ("person", _which_noun(_PERSON_NOUNS)),
    # "What is the name of the city/company/man …" asks for that kind; of anything else,
    # for a name of its own kind (a product, a title, a ship): see TYPE_LABELS["name"].
    ("place", _name_of(_PLACE_NOUNS)),
    ("organisation", _name_of(_ORG_NOUNS)),
    ("person", _name_of(_PERSON_NOUNS)),
    ("name", _name_of()),
    ("person", re.compile(r"^(who|whom|whose)\b|\bwho\b")),
    (
        "yes_no",
        re.compile(
            r"^(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|may)\b"
        ),
    ),
]

# Words that name the answer type or frame the question, not what is asked about.
_FRAME_WORDS = frozenset(
    """year date day month week number percentage percent share proportion total amount
    city country place town region person people official group organisation organization
    company report article publish published type kind sort location venue name
    happen happened happens occur occurred occurs role position job""".split()
)
FRAME_TERMS = frozenset(t for w in _FRAME_WORDS for t in content_terms(w))
"""The stems of ``_FRAME_WORDS``: what frames a question ("what *happened*", "which
*year*", "what was her *role*": the answer names the position, "CEO"), never what it is
about."""
TYPE_FRAMES = {
    # "What is the storm called?": the answer is the name, no sentence says "called".
    "name": frozenset(content_terms("name named called title nickname")),
    # "How long has the war lasted?" is answered by "the 13-year war".
    "duration": frozenset(content_terms("long last lasted lasting take took taken going")),
    "date": frozenset(content_terms("long ago")),  # "How long ago did the war begin?"
}
"""Words that frame a question of one answer type, beyond ``FRAME_TERMS``."""
EMPTY_VERBS = frozenset(t for w in ("happened", "occurred") for t in content_terms(w))
"""Verbs that say only that something took place: no sentence need repeat them."""
# A title cut off its name by its full stop ("Rep. Patrick McHenry") is no entity.
HONORIFICS = frozenset(
    "mr mrs ms dr prof rep sen gov gen lt col sgt capt cmdr adm st rev hon pres".split()
)
_GENERIC_FOCUS = frozenset({"people", "persons", "person", "times", "of", "the", "were", "was"})

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS["sept"] = 9
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAYS = [d.lower() for d in calendar.day_name]
_ORD = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
_PARTS_OF_YEAR = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}

_YEAR = r"(?:19|20)\d{2}"
# Absolute periods, most specific first; each match is removed before the next pattern runs.
_ABSOLUTE: list[tuple[str, re.Pattern[str]]] = [
    ("iso_day", re.compile(rf"\b(?P<y>{_YEAR})-(?P<m>\d{{2}})-(?P<d>\d{{2}})\b")),
    (
        "day",
        re.compile(
            rf"\b(?P<mon>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_YEAR})\b", re.I
        ),
    ),
    (
        "day",
        re.compile(
            rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH}),?\s+(?P<y>{_YEAR})\b",
            re.I,
        ),
    ),
    (
        "quarter",
        re.compile(
            rf"\b(?:q(?P<q>[1-4])\s*(?:of\s+)?(?P<y>{_YEAR})|(?:the\s+)?(?P<qw>first|second|third|"
            rf"fourth|1st|2nd|3rd|4th)\s+quarter\s+(?:of\s+)?(?P<y2>{_YEAR}))\b",
            re.I,
        ),
    ),
    ("month", re.compile(rf"\b(?P<mon>{_MONTH})\s+(?:of\s+)?(?P<y>{_YEAR})\b", re.I)),
    (
        "season",
        re.compile(
            rf"\b(?P<s>spring|summer|autumn|fall|winter)\s+(?:of\s+)?(?P<y>{_YEAR})\b", re.I
        ),
    ),
    (
        "part",
        re.compile(rf"\b(?P<p>early|mid|late)[\s-]+(?P<y>{_YEAR})\b", re.I),
    ),
    ("decade", re.compile(r"\b(?:the\s+)?(?P<dec>(?:19|20)\d0)s\b", re.I)),
    ("year", re.compile(rf"(?<![\d,.$£€-])\b(?P<y>{_YEAR})\b(?![,.]\d|-\d|%)")),
]
# Relative periods; resolved against the reference date.
_RELATIVE = re.compile(
    r"\b(?P<rel>yesterday|today|tonight|this morning|"
    r"(?:last|this|past|previous)\s+(?:week|month|year|weekend)|"
    rf"(?:last|this)\s+(?P<rmon>{_MONTH})|"
    r"(?P<n>\d+|a|one|two|three|four|five|six|seven|ten)\s+(?P<unit>day|week|month|year)s?\s+ago|"
    r"(?:on|last)\s+(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.I,
)
_WORD_NUM = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_WORD_NUM["ten"] = 10

# Words a question may add after a name that the text need not repeat: "the 92nd Academy
# Awards Ceremony" is answered by "Joaquin Phoenix wins Best Actor at the 92nd Academy Awards".
_GENERIC_TAIL = frozenset("ceremony ceremonies event tournament competition match".split())


def _without_generic_tail(name: str) -> str:
    """``name`` without trailing generic words ("Academy Awards Ceremony" → "Academy
    Awards"); a name that is nothing else is kept ("The Event")."""
    tokens = name.split()
    while len(tokens) > 1 and tokens[-1].lower() in _GENERIC_TAIL:
        tokens.pop()
    return " ".join(tokens)


# "Teacher of the Year", "Player of the Match": an honour's name runs over "of the".
_TITLE_TAIL = re.compile(
    r"\b([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)\s+of\s+the\s+"
    r"(Year|Season|Decade|Month|Week|Match|Game|Series|Tournament|Championship)\b"
)


def _award_titles(found: set[str], question: str) -> set[str]:
    """``found`` names with an honour's title joined over its "of the": "National
    Teacher of the Year" is one name, not "National Teacher" and "Year". The tail alone
    ("Year") stays a name only if the question uses it outside the title."""
    out = set(found)
    for m in _TITLE_TAIL.finditer(question):
        head, tail = m.group(1), m.group(2)
        whole = f"{head} of the {tail}"
        for name in found:
            if name.endswith(head):
                out.discard(name)
                # "The 2021 National Teacher …": the run's own start, as names() cut it
                out.add(f"{name} of the {tail}")
        if tail in out and not re.search(rf"\b{tail}\b", question.replace(whole, "")):
            out.discard(tail)
    return out


# A work's title in two parts, "The Legend of Zelda: Breath of the Wild": capitalised
# words, joined inside each part by the small words titles keep lower-case.
_TITLE_PART = (
    r"[A-Z0-9][\w'’.-]*(?:\s+(?:(?:of|the|a|an|and|in|on|for|to|at)\s+)*[A-Z0-9][\w'’.-]*)*"
)
_COLON_TITLE = re.compile(rf"\b({_TITLE_PART}):\s+({_TITLE_PART})")


def _colon_titles(found: set[str], question: str) -> set[str]:
    """``found`` names with a two-part title joined into one name, "Legend of Zelda:
    Breath of the Wild", instead of "Legend", "Zelda", "Breath" and "Wild". Text that
    names the second part names the work (``rag.abstain.mentions``): reports say "Breath
    of the Wild", and the first part alone is the series ("Xenoblade Chronicles 2" is not
    its expansion "Xenoblade Chronicles 2: Torna")."""
    out = set(found)
    for m in _COLON_TITLE.finditer(question):
        head = m.group(1).split()
        while head and head[0].lower() in STOPWORDS | QUESTION_WORDS:
            head = head[1:]
        if not head:
            continue
        title = f"{' '.join(head)}: {m.group(2)}"
        inside = set(content_terms(title))
        out = {n for n in out if not set(content_terms(n)) <= inside}
        out.add(title)
    return out


_WH_SPLIT = re.compile(
    r",?\s+and\s+(?=(?:who|whom|what|when|where|which|how|why)\b)|;\s*(?=\w)", re.I
)


def parse_question(
    question: str,
    *,
    outlets: Sequence[str] = (),
    reference: dt.date | None = None,
) -> QuestionSpec:
    """Parse ``question`` into a ``QuestionSpec``.

    ``outlets`` are the corpus's outlet names (matched in the question); ``reference``
    is the date relative expressions are resolved against (None: they are left out).
    """
    q = " ".join(question.split())
    named_outlets = match_outlets(q, outlets)
    periods = [
        p.model_copy(update={"about": "publication"}) if _names_a_report(q, p, named_outlets) else p
        for p in find_periods(q, reference)
    ]
    outlet_terms = {t for o in named_outlets for t in content_terms(o)}
    # Where the question names its outlets: a name inside one is a piece of it ("Roar" and
    # "Sports Writers Blog" of "The Roar | Sports Writers Blog"), not what it asks about.
    outlet_spans = [m for o in named_outlets if (m := outlet_mention(q, o)) is not None]
    period_terms = {t for p in periods for t in content_terms(p.text)}
    entities = [
        n
        for n in sorted(
            {n.strip("'’\"“”") for n in _colon_titles(_award_titles(names(q), q), q)} - {""}
        )
        if not _is_outlet(n, named_outlets)
        and not _inside(n, q, outlet_spans)
        and not set(content_terms(n)) <= period_terms
        and n.lower().rstrip(".") not in HONORIFICS
        and n.lower() not in ROLE_NOUNS  # "CEO" is the position asked about, not a name
    ]
    entity_terms = {t for e in entities for t in content_terms(e)}
    entities = list(dict.fromkeys(_without_generic_tail(e) for e in entities))
    asked = asked_noun(q)
    frame = {t for w in [*_FRAME_WORDS, asked or ""] for t in content_terms(w)}
    predicate = [
        t
        for t in dict.fromkeys(content_terms(q))
        if t not in entity_terms | outlet_terms | period_terms | frame and not t.isdigit()
    ]
    answer_type = classify(q)
    if answer_type in TYPE_FRAMES:
        frame |= TYPE_FRAMES[answer_type]
        predicate = [t for t in predicate if t not in frame]
    role = asked_role(q)
    # "Who is the president of Syria?" asks for the holder as of the newest report, as
    # "… now?" does: positions change hands (not "Who was …", nor "… in 2015?").
    present_holder = role is not None and not role.past and not periods
    return QuestionSpec(
        question=q,
        answer_type=answer_type,
        entities=entities,
        predicate=predicate,
        focus=count_focus(q) if answer_type in ("number", "money") else None,
        counted_event=counted_event(q) if answer_type == "number" else None,
        periods=periods,
        outlets=named_outlets,
        parts=split_parts(q, named_outlets),
        claims=split_claims(q, named_outlets),
        reference_date=reference,
        latest=bool(LATEST.search(q)) or present_holder,
        asked=asked,
        role=role,
        instance=asked_instance(q),
        person_noun=person_noun(q) if answer_type == "person" else None,
    )


LATEST = re.compile(
    r"\b(latest|most recent(ly)?|newest|as of|so far|to date|up to date|currently|current|"
    r"now stand|still)\b|\b(?:right\s+)?now\s*\?*\s*$",
    re.I,
)
"""Words asking for the newest state of things: newer reports supersede older ones.

A question that ends in "now" ("Where is Assad now?", "Who leads Syria now?") asks for the
state of things as of the newest report; "now" inside a question ("who is now facing a
trial") describes what was reported and is not such a cue."""


_REPORT = re.compile(r"\b(report|reported|article|story|published|wrote|interview|piece)\b", re.I)


_COVERS = re.compile(r"\b(?:for|covering|during|over|throughout)\s+(?:the\s+)?$", re.I)


def _names_a_report(question: str, period: Period, outlets: Sequence[str]) -> bool:
    """True when ``period`` dates a report, not the event: "CNBC's November 2023 report",
    "According to The Age in December 2023", "the article published on October 5, 2023".

    The test is proximity: an outlet name or a report word within 30 characters of the
    time expression. A period a report is *for* ("did Uber report for the third quarter
    of 2023", "results covering 2022") is what it reports on, so it dates the event.
    """
    at = question.find(period.text)
    if at < 0:
        return False
    if _COVERS.search(question[max(0, at - 12) : at]):
        return False
    near = question[max(0, at - 30) : at + len(period.text) + 30]
    return bool(_REPORT.search(near)) or any(outlet_mention(near, o) is not None for o in outlets)


# "What type of Russian military helicopter was …": the kind is the last word before the verb.
_KIND_OF = re.compile(
    r"\b(?:what|which)\s+(?:type|kind|model|make|brand|class|sort|version|variant)s?\s+of\s+"
    r"(?:[\w'’-]+\s+){0,3}?(?P<noun>[a-z][\w-]*)(?=\s+(?:was|were|is|are|did|does|do|has|have|"
    r"had|will|would|can|could)\b)"
)


# Positions a person holds: "Who is the CEO of Tesla?" asks for the holder of one.
ROLE_NOUNS = frozenset(
    """ceo president leader coach executive chief director chairman chairwoman chair secretary
    founder cofounder co-founder head minister governor mayor king queen emir spokesman
    spokeswoman spokesperson commander envoy ambassador manager owner editor premier chancellor
    boss captain principal dean""".split()
)
# Who-questions whose answer is one person, never a country or a people: the positions
# above, the people a film, book or song is made by, and the verbs saying so.
# An owner, a leader or a head may be a country ("Qatar owns …", "the Saudi-led coalition").
PERSON_NOUNS = (ROLE_NOUNS - {"owner", "leader", "head"}) | frozenset(
    """actor actress director author writer novelist poet playwright screenwriter singer
    songwriter rapper composer producer presenter anchor journalist reporter artist painter
    sculptor architect inventor scientist astronaut quarterback goalkeeper pitcher
    directed starred""".split()
)


_SOURCE_WORDS = r"(?:article|report|piece|story|coverage|interview|column|review|analysis)s?"


def cited_as_source(name: str, question: str) -> bool:
    """The question cites ``name`` as where it read something: "a *Bloomberg* article",
    "a report by *CNET*", "according to *Forbes*", "*The Hindu*'s piece"."""
    n = re.escape(name)
    return bool(
        re.search(
            rf"\b{_SOURCE_WORDS}\s+(?:from|by|in|of)\s+(?:the\s+)?{n}\b"
            rf"|\b(?:according to|reported by|published (?:by|in)|wrote in)\s+(?:the\s+)?{n}\b"
            rf"|\b{n}(?:['’]s?)?\s+{_SOURCE_WORDS}\b",
            question,
            re.I,
        )
    )


def person_noun(question: str) -> str | None:
    """The word of a who-question saying its answer is a person ("Who is the lead
    *actress* in …", "Who *directed* …", "Who is the *CEO* of …"), or None."""
    for m in re.finditer(r"[A-Za-z][A-Za-z-]*", question):
        low = m.group(0).lower()
        if low in PERSON_NOUNS or (low.endswith("s") and low[:-1] in PERSON_NOUNS):
            return low
    return None


_ROLE = "|".join(sorted((re.escape(r) for r in ROLE_NOUNS), key=len, reverse=True))
_QUALIFIER = (
    r"(?:(?P<qual>new|current|former|first|last|previous|next|interim|acting|incoming|"
    r"outgoing)\s+)?"
)
_UNTIL_END = r"\s*(?:\b(?:in|as of|since|during)\s+\d{4}\b|\bas of\b|\bnow\b|\btoday\b|\?|$)"
# "Who is *currently* the president of Syria?"
_NOW = r"(?:(?:currently|now|presently)\s+)?"
_WHO_ROLE = [
    # "Who is the (new) CEO of Lego in 2021?", "Who was the head of the observatory?"
    re.compile(
        rf"^who\s+(?P<verb>is|was|are|were|will be|became)\s+{_NOW}(?:the\s+)?{_QUALIFIER}"
        rf"(?P<role>{_ROLE})s?\s+(?:of|at|for)\s+(?:the\s+)?(?P<of>[^?]+?){_UNTIL_END}",
        re.I,
    ),
    # "Who is Google's CEO?"
    re.compile(
        rf"^who\s+(?P<verb>is|was|are|were)\s+{_NOW}(?P<of>[^?]+?)['’]s?\s+{_QUALIFIER}"
        rf"(?P<role>{_ROLE})\b{_UNTIL_END}",
        re.I,
    ),
    # "Who is the Tesla CEO?": the owner is a capitalised name (case-sensitive)
    re.compile(
        rf"^[Ww]ho\s+(?P<verb>is|was)\s+{_NOW}(?:the\s+)?{_QUALIFIER}"
        rf"(?P<of>(?:[A-Z][\w&.'’-]*\s+){{1,4}}?)(?i:(?P<role>{_ROLE}))\b{_UNTIL_END}"
    ),
]


# "Who leads Syria now?", "Who headed the observatory in 2015?": the verb of a position.
_ROLE_VERBS = {
    "leads": "leader", "led": "leader", "heads": "head", "headed": "head",
    "chairs": "chair", "chaired": "chair", "coaches": "coach", "coached": "coach",
    "manages": "manager", "managed": "manager",
}  # fmt: skip
_WHO_VERB_ROLE = re.compile(
    rf"^who\s+(?:currently\s+)?(?P<verb>{'|'.join(_ROLE_VERBS)})\s+(?:the\s+)?"
    rf"(?P<of>[^?]+?){_UNTIL_END}",
    re.I,
)


def asked_role(question: str) -> Role | None:
    """The position a "who is the <position> of <owner>" question asks the holder of
    (or "who leads / heads / chairs … <owner>": the position's verb)."""
    m = _WHO_VERB_ROLE.search(question.strip())
    if m:
        verb = m.group("verb").lower()
        owner = m.group("of").strip(" ,'’\"“”") or None
        return Role(noun=_ROLE_VERBS[verb], of=owner, past=verb.endswith("ed") or verb == "led")
    for pattern in _WHO_ROLE:
        m = pattern.search(question.strip())
        if m:
            qual = (m.group("qual") or "").lower()
            past = qual in ("former", "previous", "first") or m.group("verb").lower() in (
                "was",
                "were",
            )
            owner = _without_kind((m.group("of") or "").strip(" ,'’\"“”")) or None
            return Role(noun=m.group("role").lower(), of=owner, past=past)
    return None


# The kind of work a name is, said beside it: "the Silent Hill *movie*", "the *film*
# Titanic". Reports name the work, rarely its kind ("Silent Hill is a 2006 horror film").
_KIND_AFTER = re.compile(
    r"^(?P<name>.*[A-Z].*?)\s+(?:movie|film|series|tv series|show|tv show|novel|book|album|"
    r"song|video game|game|franchise|play|musical|documentary|sitcom)$"
)
_KIND_BEFORE = re.compile(
    r"^(?:movie|film|series|show|novel|book|album|song|video game|game|play|musical)\s+"
    r"(?P<name>[A-Z\"“'‘].*)$"
)


def _without_kind(owner: str) -> str:
    """``owner`` without the kind of work named beside it ("Silent Hill movie" → "Silent
    Hill"); other owners ("the Syrian Observatory for Human Rights") unchanged."""
    m = _KIND_AFTER.match(owner) or _KIND_BEFORE.match(owner)
    return m.group("name").strip(" ,'’\"“”") if m else owner


# A position is also named by its verb: "Rebels led by Hayat Tahrir al-Sham", "the
# observatory, headed by Rami Abdulrahman".
ROLE_ALIASES = {
    "ceo": r"ceo|chief executive(?:\s+officer)?",
    "head": r"head|chief|headed(?:\s+by)?",
    "leader": r"leader|leads|led(?:\s+by)?",
    "chair": r"chair|chaired(?:\s+by)?",
    "coach": r"coach|coached(?:\s+by)?",
    "manager": r"manager|manages|managed(?:\s+by)?",
    # "a 2006 horror film directed by Christophe Gans", "Meta, founded by Mark Zuckerberg"
    "director": r"director|directs|directed(?:\s+by)?",
    "founder": r"(?:co-?)?founder|(?:co-?)?founded(?:\s+by)?",
    "owner": r"owner|owns|owned(?:\s+by)?",
    "editor": r"editor|edited(?:\s+by)?",
    "captain": r"captain|captained(?:\s+by)?",
}
# One who leads a group heads it: what a report may say for a question on either.
POSITION_WORDS = {
    "head": ROLE_ALIASES["head"] + "|" + ROLE_ALIASES["leader"],
    "leader": ROLE_ALIASES["leader"] + "|" + ROLE_ALIASES["head"],
}


def names_position(role: Role, text: str) -> int | None:
    """How closely ``text`` names the asked position and its owner ("Syrian leader Ahmed
    Sharaa …" for "Who leads Syria?"): 0 by the position's noun (or plural), 1 by another
    of its words ("led by"), 2 by a related position's (a leader's for a head's); None
    when it does not, or lacks the owner: every longer word of it, by its first four
    letters ("Syria" in "Syrian", "Syria's")."""
    low = text.lower()
    if not role.of or not all(w.lower()[:4] in low for w in re.findall(r"[A-Za-z]{4,}", role.of)):
        return None
    own = ROLE_ALIASES.get(role.noun, re.escape(role.noun))
    words = [re.escape(role.noun), own, POSITION_WORDS.get(role.noun, own)]
    return next(
        (n for n, word in enumerate(words) if re.search(rf"\b(?:{word})s?\b", text, re.I)), None
    )


def asked_instance(question: str) -> Instance | None:
    """The one of a numbered series ``question`` asks about: "the *first season* of The
    Blacklist", "*stage 13*", "the *third president*". "The final season" names no number
    (it may be the tenth), so it is not one."""
    # A common noun only: in a name ("20th Century Fox", "21st Century Fox") the
    # number is part of the name, and the other name may still be the answer's subject.
    m = re.search(rf"\b(?i:({ORDINAL}))\s+([a-z][\w-]*)", question)
    if m and ordinal_value(m.group(1)) != "last" and m.group(2) not in STOPWORDS:
        return Instance(noun=m.group(2), ordinal=ordinal_value(m.group(1)))
    nouns = "|".join(SEQUENCE_NOUNS)
    m = re.search(rf"\b(?i:({nouns}))\s+(\d{{1,3}})(?![\d,.]\d)\b", question)
    if m:
        return Instance(noun=m.group(1).lower(), ordinal=m.group(2))
    return None


# "What *movie* won the Oscar …", "Which *team* scored …": a noun right after the wh-word
# and before the verb names the answer's kind, whatever the noun.
_WHAT_NOUN = re.compile(
    r"^(?:what|which)\s+(?P<noun>[a-z][a-z-]+)\s+(?=(?:is|was|are|were|did|does|do|has|have|"
    r"had|will|would|can|could|won|beat|led|made|took|became|\w+ed)\b)"
)


def asked_noun(question: str) -> str | None:
    """The noun a "which/what …" question asks for ("At which *stadium* …", "what type of
    *helicopter* …"), if any.

    It names the answer's kind, and the answer gives a name instead ("GEODIS Park"), so
    it is not a word the answering sentence must contain.
    """
    low = question.lower()
    for _kind, pattern in ANSWER_TYPE_RULES:
        m = pattern.search(low)
        if m and "noun" in m.groupdict() and m.group("noun"):
            return m.group("noun")
    m = _KIND_OF.search(low) or _WHAT_NOUN.search(low)
    return m.group("noun") if m and m.group("noun") not in STOPWORDS else None


def classify(question: str) -> str:
    """The expected answer type: the first of ``ANSWER_TYPE_RULES`` that matches."""
    low = question.lower().strip()
    for kind, pattern in ANSWER_TYPE_RULES:
        if pattern.search(low):
            return kind
    return "other"


def count_focus(question: str) -> str | None:
    """What a number question counts, as written ("how many civilians were …" → civilians).

    Generic words ("people", "times") count anything and give no focus.
    """
    m = re.search(r"\bhow (?:many|much)\b(.*)", question, re.I)
    if not m:
        return None
    after = [w for w in words(m.group(1)) if w not in STOPWORDS and len(w) > 1]
    if not after or after[0] in _GENERIC_FOCUS:
        return None
    return after[0]


def counted_event(question: str) -> str | None:
    """The word after the counted thing: "how many people were *arrested*" → arrested."""
    m = re.search(r"\bhow many\b(.*)", question, re.I)
    if not m:
        return None
    after = [w for w in words(m.group(1)) if w not in STOPWORDS and len(w) > 1]
    return after[1] if len(after) > 1 else None


def match_outlets(question: str, outlets: Sequence[str]) -> list[str]:
    """The corpus outlets named in ``question``, in order of mention.

    An outlet stored in lower case ("reuters", "nna") matches in any case; a capitalised
    one ("The Verge", "The Age") must appear capitalised, so that "the age of AI" does
    not name an outlet. A leading "The" is optional.
    """
    found: list[tuple[int, str]] = []
    for outlet in sorted({o for o in outlets if o}, key=len, reverse=True):
        m = outlet_mention(question, outlet)
        if m is not None and not any(a <= m[0] < b for a, b, _ in _spans(found, question)):
            found.append((m[0], outlet))
    return [o for _, o in sorted(found)]


def _spans(found: list[tuple[int, str]], question: str) -> list[tuple[int, int, str]]:
    out = []
    for _, outlet in found:
        m = outlet_mention(question, outlet)
        if m is not None:
            out.append((m[0], m[1], outlet))
    return out


def outlet_mention(question: str, outlet: str) -> tuple[int, int] | None:
    """Where ``question`` names ``outlet`` (see ``match_outlets``), or None."""
    bare = re.sub(r"^the\s+", "", outlet.strip(), flags=re.I)
    if len(bare) < 3 or bare.lower() in STOPWORDS:
        return None
    flags = re.I if outlet == outlet.lower() else 0
    m = re.search(rf"(?<![\w-])(?:[Tt]he\s+)?{re.escape(bare)}(?![\w-])", question, flags)
    return (m.start(), m.end()) if m else None


def _inside(name: str, question: str, spans: Sequence[tuple[int, int]]) -> bool:
    """Every mention of ``name`` in ``question`` lies within one of ``spans``."""
    at = [m.start() for m in re.finditer(re.escape(name), question)]
    return bool(at) and all(any(a <= i and i + len(name) <= b for a, b in spans) for i in at)


def _is_outlet(name: str, outlets: Sequence[str]) -> bool:
    low = name.lower().removeprefix("the ")
    return any(low == o.lower().removeprefix("the ") for o in outlets)


def split_parts(question: str, outlets: Sequence[str]) -> list[str]:
    """Sub-questions of a multi-part question; empty when it has one part.

    With several outlets named, each part runs from one outlet's mention to the next
    (the part names its outlet). Otherwise two wh-questions joined by "and" or ";" are
    split ("Who backed Assad and who backed the rebels?").
    """
    if len(outlets) >= 2:
        starts = sorted(m[0] for o in outlets if (m := outlet_mention(question, o)) is not None)
        # Outlets named together ("described by Fortune and TechCrunch as …") share the
        # words after them: a stretch with too few words of its own starts the next part
        # rather than being a part ("Fortune and").
        outlet_terms = {t for o in outlets for t in content_terms(o)}
        outlet_terms |= {t for w in _FRAME_WORDS for t in content_terms(w)}
        bounds = [*starts, len(question)]
        parts: list[str] = []
        begin = None
        for i in range(len(starts)):
            begin = starts[i] if begin is None else begin
            piece = question[starts[i] : bounds[i + 1]]
            if len(set(content_terms(piece)) - outlet_terms) < _CLAIM_TERMS and i + 1 < len(starts):
                continue
            parts.append(question[begin : bounds[i + 1]].strip(" ,;?'\"‘’“”"))
            begin = None
        if len(parts) >= 2:
            return parts
    pieces = [p.strip(" ,;?") for p in _WH_SPLIT.split(question) if p.strip(" ,;?")]
    if len(pieces) >= 2 and all(len(content_terms(p)) >= 2 for p in pieces):
        return [p + "?" for p in pieces]
    return []


_CLAIM_WORDS = 18  # shorter questions state one claim
_CLAIM_TERMS = 3  # content words a claim needs, besides outlet names and frame words
# Where one claim about the answer ends and the next begins: a comma or "and" before a new
# relative clause or verb phrase ("…, who faced …", "…, and is also accused …"), ";", or a
# contrast ("…, while …"). Commas inside a claim ("a ruling, as reported by X") stay.
_CLAIM_BREAK = re.compile(
    r"\s*;\s*|,\s+(?:and\s+|but\s+)?(?=(?:who|which|whose|while|whereas|is|was|are|were|has|"
    r"had|have|also|and)\s)|\s+and\s+(?=(?:is|was|are|were|has|had|have|also|who|which)\s)"
    # A contrast or an addition: "…, yet is criticized for …" (not "has not yet
    # released"), "… but is also attempting to …", "…, as well as …", and a second object
    # of the same verb ("criticized for not planning … and for harming …").
    r"|,\s+yet\s+|\s+but\s+(?=(?:(?:is|was|are|were|has|had|have)\s+)?also\s)"
    r"|,\s+as\s+well\s+as\s+|\s+and\s+(?=for\s)",
    re.I,
)


def split_claims(question: str, outlets: Sequence[str]) -> list[str]:
    """The claims of a long question that describes its answer by several facts.

    "Who is the individual whose trial is approaching, as reported by TechCrunch, who faced
    difficulties managing … as mentioned by The Verge, and who is also accused of … according
    to another article from TechCrunch?" states three facts, each from one outlet; retrieved
    as one bag of words, the second article of an outlet is often missed. A claim needs three
    content words besides the outlets it names and frame words; a shorter fragment joins the
    claim before it (the first, the claim after it).
    Empty for questions under ``_CLAIM_WORDS`` words or with one claim.
    """
    if len(question.split()) < _CLAIM_WORDS:
        return []
    # Outlet names and frame words ("report", "country") say nothing a passage must hold.
    outlet_terms = {t for o in outlets for t in content_terms(o)}
    outlet_terms |= {t for w in _FRAME_WORDS for t in content_terms(w)}
    claims: list[str] = []
    for piece in _CLAIM_BREAK.split(question):
        piece = piece.strip(" ,;?")
        if not piece:
            continue
        if claims and len(set(content_terms(piece)) - outlet_terms) < _CLAIM_TERMS:
            claims[-1] = f"{claims[-1]}, {piece}"
        else:
            claims.append(piece)
    if len(claims) > 1 and len(set(content_terms(claims[0])) - outlet_terms) < _CLAIM_TERMS:
        claims[1] = f"{claims[0]}, {claims[1]}"
        claims = claims[1:]
    return claims if len(claims) >= 2 else []


def find_periods(question: str, reference: dt.date | None) -> list[Period]:
    """Times named in ``question``, most specific first, each resolved to a date range."""
    return [period for _, _, period in find_period_spans(question, reference)]


def find_period_spans(text: str, reference: dt.date | None) -> list[tuple[int, int, Period]]:
    """``find_periods`` with where each time is written: ``(start, end, period)``.

    The same parser reads questions and article passages (``rag.dates`` resolves an
    article's "on Thursday" against its publication date).
    """
    found: list[tuple[int, int, Period]] = []
    rest = text
    for kind, pattern in _ABSOLUTE:
        for m in pattern.finditer(rest):
            period = _absolute(kind, m)
            if period is not None:
                found.append((m.start(), m.end(), period))
        # Blanked, not removed: offsets into ``rest`` stay offsets into ``text``.
        rest = pattern.sub(lambda m: " " * len(m.group(0)), rest)
    if reference is not None:
        for m in _RELATIVE.finditer(rest):
            period = _relative(m, reference)
            if period is not None:
                found.append((m.start("rel"), m.end("rel"), period))
    return found


def _period(text: str, start: dt.date, end: dt.date, granularity: str) -> Period:
    return Period(text=text.strip(), start=start, end=end, granularity=granularity)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _absolute(kind: str, m: re.Match[str]) -> Period | None:
    g = m.groupdict()
    text = m.group(0)
    try:
        if kind in ("iso_day", "day"):
            month = int(g["m"]) if kind == "iso_day" else _MONTHS[g["mon"].lower().rstrip(".")]
            day = dt.date(int(g["y"]), month, int(g["d"]))
            return _period(text, day, day, "day")
        if kind == "quarter":
            q = int(g["q"]) if g.get("q") else _ORD[g["qw"].lower()]
            year = int(g.get("y") or g["y2"])
            return _period(text, dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q), "quarter")
        if kind == "month":
            year, month = int(g["y"]), _MONTHS[g["mon"].lower().rstrip(".")]
            return _period(text, dt.date(year, month, 1), _month_end(year, month), "month")
        if kind == "season":
            year, season = int(g["y"]), g["s"].lower()
            if season == "winter":  # the winter that opens the year: December to February
                return _period(text, dt.date(year - 1, 12, 1), _month_end(year, 2), "season")
            first, last = _SEASONS[season]
            return _period(text, dt.date(year, first, 1), _month_end(year, last), "season")
        if kind == "part":
            year = int(g["y"])
            first, last = _PARTS_OF_YEAR[g["p"].lower()]
            return _period(text, dt.date(year, first, 1), _month_end(year, last), "season")
        if kind == "decade":
            dec = int(g["dec"])
            return _period(text, dt.date(dec, 1, 1), dt.date(dec + 9, 12, 31), "decade")
        year = int(g["y"])
        return _period(text, dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    except (ValueError, KeyError):
        return None  # "February 30, 2020" names no day


def _relative(m: re.Match[str], ref: dt.date) -> Period | None:
    text = m.group("rel")
    low = " ".join(text.lower().split())
    if m.group("rmon"):  # "last March": the latest March before the reference month
        month = _MONTHS[m.group("rmon").lower().rstrip(".")]
        year = ref.year if (month < ref.month or low.startswith("this")) else ref.year - 1
        return _period(text, dt.date(year, month, 1), _month_end(year, month), "month")
    unit = next((u for u in ("week", "month", "year") if u in low), None)
    if unit and ("last" in low or "this" in low or "past" in low or "previous" in low):
        back = 0 if "this" in low else 1
        if unit == "year":
            y = ref.year - back
            return _period(text, dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
        if unit == "month":
            first = (ref.replace(day=1) - dt.timedelta(days=1)).replace(day=1) if back else ref
            first = first.replace(day=1)
            return _period(text, first, _month_end(first.year, first.month), "month")
        monday = ref - dt.timedelta(days=ref.weekday()) - dt.timedelta(weeks=back)
        return _period(text, monday, monday + dt.timedelta(days=6), "week")
    day = _relative_day(low, ref)
    if day is None:
        return None
    granularity = "day"
    if m.group("unit") and m.group("unit").lower() in ("month", "year"):
        granularity = m.group("unit").lower()
        start = day.replace(day=1) if granularity == "month" else day.replace(month=1, day=1)
        end = (
            _month_end(day.year, day.month)
            if granularity == "month"
            else start.replace(month=12, day=31)
        )
        return _period(text, start, end, granularity)
    return _period(text, day, day, granularity)


@lru_cache(maxsize=256)
def _relative_day(expression: str, ref: dt.date) -> dt.date | None:
    """A day-level relative expression ("yesterday", "on Thursday") as a date.

    A weekday ("Thursday", "on Thursday", "last Thursday") is the latest such day before
    ``ref``, never ``ref`` itself, worked out here; ``dateparser`` resolves the rest. Its
    first call in a process takes ~0.5 s (it loads its language data), and most relative
    dates in news are weekdays, so most questions never pay it.
    """
    words = expression.split()
    if words and words[-1] in _WEEKDAYS and (len(words) == 1 or words[:-1] in (["on"], ["last"])):
        back = (ref.weekday() - _WEEKDAYS.index(words[-1])) % 7 or 7
        return ref - dt.timedelta(days=back)
    import dateparser

    base = dt.datetime(ref.year, ref.month, ref.day, 12)
    parsed = dateparser.parse(
        expression,
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"},
    )
    return None if parsed is None else parsed.date()


def period_fit(
    periods: list[Period], sentence: SentenceHit, slack_days: int, recall_days: int = 365
) -> int:
    """+1 when the sentence fits one of ``periods``, -1 when it lies elsewhere, 0 unknown.

    For an event period, the sentence's own dates decide first: a year inside the period
    (a 2017 article recalling "the 2013 attack" fits 2013; "last year" in it is 2016; for
    a month or a day asked about, a year inside it only does not contradict it), or
    the period's month named
    with no year, when the publication date puts that month in the period; a year outside
    it conflicts. Without dates, the article's
    publication date decides: from the period's start to ``slack_days`` after its end
    fits; before the start conflicts (a report cannot precede its event); up to
    ``recall_days`` after the end is unknown (background told later); later conflicts.
    That window shrinks for short periods, to three times the period's length (at least
    ``slack_days``): a year is retold for a year, but an undated "a car bomb exploded on
    the bridge" published eleven months after the September asked about is other news.
    A publication period ("CNBC's November 2023 report") is judged on the publication
    date alone.
    """
    published = published_date(sentence.hit.published_at)
    own = without_reference_years(sentence.text)  # "… since defeating Argentina in 1990"
    named = years(own)
    if published is not None:
        named |= relative_years(own, published.year)
    fits: list[int] = []
    dated = _month_years(own)
    for p in periods:
        if p.about == "publication":
            if published is not None:
                fits.append(1 if p.start <= published <= p.end + dt.timedelta(slack_days) else -1)
            continue
        if p.granularity in ("day", "month") and dated:
            # "Oct 2016 Thirty one militants were killed …" is not August 2016 news.
            last = p.end + dt.timedelta(slack_days)
            fits.append(1 if any(_overlaps(m, p.start, last) for m in dated) else -1)
            continue
        if named:
            inside = any(p.start.year <= y <= p.end.year for y in named)
            if not inside or p.granularity not in ("day", "week", "month"):
                fits.append(1 if inside else -1)
                continue
            # The year alone does not place a sentence in the month asked about ("since
            # mid-2015" is not December 2015): the publication date decides, as below.
        if p.granularity in ("day", "month") and p.start.month in months(sentence.text):
            # A month named without a year is its latest one by the publication date (or
            # the next month's: "in April" in a March article): "a March 16 airstrike" in
            # an April 2017 article is March 2017, not the March 2025 asked about.
            if published is None:
                fits.append(1)
            else:
                ahead = p.start.month <= published.month + 1
                year = published.year if ahead else published.year - 1
                fits.append(1 if p.start.year <= year <= p.end.year else -1)
            continue
        quarter = _quarter_named(sentence.text) if p.granularity == "quarter" else None
        if quarter is not None:
            # "In the third quarter, Uber generated $394 million" is the latest third
            # quarter that ended by the publication date (the quarter asked, in a report
            # published in November 2023 on the third quarter of 2023).
            asked = (p.start.year, (p.start.month - 1) // 3 + 1)
            if published is None:
                fits.append(1 if quarter == asked[1] else -1)
            else:
                # In its last month by the publication date: this year's, else last year's.
                closing = dt.date(published.year, 3 * quarter, 1)
                year = published.year if closing <= published else published.year - 1
                fits.append(1 if (year, quarter) == asked else -1)
            continue
        if published is None:
            fits.append(0)
        elif p.start <= published <= p.end + dt.timedelta(slack_days):
            fits.append(1)
        elif published < p.start or published > p.end + dt.timedelta(
            _recall(p, slack_days, recall_days)
        ):
            fits.append(-1)
        else:
            fits.append(0)
    return max(fits, default=0)


_MONTH_DAY = re.compile(
    rf"\b(?:(?P<mon>{_MONTH})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"\s+(?:of\s+)?(?P<mon2>{_MONTH}))\b",
    re.I,
)


def names_asked_day(periods: list[Period], text: str) -> bool:
    """True when ``text`` names the very day a day period of the question is ("on October
    17" for "on October 17, 2023"), in its own words: it reports that day's event."""
    days = {(p.start.month, p.start.day) for p in periods if p.granularity == "day"}
    if not days:
        return False
    for m in _MONTH_DAY.finditer(text):
        month = _MONTHS[(m.group("mon") or m.group("mon2")).lower().rstrip(".")]
        if (month, int(m.group("d") or m.group("d2"))) in days:
            return True
    return False


_QUARTER_NAMED = re.compile(
    r"\b(?:(?P<w>first|second|third|fourth|1st|2nd|3rd|4th)\s+(?:fiscal\s+)?quarter|"
    r"Q(?P<n>[1-4])|(?P<n2>[1-4])Q)\b",
    re.I,
)


def _quarter_named(text: str) -> int | None:
    """The quarter a text names without its year ("in the third quarter", "Q3"), if it
    names exactly one."""
    named = {
        _ORD[m.group("w").lower()] if m.group("w") else int(m.group("n") or m.group("n2"))
        for m in _QUARTER_NAMED.finditer(text)
    }
    return named.pop() if len(named) == 1 else None


def _recall(period: Period, slack_days: int, recall_days: int) -> int:
    """Days after ``period`` in which an undated sentence may still be about it."""
    length = (period.end - period.start).days + 1
    return min(recall_days, max(slack_days, 3 * length))


_MONTH_YEAR = re.compile(
    rf"\b(?P<mon>{_MONTH})\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?(?P<y>{_YEAR})\b", re.I
)


def _month_years(text: str) -> list[tuple[int, int]]:
    """(year, month) of every "October 2016" / "Oct 5, 2016" / "5 October 2016" in ``text``."""
    return [
        (int(m.group("y")), _MONTHS[m.group("mon").lower().rstrip(".")])
        for m in _MONTH_YEAR.finditer(text)
    ]


def _overlaps(year_month: tuple[int, int], start: dt.date, end: dt.date) -> bool:
    year, month = year_month
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return first < end and last >= start


def published_date(iso: str | None) -> dt.date | None:
    """The date part of an ISO publication timestamp, or None."""
    if not iso:
        return None
    try:
        return dt.date.fromisoformat(iso[:10])
    except ValueError:
        return None
