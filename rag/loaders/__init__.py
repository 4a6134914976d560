"""Files → :class:`~rag.types.Article` records.

:func:`iter_files` finds files; :func:`read_articles` turns one file into its good
articles plus a located :class:`~rag.errors.LoadError` per bad record (``path:line:
reason``), never raising for bad input; :func:`load_file` is the strict variant that
raises the first error; :func:`load_paths` reads every file under some paths. Parsing is
bounded by :class:`~rag.settings.LimitsSettings` (file size, article length, nesting).
Formats: plain text with an optional ``Key: value`` header, Markdown with YAML front
matter, HTML (main text via trafilatura), JSON / JSON Lines, CSV, and RSS/Atom feeds.

Article ids survive edits of the body text, so re-ingesting a changed file replaces the
old article instead of adding a second copy.
"""

from rag.loaders.files import SUPPORTED_SUFFIXES, iter_files, read_text
from rag.loaders.formats import FileLoad, load_file, load_paths, read_articles
from rag.loaders.records import FieldMap, Published, Record

__all__ = [
    "SUPPORTED_SUFFIXES",
    "FieldMap",
    "FileLoad",
    "Published",
    "Record",
    "iter_files",
    "load_file",
    "load_paths",
    "read_articles",
    "read_text",
]
