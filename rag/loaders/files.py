"""Finding loadable files, reading them within limits, and decoding their bytes to text.

:func:`iter_files` walks folders for supported suffixes; :func:`read_bytes` reads one file
(refusing what is not a regular file or is too big); :func:`read_text` and ``_decode``
turn bytes into text with ``\n`` newlines: UTF-8 (stray bad bytes become U+FFFD), a
legacy 8-bit encoding when the file has no UTF-8 at all, and a refusal for binary data.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import charset_normalizer

from rag.errors import LoadError
from rag.loaders.records import _Fail

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl", ".ndjson", ".csv"}
    | {".xml", ".rss", ".atom"}
)
# Bytes that never occur in text files (all C0 controls but \t \n \v \f \r, ESC, and DEL).
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])
# More than this share of control bytes means binary data, not text with a few bad bytes.
_BINARY_SHARE = 0.01
# More than this share of undecodable characters means the file is not text at all.
_GARBLED_SHARE = 0.05
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def iter_files(
    paths: Iterable[str | Path], on_error: Callable[[Path, str], None] | None = None
) -> Iterator[Path]:
    """Yield loadable files under ``paths`` in sorted order, each once.

    Folders are walked recursively, keeping supported suffixes and skipping hidden files,
    hidden folders and README.md; symlinked folders are not followed, so a symlink loop
    cannot make the walk endless. A file named explicitly is always yielded, so that an
    unsupported, missing or looping file is reported by the loader rather than ignored.
    A folder that cannot be listed is skipped and passed to ``on_error`` with the reason
    (called before the next file is yielded), never ignored silently.
    """
    seen: set[Path] = set()
    for given in paths:
        root = Path(given)
        for path in _walk(root, on_error) if root.is_dir() else [root]:
            key = real_path(path)
            if key not in seen:
                seen.add(key)
                yield path


def real_path(path: Path) -> Path:
    """``path`` resolved; a symlink loop or unreadable link gives the absolute path instead."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: "Symlink loop" (Python 3.11, 3.12)
        return path.absolute()


def read_bytes(path: Path, max_mb: float) -> bytes:
    """The bytes of a regular file no bigger than ``max_mb``; raise _Fail saying why not."""
    try:
        info = path.stat()
    except OSError as exc:
        raise _Fail(f"cannot read file: {_os_reason(exc)}") from exc
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device would block or never end; a folder is walked, not read.
        raise _Fail("not a regular file (a pipe, device or socket); skipped")
    if info.st_size > max_mb * 1_000_000:
        raise _Fail(
            f"file is {info.st_size / 1_000_000:.1f} MB, over the {max_mb:g} MB limit "
            "(RAG_LIMITS__MAX_FILE_MB); split it or raise the limit"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _Fail(f"cannot read file: {_os_reason(exc)}") from exc


def _os_reason(exc: OSError) -> str:
    # strerror alone: the full message repeats the (server) path we already name.
    return exc.strerror or type(exc).__name__


def read_text(path: Path) -> str:
    """Read a file as text (see :func:`_decode`); newlines become ``\\n``.

    Raises :class:`~rag.errors.LoadError` for binary data or an unreadable file.
    """
    try:
        return _decode(path.read_bytes())
    except OSError as exc:
        raise LoadError(str(path), f"cannot read file: {_os_reason(exc)}") from exc
    except _Fail as exc:
        raise LoadError(str(path), str(exc)) from exc


def _walk(root: Path, on_error: Callable[[Path, str], None] | None) -> Iterator[Path]:
    def failed(exc: OSError) -> None:
        if on_error is not None:
            on_error(Path(exc.filename or root), f"cannot read folder: {_os_reason(exc)}")

    # os.walk drops a folder it cannot list unless told: ``onerror`` reports it.
    for dirpath, dirnames, filenames in os.walk(root, onerror=failed):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in sorted(filenames):
            if _wanted(name):
                yield Path(dirpath) / name


def _wanted(name: str) -> bool:
    suffix = Path(name).suffix.lower()
    is_readme = Path(name).stem.lower() == "readme" and suffix in {".md", ".markdown"}
    return not name.startswith(".") and suffix in SUPPORTED_SUFFIXES and not is_readme


def _decode(data: bytes) -> str:
    """Bytes → text, or _Fail for binary data.

    A byte-order mark decides first. Otherwise valid UTF-8 is UTF-8. Text that is mostly
    UTF-8 but has a few bad bytes stays UTF-8, the bad bytes replaced by U+FFFD (one stray
    byte must not turn every "é" of the file into "Ã©"); only text with no UTF-8 at all
    is decoded with the detected legacy encoding (latin-1 / cp1252 news dumps).
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _newlines(data.decode(codec))
            except UnicodeDecodeError:
                return _newlines(data.decode(codec, errors="replace"))
    _refuse_binary(data)
    try:
        return _newlines(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in lenient if ord(ch) > 127 and ch != "\ufffd")
    text = lenient if good >= bad else _guess_decode(data)
    replaced = text.count("\ufffd")
    if replaced > max(2, _GARBLED_SHARE * len(text)):
        raise _Fail(
            f"not text in any encoding ({replaced} of {len(text)} characters undecodable); "
            "save the article as UTF-8 text"
        )
    return _newlines(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _refuse_binary(data: bytes) -> None:
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if controls > max(2, _BINARY_SHARE * len(data)):
        raise _Fail(
            f"binary data, not text ({controls} control bytes in {len(data)}); "
            "save the article as UTF-8 text"
        )


def _guess_decode(data: bytes) -> str:
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        # No 8-bit encoding fits either: keep UTF-8 with replacements, which shows the
        # damage rather than inventing characters.
        return data.decode("utf-8", errors="replace")
    # With a few accented letters charset_normalizer's guess is a coin toss among 8-bit
    # code pages (cp852, mac_iceland, cp1250…), whose coherence scores mean little on short
    # text; cp1252 is the far likelier origin of a news dump, so it wins whenever it reads
    # the bytes as cleanly (same chaos) as the best guess. Cyrillic or Greek text read as
    # cp1252 is chaotic, so their code pages still win there.
    cleanest = min(m.chaos for m in matches)
    if any(m.chaos == cleanest and "cp1252" in m.could_be_from_charset for m in matches):
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D are unassigned in cp1252
            pass
    return str(best)
