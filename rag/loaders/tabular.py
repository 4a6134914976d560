"""Record files: JSON (one object, a list, or ``{"articles": [...]}``), JSON Lines and CSV.

Each record is loaded on its own: a bad record becomes a located failure in the result
list, and its good neighbours still load. Nesting is measured before parsing, so a
``[[[[…`` bomb is refused with a message instead of exhausting the recursion limit.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import accumulate
from pathlib import Path
from typing import Any

from rag.loaders.files import _decode
from rag.loaders.records import FieldMap, _Fail, _record_article
from rag.settings import LimitsSettings
from rag.types import Article

Loaded = list[Article | _Fail]
# JSON strings, so brackets inside them are not counted as nesting.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_ARTICLES_KEY = re.compile(r'"articles"\s*:\s*(?=\[)')


def _json_depth(text: str) -> int:
    """Deepest bracket nesting of a JSON text, counted at C speed (regex + accumulate)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _parse_json(text: str, limits: LimitsSettings) -> Any:
    """``json.loads`` within the nesting limit; _Fail (with the line) on bad or deep JSON."""
    depth = _json_depth(text)
    if depth > limits.max_nesting:
        raise _Fail(
            f"JSON nested {depth} levels deep, over the limit of {limits.max_nesting} "
            "(RAG_LIMITS__MAX_NESTING)"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Fail(f"invalid JSON ({exc.msg}, column {exc.colno})", exc.lineno) from exc
    except RecursionError as exc:  # only if the recursion limit is below max_nesting
        raise _Fail("JSON nested too deeply to parse") from exc


def _one(path: Path, record: Any, fmap: FieldMap, limits: LimitsSettings, line: int | None,
         where: str = "") -> Article | _Fail:  # fmt: skip
    """One record's article, or its failure located at ``line``."""
    try:
        return _record_article(path, record, fmap, False, limits, where)
    except _Fail as exc:
        return exc.at(line)
    except Exception as exc:  # noqa: BLE001 - an unforeseen bad record must not cost its file
        return _Fail(f"{where + ': ' if where else ''}unreadable record ({exc})", line)


def _load_json(path: Path, data: bytes, fmap: FieldMap, limits: LimitsSettings) -> Loaded:
    text = _decode(data)
    try:
        payload = _parse_json(text, limits)
    except _Fail as exc:
        if exc.line is None or not text.lstrip().startswith("["):
            raise
        return _salvage_list(path, text, fmap, limits)
    if isinstance(payload, dict) and isinstance(payload.get("articles"), list):
        found = _ARTICLES_KEY.search(text)
        start = found.end() if found else -1
        return _load_json_list(path, text, start, payload["articles"], fmap, limits)
    if isinstance(payload, dict):
        try:
            return [_record_article(path, payload, fmap, True, limits)]
        except _Fail as exc:
            return [exc.at(1)]
    if not isinstance(payload, list):
        raise _Fail('expected an article object, a list of them, or {"articles": [...]}', 1)
    return _load_json_list(path, text, text.index("["), payload, fmap, limits)


def _load_json_list(path: Path, text: str, start: int, items: list[Any], fmap: FieldMap,
                    limits: LimitsSettings) -> Loaded:  # fmt: skip
    """Each item of a JSON list, located at the line it starts on (``start``: its ``[``)."""
    try:
        lines = list(_item_lines(text, start)) if start >= 0 else []
    except ValueError:  # the regex found some other "articles" list; fall back to numbers
        lines = []
    if len(lines) != len(items):  # could not find the list again: name items by number
        return [_one(path, it, fmap, limits, None, f"record {n}") for n, it in enumerate(items, 1)]
    return [_one(path, it, fmap, limits, ln) for it, ln in zip(items, lines, strict=True)]


def _item_lines(text: str, start: int) -> Iterator[int]:
    """The line on which each item of the JSON array opening at ``text[start]`` begins."""
    decoder = json.JSONDecoder()
    pos = _skip(text, start + 1)
    line, counted = 1, 0
    while pos < len(text) and text[pos] != "]":
        line += text.count("\n", counted, pos)
        counted = pos
        yield line
        _, pos = decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos : pos + 1] == ",":
            pos = _skip(text, pos + 1)


def _salvage_list(path: Path, text: str, fmap: FieldMap, limits: LimitsSettings) -> Loaded:
    """A JSON list with a syntax error: load the items around it, report the broken ones.

    After a broken item, reading resumes at the next line indented like the list's first
    item (pretty-printed dumps put each item on its own lines), so one damaged record does
    not cost the records after it.
    """
    decoder = json.JSONDecoder()
    pos = _skip(text, text.index("[") + 1)
    indent = _indent_at(text, pos)
    out: Loaded = []
    while pos < len(text) and text[pos] != "]":
        line = text.count("\n", 0, pos) + 1
        try:
            record, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            out.append(_Fail(f"invalid JSON in this list item ({msg})", line))
            resume = re.compile(rf"\n{re.escape(indent)}(?=[{{\[\"])").search(text, pos + 1)
            if not indent or resume is None:
                return out  # nothing to resume at: the error above says where it broke
            pos = resume.end()
            continue
        out.append(_one(path, record, fmap, limits, line))
        pos = _skip(text, pos)
        if text[pos : pos + 1] == ",":
            pos = _skip(text, pos + 1)
    end_line = text.count("\n", 0, pos) + 1
    if pos >= len(text):
        out.append(_Fail("the list is never closed with ']' (is the file truncated?)", end_line))
    elif text[pos + 1 :].strip():
        out.append(_Fail("text after the end of the list", end_line))
    return out


def _indent_at(text: str, pos: int) -> str:
    """The white space between the start of ``pos``'s line and ``pos``, if only white space."""
    start = text.rfind("\n", 0, pos) + 1
    lead = text[start:pos]
    return lead if lead and not lead.strip() else ""


def _skip(text: str, pos: int) -> int:
    found = _WHITESPACE.match(text, pos)
    return found.end() if found else pos


def _load_jsonl(path: Path, data: bytes, fmap: FieldMap, limits: LimitsSettings) -> Loaded:
    out: Loaded = []
    for n, line in enumerate(_decode(data).split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = _parse_json(line, limits)
        except _Fail as exc:
            out.append(_Fail(str(exc), n))
            continue
        out.append(_one(path, record, fmap, limits, n))
    return out


@contextmanager
def _csv_field_limit(chars: int) -> Iterator[None]:
    """Let csv read fields up to the article limit (its default stops at 131,072)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, chars + 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _load_csv(path: Path, data: bytes, fmap: FieldMap, limits: LimitsSettings) -> Loaded:
    text = _decode(data)
    header = text.partition("\n")[0]
    # Spreadsheets in many locales export ';' or tab separated "CSV".
    delimiter = max(",;\t", key=header.count)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    out: Loaded = []
    with _csv_field_limit(limits.max_article_chars):
        try:
            reader.fieldnames  # noqa: B018 - reads the header row now, to report it
        except csv.Error as exc:
            raise _Fail(f"invalid CSV header ({exc})", 1) from exc
        while True:
            first = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                out.append(_Fail(f"invalid CSV row ({exc})", first))
                if reader.line_num < first:  # the reader did not move on: stop, not loop
                    break
                continue
            record = {k: v for k, v in row.items() if k is not None}
            out.append(_one(path, record, fmap, limits, first))
    return out
