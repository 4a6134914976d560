"""Records → :class:`~rag.types.Article`: field mapping, text clean-up, dates and ids.

Every format loader ends here: it collects a record of fields (``title``, ``text``,
``published_at`` …) and :func:`_article` validates and normalises it into an Article.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from dateutil import parser as date_parser

from rag.errors import ConfigError
from rag.settings import LimitsSettings
from rag.types import Article

_FIELDS = ("id", "title", "text", "source", "url", "author", "published_at")
# Key names other tools commonly use for our fields; matched case-insensitively.
_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("title", "headline"),
    "text": ("text", "content", "body"),
    "source": ("source", "outlet", "publisher"),
    "url": ("url", "link"),
    "author": ("author", "by"),
    "published_at": ("published_at", "date", "published", "pubDate"),
}
# Lone UTF-16 surrogates (JSON "\\ud800") cannot be encoded as UTF-8, NUL ends a C string
# in the sentence splitter, and other C0 controls (ESC…) would reach a terminal through
# `rag ask` as escape sequences: all become U+FFFD, as undecodable bytes do. Tab, the
# line breaks and form feed are text.
_UNENCODABLE = re.compile("[\ud800-\udfff\x00-\x08\x0e-\x1f\x7f]")
# Ids, URLs, outlets and bylines longer than this are not what they claim to be.
_MAX_FIELD_CHARS = 2048
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_MAX_DATE_CHARS = 100  # longer is not a date; dateutil need not tokenise a whole article
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
# Two defaults that differ only in the time of day reveal whether a date string had a time.
_PROBE_A = dt.datetime(2000, 1, 1, 0, 0, 0)
_PROBE_B = dt.datetime(2000, 1, 1, 1, 1, 1)

Published = dt.datetime | dt.date | None
Record = dict[str, Any]


class _Fail(Exception):
    """Internal: why a file or record failed; the loader turns it into a LoadError with the path.

    ``line`` is the 1-based line the failing record starts on, when the format has lines.
    """

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.line = line

    def at(self, line: int | None) -> _Fail:
        """This failure, located at ``line`` (a record's first line)."""
        return _Fail(str(self), line if line is not None else self.line)


@dataclass(frozen=True)
class FieldMap:
    """Which key/column of a file holds each article field; unset fields use common aliases."""

    id: str | None = None
    title: str | None = None
    text: str | None = None
    source: str | None = None
    url: str | None = None
    author: str | None = None
    published_at: str | None = None

    @classmethod
    def parse(cls, items: Iterable[str]) -> FieldMap:
        """Build a map from CLI-style ``ours=theirs`` items, e.g. ``["text=body"]``."""
        mapping: dict[str, str] = {}
        for item in items:
            ours, sep, theirs = (part.strip() for part in item.partition("="))
            if not sep or not ours or not theirs:
                raise ConfigError(f"bad field map {item!r}: write ours=theirs, e.g. text=body")
            if ours not in _FIELDS:
                raise ConfigError(f"unknown field in {item!r}; use {', '.join(_FIELDS)}")
            if ours in mapping:
                raise ConfigError(f"field {ours!r} is mapped twice; keep one mapping")
            mapping[ours] = theirs
        return cls(**mapping)

    def keys_for(self, name: str) -> tuple[str, ...]:
        """Keys to try for our field ``name``: the mapped key first, then the aliases."""
        mapped: str | None = getattr(self, name)
        return _ALIASES[name] if mapped is None else (mapped, *_ALIASES[name])


def _clean_body(text: str) -> str:
    """Only trim the ends: citation offsets index into the body, so the rest stays verbatim."""
    return _LEADING_BLANK_LINES.sub("", text).rstrip()


def _clean_title(value: Any) -> str:
    return " ".join(_as_str(value, "title").split())


def _scrub(text: str) -> str:
    """Text that survives UTF-8 and C libraries: lone surrogates and NUL become U+FFFD."""
    return _UNENCODABLE.sub("\ufffd", text)


def _as_str(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Fail(f"field {name!r} holds {type(value).__name__}, not text")


def _optional(value: Any, name: str) -> str | None:
    text = _as_str(value, name).strip()
    if len(text) > _MAX_FIELD_CHARS:
        raise _Fail(f"field {name!r} is {len(text):,} characters long; is it the right field?")
    return text or None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _jsonable(value: Any) -> Any:
    """Metadata must survive JSON (Chroma, --json); YAML hands us dates and such.

    Callers bound the depth first (:func:`_depth`), so the recursion is shallow.
    """
    if isinstance(value, dict):
        return {_scrub(str(key)): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN and Infinity are not JSON
    if value is None or isinstance(value, int | float | bool):
        return value
    return _scrub(str(value))


def _depth(value: Any) -> int:
    """Nesting depth of lists/dicts in ``value`` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list | tuple):
            level += 1
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level) for child in children)
    return deepest


def _checked_metadata(extra: Record, limits: LimitsSettings) -> Record:
    """JSON-safe metadata within the depth and size limits, or _Fail saying which is exceeded."""
    depth = _depth(extra) - 1  # the metadata dict itself is not nesting
    if depth > limits.max_metadata_depth:
        raise _Fail(
            f"metadata nested {depth} levels deep, over the limit of "
            f"{limits.max_metadata_depth} (RAG_LIMITS__MAX_METADATA_DEPTH)"
        )
    metadata: Record = _jsonable(extra)
    size = len(json.dumps(metadata, ensure_ascii=False))
    if size > limits.max_metadata_chars:
        raise _Fail(
            f"metadata is {size:,} characters as JSON, over the limit of "
            f"{limits.max_metadata_chars:,} (RAG_LIMITS__MAX_METADATA_CHARS)"
        )
    return metadata


def _parse_date(value: Any) -> tuple[Published, str | None]:
    """Parse a publication date; return (value, None), or (None, raw text) if unparseable.

    A bare date stays a ``date``; a datetime without a timezone is read as UTC.
    """
    if isinstance(value, dt.datetime):
        return _aware(value), None
    if isinstance(value, dt.date):
        return value, None
    raw = "" if value is None else _scrub(str(value)).strip()
    if not raw:
        return None, None
    if len(raw) > _MAX_DATE_CHARS:
        return None, raw[:_MAX_DATE_CHARS] + "…"
    try:
        if _DATE_ONLY.fullmatch(raw):
            return dt.date.fromisoformat(raw), None
        return _aware(date_parser.isoparse(raw)), None
    except (ValueError, OverflowError):
        pass
    try:
        first = date_parser.parse(raw, default=_PROBE_A)
        second = date_parser.parse(raw, default=_PROBE_B)
    except (ValueError, OverflowError, TypeError):
        return None, raw
    return (first.date(), None) if first != second else (_aware(first), None)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _article_id(path: Path, single: bool, url: str | None, title: str, when: Published) -> str:
    if url:
        return "u-" + _sha1(url)
    if single:
        return "f-" + _sha1(path.as_posix())
    stamp = when.isoformat() if when is not None else ""
    return "f-" + _sha1(f"{path.as_posix()}#{title}|{stamp}")


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def _split_record(record: Record, fmap: FieldMap) -> tuple[Record, Record]:
    """Pick our fields out of a record; every other non-empty key becomes metadata."""
    by_lower: dict[str, str] = {}
    for own in record:
        by_lower.setdefault(own.lower(), own)
    fields: Record = {}
    used: set[str] = set()
    for name in _FIELDS:
        for candidate in fmap.keys_for(name):
            key = candidate if candidate in record else by_lower.get(candidate.lower())
            if key is not None and key not in used and not _is_blank(record[key]):
                fields[name] = record[key]
                used.add(key)
                break
    extra = {k: v for k, v in record.items() if k not in used and not _is_blank(v)}
    # Nested "metadata" is how our own Article JSON dumps carry it; flatten it back.
    if isinstance(extra.get("metadata"), dict):
        extra = {**extra.pop("metadata"), **extra}
    return fields, extra


def _article(
    path: Path,
    fields: Record,
    extra: Record,
    single: bool,
    limits: LimitsSettings,
    where: str = "",
) -> Article:
    """Validate and normalise one record; ``where`` names the record in error messages."""
    try:
        return _checked_article(path, fields, extra, single, limits)
    except _Fail as exc:
        raise _Fail(f"{where}: {exc}" if where else str(exc), exc.line) from exc


def _checked_article(
    path: Path, fields: Record, extra: Record, single: bool, limits: LimitsSettings
) -> Article:
    raw_title = fields.get("title")
    # Measured before clean-up, so a 50 MB first line is refused without splitting it.
    if isinstance(raw_title, str) and len(raw_title) > 10 * limits.max_title_chars:
        _refuse_title(len(raw_title), limits)
    title = _clean_title(raw_title)
    if len(title) > limits.max_title_chars:
        _refuse_title(len(title), limits)
    text = _clean_body(_as_str(fields.get("text"), "text"))
    if not text:
        raise _Fail("no body text")
    if not title:
        raise _Fail("no title")
    if len(text) > limits.max_article_chars:
        raise _Fail(
            f"article text is {len(text):,} characters, over the limit of "
            f"{limits.max_article_chars:,} (RAG_LIMITS__MAX_ARTICLE_CHARS); split the file "
            "into separate articles or raise the limit"
        )
    published, raw_date = _parse_date(fields.get("published_at"))
    metadata = _checked_metadata(extra, limits)
    if raw_date is not None:
        metadata["published_raw"] = raw_date
    url = _optional(fields.get("url"), "url")
    explicit_id = _optional(fields.get("id"), "id")
    return Article(
        id=explicit_id or _article_id(path, single, url, title, published),
        title=title,
        text=text,
        source=_optional(fields.get("source"), "source"),
        url=url,
        author=_optional(fields.get("author"), "author"),
        published_at=published,
        metadata=metadata,
        path=str(path),
    )


def _refuse_title(length: int, limits: LimitsSettings) -> NoReturn:
    raise _Fail(
        f"title is {length:,} characters, over the limit of {limits.max_title_chars:,} "
        "(RAG_LIMITS__MAX_TITLE_CHARS); is the body in the title field, or is the first "
        "line of a text file without a title the whole article?"
    )


def _record_article(
    path: Path,
    record: Any,
    fmap: FieldMap,
    single: bool,
    limits: LimitsSettings,
    where: str = "",
) -> Article:
    """One article from a JSON object or CSV row; ``where`` names it when it has no line."""
    prefix = f"{where}: " if where else ""
    if not isinstance(record, dict):
        raise _Fail(f"{prefix}expected an object with article fields, not {_kind(record)}")
    fields, extra = _split_record(record, fmap)
    for name in ("text", "title"):
        if name not in fields:
            tried = ", ".join(fmap.keys_for(name))
            raise _Fail(f"{prefix}no {name} (tried keys {tried}; map yours with {name}=KEY)")
    return _article(path, fields, extra, single, limits, where)


def _kind(value: Any) -> str:
    names = {list: "a list", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _first_line(body: str) -> tuple[str, str]:
    first, _, rest = _LEADING_BLANK_LINES.sub("", body).partition("\n")
    return first, rest
