"""A ceiling on the size of an answer's JSON (``limits.max_output_chars``).

An answer normally weighs a few kilobytes, but its strings come from the corpus and the
question: a huge question, or an article with an enormous "sentence" admitted by raised
limits, once made `rag ask --json` print 150 MB. Over the ceiling, the longest strings
(quotes, sentences, the answer, the question) are cut to a common length, each ending
with a visible marker, and ``truncated`` is set, instead of failing or printing it all.
"""

from __future__ import annotations

import json
from typing import Any

TRUNCATED = "truncated"


def marker(cut: int) -> str:
    """What replaces the end of a string that lost ``cut`` characters."""
    return f" … [truncated: {cut:,} more characters]"


def dumps(payload: Any, *, indent: int | None = None, ascii_only: bool = False) -> str:
    """The JSON text whose length the ceiling bounds (as `rag ask` prints it)."""
    return json.dumps(payload, ensure_ascii=ascii_only, indent=indent)


def cap_output(
    payload: dict[str, Any],
    max_chars: int,
    *,
    indent: int | None = None,
    ascii_only: bool = False,
) -> dict[str, Any]:
    """``payload`` with ``truncated`` added, small enough that its JSON fits ``max_chars``.

    ``indent`` and ``ascii_only`` say how it will be serialised. When it does not fit,
    every string longer than a common length L is cut to L plus :func:`marker`, with L
    the largest length that fits; if even empty strings do not fit, the last passages,
    sentences and citations are dropped. Never raises for size.
    """
    whole = {**payload, TRUNCATED: False}
    size = len(dumps(whole, indent=indent, ascii_only=ascii_only))
    if size <= max_chars:
        return whole
    lengths = sorted(_string_lengths(whole), reverse=True)
    limit = _common_length(lengths, size - max_chars)
    while True:
        cut = {**_cut_strings(whole, limit), TRUNCATED: True}
        if len(dumps(cut, indent=indent, ascii_only=ascii_only)) <= max_chars:
            return cut
        if limit == 0:
            return _drop_items(cut, max_chars, indent, ascii_only)
        limit //= 2  # escapes (quotes, non-ASCII) made the estimate short: cut harder


def _string_lengths(value: Any) -> list[int]:
    if isinstance(value, str):
        return [len(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _string_lengths(v)]
    if isinstance(value, list):
        return [n for v in value for n in _string_lengths(v)]
    return []


def _common_length(lengths: list[int], excess: int) -> int:
    """The largest L such that cutting every longer string to L (+ marker) saves ``excess``."""
    room = len(marker(10**9))  # a marker's length, at most
    saved, longer = 0, 0
    for i, length in enumerate(lengths):
        following = lengths[i + 1] if i + 1 < len(lengths) else 0
        longer = i + 1
        # Lowering L from ``length`` to ``following`` saves that much on each longer string.
        step = (length - following) * longer
        if saved + step - longer * room >= excess:
            need = excess - saved + longer * room
            return max(0, length - -(-need // longer))
        saved += step
    return 0


def _cut_strings(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + marker(len(value) - limit)
    if isinstance(value, dict):
        return {k: _cut_strings(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_cut_strings(v, limit) for v in value]
    return value


def _drop_items(
    payload: dict[str, Any], max_chars: int, indent: int | None, ascii_only: bool
) -> dict[str, Any]:
    """Last resort: drop list items from the end, passages first, until it fits."""
    out = dict(payload)
    for key in ("retrieved", "sentences", "citations"):
        items = list(out.get(key) or [])
        while items and len(dumps(out, indent=indent, ascii_only=ascii_only)) > max_chars:
            items.pop()
            out[key] = items
    return out
