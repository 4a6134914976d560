"""The store's write lock: one writer at a time, and a busy store says who is writing.

Readers never take it. Every writer (ingest, update, prune, delete, rebuild) holds it for
the whole write, so two ingests of the same files are serialised (the second finds the
articles stored and skips them) and a rebuild cannot drop collections under an ingest.
It is an OS file lock (``filelock``: ``flock`` on Linux), released by the kernel when the
holder dies, so a killed ingest never leaves the store locked. Beside the lock file, a
small JSON file names the holder (pid, host, since, command) for the error message.

A file lock only excludes writers on one machine. With a Chroma server, writers anywhere
take :class:`ServerLock` instead: a lock collection on the server itself, whose creation
is the atomic step (the server refuses a second collection of the same name).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
        tmp = self.owner_file.with_name(f"{self.owner_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(_owner(command)), "utf-8")
        os.replace(tmp, self.owner_file)  # never a half-written record for a reader

    def _busy_message(self) -> str:
        return _busy(self.store, self.holder(), self.timeout, f"its lock {self.path}")


def _owner(command: str) -> dict[str, Any]:
    """Who is writing: recorded with a lock for the message another writer gets."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": command,
        "argv": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300] if sys.argv else "",
    }


def _busy(store: str, who: dict[str, Any] | None, timeout: float, lock: str) -> str:
    if who is None:
        holder = "another process (its details were not recorded yet)"
    else:
        holder = (
            f"pid {who.get('pid')} on {who.get('host')} since {who.get('since')} "
            f"({who.get('command')}: {who.get('argv')})"
        )
    return (
        f"the store {store} is being written by {holder}; waited {timeout:g} s for {lock}. "
        "Wait for that run to finish and try again "
        "(RAG_CHROMA__LOCK_TIMEOUT sets how long to wait)."
    )


LEASE_S = 30.0  # a server lock not renewed for this long belongs to a writer that died


class ServerLock:
    """An exclusive lock on a store kept in the Chroma server, for writers on any machine.

    Taking it creates the collection ``name`` (the server refuses a second one of that
    name, so exactly one writer succeeds), with the holder in its metadata; releasing it
    deletes that collection. A holder renews its lease every ``lease / 3`` seconds from a
    background thread; a lock whose lease has run out (its writer died: no kernel
    releases it for us here) is deleted by the next writer, which then takes it.
    The lease is compared with this machine's clock, so writers' clocks must agree to
    well within ``lease``.
    """

    def __init__(
        self, client: Any, name: str, *, timeout: float, store: str, lease: float = LEASE_S
    ) -> None:
        """``client`` is the store's chromadb client; ``store`` names the store in messages."""
        self.client, self.name = client, name
        self.timeout, self.store, self.lease = timeout, store, lease

    @contextlib.contextmanager
    def hold(self, command: str) -> Iterator[None]:
        """Hold the lock for the block; waits up to ``timeout`` s, then raises StoreBusy."""
        deadline = time.monotonic() + max(self.timeout, 0)
        while (mine := self._take(command)) is None:
            held = self._get()
            if held is not None and float((held.metadata or {}).get("expires", 0)) < time.time():
                self._delete_if(held.id)  # its writer died: its lease ran out
                continue
            if time.monotonic() >= deadline:
                who = None if held is None else dict(held.metadata or {})
                raise StoreBusy(_busy(self.store, who, self.timeout, f"the lock {self.name}"))
            time.sleep(min(0.2, max(deadline - time.monotonic(), 0.01)))
        collection_id, record = mine
        stop = threading.Event()
        renew = threading.Thread(
            target=self._renew, args=(collection_id, record, stop), daemon=True
        )
        renew.start()
        try:
            yield
        finally:
            stop.set()
            renew.join()
            self._delete_if(collection_id)

    def holder(self) -> dict[str, object] | None:
        """Who holds the lock, as recorded by the holder (None when nobody does)."""
        held = self._get()
        return None if held is None else dict(held.metadata or {})

    def _take(self, command: str) -> tuple[Any, dict[str, Any]] | None:
        """Create the lock collection; its id and record, or None when someone holds it."""
        record = {**_owner(command), "token": uuid.uuid4().hex, "expires": time.time() + self.lease}
        try:
            created = self.client.create_collection(
                self.name, metadata=record, embedding_function=None
            )
        except Exception:  # noqa: BLE001 - chromadb raises a bare ChromaError for "already exists"
            if self._get() is None:  # not "exists": released meanwhile, or the server is down
                self.client.heartbeat()  # raises a clear connection error in the latter case
            return None
        return created.id, record

    def _get(self) -> Any:
        try:
            return self.client.get_collection(self.name, embedding_function=None)
        except Exception as exc:
            if "does not exist" in str(exc):
                return None
            raise

    def _delete_if(self, collection_id: Any) -> None:
        """Delete the lock collection if it is still the one with this id."""
        held = self._get()
        if held is not None and held.id == collection_id:
            with contextlib.suppress(Exception):  # another writer broke it meanwhile
                self.client.delete_collection(self.name)

    def _renew(self, collection_id: Any, record: dict[str, Any], stop: threading.Event) -> None:
        while not stop.wait(self.lease / 3):
            # A network blip must not kill the write; if renewals keep failing, the lease
            # runs out and another writer may take over (the rule in the README).
            with contextlib.suppress(Exception):
                held = self._get()
                if held is not None and held.id == collection_id:
                    held.modify(metadata={**record, "expires": time.time() + self.lease})
