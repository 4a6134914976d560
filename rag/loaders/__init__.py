"""Files → :class:`~rag.types.Article` records.

:func:`iter_files` finds files, :func:`load_file` turns one file into articles (or raises
:class:`~rag.errors.LoadError`), and :func:`load_paths` does both, reporting a bad file
instead of stopping. Formats: plain text with an optional ``Key: value`` header, Markdown
with YAML front matter, HTML (main text via trafilatura), JSON / JSON Lines, CSV, and
RSS/Atom feeds.

Article ids survive edits of the body text, so re-ingesting a changed file replaces the
old article instead of adding a second copy.
"""

from rag.loaders.files import SUPPORTED_SUFFIXES, iter_files, read_text
from rag.loaders.formats import load_file, load_paths
from rag.loaders.records import FieldMap, Published, Record

__all__ = [
    "SUPPORTED_SUFFIXES",
    "FieldMap",
    "Published",
    "Record",
    "iter_files",
    "load_file",
    "load_paths",
    "read_text",
]
