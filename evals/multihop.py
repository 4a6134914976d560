"""Benchmark newsrag on the MultiHop-RAG development questions (a thin wrapper of ``rag eval``).

Run from the repository root::

    .venv/bin/python -m evals.multihop [--data DIR] [--store DIR] [--k 10] [--limit N] [--json OUT]

is the same as ``rag eval DIR/questions_dev.jsonl [--store DIR] [--k 10] [--limit N]``: the
corpus ``DIR/corpus.jsonl`` is ingested (into a temporary store unless ``--store`` is given),
every question is asked once, and the run folder (``eval-runs/<time>/``) gets results.jsonl,
summary.json and report.html. ``--json OUT`` also copies summary.json to OUT. The metrics are
defined in the README, 'Evaluation'; retrieval recall is also reported per question type.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from evals.cli import format_summary
from evals.runner import REPO_ROOT, RunOptions, run_eval

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "multihop_rag"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m evals.multihop", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="MultiHop-RAG folder")
    parser.add_argument("--store", type=Path, default=None, help="store folder (default: temp)")
    parser.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    parser.add_argument("--limit", type=int, default=None, help="ask only the first N questions")
    parser.add_argument("--out", type=Path, default=None, help="run folder")
    parser.add_argument("--json", type=Path, default=None, dest="json_out", help="write metrics")
    args = parser.parse_args(argv)
    if not (args.data / "corpus.jsonl").is_file():
        parser.error(f"no corpus.jsonl in {args.data}")
    if args.k < 1:
        parser.error("--k must be at least 1")
    from rag.settings import Settings

    options = RunOptions(
        datasets=[args.data / "questions_dev.jsonl"],
        out=args.out,
        k=args.k,
        store=args.store,
        limit=args.limit,
    )
    folder, summary = run_eval(options, Settings())
    print(format_summary(summary))
    by_kind = summary["metrics"]["retrieval"].get(f"recall@{args.k}_by_kind", {})
    for kind, recall in by_kind.items():
        print(f"  recall@{args.k} {kind}: {recall}")
    print(f"wrote {folder}")
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
