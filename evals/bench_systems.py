"""The systems ``make bench`` compares, each driven in its own processes through its CLI.

newsrag is run as ``rag`` (ingest, cold ``ask``) and through the Python API
(``evals.bench_ask``) for the timed questions; the naive LangChain pipeline
(``../shared/bench/naive_langchain.py``) through the same CLI contract. Every process is
waited for with ``os.wait4``, which gives that one child's peak resident memory and CPU
time, so each figure belongs to one system and one step.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
NAIVE = REPO_ROOT.parent / "shared" / "bench" / "naive_langchain.py"
NAIVE_MODULES = ("langchain_text_splitters", "langchain_huggingface", "langchain_chroma")
# The baseline's packages live in their own folder (see the Makefile's bench-deps):
# langchain-huggingface needs huggingface-hub < 2, which the project's venv has outgrown.
BASELINE_DEPS = Path(sys.prefix) / "bench-baseline"
RAG = [sys.executable, "-c", "from rag.cli import main; main()"]


@dataclass
class Run:
    """One finished child process: wall and CPU time, peak memory, output."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str


class BenchError(RuntimeError):
    """A benchmarked process failed; the message has its command and output tail."""


def run(cmd: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> Run:
    """Run ``cmd`` to completion and measure it (``os.wait4``: this child's own rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=dict(env), cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        out.seek(0)
        err.seek(0)
        result = Run(
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd[:6])}… exited {proc.returncode}:\n{result.stderr[-2000:]}")
    return result


def base_env() -> dict[str, str]:
    """The environment every benchmarked process gets: offline, this checkout first."""
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    return env


def folder_mb(path: Path) -> float:
    """Bytes of every file under ``path``, in MB."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += (Path(root) / name).stat().st_size
    return total / 1e6


@dataclass
class Server:
    """A running ``chroma run``: where it listens and where its data is."""

    host: str
    port: int
    data: Path
    proc: subprocess.Popen[bytes]
    usage: dict[str, float] = field(default_factory=dict)


@contextlib.contextmanager
def chroma_server(data: Path, timeout: float = 60) -> Iterator[Server]:
    """A ``chroma run`` on a free loopback port until the block ends; then its rusage."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    chroma = Path(sys.executable).with_name("chroma")
    cmd = [str(chroma), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server("127.0.0.1", port, data, proc)
    try:
        _wait_healthy(proc, f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout)
        yield server
    finally:
        proc.terminate()
        try:
            _, _, usage = os.wait4(proc.pid, 0)
            proc.returncode = 0
            server.usage = {
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "peak_rss_mb": usage.ru_maxrss / 1024,
            }
        except ChildProcessError:
            pass


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"chroma run exited early ({proc.returncode})")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as reply:
            if reply.status == 200:
                return
        time.sleep(0.3)
    raise BenchError(f"chroma run did not answer at {url} within {timeout:.0f} s")


class Newsrag:
    """newsrag through ``rag`` and the Python API; embedded, or against a Chroma server."""

    def __init__(self, store: Path, server: Server | None = None) -> None:
        self.store = store
        self.server = server
        self.name = "newsrag (server)" if server else "newsrag"

    def _globals(self) -> list[str]:
        out = ["--store", str(self.store)]
        if self.server:
            out += ["--chroma-host", self.server.host, "--chroma-port", str(self.server.port)]
        return out

    def ingest(self, paths: Sequence[Path]) -> tuple[Run, int, int]:
        """Ingest ``paths``; returns the run, articles stored and chunks written."""
        done = run([*RAG, *self._globals(), "ingest", *map(str, paths), "--json"], base_env())
        report = json.loads(done.stdout)
        return done, int(report["added"]) + int(report["updated"]), int(report["chunks"])

    def ask_all(self, questions: Path) -> tuple[Run, dict[str, Any]]:
        """Time retrieval and full answers over the questions file (``evals.bench_ask``)."""
        cmd = [sys.executable, "-m", "evals.bench_ask", "--store", str(self.store)]
        cmd += ["--questions", str(questions)]
        if self.server:
            cmd += ["--chroma-host", self.server.host, "--chroma-port", str(self.server.port)]
        done = run(cmd, base_env(), cwd=REPO_ROOT)
        return done, json.loads(done.stdout)

    def cold_ask(self, question: str) -> Run:
        """One ``rag ask --json`` in a fresh process, start to exit."""
        return run([*RAG, *self._globals(), "ask", question, "--json"], base_env())

    def size_mb(self) -> float:
        """Disk used: the store folder (with a server, its data folder and the local cache)."""
        size = folder_mb(self.store) if self.store.exists() else 0.0
        return size + (folder_mb(self.server.data) if self.server else 0.0)


class Naive:
    """The tutorial pipeline, ``naive_langchain.py``, through its CLI."""

    name = "naive LangChain"

    def __init__(self, store: Path, script: Path = NAIVE, deps: Path = BASELINE_DEPS) -> None:
        self.store, self.script, self.deps = store, script, deps

    def env(self) -> dict[str, str]:
        """The base env, with the baseline's own packages first when they are installed."""
        env = base_env()
        env["RAG_STORE"] = str(self.store)
        if self.deps.is_dir():
            env["PYTHONPATH"] = os.pathsep.join([str(self.deps), env["PYTHONPATH"]])
        return env

    def missing(self) -> str | None:
        """Why the baseline cannot run here, or None."""
        if not self.script.is_file():
            return f"{self.script} is not here"
        probe = "import " + ", ".join(NAIVE_MODULES)
        done = subprocess.run(
            [sys.executable, "-c", probe], env=self.env(), capture_output=True, check=False
        )
        if done.returncode:
            return f"its packages are missing ({', '.join(NAIVE_MODULES)}): run `make bench-deps`"
        return None

    def ingest(self, paths: Sequence[Path]) -> tuple[Run, int, int]:
        """Ingest ``paths``; returns the run, articles given and chunks written."""
        done = run([sys.executable, str(self.script), "ingest", *map(str, paths)], self.env())
        chunks = int(done.stdout.split("ingested", 1)[1].split()[0])
        return done, -1, chunks

    def ask_all(self, questions: Path) -> tuple[Run, dict[str, Any]]:
        """Its ``ask --jsonl``: retrieval is its whole answer, timed inside the process.

        All questions after the first are timed (it has no cache one question could fill
        for another).
        """
        done = run([sys.executable, str(self.script), "ask", "--jsonl", str(questions)], self.env())
        rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
        rows = rows[1:]  # the first question warms up, as newsrag's does
        times = [float(r["timings_ms"]["total"]) for r in rows]
        return done, {
            "retrieve_ms": times,
            "answer_ms": times,
            "retrieved": [[str(h["article_id"]) for h in r["retrieved"]] for r in rows],
            "abstained": 0,
        }

    def cold_ask(self, question: str) -> Run:
        """One ``ask`` in a fresh process, start to exit."""
        return run([sys.executable, str(self.script), "ask", question], self.env())

    def size_mb(self) -> float:
        """Disk used by its Chroma folder."""
        return folder_mb(self.store) if self.store.exists() else 0.0
