"""The suffix → loader table, and the entry points that use it: load one file, or many."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from rag.errors import LoadError
from rag.loaders.files import SUPPORTED_SUFFIXES, iter_files
from rag.loaders.records import FieldMap, _Fail
from rag.loaders.tabular import _load_csv, _load_json, _load_jsonl
from rag.loaders.text import _load_markdown, _load_txt
from rag.loaders.web import _load_feed, _load_html
from rag.types import Article


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
