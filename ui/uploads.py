"""Uploaded article files: checked, renamed safely, and saved inside the uploads folder.

Browsers send whatever file name the user's machine (or an attacker) chose, including
``../../etc/passwd`` or ``C:\\evil``. Only a cleaned base name is kept, and the final path
is checked to lie inside the uploads folder before anything is written.
"""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.loaders import SUPPORTED_SUFFIXES

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_MAX_NAME = 120


def safe_name(name: str) -> str:
    """A harmless file name from an uploaded one: base name only, plain characters.

    Keeps the suffix (the loaders choose a format by it); never empty, never hidden.
    """
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem[: _MAX_NAME - len(suffix) - 1].strip(" .") or "upload"
    return f"{stem}.{suffix.lower()}" if suffix else stem


@dataclass
class SavedUploads:
    """What happened to each uploaded file."""

    saved: list[Path] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "name: reason"
    names: dict[str, str] = field(default_factory=dict)  # saved path → name the user gave

    def public(self, message: str, folder: Path) -> str:
        """``message`` with server paths replaced by the names the user uploaded.

        Ingest errors name files by their saved path; a user should see "a.jsonl:3: …",
        not where the server keeps its uploads.
        """
        for saved, name in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            message = message.replace(saved, name)
        return message.replace(str(folder.resolve()), "uploads").replace(str(folder), "uploads")


def save_uploads(files: Sequence[str | Path], folder: Path, max_mb: float) -> SavedUploads:
    """Copy accepted uploads into ``folder``; reject unsupported or oversized files."""
    folder.mkdir(parents=True, exist_ok=True)
    root = folder.resolve()
    result = SavedUploads()
    for source in map(Path, files):
        name = safe_name(source.name)
        reason = _rejection(source, name, max_mb)
        if reason:
            result.rejected.append(f"{source.name}: {reason}")
            continue
        target = _free_path(root, name, source)
        if not target.resolve().is_relative_to(root):  # belt and braces after safe_name
            result.rejected.append(f"{source.name}: unsafe file name")
            continue
        try:
            if not target.exists():
                shutil.copyfile(source, target)
        except OSError as exc:
            result.rejected.append(f"{source.name}: could not be saved ({exc.strerror})")
            continue
        result.saved.append(target)
        result.names[str(target)] = source.name
    return result


def _rejection(source: Path, name: str, max_mb: float) -> str | None:
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return f"unsupported file type {suffix or '(none)'}; accepted: " + ", ".join(
            sorted(SUPPORTED_SUFFIXES)
        )
    try:
        size_mb = source.stat().st_size / 1_000_000
    except OSError as exc:
        return f"could not be read ({exc.strerror})"
    if size_mb > max_mb:
        return f"{size_mb:.1f} MB is over the {max_mb:g} MB upload limit"
    return None


def _free_path(root: Path, name: str, source: Path) -> Path:
    """``root/name``, or ``name-2``… when a different file already has that name.

    Re-uploading an identical file reuses its path, so the article keeps its id and is
    skipped (or updated) rather than stored twice.
    """
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, n = root / name, 1
    while candidate.exists() and not filecmp.cmp(candidate, source, shallow=False):
        n += 1
        candidate = root / f"{stem}-{n}{suffix}"
    return candidate


# ------------------------------------------------------------------ uploaders
# Who uploaded each saved file, so that only they (or an admin) may delete its articles.
# Kept beside the files (a hidden file, never ingested), keyed by the saved file's name:
# the first uploader of a file owns it, and re-uploading identical content keeps the owner.
UPLOADERS = ".uploaders.json"


def _uploaders(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / UPLOADERS).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def record_uploader(folder: Path, saved: Sequence[Path], user: str) -> None:
    """Remember ``user`` as the uploader of the ``saved`` files that have none yet."""
    known = _uploaders(folder)
    fresh = {p.name: user for p in saved if p.name not in known}
    if not fresh:
        return
    tmp = folder / f"{UPLOADERS}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({**known, **fresh}, indent=1), encoding="utf-8")
    tmp.replace(folder / UPLOADERS)  # atomic: a reader sees the old or the new record


def uploader_of(folder: Path, article_path: str | None) -> str | None:
    """The login that uploaded the file an article came from (None: not an upload)."""
    if not article_path:
        return None
    path = Path(article_path)
    if path.parent != folder.resolve():
        return None
    return _uploaders(folder).get(path.name)
