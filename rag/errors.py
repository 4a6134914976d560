"""Errors newsrag raises on purpose. Each message says what to do next."""

from __future__ import annotations


class RagError(Exception):
    """Base class: the CLI prints these as one line and exits non-zero."""


class LoadError(RagError):
    """A file, or one record of it, could not be turned into an article.

    ``str(error)`` is ``path:line: reason`` when the line is known, else ``path: reason``.
    """

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.reason = reason
        self.line = line


class EmbeddingModelMismatch(RagError):
    """The store was built with another embedding model than the one configured."""


class StoreError(RagError):
    """The vector store cannot be opened or reached."""


class StoreBusy(StoreError):
    """Another process holds the store's write lock (the message says who)."""


class StoreMoved(StoreError):
    """Another process switched the store to new collections while a long read ran.

    What was read may mix the old collections and nothing; read again.
    """


class ConfigError(RagError):
    """A setting has a value newsrag cannot use."""


class SessionNotFound(RagError):
    """No session with that id is visible to this user."""
