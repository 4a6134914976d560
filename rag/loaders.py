"""Files → :class:`~rag.types.Article` records.

:func:`iter_files` finds files, :func:`load_file` turns one file into articles (or raises
:class:`~rag.errors.LoadError`), and :func:`load_paths` does both, reporting a bad file
instead of stopping. Formats: plain text with an optional ``Key: value`` header, Markdown
with YAML front matter, HTML (main text via trafilatura), JSON / JSON Lines, CSV, and
RSS/Atom feeds.

Article ids survive edits of the body text, so re-ingesting a changed file replaces the
old article instead of adding a second copy.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import charset_normalizer
import feedparser
import lxml.etree
import lxml.html
import trafilatura
import yaml
from dateutil import parser as date_parser
from trafilatura.settings import Document

from rag.errors import ConfigError, LoadError
from rag.types import Article

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".csv"}
    | {".xml", ".rss", ".atom"}
)

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
# A .txt header must open with one of these, so "Breaking: fire in Homs" stays body text.
_HEADER_KEYS = frozenset(
    {"title", "source", "outlet", "url", "link", "author", "by", "published", "date", "id"}
    | {"published_at"}
)
_HEADER_LINE = re.compile(r"([A-Za-z][\w -]{0,40}?)[ \t]*:[ \t]*(.*)")
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")
# RSS 2.0 writes authors as "email (Name)"; feedparser's own split truncates some domains.
_RSS_AUTHOR = re.compile(r"\A\S+@\S+\s+\((.+)\)\Z")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
# Elements after which a paragraph break belongs when flattening feed HTML to text.
_BLOCK_TAGS: tuple[str, ...] = ("p", "div", "li", "ul", "ol", "pre", "tr", "table", "blockquote")
_BLOCK_TAGS += ("section", "article", "figure", "h1", "h2", "h3", "h4", "h5", "h6")
# Two defaults that differ only in the time of day reveal whether a date string had a time.
_PROBE_A = dt.datetime(2000, 1, 1, 0, 0, 0)
_PROBE_B = dt.datetime(2000, 1, 1, 1, 1, 1)

Published = dt.datetime | dt.date | None
Record = dict[str, Any]


class _Fail(Exception):
    """Internal: why a file failed; :func:`load_file` re-raises it as LoadError with the path."""


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


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield loadable files under ``paths`` in sorted order, each once.

    Folders are walked recursively, keeping supported suffixes and skipping hidden files,
    hidden folders and README.md. A file named explicitly is always yielded, so that an
    unsupported or missing file is reported by :func:`load_file` rather than ignored.
    """
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        for path in _walk(root) if root.is_dir() else [root]:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                yield path


def load_file(path: Path, field_map: FieldMap | None = None) -> list[Article]:
    """Read one file into articles; raise LoadError(path, reason) on any problem."""
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        known = " ".join(sorted(SUPPORTED_SUFFIXES))
        raise LoadError(str(path), f"unsupported format {suffix or '(no suffix)'}; use {known}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(str(path), f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise LoadError(str(path), "empty file")
    try:
        articles = loader(path.resolve(), data, field_map or FieldMap())
    except _Fail as exc:
        raise LoadError(str(path), str(exc)) from exc
    if not articles:
        raise LoadError(str(path), "no articles found")
    return articles


def load_paths(
    paths: Iterable[str | Path], field_map: FieldMap | None = None
) -> Iterator[tuple[Path, list[Article] | LoadError]]:
    """Load every file under ``paths``; a bad file yields its LoadError instead of raising."""
    for path in iter_files(paths):
        result: list[Article] | LoadError
        try:
            result = load_file(path, field_map)
        except LoadError as exc:
            result = exc
        yield path, result


def read_text(path: Path) -> str:
    """Read a file as text: UTF-8 if valid, else the detected encoding; newlines become ``\\n``."""
    return _decode(path.read_bytes())


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            if _wanted(name):
                yield Path(dirpath) / name


def _wanted(name: str) -> bool:
    suffix = Path(name).suffix.lower()
    is_readme = Path(name).stem.lower() == "readme" and suffix in {".md", ".markdown"}
    return not name.startswith(".") and suffix in SUPPORTED_SUFFIXES and not is_readme


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _guess_decode(data)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _guess_decode(data: bytes) -> str:
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    # charset_normalizer scores short French/Spanish text equally as cp1250 and cp1252;
    # cp1252 is the far likelier origin and cp1250 turns "è" into "č".
    score = (best.chaos, best.coherence)
    tied = [m for m in matches if (m.chaos, m.coherence) == score]
    western = [m for m in tied if "cp1252" in m.could_be_from_charset]
    return str(western[0] if western else best)


def _clean_body(text: str) -> str:
    """Only trim the ends: citation offsets index into the body, so the rest stays verbatim."""
    return _LEADING_BLANK_LINES.sub("", text).rstrip()


def _clean_title(value: Any) -> str:
    return " ".join(_as_str(value, "title").split())


def _as_str(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise _Fail(f"field {name!r} holds {type(value).__name__}, not text")


def _optional(value: Any, name: str) -> str | None:
    return _as_str(value, name).strip() or None


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _jsonable(value: Any) -> Any:
    """Metadata must survive JSON (Chroma, --json); YAML hands us dates and such."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _parse_date(value: Any) -> tuple[Published, str | None]:
    """Parse a publication date; return (value, None), or (None, raw text) if unparseable.

    A bare date stays a ``date``; a datetime without a timezone is read as UTC.
    """
    if isinstance(value, dt.datetime):
        return _aware(value), None
    if isinstance(value, dt.date):
        return value, None
    raw = "" if value is None else str(value).strip()
    if not raw:
        return None, None
    try:
        if _DATE_ONLY.fullmatch(raw):
            return dt.date.fromisoformat(raw), None
        return _aware(date_parser.isoparse(raw)), None
    except ValueError:
        pass
    try:
        first = date_parser.parse(raw, default=_PROBE_A)
        second = date_parser.parse(raw, default=_PROBE_B)
    except (ValueError, OverflowError):
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


def _article(path: Path, fields: Record, extra: Record, single: bool, where: str = "") -> Article:
    """Validate and normalise one record; ``where`` names the record in error messages."""
    prefix = f"{where}: " if where else ""
    text = _clean_body(_as_str(fields.get("text"), "text"))
    title = _clean_title(fields.get("title"))
    if not text:
        raise _Fail(f"{prefix}no body text")
    if not title:
        raise _Fail(f"{prefix}no title")
    published, raw_date = _parse_date(fields.get("published_at"))
    metadata = _jsonable(extra)
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


def _record_article(path: Path, record: Any, fmap: FieldMap, single: bool, where: str) -> Article:
    prefix = f"{where}: " if where else ""
    if not isinstance(record, dict):
        raise _Fail(f"{prefix}expected an object with article fields")
    fields, extra = _split_record(record, fmap)
    for name in ("text", "title"):
        if name not in fields:
            tried = ", ".join(fmap.keys_for(name))
            raise _Fail(f"{prefix}no {name} (tried keys {tried}; map yours with {name}=KEY)")
    return _article(path, fields, extra, single, where)


def _load_txt(path: Path, data: bytes, fmap: FieldMap) -> list[Article]:
    header, body = _split_header(_decode(data))
    fields, extra = _split_record(header, fmap)
    if "title" not in fields:
        fields["title"], body = _first_line(body)
    fields["text"] = body
    return [_article(path, fields, extra, single=True)]


def _split_header(text: str) -> tuple[Record, str]:
    """Split off a ``Key: value`` block that opens with a known key and ends in a blank line."""
    block, blank, body = text.partition("\n\n")
    header: Record = {}
    for line in block.split("\n") if blank else []:
        match = _HEADER_LINE.fullmatch(line)
        if match is None:
            return {}, text
        header.setdefault(re.sub(r"[\s-]+", "_", match[1].strip().lower()), match[2].strip())
    if not header or next(iter(header)) not in _HEADER_KEYS:
        return {}, text
    return header, body


def _first_line(body: str) -> tuple[str, str]:
    first, _, rest = _LEADING_BLANK_LINES.sub("", body).partition("\n")
    return first, rest


def _load_markdown(path: Path, data: bytes, fmap: FieldMap) -> list[Article]:
    meta, body = _split_front_matter(_decode(data))
    fields, extra = _split_record(meta, fmap)
    if "title" not in fields:
        first, rest = _first_line(body)
        heading = _MD_HEADING.fullmatch(first)
        fields["title"] = heading[1] if heading else path.stem
        body = rest if heading else body
    fields["text"] = body
    return [_article(path, fields, extra, single=True)]


def _split_front_matter(text: str) -> tuple[Record, str]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, text
    try:
        meta = yaml.safe_load(match[1] or "")
    except yaml.YAMLError as exc:
        raise _Fail(f"bad YAML front matter: {' '.join(str(exc).split())}") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise _Fail("front matter is not a 'key: value' mapping")
    return {str(key): value for key, value in meta.items()}, text[match.end() :]


def _load_html(path: Path, data: bytes, fmap: FieldMap) -> list[Article]:
    # lxml refuses str input that still carries an XML encoding declaration.
    html = _XML_DECLARATION.sub("", _decode(data))
    found = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    doc = found.as_dict() if isinstance(found, Document) else found
    if not isinstance(doc, dict) or not doc.get("text"):
        raise _Fail("no article text found in the HTML")
    title = _clean_title(doc.get("title")) or _html_title(html)
    fields = {
        "title": title,
        "text": _drop_title_line(doc["text"], title),
        "source": doc.get("sitename"),
        "url": doc.get("url"),
        "author": doc.get("author"),
        "published_at": doc.get("date"),
    }
    keep = ("description", "categories", "tags", "language")
    extra = {key: doc[key] for key in keep if doc.get(key)}
    return [_article(path, fields, extra, single=True)]


def _html_title(html: str) -> str:
    try:
        found = lxml.html.document_fromstring(html).findtext(".//title")
    except (ValueError, lxml.etree.LxmlError):
        return ""
    return _clean_title(found)


def _drop_title_line(text: str, title: str) -> str:
    """trafilatura repeats the headline as the first text line; keep it out of the body."""
    first, rest = _first_line(text)
    return rest if title and _clean_title(first) == title else text


def _load_feed(path: Path, data: bytes, fmap: FieldMap) -> list[Article]:
    feed = feedparser.parse(data)
    # An unknown version means feedparser saw no <rss>/<feed>/<rdf> root: some other XML.
    if not feed.entries or not feed.get("version"):
        why = f" ({feed.get('bozo_exception')})" if feed.get("bozo") else ""
        raise _Fail(f"not an RSS/Atom feed, or a feed without entries{why}")
    source = feed.feed.get("title")
    return [_entry_article(path, e, source, f"entry {n}") for n, e in enumerate(feed.entries, 1)]


def _entry_article(path: Path, entry: Any, source: str | None, where: str) -> Article:
    fields = {
        "id": entry.get("id"),
        "title": entry.get("title"),
        "text": _entry_text(entry),
        "source": source,
        "url": _web_link(entry.get("link")),
        "author": _RSS_AUTHOR.sub(r"\1", entry.get("author") or ""),
        "published_at": entry.get("published") or entry.get("updated"),
    }
    tags = [tag.get("term") for tag in entry.get("tags", []) if tag.get("term")]
    return _article(path, fields, {"tags": tags} if tags else {}, single=False, where=where)


def _web_link(link: str | None) -> str | None:
    # feedparser falls back to the entry id for the link, and Atom ids are often urn:uuid:….
    return link if link and link.startswith(("http://", "https://")) else None


def _entry_text(entry: Any) -> str:
    parts = [*entry.get("content", []), entry.get("summary_detail") or {}]
    for part in parts:
        value = part.get("value") or ""
        if value.strip():
            return _html_to_text(value) if "html" in part.get("type", "html") else value
    return ""


def _html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, keeping paragraph breaks as blank lines."""
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml.etree.LxmlError):
        return fragment
    for unwanted in root.xpath(".//script | .//style"):
        unwanted.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter(*_BLOCK_TAGS):
        block.tail = "\n\n" + (block.tail or "")
    # HTML whitespace is not significant: collapse it inside lines, keep the breaks we made.
    lines = [" ".join(line.split()) for line in root.text_content().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _load_json(path: Path, data: bytes, fmap: FieldMap) -> list[Article]:
    try:
        payload = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise _Fail(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if isinstance(payload, dict) and isinstance(payload.get("articles"), list):
        payload = payload["articles"]
    elif isinstance(payload, dict):
        return [_record_article(path, payload, fmap, single=True, where="")]
    if not isinstance(payload, list):
        raise _Fail('expected an article object, a list of them, or {"articles": [...]}')
    return [
        _record_article(path, record, fmap, single=False, where=f"record {n}")
        for n, record in enumerate(payload, 1)
    ]


def _load_jsonl(path: Path, data: bytes, fmap: FieldMap) -> list[Article]:
    articles = []
    for n, line in enumerate(_decode(data).split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _Fail(f"line {n}: invalid JSON ({exc.msg})") from exc
        articles.append(_record_article(path, record, fmap, single=False, where=f"line {n}"))
    return articles


def _load_csv(path: Path, data: bytes, fmap: FieldMap) -> list[Article]:
    text = _decode(data)
    header = text.partition("\n")[0]
    # Spreadsheets in many locales export ';' or tab separated "CSV".
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = [{k: v for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise _Fail(f"invalid CSV at line {reader.line_num}: {exc}") from exc
    return [
        _record_article(path, row, fmap, single=False, where=f"row {n}")
        for n, row in enumerate(rows, 1)
    ]


_Loader = Callable[[Path, bytes, FieldMap], list[Article]]
_FORMATS: tuple[tuple[_Loader, str], ...] = (
    (_load_txt, ".txt"),
    (_load_markdown, ".md .markdown"),
    (_load_html, ".html .htm"),
    (_load_json, ".json"),
    (_load_jsonl, ".jsonl .ndjson"),
    (_load_csv, ".csv"),
    (_load_feed, ".xml .rss .atom"),
)
_LOADERS: dict[str, _Loader] = {
    suffix: load for load, suffixes in _FORMATS for suffix in suffixes.split()
}
