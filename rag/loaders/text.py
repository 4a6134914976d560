"""Plain text with an optional ``Key: value`` header, and Markdown with YAML front matter.

Front matter is parsed with PyYAML's safe loader, further restricted: aliases are refused
(a few hundred bytes of nested aliases expand to gigabytes, the "billion laughs") and
collections may nest only ``limits.max_nesting`` deep.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError

from rag.loaders.files import _decode
from rag.loaders.records import (
    FieldMap,
    Record,
    _article,
    _Fail,
    _first_line,
    _split_record,
)
from rag.settings import LimitsSettings
from rag.types import Article

# A .txt header must open with one of these, so "Breaking: fire in Homs" stays body text.
_HEADER_KEYS = frozenset(
    {"title", "source", "outlet", "url", "link", "author", "by", "published", "date", "id"}
    | {"published_at"}
)
_HEADER_LINE = re.compile(r"([A-Za-z][\w -]{0,40}?)[ \t]*:[ \t]*(.*)")
_FRONT_MATTER = re.compile(r"---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_OPEN = re.compile(r"---[ \t]*\n")
# An ATX heading of any level ("# Title", "## Title ##"), up to three spaces indented.
_MD_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")
# A setext heading's underline ("Title" on one line, "=====" on the next).
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*")


def _load_txt(path: Path, data: bytes, fmap: FieldMap, limits: LimitsSettings) -> list[Article]:
    header, body = _split_header(_decode(data))
    fields, extra = _split_record(header, fmap)
    if "title" not in fields:
        fields["title"], body = _first_line(body)
    fields["text"] = body
    return [_article(path, fields, extra, True, limits)]


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


def _load_markdown(
    path: Path, data: bytes, fmap: FieldMap, limits: LimitsSettings
) -> list[Article]:
    meta, body = _split_front_matter(_decode(data), limits)
    fields, extra = _split_record(meta, fmap)
    heading, rest = _heading(body)
    if "title" not in fields:
        fields["title"] = heading if heading is not None else path.stem
        body = rest if heading is not None else body
    elif heading is not None and _same_title(heading, fields["title"]):
        body = rest  # the heading repeats the front matter title: keep it out of the text
    fields["text"] = body
    return [_article(path, fields, extra, True, limits)]


def _heading(body: str) -> tuple[str | None, str]:
    """The Markdown heading opening ``body`` (ATX or setext) and the body after it."""
    first, rest = _first_line(body)
    atx = _MD_HEADING.fullmatch(first)
    if atx:
        return atx[1], rest
    underline, after = rest.partition("\n")[::2]
    if first.strip() and _SETEXT.fullmatch(underline) and not first.startswith((" " * 4, "\t")):
        return first.strip(), after
    return None, body


def _same_title(heading: str, title: Any) -> bool:
    return isinstance(title, str) and heading.split() == title.split()


def _split_front_matter(text: str, limits: LimitsSettings) -> tuple[Record, str]:
    match = _FRONT_MATTER.match(text)
    if match is None:
        if _FRONT_MATTER_OPEN.match(text):
            raise _Fail(
                "front matter opened by '---' is never closed; end it with a '---' line "
                "(or remove the opening '---')",
                1,
            )
        return {}, text
    source = match[1] or ""
    if len(source) > limits.max_metadata_chars:
        raise _Fail(
            f"front matter is {len(source):,} characters, over the limit of "
            f"{limits.max_metadata_chars:,} (RAG_LIMITS__MAX_METADATA_CHARS)",
            1,
        )
    meta = _safe_yaml(source, limits.max_nesting)
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise _Fail("front matter is not a 'key: value' mapping", 1)
    return {str(key): value for key, value in meta.items()}, text[match.end() :]


def _safe_yaml(source: str, max_depth: int) -> Any:
    """Parse front matter with :class:`_FrontMatterLoader`; _Fail names the line of a problem."""
    loader = _FrontMatterLoader(source, max_depth)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the '---'
        problem = getattr(exc, "problem", None) or str(exc)
        raise _Fail(f"bad YAML front matter: {' '.join(str(problem).split())}", line) from exc
    except (ValueError, TypeError, RecursionError) as exc:
        raise _Fail(f"bad YAML front matter: {exc}", 1) from exc
    finally:
        loader.dispose()


class _FrontMatterLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader without aliases, with bounded nesting and lenient dates.

    Aliases are how a 400-byte file expands to gigabytes; front matter never needs them.
    An impossible date (``2025-02-30``) stays text, so the article loads undated with the
    raw value kept, as in every other format.
    """

    def __init__(self, stream: str, max_depth: int) -> None:
        super().__init__(stream)
        self._max_depth = max_depth
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, "aliases (*name) are not allowed in front matter", mark)
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise ComposerError(
                    None,
                    None,
                    f"nested more than {self._max_depth} levels (RAG_LIMITS__MAX_NESTING)",
                    mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_timestamp(self, node: Any) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_FrontMatterLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", _FrontMatterLoader.construct_yaml_timestamp
)
