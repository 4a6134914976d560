"""Run an evaluation: ingest each dataset's corpus, ask every question, judge, write the run.

A run folder holds ``results.jsonl`` (one record per question), ``summary.json`` (run
metadata and metrics, overall and per dataset) and ``report.html``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.judges import CachedJudge, Claim, Judge, make_judge
from evals.metrics import cohen_kappa
from evals.readers import Dataset, read_dataset
from evals.scoring import score_question
from evals.summary import summarize
from rag.backends import make_embedder
from rag.errors import RagError
from rag.generate import as_shown

if TYPE_CHECKING:
    from rag.embeddings import Embedder
    from rag.pipeline import Pipeline
    from rag.settings import Settings
    from rag.types import Answer

REPO_ROOT = Path(__file__).resolve().parents[1]
AGREEMENT_EXAMPLES = 5  # disagreements shown in the report


@dataclass
class RunOptions:
    """What ``rag eval`` was asked to do."""

    datasets: list[Path]
    out: Path | None = None
    judge: str = "heuristic"
    k: int = 10
    store: Path | None = None
    corpus: Path | None = None
    limit: int | None = None
    agreement_judge: str | None = None
    agreement_sample: int = 50
    nli_threshold: float = 0.5
    progress: bool = True


@dataclass
class _Group:
    """Datasets answered from one store, and the corpora ingested into it."""

    corpora: list[Path] = field(default_factory=list)
    datasets: list[Dataset] = field(default_factory=list)


def default_out_dir(root: Path = Path("eval-runs")) -> Path:
    """``eval-runs/<timestamp>/``, made unique if a run started in the same second."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out, n = root / stamp, 1
    while out.exists():
        n += 1
        out = root / f"{stamp}-{n}"
    return out


def git_commit(repo: Path = REPO_ROOT) -> tuple[str | None, bool | None]:
    """Short HEAD commit of ``repo`` and whether the work tree has changes; Nones without git."""
    try:
        head = _git(repo, "rev-parse", "--short", "HEAD")
        dirty = bool(_git(repo, "status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None, None
    return head or None, dirty


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()


def run_eval(options: RunOptions, settings: Settings) -> tuple[Path, dict[str, Any]]:
    """Run the evaluation and write the run folder; returns (folder, summary)."""
    if options.k < 1:
        raise RagError("--k must be at least 1")
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    datasets = [read_dataset(p, options.limit) for p in options.datasets]
    _unique_names(datasets)
    settings = settings.model_copy(
        update={"retrieval": settings.retrieval.model_copy(update={"k": options.k})}
    )
    embedder = make_embedder(settings)
    judge = CachedJudge(
        make_judge(options.judge, embedder, settings, threshold=options.nli_threshold)
    )
    results: list[dict[str, Any]] = []
    stores: list[dict[str, Any]] = []
    total = sum(len(d.questions) for d in datasets)
    with ExitStack() as stack, _progress_bar(total, options.progress) as tick:
        for group in _groups(datasets, options):
            pipeline, info = _open_store(group, options, settings, embedder, stack)
            stores.append(info)
            for dataset in group.datasets:
                results.extend(_ask_all(pipeline, dataset, judge, options.k, tick))
    summary = _summary(options, settings, datasets, stores, results, judge.name)
    summary["agreement"] = _agreement(options, embedder, settings, judge, results)
    summary["run"]["started_at"] = started.isoformat(timespec="seconds")
    summary["run"]["seconds"] = round(time.perf_counter() - t0, 1)
    out = options.out or default_out_dir()
    write_run(out, summary, results)
    return out, summary


def _unique_names(datasets: Sequence[Dataset]) -> None:
    seen: dict[str, int] = {}
    for d in datasets:
        seen[d.name] = seen.get(d.name, 0) + 1
        if seen[d.name] > 1:
            d.name = f"{d.name}-{seen[d.name]}"


def _groups(datasets: Sequence[Dataset], options: RunOptions) -> list[_Group]:
    """Datasets grouped by store: all in ``--store`` or one temporary store per corpus.

    A dataset's corpus is ``--corpus`` when given, else its own; it is always ingested
    (unchanged articles are skipped, so a store that already holds it costs little).
    """
    if options.store is not None or options.corpus is not None:
        group = _Group(datasets=list(datasets))
        own = [c for d in datasets for c in d.corpora]
        group.corpora = list(dict.fromkeys([options.corpus] if options.corpus else own))
        return [group]
    groups: dict[str, _Group] = {}
    for d in datasets:
        if not d.has_corpus():
            raise RagError(
                f"dataset {d.path} names no corpus: pass --corpus PATH, or --store DIR "
                "holding the articles its questions are about"
            )
        key = "|".join(map(str, d.corpora)) if d.corpora else f"generated:{d.path}"
        group = groups.setdefault(key, _Group(corpora=list(d.corpora)))
        group.datasets.append(d)
    return list(groups.values())


def _open_store(
    group: _Group,
    options: RunOptions,
    settings: Settings,
    embedder: Embedder,
    stack: ExitStack,
) -> tuple[Pipeline, dict[str, Any]]:
    """A pipeline over the given store or a fresh temporary one, with the corpus ingested."""
    from rag.pipeline import Pipeline

    if options.store is not None:
        settings = settings.model_copy(update={"store": options.store})
    else:
        # A temporary store is always embedded: an eval corpus must not land in a server.
        temp = Path(stack.enter_context(_temp_dir("rag-eval-store-")))
        local = settings.chroma.model_copy(update={"host": None})
        settings = settings.model_copy(update={"store": temp, "chroma": local})
    pipeline = Pipeline(settings, embedder=embedder)
    paths = list(group.corpora)
    generated = [a for d in group.datasets for a in d.generated_corpus]
    if generated and options.corpus is None:
        folder = Path(stack.enter_context(_temp_dir("rag-eval-corpus-")))
        corpus_file = folder / "corpus.jsonl"
        corpus_file.write_text("".join(json.dumps(a) + "\n" for a in generated), "utf-8")
        paths.append(corpus_file)
    info: dict[str, Any] = {
        "store": None if options.store is None else str(options.store),
        "corpus": [str(p) for p in paths],
        "datasets": [d.name for d in group.datasets],
    }
    if paths:
        report = pipeline.ingest(paths)
        if report.added + report.updated + report.skipped == 0:
            raise RagError(f"nothing could be ingested from {', '.join(map(str, paths))}")
        info["ingest"] = report.model_dump(mode="json", exclude={"errors"})
    _ = pipeline.retriever  # load the indexes now, not inside the first question's latency
    embedder.embed_query("warm-up")
    return pipeline, info


def _temp_dir(prefix: str) -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix=prefix, ignore_cleanup_errors=True)


def _ask_all(
    pipeline: Pipeline, dataset: Dataset, judge: Judge, k: int, tick: Any
) -> Iterator[dict[str, Any]]:
    """Ask, time and score every question of ``dataset``."""
    articles: dict[str, str] = {}
    for q in dataset.questions:
        t0 = time.perf_counter()
        answer = pipeline.ask(q.question, filters=q.filters)
        latency = (time.perf_counter() - t0) * 1000
        passages = _cited_passages(pipeline, answer, articles)
        record = score_question(q, answer, passages, judge, k)
        tick()
        yield {"dataset": dataset.name, **record, "latency_ms": round(latency, 1)}


def _cited_passages(pipeline: Pipeline, answer: Answer, cache: dict[str, str]) -> dict[int, str]:
    """Citation number → the passage it stands for: the quote in its surrounding context,
    under its article's headline (as ALCE formats a document for its judge, and as an LLM
    answerer was shown it)."""
    out = {}
    for c in answer.citations:
        if c.article_id not in cache:
            article = pipeline.store.get_article(c.article_id)
            cache[c.article_id] = article.text if article else ""
        text = cache[c.article_id][c.context_start : c.context_end]
        out[c.n] = as_shown(c.title, text or c.quote)
    return out


class _progress_bar:
    """A tqdm bar on a terminal; a no-op tick otherwise."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda: None
        from tqdm import tqdm

        self.bar = tqdm(total=self.total, unit="q", file=sys.stderr, leave=False)
        return lambda: self.bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def _summary(
    options: RunOptions,
    settings: Settings,
    datasets: Sequence[Dataset],
    stores: list[dict[str, Any]],
    results: Sequence[dict[str, Any]],
    judge: str,
) -> dict[str, Any]:
    commit, dirty = git_commit()
    hashes = sorted({r["settings_hash"] for r in results})
    return {
        "run": {
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "git_commit": commit,
            "git_dirty": dirty,
            "settings_hash": hashes[0] if len(hashes) == 1 else settings.settings_hash(),
            "settings": settings.model_dump(
                mode="json", exclude={"store": True, "chroma": True, "ui": True, "llm": True}
            ),
            "judge": judge,
            "k": options.k,
            "limit": options.limit,
            "datasets": [
                {
                    "name": d.name,
                    "path": str(d.path),
                    "format": d.format,
                    "questions": len(d.questions),
                    "corpus": str(d.corpus) if d.corpus else None,
                    "corpora": [str(c) for c in d.corpora],
                }
                for d in datasets
            ],
            "stores": stores,
        },
        "metrics": summarize(results, options.k, judge),
        "by_dataset": {
            d.name: summarize([r for r in results if r["dataset"] == d.name], options.k, judge)
            for d in datasets
        },
    }


def _agreement(
    options: RunOptions,
    embedder: Embedder,
    settings: Settings,
    judge: CachedJudge,
    results: Sequence[dict[str, Any]],
) -> dict[str, Any] | None:
    """Agreement of the run's judge with ``--agreement-judge`` on a sample of cited sentences."""
    if not options.agreement_judge:
        return None
    claims = list(dict.fromkeys(_cited_claims(results)))
    sample = random.Random(0).sample(claims, min(options.agreement_sample, len(claims)))
    other = make_judge(options.agreement_judge, embedder, settings, threshold=options.nli_threshold)
    mine_j, theirs_j = judge.judge(sample), other.judge(sample)
    mine = [j.supported for j in mine_j]
    theirs = [j.supported for j in theirs_j]
    differ = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
    agree = sum(a == b for a, b in zip(mine, theirs, strict=True))
    kappa = cohen_kappa(mine, theirs)
    return {
        "judge": judge.name,
        "other_judge": other.name,
        "n": len(sample),
        "agreement_rate": round(agree / len(sample), 4) if sample else None,
        "cohen_kappa": None if kappa is None else round(kappa, 4),
        "both_supported": sum(a and b for a, b in zip(mine, theirs, strict=True)),
        "only_judge_supported": sum(a and not b for a, b in zip(mine, theirs, strict=True)),
        "only_other_supported": sum(b and not a for a, b in zip(mine, theirs, strict=True)),
        "neither_supported": sum(not (a or b) for a, b in zip(mine, theirs, strict=True)),
        "disagreements": [
            {
                "statement": sample[i].statement,
                "judge": mine_j[i].reason,
                "other_judge": theirs_j[i].reason,
            }
            for i in differ[:AGREEMENT_EXAMPLES]
        ],
    }


def _cited_claims(results: Sequence[dict[str, Any]]) -> Iterator[Claim]:
    """Every answer sentence that cites something, with its cited passages."""
    for r in results:
        passages = {c["n"]: c["passage"] for c in r["citations"]}
        for s in r["sentences"]:
            cited = tuple(passages[n] for n in s["citations"] if n in passages)
            if cited:
                yield Claim(s["text"], cited)


def write_run(out: Path, summary: dict[str, Any], results: Sequence[dict[str, Any]]) -> None:
    """Write results.jsonl, summary.json and report.html into ``out``."""
    from evals.report import render_report

    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "report.html").write_text(render_report(summary, results), encoding="utf-8")
