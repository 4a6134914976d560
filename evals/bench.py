"""``make bench``: newsrag against the naive LangChain pipeline, same data, same run.

    python -m evals.bench [--tier real|server|10k|100k|<N>|<N>k ...] [--json OUT]
                          [--questions 40] [--no-naive] [--no-quality] [--cache DIR]
                          [--keep DIR]

Tiers (default ``real server 10k``):

- ``real``: the bundled corpus plus ../shared/data/fa_kes_syria/articles_dev.jsonl (805
  articles; skipped with a message when the shared data is absent);
- ``server``: the same articles through a ``chroma run`` on a free loopback port;
- ``10k``, ``100k``, any ``N`` or ``Nk``: a corpus generated from real sentences
  (``evals.benchdata``; seeded, cached under ``--cache``, never in the repository).

For each tier and system, in separate processes: ingest (articles/s, chunks/s, CPU-seconds,
peak RSS, store size on disk), ``--questions`` questions made from the tier's own articles
(retrieval-only and full-answer latency p50/p95, share whose target sentence is in a
top-10 article), and one cold ``ask`` from a fresh process. Then, once, the quality
figures (MultiHop-RAG dev recall@10, time_dev answers) and the issue's targets, each
marked met / not met. Speed is reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import platform
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evals.bench_systems import (
    RAG,
    REPO_ROOT,
    BenchError,
    Naive,
    Newsrag,
    base_env,
    chroma_server,
    run,
)
from evals.bench_table import format_report, format_tier, judge_targets
from evals.benchdata import (
    found_at,
    make_questions,
    read_pool,
    read_records,
    target_articles,
    write_corpus,
)
from evals.metrics import percentile
from evals.runner import git_commit

SHARED = REPO_ROOT.parent / "shared" / "data"
FAKES = SHARED / "fa_kes_syria" / "articles_dev.jsonl"
MULTIHOP = SHARED / "multihop_rag"
TIME_DEV = REPO_ROOT / "evals" / "datasets" / "time_dev.jsonl"
DEFAULT_TIERS = ("real", "server", "10k")
SEED = 12


@dataclass
class Tier:
    """The data of one tier: what to ingest, its articles, and where its questions are."""

    name: str
    paths: list[Path]
    articles: int
    questions: Path
    targets: list[set[str]]
    server: bool = False


def parse_size(name: str) -> int | None:
    """``10k`` → 10000, ``250`` → 250; None for a name that is not a size."""
    match = re.fullmatch(r"(\d+)(k?)", name.strip().lower())
    if not match:
        return None
    return int(match.group(1)) * (1000 if match.group(2) else 1)


def _pool_paths() -> list[Path]:
    """Real articles the generator draws sentences from."""
    shared = [FAKES, MULTIHOP / "corpus.jsonl"]
    return [REPO_ROOT / "corpus", *(p for p in shared if p.is_file())]


def _questions(
    tier: str, records: list[dict[str, Any]], n: int, folder: Path
) -> tuple[Path, list[set[str]]]:
    # One to warm up, then n for retrieval alone and n for full answers (see bench_ask).
    questions = make_questions(records, 2 * n + 1, SEED)
    path = folder / f"questions-{tier}.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), "utf-8")
    return path, target_articles(questions, records)


def prepare(name: str, n_questions: int, cache: Path, work: Path) -> Tier | str:
    """The tier's data, or the reason it is skipped."""
    if name in ("real", "server"):
        if not FAKES.is_file():
            return f"{FAKES} is not here (the shared development data)"
        records = read_records(FAKES)
        questions, targets = _questions("real", records, n_questions, work)
        paths = [REPO_ROOT / "corpus", FAKES]
        articles = len(records) + len(list((REPO_ROOT / "corpus").glob("*.txt")))
        return Tier(name, paths, articles, questions, targets, server=name == "server")
    size = parse_size(name)
    if size is None or size < 1:
        return f"unknown tier {name!r} (real, server, or a size such as 10k)"
    corpus = write_corpus(read_pool(_pool_paths()), size, SEED, cache)
    records = read_records(corpus)
    questions, targets = _questions(name, records, n_questions, work)
    return Tier(name, [corpus], len(records), questions, targets)


def measure(system: Newsrag | Naive, tier: Tier) -> dict[str, Any]:
    """Ingest, timed questions and one cold ask of ``system`` on ``tier``."""
    ingest, stored, chunks = system.ingest(tier.paths)
    asked, answers = system.ask_all(tier.questions)
    first = json.loads(tier.questions.read_text("utf-8").splitlines()[0])["question"]
    cold = system.cold_ask(first)
    retrieve, answer = answers["retrieve_ms"], answers["answer_ms"]
    return {
        "articles": tier.articles,
        "stored": stored if stored >= 0 else None,
        "chunks": chunks,
        "ingest_s": round(ingest.wall_s, 1),
        "ingest_cpu_s": round(ingest.cpu_s, 1),
        "articles_per_s": round(tier.articles / ingest.wall_s, 2),
        "chunks_per_s": round(chunks / ingest.wall_s, 1),
        "cpu_s_per_article": round(ingest.cpu_s / tier.articles, 4),
        "ingest_peak_rss_mb": round(ingest.peak_rss_mb),
        "ask_peak_rss_mb": round(asked.peak_rss_mb),
        "peak_rss_mb": round(max(ingest.peak_rss_mb, asked.peak_rss_mb, cold.peak_rss_mb)),
        "store_mb": round(system.size_mb(), 1),
        "questions": len(answers["retrieved"]),  # timed, one entry each
        "retrieve_p50_ms": _pct(retrieve, 50),
        "retrieve_p95_ms": _pct(retrieve, 95),
        "answer_p50_ms": _pct(answer, 50),
        "answer_p95_ms": _pct(answer, 95),
        "abstained": answers["abstained"],
        "target_at_10": round(found_at(answers["retrieved"], tier.targets[1:], 10), 3),
        "cold_ask_s": round(cold.wall_s, 2),
    }


def _pct(values: Sequence[float], p: float) -> float | None:
    value = percentile(values, p)
    return None if value is None else round(value, 1)


def run_tier(tier: Tier, naive: bool, work: Path) -> dict[str, Any]:
    """Every system on one tier; a system that fails is reported, not fatal."""
    out: dict[str, Any] = {"articles": tier.articles, "systems": {}, "skipped": {}}
    # newsrag first: on a busy machine its figures are the ones a cut-short run must have.
    systems: list[Newsrag | Naive] = [Newsrag(work / f"newsrag-{tier.name}")]
    if naive and not tier.server:
        baseline = Naive(work / f"naive-{tier.name}")
        reason = baseline.missing()
        if reason:
            out["skipped"]["naive LangChain"] = reason
        else:
            systems.append(baseline)
    if tier.server:
        try:
            with chroma_server(work / f"chroma-{tier.name}") as server:
                on_server = Newsrag(work / f"newsrag-{tier.name}", server)
                print(f"bench: {tier.name}: {on_server.name}…", file=sys.stderr, flush=True)
                out["systems"][on_server.name] = _safe(on_server, tier)
            out["server"] = server.usage
        except BenchError as exc:
            out["systems"]["newsrag (server)"] = {"error": str(exc)}
        return out
    for system in systems:
        print(f"bench: {tier.name}: {system.name}…", file=sys.stderr, flush=True)
        out["systems"][system.name] = _safe(system, tier)
    return out


def _safe(system: Newsrag | Naive, tier: Tier) -> dict[str, Any]:
    try:
        return measure(system, tier)
    except BenchError as exc:
        return {"error": str(exc)}


def quality(work: Path) -> dict[str, Any]:
    """MultiHop-RAG dev recall@10 and the time_dev answer figures, as `rag eval` computes them."""
    out: dict[str, Any] = {}
    if (MULTIHOP / "questions_dev.jsonl").is_file():
        summary = _eval([MULTIHOP / "questions_dev.jsonl"], work / "eval-multihop")
        out["multihop_dev"] = {
            "recall@10": summary["retrieval"].get("recall@10"),
            "abstention_recall": summary["abstention"].get("recall"),
        }
    if TIME_DEV.is_file() and FAKES.is_file() and (MULTIHOP / "corpus.jsonl").is_file():
        summary = _eval([TIME_DEV], work / "eval-time-dev")
        out["time_dev"] = {
            "contains_answer": summary["correctness"].get("contains_answer"),
            "lead_contains_answer": summary["correctness"].get("lead_contains_answer"),
            "abstention_precision": summary["abstention"].get("precision"),
            "abstention_recall": summary["abstention"].get("recall"),
            "false_refusal_rate": summary["abstention"].get("false_refusal_rate"),
        }
    return out


def _eval(datasets: list[Path], out: Path) -> dict[str, Any]:
    cmd = [*RAG, "eval", *map(str, datasets), "--k", "10", "--out", str(out)]
    run(cmd, base_env(), cwd=REPO_ROOT)
    metrics: dict[str, Any] = json.loads((out / "summary.json").read_text("utf-8"))["metrics"]
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m evals.bench", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--tier", action="append", dest="tiers", help="repeatable")
    parser.add_argument("--questions", type=int, default=40, help="timed questions per tier")
    parser.add_argument("--json", type=Path, default=None, dest="json_out")
    parser.add_argument("--no-naive", action="store_true", help="newsrag only")
    parser.add_argument("--no-quality", action="store_true", help="skip the eval figures")
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "newsrag-bench",
        help="where generated corpora are kept between runs",
    )  # fmt: skip
    parser.add_argument(
        "--keep", type=Path, default=None,
        help="keep each system's store in this folder (to profile it afterwards)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    tiers = [t for spec in args.tiers or DEFAULT_TIERS for t in spec.replace(",", " ").split()]
    commit, dirty = git_commit()
    report: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "dirty": dirty,
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "tiers": {},
        "skipped": {},
    }
    with contextlib.ExitStack() as stack:
        if args.keep:
            work = args.keep
            if work.exists() and any(work.iterdir()):
                # A store left by another run would make this ingest a no-op.
                parser.error(f"--keep {work}: give a new or empty folder")
            work.mkdir(parents=True, exist_ok=True)
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="newsrag-bench-")))
        for name in tiers:
            tier = prepare(name, args.questions, args.cache, work)
            if isinstance(tier, str):
                print(f"bench: tier {name} skipped: {tier}", file=sys.stderr)
                report["skipped"][name] = tier
                continue
            report["tiers"][name] = run_tier(tier, not args.no_naive, work)
            # Each tier as soon as it is done: a long run shows its results as it goes.
            print(format_tier(name, report["tiers"][name]) + "\n", flush=True)
            _write(args.json_out, report)
        if not args.no_quality:
            print("bench: quality (rag eval)…", file=sys.stderr, flush=True)
            try:
                report["quality"] = quality(work)
            except (BenchError, OSError, KeyError, ValueError) as exc:
                report["quality"] = {"error": {"message": str(exc)[-500:]}}
    report["targets"] = judge_targets(report)
    print(format_report(report))
    if args.json_out:
        _write(args.json_out, report)
        print(f"wrote {args.json_out}")
    return 0


def _write(path: Path | None, report: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(report, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    sys.exit(main())
