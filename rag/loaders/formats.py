"""The suffix → loader table, and the entry points that use it: load one file, or many.

:func:`read_articles` is the tolerant entry point: it never raises for bad input, and
returns the good articles of a file together with one located error per bad record.
:func:`load_file` is the strict one for callers that want all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import LoadError
from rag.loaders.files import SUPPORTED_SUFFIXES, iter_files, read_bytes, real_path
from rag.loaders.records import FieldMap, _Fail
from rag.loaders.tabular import _load_csv, _load_json, _load_jsonl
from rag.loaders.text import _load_markdown, _load_txt
from rag.loaders.web import _load_feed, _load_html
from rag.settings import LimitsSettings
from rag.types import Article


@dataclass
class FileLoad:
    """What one file gave: its good articles, and a LoadError per bad record (or for the file)."""

    path: Path
    articles: list[Article] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def read_articles(
    path: Path, field_map: FieldMap | None = None, limits: LimitsSettings | None = None
) -> FileLoad:
    """Read one file; never raises for bad input.

    Every record that cannot become an article is reported as a LoadError located at its
    line (``path:line: reason``) and its neighbours still load; a file that cannot be read
    at all (unsupported, unreadable, binary, too big, malformed as a whole) gives one
    LoadError and no articles.
    """
    result = FileLoad(path)
    try:
        loaded = _load(path, field_map or FieldMap(), limits or LimitsSettings())
    except _Fail as exc:
        result.errors.append(LoadError(str(path), str(exc), exc.line))
        return result
    except Exception as exc:  # noqa: BLE001 - a parser bug on one file must not stop an ingest
        reason = f"could not be read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})"
        result.errors.append(LoadError(str(path), reason))
        return result
    for item in loaded:
        if isinstance(item, Article):
            result.articles.append(item)
        else:
            result.errors.append(LoadError(str(path), str(item), item.line))
    if not loaded:
        result.errors.append(LoadError(str(path), "no articles found"))
    return result


def load_file(
    path: Path, field_map: FieldMap | None = None, limits: LimitsSettings | None = None
) -> list[Article]:
    """Read one file into articles; raise the first LoadError if any record is bad."""
    result = read_articles(path, field_map, limits)
    if result.errors:
        raise result.errors[0]
    return result.articles


def load_paths(
    paths: Iterable[str | Path],
    field_map: FieldMap | None = None,
    limits: LimitsSettings | None = None,
) -> Iterator[FileLoad]:
    """Read every file under ``paths`` (see :func:`read_articles`); never raises for bad input.

    A folder that cannot be listed gives a FileLoad of its own: no articles, one error.
    """
    unreadable: list[FileLoad] = []

    def folder_failed(folder: Path, reason: str) -> None:
        unreadable.append(FileLoad(folder, errors=[LoadError(str(folder), reason)]))

    for path in iter_files(paths, on_error=folder_failed):
        yield from _drain(unreadable)
        yield read_articles(path, field_map, limits)
    yield from _drain(unreadable)


def _drain(pending: list[FileLoad]) -> Iterator[FileLoad]:
    while pending:
        yield pending.pop(0)


def _load(path: Path, fmap: FieldMap, limits: LimitsSettings) -> Sequence[Article | _Fail]:
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        known = " ".join(sorted(SUPPORTED_SUFFIXES))
        raise _Fail(f"unsupported format {suffix or '(no suffix)'}; use {known}")
    data = read_bytes(path, limits.max_file_mb)
    if not data.strip():
        raise _Fail("empty file")
    return loader(real_path(path), data, fmap, limits)


_Loader = Callable[[Path, bytes, FieldMap, LimitsSettings], Sequence[Article | _Fail]]
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
