"""Sharing one Pipeline between threads (the app's workers): questions in parallel, writes alone.

Three pieces. :class:`ReadWriteLock` lets any number of questions read the store at once
while a write (ingest, delete, the switch of a rebuild) waits for them and holds them off,
so a question sees the store as it was before a write or as it is after, never half-written.
:class:`shared_property` is ``functools.cached_property`` with a lock, so two threads that
ask for a model at once load it once (Python 3.12 removed cached_property's own lock).
:class:`SerialEmbedder` runs one embedding call at a time: Hugging Face fast tokenizers
raise "Already borrowed" when two threads tokenize at once, and torch already spreads one
call over every core.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any, Generic, TypeVar, overload

from rag.embeddings import Embedder, Vectors

_T = TypeVar("_T")


class ReadWriteLock:
    """Many readers or one writer, within one process; a waiting writer goes first.

    Not reentrant: a reader must not take it again while it holds it (a waiting writer
    would then wait for it, and it for the writer). Readers hold it for the retrieval phase
    of a question only, never across a ``yield``, so an abandoned stream cannot keep it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold a read share for the block (waits while a write runs or is waiting)."""
        with self._cond:
            while self._writing or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the lock alone for the block (waits for the readers in flight to finish)."""
        self.acquire_write()
        try:
            yield
        finally:
            self.release_write()

    def acquire_write(self) -> None:
        """Take the lock alone; pair with :meth:`release_write`."""
        with self._cond:
            self._waiting += 1
            try:
                while self._writing or self._readers:
                    self._cond.wait()
            finally:
                self._waiting -= 1
            self._writing = True

    def release_write(self) -> None:
        """Give back what :meth:`acquire_write` took."""
        with self._cond:
            self._writing = False
            self._cond.notify_all()


class shared_property(cached_property[_T], Generic[_T]):
    """``cached_property`` computed once even when several threads ask at once.

    The owner must have an ``_init_lock`` (a ``threading.RLock``: one property's builder
    may read another). Once cached, a read takes no lock.
    """

    def __init__(self, func: Callable[[Any], _T]) -> None:
        super().__init__(func)

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> shared_property[_T]: ...

    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> _T: ...

    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> Any:
        if instance is None:
            return self
        cache = instance.__dict__
        name = self.attrname or self.func.__name__
        if name in cache:
            return cache[name]
        with instance._init_lock:  # type: ignore[attr-defined]  # documented requirement
            return super().__get__(instance, owner)


class SerialEmbedder:
    """An :class:`Embedder` that lets one thread embed at a time (see the module note)."""

    def __init__(self, inner: Embedder) -> None:
        """Wrap ``inner``; its other attributes (``name``, ``dimension``…) stay reachable."""
        self.inner = inner
        self.name = inner.name
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> Vectors:
        """``inner.embed``, one call at a time."""
        with self._lock:
            return self.inner.embed(texts)

    def embed_query(self, text: str) -> Vectors:
        """``inner.embed_query``, one call at a time."""
        with self._lock:
            return self.inner.embed_query(text)

    def embed_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[Vectors, list[list[Vectors | None]]]:
        """``inner.embed_spans``, one call at a time (AttributeError when it has none)."""
        inner = self.inner.embed_spans  # type: ignore[attr-defined]  # optional capability
        with self._lock:
            result: tuple[Vectors, list[list[Vectors | None]]] = inner(texts, spans)
            return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def serial(embedder: Embedder) -> Embedder:
    """``embedder`` safe to share between threads (wrapped once, never twice)."""
    return embedder if isinstance(embedder, SerialEmbedder) else SerialEmbedder(embedder)
