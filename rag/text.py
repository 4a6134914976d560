"""Small lexical helpers shared by retrieval, answering and verification.

Stemming is Snowball (PyStemmer), the same stemmer the BM25 index uses, so that
"backed" in a question meets "back" in a passage everywhere alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Set
from functools import lru_cache

import Stemmer

# Function words plus the words that make a question a question: they say nothing about
# which passage answers it, so they never count as evidence of relevance.
STOPWORDS = frozenset(
    """
    a an and are as at be been being but by can could did do does doing for from had has
    have having he her hers him his how i if in into is it its itself me more most my no
    nor not of off on once only or other our ours out over own same she should so some
    such than that the their theirs them then there these they this those through to too
    under until up very was we were what when where which while who whom whose why will
    with would you your yours about against all also among any after again before below
    between both during each few further here just now s t don many much tell say said
    says according
    """.split()
)

# Letters right after digits are a suffix, not a word: "92nd", "20th", "1990s".
_WORD = re.compile(r"(?<![0-9])[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)*")
# ``_WORD`` on lower-cased text, never ending in an apostrophe ("students'" → students).
_LOWER_TOKEN = re.compile(r"(?<![0-9])[a-z](?:[a-z'-]*[a-z-])?|\d+(?:[.,]\d+)*")
_POSSESSIVE = re.compile(r"'s(?![a-z'-])")
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "hundred": "100",
    "thousand": "1000", "dozen": "12",
}  # fmt: skip
_CAPITALISED = re.compile(r"\b[A-Z][a-zA-Z'’-]+(?:\s+(?:al-|bin\s|de\s)?[A-Z][a-zA-Z'’-]+)*")
_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")
_MONTHS = (
    "january february march april may june july august september october november december"
).split()

QUESTION_WORDS = frozenset("did does do is are was were has have had between".split())
"""Words that open a question's capitalised run as grammar, not as part of a name."""
_CALENDAR = frozenset(_MONTHS) | frozenset(
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The stem of one lower-case word, as ``content_terms`` stems it."""
    return str(_stemmer().stemWord(word))


def words(text: str) -> list[str]:
    """Word and number tokens, in order, lower-cased, hyphenated words split into parts too."""
    return list(_words(text))


# Every stage reads the same few hundred passages and sentences of a question again (and
# a session or an eval run the same corpus): tokenising each text once saves ~5% of a question.
@lru_cache(maxsize=16_384)
def _words(text: str) -> tuple[str, ...]:
    # Lower-cased and stripped of possessives once for the whole text, then one regex
    # pass: a passage pool of 400,000 characters is read in about half the time of a
    # token-by-token clean-up.
    low = _POSSESSIVE.sub("", text.lower().replace("’", "'"))
    tokens = _LOWER_TOKEN.findall(low)
    if "-" not in low:
        return tuple(tokens)
    out: list[str] = []
    for tok in tokens:
        out.append(tok)
        if "-" in tok:
            out.extend([p for p in tok.split("-") if p])
    return tuple(out)


def content_terms(text: str, *, cached: bool = True) -> list[str]:
    """Stemmed content words (stopwords removed): the unit of lexical matching.

    ``cached=False`` for a text read once (indexing every chunk of the store): it would
    only push out the texts a question reads again, and a full cache of whole chunks
    holds some hundreds of MB.
    """
    if cached:
        return list(_content_terms(text))
    return _stems(_words.__wrapped__(text))


@lru_cache(maxsize=16_384)
def _content_terms(text: str) -> tuple[str, ...]:
    return tuple(_stems(_words(text)))


def _stems(tokens: Iterable[str]) -> list[str]:
    return list(_stemmer().stemWords([w for w in tokens if w not in STOPWORDS and len(w) > 1]))


def numbers(text: str) -> set[str]:
    """Numbers in the text, normalised ('1,000' → '1000'; 'five' → '5')."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in words(text) if w in _NUMBER_WORDS}
    return {n.removesuffix(".0") for n in found}


# Words that open a question or sentence before a name: "Considering Jeh Johnson's …",
# "Given Tesla's …", "Based on …".
_OPENERS = frozenset(
    """considering according based given following regarding concerning including
    assuming comparing examining reviewing""".split()
)


def names(text: str, *, initial: bool = False) -> set[str]:
    """Capitalised word runs as written (a proxy for entities).

    A lone sentence-initial word is only grammar most of the time and is skipped, unless
    ``initial`` is set (verification: "Russia backed …" must not slip through); even
    then stopwords ("The", "According") are skipped.
    """
    found = set()
    for m in _CAPITALISED.finditer(text):
        lone_initial = m.start() == 0 and " " not in m.group(0)
        if lone_initial and (not initial or m.group(0).lower() in STOPWORDS):
            continue
        # Months and weekdays are capitalised but are dates, not entities; a leading
        # function word ("Did Patrick Mahomes", "Between TechCrunch") is grammar.
        kept = [w for w in m.group(0).split() if w.lower() not in _CALENDAR]
        while kept and kept[0].lower() in STOPWORDS | QUESTION_WORDS:
            kept = kept[1:]
        if m.start() == 0 and kept and kept[0].lower() in _OPENERS:
            kept = kept[1:]  # "Considering Jeh Johnson's statements …": the name is Jeh Johnson
        if kept:
            found.add(" ".join(kept))
    return found


_ORDINAL_WORDS = {
    w: i
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
        "twentieth".split(),
        start=1,
    )
}
ORDINAL = r"(?:\d{1,3}(?:st|nd|rd|th)|" + "|".join(_ORDINAL_WORDS) + r"|final|last)"
"""An ordinal as news writes it: "92nd", "tenth", "final"."""
SEQUENCE_NOUNS = frozenset(
    "season episode series stage round leg week game match chapter volume part phase "
    "edition book day".split()
)
"""Nouns whose instances are numbered after them: "season 3", "stage 21", "Game 7"."""


def ordinal_value(token: str) -> str:
    """ "92nd" → "92", "tenth" → "10", "final" and "last" → "last"."""
    low = token.lower()
    if low in ("final", "last"):
        return "last"
    if low in _ORDINAL_WORDS:
        return str(_ORDINAL_WORDS[low])
    return low.rstrip("stndrh") or low


def ordinals_of(noun: str, text: str) -> set[str]:
    """Which instances of ``noun`` ``text`` names by number: "the tenth and final season"
    → {"10", "last"}; "Season 3" → {"3"}; "the 91st Academy Awards" (noun "academy") →
    {"91"}. Empty when ``noun`` is not numbered there."""
    name = re.escape(noun)
    out: set[str] = set()
    chain = rf"({ORDINAL}(?:\s*(?:,|and|or|&)\s*{ORDINAL})*)"
    before = re.compile(rf"\b{chain}\s+(?:[a-z-]+\s+)?{name}s?\b", re.I)
    for m in before.finditer(text):
        out |= {ordinal_value(t) for t in re.findall(ORDINAL, m.group(1), re.I)}
    if noun.lower() in SEQUENCE_NOUNS:
        number = r"\d{1,3}(?![\d,.]\d)\b"
        after = re.compile(rf"\b{name}s?\s+({number}(?:\s*(?:,|and|or|&)\s*{number})*)", re.I)
        out |= {n for m in after.finditer(text) for n in re.findall(r"\d+", m.group(1))}
    return out


def years(text: str) -> set[int]:
    """Four-digit years (1900–2099) mentioned in the text."""
    return {int(y) for y in _YEAR.findall(text)}


# A year given as a point of comparison, not as the time of the news: "their first world
# championship since defeating Argentina in 1990", "more than in 2019", "up from 2021".
# Only a year standing as the comparison's time ("in 1990", "since 2011"): "since the 2013
# chemical weapons attack" names a past event, which a question may ask about.
_REFERENCE_YEAR = re.compile(
    r"\b(?:since|than|compared (?:with|to)|up from|down from)"
    r"(?:\s(?:[^.;:,]{0,40}?\s)?(?:in|from|of|since|than|by))?"
    r"(?:\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?(?:\s+\d{1,2},?)?)?"
    r"\s+(?:19|20)\d{2}\b",
    re.I,
)


def without_reference_years(text: str) -> str:
    """``text`` with each year given as a point of comparison blanked out (same length).

    "The Germans won their first world championship since defeating Argentina in 1990"
    does not place the win in 1990; "since 2011", "more than in 2019" and "up from 2021"
    name the time compared with, not the time of what is reported.
    """
    return _REFERENCE_YEAR.sub(lambda m: " " * len(m.group(0)), text)


_RELATIVE_YEAR = re.compile(r"\b(this|last|next)\s+year\b", re.I)
_YEAR_OFFSET = {"this": 0, "last": -1, "next": 1}


def relative_years(text: str, published_year: int) -> set[int]:
    """The years "this year", "last year" and "next year" name in a text published in
    ``published_year``: in a 2023 report, "35 home runs this year" is 2023 and "beat the
    All Blacks last year" 2022."""
    return {
        published_year + _YEAR_OFFSET[m.group(1).lower()] for m in _RELATIVE_YEAR.finditer(text)
    }


_MONTH_NAME = (  # capitalised, as news writes months: "may 2 people" names no day
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?"
)
_DAY_OF_MONTH = re.compile(
    rf"\b{_MONTH_NAME}\s+\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"{_MONTH_NAME}|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"
)


def date_precision(text: str) -> int:
    """How exactly ``text`` dates something: 3 for a day with its year ("October 27, 2017"),
    2 for a day without a year, or a month with one, 1 for a year or a month alone, 0 for none.

    "When was it released?" is best answered by the sentence giving the day.
    """
    day = bool(_DAY_OF_MONTH.search(text))
    year = bool(years(text))
    if day:
        return 3 if year else 2
    if re.search(rf"\b{_MONTH_NAME}", text):
        return 2 if year else 1
    return 1 if year else 0


def months(text: str) -> set[int]:
    """Months (1–12) named in the text."""
    low = words(text)
    return {i + 1 for i, m in enumerate(_MONTHS) if m in low}


def question_type(question: str) -> str:
    """Coarse answer type: 'count', 'person', 'time', 'place', 'speech' or 'other'."""
    q = question.lower().strip()
    if re.match(
        r"^what (did|does|do|has|have|had)\b.*\b(say|said|tell|told|state|announce|write)\b", q
    ):
        return "speech"
    counting = r"^(how many|how much|what (number|percentage|share|proportion|fraction))\b"
    if re.match(counting, q) or " how many " in q:
        return "count"
    if re.match(r"^(who|whom|whose)\b", q) or re.search(r"\b(which|what) (person|people)\b", q):
        return "person"
    if re.match(r"^when\b", q) or re.search(r"\bwhat (year|date|day|month)\b", q):
        return "time"
    if re.match(r"^where\b", q):
        return "place"
    return "other"


def weighted_terms(question: str) -> dict[str, float]:
    """Question terms; words of the names it mentions weigh a third of the others.

    In a topical corpus the entity a question is about ("the Syrian Observatory") is
    mentioned everywhere; the words saying what is asked of it ("heads") pick the answer.
    """
    name_terms = {t for n in names(question) for t in content_terms(n)}
    return {t: (1.0 if t in name_terms else 3.0) for t in content_terms(question)}


_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY_WORD = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?"
# Scraped debris that opens a "sentence" of a news dump but says nothing: datelines,
# publication stamps, bylines, video captions. Each named; applied repeatedly, in order.
DEBRIS: list[tuple[str, re.Pattern[str]]] = [
    ("share_widget", re.compile(r"^(?:get short url|share this|click to share)\b[\s\d:]*", re.I)),
    # "20.07.2016(updated 1329 20.07.2016) …": a date and its update stamp
    (
        "numeric_date",
        re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{2,4}(?:\s*\([^)]{0,40}\))?\s+(?:[-–—|:]\s*)?"),
    ),
    ("video_caption", re.compile(r"^[^.!?]{0,300}?\s[-–—|]\s*YouTube\b[\s:.-]*", re.I)),
    # An embedded tweet as scraped: its text, then "— Elijah J. Magnier (@EjmAlrai)
    # February 5, 2015" (a period inside a word, "pic.twitter.com…", ends no sentence).
    (
        "embedded_tweet",
        re.compile(
            rf"^(?:[^.!?]|\.(?=\w)){{0,300}}?(?:[-–—]\s*)?[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}}"
            rf"\s+\(@?\w{{2,20}}\)\s+(?i:{_MONTH_WORD})\s+\d{{1,2}},?\s+\d{{4}}\s+"
        ),
    ),
    (
        "publication_stamp",
        re.compile(
            rf"^(?:(?:published|updated|posted|last updated|date of publication|first published)"
            rf"\s*:?\s*(?:on\s+|at\s+)?)?(?:{_DAY_WORD}\s+)?"
            # "Aug 012016": a scraper glued the day to the year
            rf"(?:\d{{1,2}}\s+{_MONTH_WORD},?\s+|{_MONTH_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s*)\d{{4}}"
            rf"(?:\s*,?\s*\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?)?\s*(?:gmt|utc|[a-z]{{2,4}}t)?)?"
            rf"\s*[-–—|:]?\s+",
            re.I,
        ),
    ),
    (
        "label_stamp",
        re.compile(r"^(?:published|updated|posted|last updated|date of publication)\s*:\s*", re.I),
    ),
    # "BEIRUT A Russian military helicopter …": a dateline whose dash the scraper lost.
    # Five capitals or more, so that a sentence opening with an acronym keeps it.
    ("bare_dateline", re.compile(r"^(?!UN)[A-Z]{5,}(?:\s[A-Z]{3,})?\s+(?=[A-Z][a-z]|A\s)")),
    (
        "city_dateline",
        re.compile(
            r"^[A-Z][A-Z'.-]+(?:\s[A-Z][A-Z'.-]+){0,3}(?:,\s*[A-Z][\w.]+(?:\s[A-Z][\w.]+)?)?"
            r"\s*(?:\([A-Za-z .]+\))?\s*[-–—:]\s+"
        ),
    ),
    (
        "byline",
        re.compile(r"^By\s+[A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3}\s*(?:[,|–—-]\s*|\n)"),
    ),
]


_BARE_STAMP = re.compile(
    rf"^\W*(?:{_DAY_WORD}\s+)?(?:\d{{1,2}}\s+{_MONTH_WORD},?\s+\d{{4}}|{_MONTH_WORD}\s+\d{{1,2}}"
    rf"(?:st|nd|rd|th)?,?\s+\d{{4}}|\d+\s+(?:minute|hour|day|week|month)s?\s+ago)"
    rf"(?:\s*,?\s*(?:at\s+)?\d{{1,2}}[:.]\d{{2}}\s*(?:[ap]\.?m\.?)?\s*(?:[a-z]{{2,4}}t)?)?"
    r"[\s.…]*$",
    re.I,
)


def bare_stamp(text: str) -> bool:
    """True when ``text`` is only a date or time stamp ("Mar 25, 2021 ...", "November 17,
    2021 at 2:09 AM EST.", "3 days ago ..."): a search snippet's or a page's stamp, which
    says nothing that could answer a question."""
    return bool(_BARE_STAMP.match(text))


# A profile page's counters and call to action, as search snippets scrape them: "905
# Followers, 298 Following, 585 Posts - See Instagram photos and videos from …".
_COUNTER = re.compile(
    r"\b\d[\d,.]*\s*[KkMm]?\s+(?:followers|following|posts|subscribers|likes|tweets|pins)\b",
    re.I,
)
_PROFILE_CALL = re.compile(
    r"\bsee\s+(?:instagram|facebook|tiktok|twitter|pinterest)\s+(?:photos|posts|videos)\b", re.I
)


def page_chrome(text: str) -> bool:
    """True when ``text`` is a social profile page's counters or call to action, or a
    page's tag list, which report nothing: two counters ("905 Followers, 298 Following"),
    "See Instagram photos and videos from …", "Tags Daesh Syria Raqqa …". One count in a
    sentence ("gained 2 million followers") is news."""
    return (
        len(_COUNTER.findall(text)) >= 2
        or bool(_PROFILE_CALL.search(text))
        # a page's tag list with no sentence after it: "Tags Daesh Syria Raqqa Community
        # standardsDiscussion …"
        or (text.startswith("Tags ") and _tag_list(text) == len(text))
    )


def debris_prefix(text: str) -> int:
    """Length of the scraped debris (``DEBRIS``, a page's tag list) that opens ``text``; 0
    when there is none.

    The rest of the text is the quotable sentence: "Published September 25 2016 At least
    23 civilians were killed" quotes from "At least".
    """
    cut = 0
    changed = True
    while changed:
        changed = False
        for _, pattern in DEBRIS:
            m = pattern.match(text[cut:])
            if m and m.end() > 0 and len(text) - cut - m.end() >= 20:
                cut += m.end()
                changed = True
        tags = _tag_list(text[cut:])
        if tags and len(text) - cut - tags >= 20:
            cut += tags
            changed = True
    return cut


# A staff byline the scraper glued to the end of a headline: "Syrias Assad regime likely
# responsible for chemical attack: rights group Reuters Staff."
# A wire's name or "Staff Writer" says it: "… as Chief of Staff." is the sentence's own.
_STAFF_BYLINE = re.compile(
    r"\s+(?:(?:Reuters|AFP|AP|UPI|Xinhua|Sputnik|TASS|Anadolu|DPA)\s+Staff"
    r"(?:\s+(?:Writer|Reporter)s?)?|Staff\s+(?:Writer|Reporter)s?)\s*[.|]?\s*$"
)


# A page's tag list after its first sentence, which had no full stop: "… on a market in
# Idlib provinces Maaret al-Numan Tags Syria Khan Sheikhun Idlib airstrike Bashar al Assad".
_TRAILING_TAGS = re.compile(r"\s+Tags\s+[^.!?,;:]{0,200}$")


def debris_suffix(text: str) -> int:
    """Length of the scraped byline (``_STAFF_BYLINE``) or tag list (``_TRAILING_TAGS``)
    that ends ``text``; 0 when there is none, or when fewer than 20 characters would be
    left."""
    m = _STAFF_BYLINE.search(text) or _TRAILING_TAGS.search(text)
    return len(text) - m.start() if m and m.start() >= 20 else 0


# A page's tag list, glued by the scraper to its first sentence: "Tags Syria Idlib regime
# airstrikes Kafr Takharim Khan Sheikhun Sixteen civilians - including three children -
# were killed …". Tags are names and bare nouns; the sentence begins at a word no tag
# list holds (a capitalised article, preposition or number word: "The", "At least",
# "Sixteen") or with the noun phrase before its first verb or preposition ("Syrian regime
# warplanes bombed", "Airstrikes on a rebel-held village").
_TAGS = re.compile(r"Tags\s+")
_OPENER = re.compile(
    r"\b(?:The|A|An|At|In|On|Over|Some|More|Nearly|Almost|About|Around|Dozens|Hundreds|"
    r"Thousands|Several|Many|One|Two|Three|Four|Five|Six|Seven|Eight|Nine|Ten|Eleven|Twelve|"
    r"(?:Thir|Four|Fif|Six|Seven|Eigh|Nine)teen|(?:Twen|Thir|For|Fif|Six|Seven|Eigh|Nine)ty)\b"
)
_CLAUSE_WORD = re.compile(
    r"^(?:in|on|at|by|from|to|with|after|amid|near|have|has|had|were|was|is|are|said|say|says|"
    r"told|killed|[a-z]{3,}ed)$"
)
_WORD = re.compile(r"\S+")


def _tag_list(text: str) -> int:
    """Length of the tag list (``_TAGS``) that opens ``text``: up to where its sentence
    begins, or all of it when no sentence follows; 0 when it opens with none."""
    m = _TAGS.match(text)
    if m is None:
        return 0
    toks = list(_WORD.finditer(text, m.end()))
    starts: list[int] = []
    opener = _OPENER.search(text, m.end())
    if opener:
        starts.append(opener.start())
    for i, tok in enumerate(toks):
        if i == 0 or not _CLAUSE_WORD.match(tok.group(0)):
            continue
        before, after = toks[i - 1].group(0), toks[i + 1].group(0) if i + 1 < len(toks) else ""
        if before[:1].isupper() and after[:1].isupper():
            continue  # inside a name: "Syrian Network for Human Rights"
        # back over the noun phrase: its lowercase words, a capitalised word, and more
        # joined by "and" ("Syrian regime and Russian airstrikes")
        j = i - 1
        while j > 0 and not toks[j].group(0)[:1].isupper():
            j -= 1
        while j > 1 and toks[j - 1].group(0) in ("and", "or"):
            j -= 2
            while j > 0 and not toks[j].group(0)[:1].isupper():
                j -= 1
        if toks[j].group(0)[:1].isupper():
            starts.append(toks[j].start())
        break
    if starts:
        return min(starts)
    # No sentence follows: all of it is tags, unless it reads as prose ("Tags on the
    # luggage showed …")
    return 0 if _PROSE.search(text, m.end()) else len(text)


_PROSE = re.compile(r"\b(?:the|a|an|was|were|is|are|has|have|had|on|in|at|to)\b")


def word_forms(term: str, bases: Mapping[str, str], *, asked: bool = False) -> set[str]:
    """A stemmed term with its lemma's stem ("won" → "win"), for an agent noun its verb
    ("winner" → "win", "director" → "direct"), and the senses it shares with other words
    (``SENSES``): the forms one predicate takes across a question and its answer ("Who is
    the Walter Camp Award *winner*?" / "Mayfield *wins* Walter Camp Award"; "Where did
    Assad *flee*?" / "prompting Assad to seek *refuge* in Russia"). ``asked``: the term is
    a question's, whose words carry senses (``ASKED_SENSES``) a report's do not."""
    forms = {term, bases.get(term, term)}
    if len(term) >= 5 and term.endswith(("er", "or")):
        verb = term[:-2]
        forms.add(verb[:-1] if verb[-1] == verb[-2] else verb)  # "winn" → "win"
    senses = _ASKED_SENSE_OF if asked else _SENSE_OF
    for form in list(forms):
        forms |= senses.get(form, frozenset())
    return forms


# Words news reports use for one event, so that a question in one word finds a report in
# another. A word may carry several senses ("refuge" is where one flees and where one
# hides), and two words share a sense only through a group they are both in: "flee" and
# "hide" are not made one by "refuge". Kept to words that name the same act or thing
# whatever the story; a word whose other common sense is another act stays out ("strike"
# is also a walkout, "shell" a company, "fall" a price's, "march" a month), and opposites
# never share a group ("rise" / "fall", "buy" / "sell", "win" / "defeat"). "Released" is
# not "unveiled" or "launched": a product is announced, unveiled, launched and released
# on different days ("GPT-4 is expected to be unveiled … as soon as 2023" does not date
# GPT-3's release).
SENSES: dict[str, tuple[str, ...]] = {
    "escape": ("flee", "fled", "escape", "refuge", "exile", "asylum"),
    "hide": ("hide", "hid", "hiding", "hidden", "refuge", "shelter", "hideout"),
    "displace": ("displace", "displaced", "uprooted", "refugee", "homeless", "flee", "fled"),
    "support": ("back", "backed", "support", "supported", "sponsor", "ally", "allied"),
    "begin": ("begin", "began", "begun", "start", "started", "erupt", "erupted", "outbreak"),
    "end": ("end", "ended", "conclude", "concluded", "finish", "finished"),
    "die": (
        "kill",
        "killed",
        "die",
        "died",
        "dead",
        "death",
        "deaths",
        "slain",
        "fatalities",
        "toll",
    ),
    "injure": ("injure", "injured", "wound", "wounded", "hurt"),
    "arrest": ("arrest", "arrested", "detain", "detained", "detention", "custody"),
    "oust": (
        "oust",
        "ousted",
        "overthrow",
        "topple",
        "toppled",
        "depose",
        "deposed",
        "unseat",
        "fall",
        "fell",
        "fallen",
    ),
    "win": ("win", "won", "victory", "victorious", "triumph"),
    "buy": ("buy", "bought", "acquire", "acquired", "acquisition", "purchase", "takeover"),
    "sell": ("sell", "sold", "sale", "sales"),
    "resign": ("resign", "resigned", "resignation", "quit"),
    "family": ("family", "families", "dynasty", "dynastic"),
    "ban": ("ban", "banned", "prohibit", "prohibited", "outlaw", "outlawed"),
    "attack": ("attack", "attacked", "assault", "raid", "ambush", "airstrike", "bombing"),
    "fight": ("fight", "fought", "fighting", "clash", "clashed", "hostilities", "combat"),
    "condemn": ("condemn", "condemned", "denounce", "denounced", "decry", "decried"),
    "protest": ("protest", "protested", "protesters", "demonstration", "demonstrators"),
    "rise": ("rise", "rose", "increase", "increased", "grow", "grew", "surge", "jump", "climb"),
    "decline": ("decline", "declined", "decrease", "decreased", "drop", "dropped", "plunge"),
    "marry": ("marry", "married", "wed", "wedding"),
    "govern": ("rule", "ruled", "govern", "governed", "reign"),
    "lead": ("lead", "leads", "led", "leader", "head", "heads", "headed"),
    "perpetrate": (
        "perpetrate",
        "perpetrated",
        "perpetrator",
        "perpetrators",
        "responsible",
        "responsibility",
        "carry",
        "carried",
    ),
}
"""Sense → the words that name it, as written; matched by their stems."""

ASKED_SENSES = frozenset(
    {"back", "backed", "rule", "ruled", "hurt", "head", "heads", "headed", "fall", "fell", "fallen"}
    | {"carry", "carried"}
)
"""Words that carry their sense in a question but mostly another in a report: "Who
*backed* the rebels?" asks who supported them, "the rebels pushed *back*" says no such
thing; "Who *ruled* Syria?" / "the court *ruled*", "*hurt* the economy"; "Who *heads*
HTS?" asks who leads it, "*headed* to Damascus", "a *head* injury" do not; "When did
Assad's government *fall*?" asks when it was ousted, "prices *fell*" does not; "Who
*carried* out the attack?" asks who was responsible, "*carried* the wounded" does not."""


# Verbs "back" is the particle of ("rebels *pushed back* the assault", "*take back* the
# positions", "*fought back*"): there it backs no one.
_PHRASAL_BACK = re.compile(
    r"\b(?:push|pull|take|took|fight|fought|hit|come|came|go|went|gone|bring|brought|beat|"
    r"drive|drove|hold|held|get|got|turn|fall|fell|roll|scale|cut|step|send|sent|give|gave|"
    r"look|call|strike|struck|claw|win|won|move|head|bounce|force|drag|dial|pay|paid|"
    r"report|write|wrote|talk|answer|snap|kick|sit|sat|lie|lay|set)"
    r"(?:s|es|ed|d|ing|en|n)?\s+back\b",
    re.I,
)


def without_phrasal_back(text: str) -> str:
    """``text`` with the particle "back" of a phrasal verb dropped ("pushed back the
    assault" → "pushed the assault"), so it does not count as the question's "backed"."""
    return _PHRASAL_BACK.sub(lambda m: m.group(0)[: -len("back")].rstrip(), text)


def is_sense(form: str) -> bool:
    """``form`` (of ``word_forms``) is a sense shared with other words, not a word's own."""
    return form.startswith("~")


def _senses(members: Set[str]) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for sense, words_ in SENSES.items():
        for t in _stems([w for w in words_ if w in members]):
            out[t] = out.get(t, frozenset()) | {f"~{sense}"}  # "~": no word begins with it
    return out


_ALL_WORDS = frozenset(w for ws in SENSES.values() for w in ws)
_SENSE_OF = _senses(_ALL_WORDS - ASKED_SENSES)
_ASKED_SENSE_OF = _senses(_ALL_WORDS)


def demonym_of(word: str, have: Set[str]) -> bool:
    """A word of ``have`` that is the country of the nationality ``word``.

    "jordanian" → "jordan", "israeli" → "israel", "lebanese" → "leban(on)", "turkish" →
    "turk(ey)": the stem, at least four letters, begins a word at most three letters longer.
    """
    for suffix in _DEMONYM_SUFFIXES:
        stem = word.removesuffix(suffix)
        if stem != word and len(stem) >= 4:
            return any(w.startswith(stem) and len(w) - len(stem) <= 3 for w in have)
    return False


_DEMONYM_SUFFIXES = ("ian", "ean", "ese", "ish", "an", "i")


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    # CLDR's English country and territory names, as Babel (a declared dependency) ships
    # them: "Syria", "Russia", "United States", "Türkiye", … Loaded on first use.
    from babel import Locale

    names_ = Locale("en").territories
    return frozenset(v.lower() for k, v in names_.items() if len(k) == 2 and k.isalpha())


def is_country(name: str) -> bool:
    """True when ``name`` is a country's (or territory's) English name, possessive or not.

    Scraped text drops apostrophes ("Syrias border"), so a final "s" after a country's name
    is its possessive too. Variants CLDR does not list ("Turkey" beside "Türkiye") are not
    known."""
    key = " ".join(name.lower().removeprefix("the ").split())
    key = re.sub(r"['’]s?$", "", key)
    countries = _countries()
    return key in countries or (key.endswith("s") and key[:-1] in countries)


_MIN_STEM = 4  # a shorter stem must match exactly: "flu" is not in "fluid"
_MAX_SUFFIX = 3  # letters a word may add to a stem it is found by: "coast" → "coastal"


def found(stem: str, pool: Set[str]) -> bool:
    """``stem`` is in ``pool``, or begins a pool word a suffix longer ("coast" → "coastal").

    Short stems must match exactly: "flu" must not be found in "fluid".
    """
    if stem in pool:
        return True
    return len(stem) >= _MIN_STEM and any(
        p.startswith(stem) and len(p) - len(stem) <= _MAX_SUFFIX for p in pool
    )


def findable(pool: Set[str]) -> set[str]:
    """Every stem ``found`` finds in ``pool``: its words and their beginnings a short suffix
    shorter. One set built per text makes each lookup a set test, for scoring many
    sentences against the same question words (``stem in findable(pool)`` is
    ``found(stem, pool)``)."""
    out = set(pool)
    for w in pool:
        out.update(w[:n] for n in range(max(_MIN_STEM, len(w) - _MAX_SUFFIX), len(w)))
    return out


# A proper name as news writes it: capitalised words, Arabic particles ("Urum al-Kubra"),
# model designations ("Mi-8"), and short connectors inside a name ("Bank of America").
# Atomic groups and possessive quantifiers: a name is read once, never re-split, so that a
# run-on passage of capitalised words costs linear time.
_PARTICLE = r"(?:al|el|ad|an|ar|as|ash|at|az|ul|bin|ibn|abu|de|di|du|la|le|van|von)"
# A full stop belongs to a name only inside initials ("U.S."), never at a sentence's end.
_NAME_WORD = (
    r"(?:[A-Z](?:[\w'’&]|-(?=\w)|\.(?=[A-Za-z]))*+(?:(?<=\.[A-Z])\.)?"
    rf"|{_PARTICLE}-[A-Za-z][\w'’]*+(?:-[\w'’]++)*+)"
)
_NAME = re.compile(
    rf"(?<![\w'’-])(?>{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+|of\s+(?=[A-Z]))?{_NAME_WORD})*+)"
)
_LOWER_WORD = r"[a-z][a-z-]*+"


@lru_cache(maxsize=256)
def _instance_patterns(noun: str) -> tuple[re.Pattern[str], ...]:
    head = rf"(?i:{re.escape(noun)})(?:e?s)?\b"
    return (
        # after a name: "Shaar gas field", "Hass village", "the Mi-8 transport helicopter"
        re.compile(rf"\s+(?:{_LOWER_WORD}\s+){{0,2}}?{head}"),
        # before a name: "the village of Hass", "a town called Urum al-Kubra"
        re.compile(rf"\b{head}\s+(?:of|called|named|known\s+as)\s+(?:the\s+)?(?=[A-Za-z])"),
        # apposition: "Hass, a village in Idlib"
        re.compile(rf",\s+(?:a|an|the)\s+(?:{_LOWER_WORD}\s+){{0,3}}?{head}"),
        # a title right before the name: "correspondent Hassan Muhanna", "coach Daniel"
        re.compile(rf"\b{head}\s+(?=[A-Z])"),
    )


def named_instances(noun: str, text: str, *, title: bool = False) -> list[tuple[str, int, int]]:
    """Names the text gives a thing of the kind ``noun``: (name, start, end) of each phrase.

    "In which *village* …" is answered by "the village of Hass", "Haas village" or "Hass,
    a village in Idlib"; "which *gas field*" by "the Shaar gas field"; "what type of
    *helicopter*" by "a Russian Mi-8 transport helicopter". The span covers the name and
    the noun (and the whole list in "the cities of Latakia, Jabla, and Baniyas"). Words
    that are only grammar or calendar ("The", "On Monday") and lone nationalities ("a
    Syrian gas field") are no name.

    With ``title`` (a person's role is asked), the noun may also stand right before the
    name as a title: "Al-Ikhbariya TV correspondent Hassan Muhanna", "coach Daniel
    Garnero". Only then: "the village Israel bombed" names no village.
    """
    after, before, apposition, titled = _instance_patterns(noun.lower())
    out: list[tuple[str, int, int]] = []
    for m in _NAME.finditer(text):
        for pattern in (after, apposition):
            tail = pattern.match(text, m.end())
            if tail:
                _keep(out, noun, m.group(0), m.start(), tail.end())
    for m in before.finditer(text):
        name = _NAME.match(text, m.end())
        if name:
            end = name.end()
            while tail := _NAME_LIST_TAIL.match(text, end):  # the whole list of names
                end = tail.end()
            _keep(out, noun, name.group(0), m.start(), end)
    if title:
        for m in titled.finditer(text):
            name = _NAME.match(text, m.end())
            if name:
                _keep(out, noun, name.group(0), m.start(), name.end())
    return sorted(out, key=lambda x: x[1])


def _keep(out: list[tuple[str, int, int]], noun: str, name: str, start: int, end: int) -> None:
    kept = [w for w in name.split() if w.lower() not in _CALENDAR]
    while kept and kept[0].lower() in STOPWORDS | QUESTION_WORDS:
        kept = kept[1:]
    if not kept or (len(kept) == 1 and (kept[0].lower() == noun.lower() or _adjective(kept[0]))):
        return
    out.append((" ".join(kept), start, end))


_NAME_LIST_TAIL = re.compile(
    rf"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)(?>{_NAME_WORD}(?:\s+{_NAME_WORD})*+)"
)

# Nationalities are capitalised but describe, they do not name: "a Syrian gas field".
_NATIONALITY = re.compile(
    r"(?:ian|ean|ese|ish|ern)$|^(?:Iraqi|Israeli|Saudi|Yemeni|Kuwaiti|"
    r"Qatari|Emirati|Omani|Bahraini|Pakistani|Afghan|Kurdish|Arab|Thai|Swiss|Dutch|French|Greek)$"
)


def _adjective(word: str) -> bool:
    # "Syrian", and compounds ending lowercase: "Kurdish-controlled", "U.S.-led".
    if _COMPOUND_ADJECTIVE.fullmatch(word):
        return True
    return bool(_NATIONALITY.search(word)) and word[:1].isupper() and not word.isupper()


_COMPOUND_ADJECTIVE = re.compile(r"[A-Z][\w.'’]*-[a-z]+")


# "al-" is skipped too: "Hayat Tahrir al-Sham" is HTS.
_ACRONYM_SKIP = frozenset("of the for and on in at to de al el".split())


def acronym(name: str) -> str | None:
    """The initials of a name of three or more capitalised words ("World Health
    Organization" → "WHO", "Syrian Observatory for Human Rights" → "SOHR"), else None."""
    parts = [w for w in name.replace("-", " ").split() if w.lower() not in _ACRONYM_SKIP]
    if len(parts) < 2 or not all(w[:1].isupper() for w in parts):
        return None
    return "".join(w[0] for w in parts).upper()


def expands(short: str, text: str) -> bool:
    """True when ``text`` writes out the all-capitals abbreviation ``short`` in full
    ("WHO" → "World Health Organization")."""
    return expansion(short, text) is not None


def expansion(short: str, text: str) -> str | None:
    """The words ``text`` writes the all-capitals abbreviation ``short`` out in ("EU" →
    "The European Union"), or None."""
    if not (2 <= len(short) <= 6 and short.isupper() and short.isalpha()):
        return None
    return next(
        (m.group(0) for m in _CAPITALISED_RUN.finditer(text) if acronym(m.group(0)) == short),
        None,
    )


def spell_out(question: str, texts: Iterable[str]) -> str:
    """``question`` with each all-capitals abbreviation that ``texts`` write out followed
    by its words: "Who heads HTS?" → "Who heads HTS (Hayat Tahrir al-Sham)?".

    An embedding model knows few abbreviations of news names; spelled out, the question
    is near the sentences that use the full name. Unchanged when none is found.
    """
    shorts = sorted({w for w in re.findall(r"\b[A-Z]{2,6}\b", question) if w.isalpha()})
    # A question typed in capitals ("WHO BACKED ASSAD?") has words, not abbreviations.
    if not shorts or sum(c.isupper() for c in question) > sum(c.islower() for c in question):
        return question
    corpus = list(texts)
    out = question
    for short in shorts:
        full = next((x for t in corpus if (x := expansion(short, t))), None)
        if full is not None and full.lower() not in question.lower():
            out = re.sub(rf"\b{short}\b", f"{short} ({full})", out, count=1)
    return out


_CAPITALISED_RUN = re.compile(
    r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|for|and|the|on|de)\s+)*(?:(?:al|el)-)?[A-Z][\w'’-]*)+"
)
