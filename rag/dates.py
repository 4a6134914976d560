"""Dates inside articles, resolved against each article's publication date.

News writes "on Thursday", "last week", "in December": dates that mean nothing without the
day the article was published. The question parser (``rag.questions.find_period_spans``)
already reads written-out dates and relative expressions; here it reads passages, with
the publication date as its reference, plus two forms that only make sense in reported
text:

- a month without a year ("ousted Assad's government in December"): the latest such
  month on or before the publication month;
- a weekday that is the publication day ("on Sunday" in a Sunday paper): that very day,
  not the week before.

Each expression becomes an :class:`rag.types.EventDate` with its offsets in the article.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from rag.questions import find_period_spans, published_date
from rag.text import date_precision
from rag.types import EventDate

_MONTH_NAMES = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
# "in December", "since March", "last December" is the parser's; a year after it is too.
_MONTH_ONLY = re.compile(
    r"\b(?:in|since|during|by|until|from|early|late|mid-?)\s+(?:(?:early|late|mid-?)\s*)?"
    r"(?P<mon>" + "|".join(m.capitalize() for m in _MONTH_NAMES) + r")\b(?![\s,]+\d)"
)
_MONTH_DAY = re.compile(
    r"\b(?P<mon>" + "|".join(m.capitalize() for m in _MONTH_NAMES) + r")\s+(?P<d>\d{1,2})"
    r"(?:st|nd|rd|th)?\b(?![\s,]+(?:\d|and\s+\d))"
)
_BARE_WEEKDAY = re.compile(r"\b(?P<wd>" + "|".join(calendar.day_name) + r")\b(?!['’]s)")
_ON_WEEKDAY = re.compile(r"on\s+(?:" + "|".join(calendar.day_name) + r")", re.I)
_EARLIEST_YEAR = 1900  # a bare "2000" before this is a count, not a year


def resolve_dates(text: str, published: dt.date | str | None, offset: int = 0) -> list[EventDate]:
    """Every date expression in ``text``, resolved against ``published``, in text order.

    ``offset`` is added to the positions (pass a passage's start to get article offsets).
    Without a publication date only written-out dates are resolved.
    """
    ref = published if isinstance(published, dt.date) else published_date(published)
    found: list[EventDate] = []
    taken: list[tuple[int, int]] = []
    for start, end, period in find_period_spans(text, ref):
        if period.granularity == "decade":
            continue
        bare_year = text[start:end].isdigit()
        if bare_year and not _year_here(text, start, end, ref):
            continue
        written = text[start:end]
        relative = ref is not None and not re.search(r"(?:19|20)\d\d", written)
        first, last = period.start, period.end
        if ref is not None and relative and period.granularity == "day":
            first = last = _same_weekday(written, first, ref)
        found.append(_event(written, start + offset, first, last, period.granularity, relative))
        taken.append((start, end))
    if ref is not None:
        found += _reported_forms(text, ref, offset, taken)
    return sorted(found, key=lambda d: d.start)


def _reported_forms(
    text: str, ref: dt.date, offset: int, taken: list[tuple[int, int]]
) -> list[EventDate]:
    """ "April 4", "in December", "Tuesday": dates reported text leaves the year (or week)
    out of, the latest such date on or before publication."""
    found: list[EventDate] = []

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in taken)

    for m in _MONTH_DAY.finditer(text):
        month, day = _MONTH_NAMES[m.group("mon").lower()], int(m.group("d"))
        year = ref.year if (month, day) <= (ref.month, ref.day) else ref.year - 1
        if not free(m.start(), m.end()) or day > calendar.monthrange(year, month)[1]:
            continue
        when = dt.date(year, month, day)
        found.append(_event(m.group(0), m.start() + offset, when, when, "day", True))
        taken.append((m.start(), m.end()))
    for m in _MONTH_ONLY.finditer(text):
        s, e = m.start("mon"), m.end("mon")
        if not free(s, e):
            continue
        month = _MONTH_NAMES[m.group("mon").lower()]
        year = ref.year if month <= ref.month else ref.year - 1
        first = dt.date(year, month, 1)
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        found.append(_event(text[s:e], s + offset, first, last, "month", True))
    for m in _BARE_WEEKDAY.finditer(text):
        if not free(m.start(), m.end()):
            continue
        back = (ref.weekday() - list(calendar.day_name).index(m.group("wd"))) % 7
        when = ref - dt.timedelta(days=back)
        found.append(_event(m.group(0), m.start() + offset, when, when, "day", True))
    return found


def _event(
    text: str, start: int, first: dt.date, last: dt.date, granularity: str, relative: bool
) -> EventDate:
    return EventDate(
        text=text,
        start=start,
        end=start + len(text),
        date=first,
        end_date=last,
        granularity=granularity,
        relative=relative,
    )


def _year_here(text: str, start: int, end: int, ref: dt.date | None) -> bool:
    """A bare four-digit number is a year when it lies from 1900 to the publication year
    and is written as one: after a time preposition ("in 2013", "since 2011") or ending
    its clause ("… the war of 2011."); "2000 fighters" is a count."""
    year = int(text[start:end])
    if not _EARLIEST_YEAR <= year <= (ref.year if ref else dt.date.today().year):
        return False
    return bool(_BEFORE_YEAR.search(text[:start]) or _AFTER_YEAR.match(text[end:]))


_BEFORE_YEAR = re.compile(
    r"\b(?:in|since|of|by|until|till|from|during|before|after|early|late|mid|year|through)"
    r"[\s-]+$",
    re.I,
)
_AFTER_YEAR = re.compile(r"\s*(?:$|[.,;:)\]'’\"”]|and\b|to\b)")


def _same_weekday(written: str, day: dt.date, ref: dt.date) -> dt.date:
    """ "on Sunday" in an article published on a Sunday is that day, not a week earlier."""
    if _ON_WEEKDAY.fullmatch(written) and day == ref - dt.timedelta(days=7):
        return ref
    return day


def dates_between(dates: list[EventDate], start: int, end: int) -> list[EventDate]:
    """The resolved dates written inside ``[start, end)`` of the article."""
    return [d for d in dates if start <= d.start and d.end <= end]


# "last summer", "this spring": a season its article's date places; "the 1990s", "the
# '90s": a decade.
_SEASON_OR_DECADE = re.compile(
    r"\b(?:this|last|next|past|previous|coming)\s+(?:spring|summer|autumn|fall|winter)\b"
    r"|\b(?:1[89]|20)\d0s\b|['’]\d0s\b",
    re.I,
)


def says_when(text: str, published: dt.date | str | None) -> bool:
    """True when ``text`` holds a date that places something in time: a written-out date
    or year ("October 2017", "in the 1990s"), or a relative one its publication date
    resolves ("on Friday", "last week", "two days ago", "last summer").

    "In the year since Altman catapulted ChatGPT to global fame …" names a span of time
    but says when nothing happened: the tagger's DATE ("the year") answers no "when?".
    """
    if date_precision(text) > 0 or _SEASON_OR_DECADE.search(text):
        return True
    return published is not None and bool(resolve_dates(text, published))
