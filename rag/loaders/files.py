"""Finding loadable files and decoding their bytes to text.

:func:`iter_files` walks folders for supported suffixes; :func:`read_text` and ``_decode``
turn bytes into text (UTF-8, else the detected encoding) with ``\n`` newlines.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import charset_normalizer

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".csv"}
    | {".xml", ".rss", ".atom"}
)


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
