"""CI gate: run the bundled eval and fail when a metric falls below its recorded floor.

    python -m evals.gate                 # run evals/datasets/seed.jsonl, check evals/floors.json
    python -m evals.gate --set-floors    # measure, then record floors a margin below the values

``floors.json`` holds ``floors`` (metric ≥ value) and ``ceilings`` (metric ≤ value), keyed by
the dotted metric path of ``summary.json``'s ``metrics`` (e.g. ``citations.recall``), and the
run (date, commit, settings hash, measured values) they were set from.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from evals.runner import RunOptions, run_eval
from evals.summary import flatten, metric_rows

EVALS = Path(__file__).resolve().parent
BUNDLED_DATASET = EVALS / "datasets" / "seed.jsonl"
FLOORS = EVALS / "floors.json"
DEFAULT_MARGIN = 0.05

# Rates where higher is better get a floor; these get a ceiling instead.
LOWER_IS_BETTER = ("abstention.false_refusal_rate",)
# Latency is machine-dependent: measured in benchmarks, not gated.
UNGATED_GROUPS = ("latency_ms",)


def check_floors(metrics: Mapping[str, Any], floors: Mapping[str, Any]) -> list[str]:
    """One line per metric outside its floor or ceiling (a missing metric is a failure too)."""
    values = flatten(metrics)
    problems = []
    for name, floor in floors.get("floors", {}).items():
        value = values.get(name)
        if value is None or value < floor:
            problems.append(f"{name} = {_show(value)} is below its floor {floor}")
    for name, ceiling in floors.get("ceilings", {}).items():
        value = values.get(name)
        if value is None or value > ceiling:
            problems.append(f"{name} = {_show(value)} is above its ceiling {ceiling}")
    return problems


def _show(value: float | None) -> str:
    return "missing" if value is None else f"{value:.4f}"


def floors_from(summary: Mapping[str, Any], out: Path, margin: float) -> dict[str, Any]:
    """Floors ``margin`` below (ceilings above) every gated rate the run measured."""
    run = summary["run"]
    gated = {f"{group}.{key}" for group, key, _, _ in metric_rows(run["k"])}
    values = {
        name: v
        for name, v in flatten(summary["metrics"]).items()
        if name in gated and name.split(".")[0] not in UNGATED_GROUPS
    }
    floors = {
        n: max(0.0, math.floor((v - margin) * 100) / 100)
        for n, v in values.items()
        if n not in LOWER_IS_BETTER and v - margin > 0
    }
    ceilings = {
        n: min(1.0, math.ceil((v + margin) * 100) / 100)
        for n, v in values.items()
        if n in LOWER_IS_BETTER
    }
    return {
        "about": "Set by `python -m evals.gate --set-floors`: each floor is the measured value "
        f"minus {margin}, rounded down to 0.01 (ceilings: plus, rounded up). Metrics measured "
        "at 0 get no floor.",
        "dataset": _repo_relative(Path(run["datasets"][0]["path"])),
        "judge": run["judge"],
        "k": run["k"],
        "measured": {
            "date": run.get("started_at"),
            "git_commit": run.get("git_commit"),
            "git_dirty": run.get("git_dirty"),
            "settings_hash": run.get("settings_hash"),
            "run": str(out),
            "values": values,
        },
        "floors": floors,
        "ceilings": ceilings,
    }


def _repo_relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(EVALS.parent))
    except ValueError:  # a dataset outside the repository
        return str(path)


@click.command()
@click.option("--floors", "floors_path", type=click.Path(path_type=Path), default=FLOORS)
@click.option("--out", type=click.Path(path_type=Path), help="Run folder [eval-runs/<time>].")
@click.option(
    "--dataset", type=click.Path(exists=True, path_type=Path), default=BUNDLED_DATASET,
    help="Dataset to run [evals/datasets/seed.jsonl].",
)  # fmt: skip
@click.option("--set-floors", is_flag=True, help="Record new floors from this run.")
@click.option("--margin", type=float, default=DEFAULT_MARGIN, show_default=True)
def main(
    floors_path: Path, out: Path | None, dataset: Path, set_floors: bool, margin: float
) -> None:
    """Run the bundled eval and exit non-zero when a metric is below its floor."""
    floors = json.loads(floors_path.read_text("utf-8")) if floors_path.is_file() else {}
    if not floors and not set_floors:
        raise click.ClickException(f"no floors at {floors_path}: run with --set-floors first")
    from rag.settings import Settings

    options = RunOptions(
        datasets=[dataset],
        out=out,
        judge=floors.get("judge", "heuristic"),
        k=int(floors.get("k", 10)),
    )
    folder, summary = run_eval(options, Settings())
    click.echo(f"wrote {folder}")
    if set_floors:
        floors_path.write_text(json.dumps(floors_from(summary, folder, margin), indent=2) + "\n")
        click.echo(f"recorded floors in {floors_path}")
        return
    problems = check_floors(summary["metrics"], floors)
    for line in problems:
        click.echo(f"FAIL {line}", err=True)
    gated = len(floors.get("floors", {})) + len(floors.get("ceilings", {}))
    click.echo(f"gate: {gated - len(problems)} of {gated} metrics within their floors")
    if problems:
        sys.exit(1)


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point for ``python -m evals.gate``."""
    main.main(args=list(argv) if argv is not None else None, prog_name="python -m evals.gate")


if __name__ == "__main__":
    run()
