"""The store's write lock: one writer at a time, and a busy store says who is writing.

Readers never take it. Every writer (ingest, update, prune, delete, rebuild) holds it for
the whole write, so two ingests of the same files are serialised (the second finds the
articles stored and skips them) and a rebuild cannot drop collections under an ingest.
It is an OS file lock (``filelock``: ``flock`` on Linux), released by the kernel when the
holder dies, so a killed ingest never leaves the store locked. Beside the lock file, a
small JSON file names the holder (pid, host, since, command) for the error message.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from rag.errors import StoreBusy


class StoreLock:
    """An exclusive, cross-process lock on one store, with its holder recorded."""

    def __init__(self, path: Path, *, timeout: float, store: str) -> None:
        """``path`` is the lock file; ``store`` names the store in messages."""
        self.path = path
        self.owner_file = path.with_name(path.name + ".json")
        self.timeout = timeout
        self.store = store

    @contextlib.contextmanager
    def hold(self, command: str) -> Iterator[None]:
        """Hold the lock for the block; waits up to ``timeout`` s, then raises StoreBusy."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # thread_local=False: the UI's worker threads share one Pipeline; a second FileLock
        # object per call makes two threads of one process exclude each other too.
        lock = FileLock(self.path, timeout=max(self.timeout, 0), thread_local=False)
        try:
            lock.acquire()
        except Timeout as exc:
            raise StoreBusy(self._busy_message()) from exc
        try:
            self._write_owner(command)
            yield
        finally:
            with contextlib.suppress(OSError):
                self.owner_file.unlink()
            lock.release()

    def holder(self) -> dict[str, object] | None:
        """Who holds the lock, as recorded by the holder (None when unknown)."""
        try:
            data = json.loads(self.owner_file.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write_owner(self, command: str) -> None:
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": command,
            "argv": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300] if sys.argv else "",
        }
        tmp = self.owner_file.with_name(f"{self.owner_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record), "utf-8")
        os.replace(tmp, self.owner_file)  # never a half-written record for a reader

    def _busy_message(self) -> str:
        who = self.holder()
        if who is None:
            holder = "another process (its details were not recorded yet)"
        else:
            holder = (
                f"pid {who.get('pid')} on {who.get('host')} since {who.get('since')} "
                f"({who.get('command')}: {who.get('argv')})"
            )
        return (
            f"the store {self.store} is being written by {holder}; waited {self.timeout:g} s "
            f"for its lock {self.path}. Wait for that run to finish and try again "
            "(RAG_CHROMA__LOCK_TIMEOUT sets how long to wait)."
        )
