"""Compare two eval runs: per-metric deltas and the questions whose outcome flipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.summary import flatten
from rag.errors import RagError


def load_run(folder: Path) -> tuple[dict[str, Any], dict[tuple[str, str], dict[str, Any]]]:
    """summary.json and results.jsonl of a run folder (results keyed by (dataset, id))."""
    summary_path, results_path = folder / "summary.json", folder / "results.jsonl"
    if not summary_path.is_file() or not results_path.is_file():
        raise RagError(f"{folder} is not an eval run (no summary.json / results.jsonl)")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    results = {}
    for line in results_path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            results[(r["dataset"], r["id"])] = r
    return summary, results


def compare_runs(a: Path, b: Path) -> dict[str, Any]:
    """Metric deltas (b − a) and flipped questions between runs ``a`` and ``b``."""
    sa, ra = load_run(a)
    sb, rb = load_run(b)
    fa, fb = flatten(sa["metrics"]), flatten(sb["metrics"])
    metrics = {
        name: {
            "a": fa.get(name),
            "b": fb.get(name),
            "delta": round(fb[name] - fa[name], 4) if name in fa and name in fb else None,
        }
        for name in dict.fromkeys([*fa, *fb])
    }
    flipped = []
    for key in sorted(ra.keys() & rb.keys()):
        before, after = set(ra[key]["tags"]), set(rb[key]["tags"])
        if before != after:
            flipped.append(
                {
                    "dataset": key[0],
                    "id": key[1],
                    "question": rb[key]["question"],
                    "fixed": sorted(before - after),
                    "broke": sorted(after - before),
                }
            )
    return {
        "a": {"path": str(a), **_identity(sa)},
        "b": {"path": str(b), **_identity(sb)},
        "metrics": metrics,
        "flipped": flipped,
        "only_in_a": len(ra.keys() - rb.keys()),
        "only_in_b": len(rb.keys() - ra.keys()),
    }


def _identity(summary: dict[str, Any]) -> dict[str, Any]:
    run = summary["run"]
    return {k: run.get(k) for k in ("git_commit", "settings_hash", "judge", "k", "started_at")}


def format_comparison(cmp: dict[str, Any]) -> str:
    """Plain-text rendering: the two runs, changed metrics, flipped questions."""
    lines = []
    for side in ("a", "b"):
        r = cmp[side]
        lines.append(
            f"{side.upper()}: {r['path']}  commit {r['git_commit']}  settings {r['settings_hash']}"
            f"  judge {r['judge']}  k {r['k']}"
        )
    if cmp["a"]["judge"] != cmp["b"]["judge"]:
        lines.append("warning: the runs used different judges; judged metrics are not comparable")
    width = max((len(n) for n in cmp["metrics"]), default=10)
    lines.append("")
    lines.append(f"{'metric':<{width}}  {'A':>10}  {'B':>10}  {'B - A':>9}")
    for name, m in cmp["metrics"].items():
        delta = "" if m["delta"] is None else f"{m['delta']:+.4f}"
        lines.append(f"{name:<{width}}  {_num(m['a']):>10}  {_num(m['b']):>10}  {delta:>9}")
    lines.append("")
    lines.append(f"flipped questions: {len(cmp['flipped'])}")
    for f in cmp["flipped"]:
        change = ", ".join(
            [*(f"-{t} (fixed)" for t in f["fixed"]), *(f"+{t} (new)" for t in f["broke"])]
        )
        lines.append(f"  {f['dataset']}/{f['id']}: {change}  {f['question'][:70]}")
    if cmp["only_in_a"] or cmp["only_in_b"]:
        lines.append(f"questions only in A: {cmp['only_in_a']}, only in B: {cmp['only_in_b']}")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f}" if abs(value) >= 100 else f"{value:.4f}"
