"""``rag eval``: run the grounding evaluation, or compare two runs.

``rag eval DATASET...`` is ``rag eval run DATASET...``: the group runs ``run`` whenever its
first argument is not one of its subcommands, so ``rag eval compare A B`` still works.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from evals.compare import compare_runs, format_comparison, load_run
from evals.judges import DEFAULT_NLI_THRESHOLD
from evals.summary import format_value, metric_rows
from rag.cli import settings_from_context


class _DefaultRunGroup(click.Group):
    """A group whose default subcommand is ``run``."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultRunGroup)
def eval_group() -> None:
    """Grounding evaluation: `rag eval DATASET...` runs one (same as `rag eval run`).

    `rag eval compare A B` diffs two runs; `rag eval report RUN` rewrites a run's report.

    Datasets are newsrag JSONL (evals/datasets/seed.jsonl), MultiHop-RAG questions
    (corpus.jsonl beside them) or RGB-style records; see the README, 'Evaluation'.
    """


@eval_group.command("run")
@click.argument("datasets", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--store", type=click.Path(path_type=Path), help="Use this store [default: temp].")
@click.option("--corpus", type=click.Path(exists=True, path_type=Path), help="Ingest this corpus.")
@click.option("--out", type=click.Path(path_type=Path), help="Run folder [eval-runs/<time>].")
@click.option("--judge", default="heuristic", show_default=True, help="heuristic | nli:M | llm:S")
@click.option("--k", type=int, default=10, show_default=True, help="Passages retrieved.")
@click.option("--limit", type=int, help="Only the first N questions of each dataset.")
@click.option("--agreement-judge", help="Measure the judge's agreement with this one.")
@click.option("--agreement-sample", type=int, default=50, show_default=True)
@click.option("--nli-threshold", type=float, default=DEFAULT_NLI_THRESHOLD, show_default=True)
@click.option("--floors", type=click.Path(exists=True, path_type=Path), help="Fail below these.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json instead of a table.")
@click.pass_context
def run(
    ctx: click.Context, datasets: tuple[Path, ...], store: Path | None, corpus: Path | None,
    out: Path | None, judge: str, k: int, limit: int | None, agreement_judge: str | None,
    agreement_sample: int, nli_threshold: float, floors: Path | None, as_json: bool,
) -> None:  # fmt: skip
    """Ask every question of DATASETS, judge the answers, write results and report.html."""
    from evals.runner import RunOptions, run_eval

    options = RunOptions(
        datasets=list(datasets),
        out=out,
        judge=judge,
        k=k,
        store=store or ctx.find_root().params.get("store"),
        corpus=corpus,
        limit=limit,
        agreement_judge=agreement_judge,
        agreement_sample=agreement_sample,
        nli_threshold=nli_threshold,
    )
    folder, summary = run_eval(options, settings_from_context(ctx))
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        click.echo(format_summary(summary))
        click.echo(f"\nwrote {folder}/report.html")
    if floors is not None:
        _check_floors(summary, floors)


def _check_floors(summary: dict[str, Any], path: Path) -> None:
    from evals.gate import check_floors

    problems = check_floors(summary["metrics"], json.loads(path.read_text("utf-8")))
    for line in problems:
        click.echo(f"FAIL {line}", err=True)
    if problems:
        sys.exit(1)


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as an aligned text table, one column per dataset."""
    run = summary["run"]
    cols = list(summary["by_dataset"].items())
    if len(cols) > 1:
        cols.append(("all", summary["metrics"]))
    rows: list[tuple[str, list[str]]] = [
        ("questions (answerable)", [_counts(m) for _, m in cols]),
    ]
    for group, key, label, _ in metric_rows(run["k"]):
        judged = f" [{run['judge']}]" if group in ("citations", "faithfulness") else ""
        rows.append((label + judged, [format_value(m[group].get(key)) for _, m in cols]))
    width = max(len(label) for label, _ in rows)
    cw = max(10, *(len(name) for name, _ in cols))
    lines = [
        f"settings {run['settings_hash']}  commit {run['git_commit']}  judge {run['judge']}  "
        f"k {run['k']}",
        f"{'metric':<{width}}  " + "  ".join(f"{name:>{cw}}" for name, _ in cols),
    ]
    lines += [f"{label:<{width}}  " + "  ".join(f"{v:>{cw}}" for v in vals) for label, vals in rows]
    if summary.get("agreement"):
        a = summary["agreement"]
        lines.append(
            f"agreement with {a['other_judge']} on {a['n']} sentences: "
            f"{format_value(a['agreement_rate'])}, Cohen's kappa {format_value(a['cohen_kappa'])}"
        )
    return "\n".join(lines)


def _counts(m: dict[str, Any]) -> str:
    return f"{m['counts']['questions']} ({m['counts']['answerable']})"


@eval_group.command("compare")
@click.argument("run_a", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("run_b", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare(run_a: Path, run_b: Path, as_json: bool) -> None:
    """Per-metric deltas from RUN_A to RUN_B, and the questions whose outcome flipped."""
    cmp = compare_runs(run_a, run_b)
    click.echo(json.dumps(cmp, indent=2, ensure_ascii=False) if as_json else format_comparison(cmp))


@eval_group.command("report")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report(run_dir: Path) -> None:
    """Write RUN_DIR/report.html again from its summary.json and results.jsonl."""
    from evals.report import render_report

    summary, results = load_run(run_dir)
    (run_dir / "report.html").write_text(render_report(summary, list(results.values())), "utf-8")
    click.echo(f"wrote {run_dir}/report.html")
