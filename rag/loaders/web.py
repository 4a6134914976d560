"""Web formats: HTML pages (main text via trafilatura) and RSS/Atom feeds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import feedparser
import lxml.etree
import lxml.html
import trafilatura
from trafilatura.settings import Document

from rag.loaders.files import _decode
from rag.loaders.records import FieldMap, _article, _clean_title, _Fail, _first_line
from rag.settings import LimitsSettings
from rag.types import Article

# RSS 2.0 writes authors as "email (Name)"; feedparser's own split truncates some domains.
_RSS_AUTHOR = re.compile(r"\A\S+@\S+\s+\((.+)\)\Z")
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
# Elements after which a paragraph break belongs when flattening feed HTML to text.
_BLOCK_TAGS: tuple[str, ...] = ("p", "div", "li", "ul", "ol", "pre", "tr", "table", "blockquote")
_BLOCK_TAGS += ("section", "article", "figure", "h1", "h2", "h3", "h4", "h5", "h6")


def _load_html(path: Path, data: bytes, fmap: FieldMap, limits: LimitsSettings) -> list[Article]:
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
    return [_article(path, fields, extra, True, limits)]


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


def _load_feed(
    path: Path, data: bytes, fmap: FieldMap, limits: LimitsSettings
) -> list[Article | _Fail]:
    feed = feedparser.parse(data)
    # An unknown version means feedparser saw no <rss>/<feed>/<rdf> root: some other XML.
    if not feed.entries or not feed.get("version"):
        why = f" ({feed.get('bozo_exception')})" if feed.get("bozo") else ""
        raise _Fail(f"not an RSS/Atom feed, or a feed without entries{why}")
    source = feed.feed.get("title")
    lines = _entry_lines(data)
    if len(lines) != len(feed.entries):  # lxml saw other entries: name them by number
        lines = [None] * len(feed.entries)
    out: list[Article | _Fail] = []
    for n, (entry, line) in enumerate(zip(feed.entries, lines, strict=True), 1):
        where = "" if line is not None else f"entry {n}"
        try:
            out.append(_entry_article(path, entry, source, limits, where))
        except _Fail as exc:
            out.append(exc.at(line))
        except Exception as exc:  # noqa: BLE001 - one odd entry must not cost the feed
            out.append(_Fail(f"{where + ': ' if where else ''}unreadable entry ({exc})", line))
    return out


def _entry_lines(data: bytes) -> list[int | None]:
    """The line each <item>/<entry> starts on (feedparser does not say); [] if unparseable."""
    # No entity expansion and no network: the XML is only scanned for line numbers.
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    try:
        root = lxml.etree.fromstring(data, parser)
    except (ValueError, lxml.etree.LxmlError):
        return []
    if root is None:
        return []
    return [el.sourceline for el in root.iter("{*}item", "{*}entry")]


def _entry_article(
    path: Path, entry: Any, source: str | None, limits: LimitsSettings, where: str
) -> Article:
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
    return _article(path, fields, {"tags": tags} if tags else {}, False, limits, where)


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
