"""Record files: JSON (one object, a list, or ``{"articles": [...]}``), JSON Lines and CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from rag.loaders.files import _decode
from rag.loaders.records import FieldMap, _Fail, _record_article
from rag.types import Article


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
