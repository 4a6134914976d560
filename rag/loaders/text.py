"""Plain text with an optional ``Key: value`` header, and Markdown with YAML front matter."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from rag.loaders.files import _decode
from rag.loaders.records import (
    FieldMap,
    Record,
    _article,
    _Fail,
    _first_line,
    _split_record,
)
from rag.types import Article

# A .txt header must open with one of these, so "Breaking: fire in Homs" stays body text.
_HEADER_KEYS = frozenset(
    {"title", "source", "outlet", "url", "link", "author", "by", "published", "date", "id"}
    | {"published_at"}
)
_HEADER_LINE = re.compile(r"([A-Za-z][\w -]{0,40}?)[ \t]*:[ \t]*(.*)")
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_MD_HEADING = re.compile(r"#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")


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
