"""The bench report as Markdown tables, the issue's targets marked, and per-article costs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NEWSRAG, NAIVE, SERVER = "newsrag", "naive LangChain", "newsrag (server)"
ROWS: list[tuple[str, str]] = [
    ("articles", "articles"),
    ("chunks", "chunks"),
    ("articles_per_s", "ingest, articles/s"),
    ("chunks_per_s", "ingest, chunks/s"),
    ("cpu_s_per_article", "ingest CPU-s / article"),
    ("ingest_peak_rss_mb", "peak RSS ingest, MB"),
    ("ask_peak_rss_mb", "peak RSS asking, MB"),
    ("store_mb", "store on disk, MB"),
    ("retrieve_p50_ms", "retrieval only p50, ms"),
    ("retrieve_p95_ms", "retrieval only p95, ms"),
    ("answer_p50_ms", "full answer p50, ms"),
    ("answer_p95_ms", "full answer p95, ms"),
    ("target_at_10", "target sentence in top-10"),
    ("cold_ask_s", "cold `ask`, s"),
]
RSS_LIMIT_MB = 1536  # 1.5 GB, as ru_maxrss counts it (KiB / 1024)


def _system(report: dict[str, Any], tier: str, name: str) -> dict[str, Any] | None:
    got = report.get("tiers", {}).get(tier, {}).get("systems", {}).get(name)
    return got if got and "error" not in got else None


def _target(
    label: str, value: float | None, ok: Callable[[float], bool], shown: str = "{:g}"
) -> dict[str, Any]:
    if value is None:
        return {"target": label, "value": None, "met": None}
    return {"target": label, "value": shown.format(value), "met": bool(ok(value))}


def judge_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets with the measured value and met / not met / None (not measured)."""
    ratio = None
    for tier in ("real", *report.get("tiers", {})):
        ours, theirs = _system(report, tier, NEWSRAG), _system(report, tier, NAIVE)
        if ours and theirs:
            ratio = ours["articles_per_s"] / theirs["articles_per_s"]
            break
    at10k, at100k = _system(report, "10k", NEWSRAG), _system(report, "100k", NEWSRAG)
    rate = None
    if at10k and at100k:
        rate = at100k["articles_per_s"] / at10k["articles_per_s"]
    colds = [
        s["cold_ask_s"]
        for t in report.get("tiers", {})
        for name in (NEWSRAG, SERVER)
        if (s := _system(report, t, name)) is not None
    ]

    def get(system: dict[str, Any] | None, key: str) -> float | None:
        return None if system is None else system.get(key)

    return [
        _target("ingest ≥ 3× naive (articles/s, same run)", ratio, lambda v: v >= 3, "{:.2f}×"),
        _target("10k: full answer p50 ≤ 150 ms", get(at10k, "answer_p50_ms"), lambda v: v <= 150),
        _target("10k: full answer p95 ≤ 300 ms", get(at10k, "answer_p95_ms"), lambda v: v <= 300),
        _target("100k: full answer p50 ≤ 300 ms", get(at100k, "answer_p50_ms"), lambda v: v <= 300),
        _target(
            "100k: peak RSS ≤ 1.5 GB",
            get(at100k, "peak_rss_mb"),
            lambda v: v <= RSS_LIMIT_MB,
            "{:g} MB",
        ),
        _target(
            "100k: ingest rate within 20% of 10k", rate, lambda v: v >= 0.8, "{:.2f}× the 10k rate"
        ),
        _target("cold `rag ask` ≤ 4 s (worst tier)", max(colds, default=None), lambda v: v <= 4),
        {
            "target": "app, 20 concurrent users p95 ≤ 1 s",
            "value": "not measured by make bench",
            "met": None,
        },
    ]


def per_article(report: dict[str, Any]) -> dict[str, Any] | None:
    """newsrag's costs per article and a projection to 1M articles, from the embedded tiers.

    Disk and CPU scale with the article count; memory is a fixed part (model, libraries)
    plus a part per article, taken from the slope between the two largest tiers.
    """
    tiers = sorted(
        (s for t in report.get("tiers", {}) if (s := _system(report, t, NEWSRAG)) is not None),
        key=lambda s: s["articles"],
    )
    if not tiers:
        return None
    big = tiers[-1]
    out: dict[str, Any] = {
        "from_articles": big["articles"],
        "disk_kb": round(big["store_mb"] * 1000 / big["articles"], 2),
        "ingest_cpu_s": big["cpu_s_per_article"],
    }
    if len(tiers) > 1 and big["articles"] > tiers[-2]["articles"]:
        small = tiers[-2]
        slope = (big["peak_rss_mb"] - small["peak_rss_mb"]) / (big["articles"] - small["articles"])
        out["ram_kb"] = round(slope * 1000, 3)
        out["ram_fixed_mb"] = round(big["peak_rss_mb"] - slope * big["articles"])
        out["projected_1m_ram_gb"] = round((out["ram_fixed_mb"] + slope * 1e6) / 1000, 1)
    out["projected_1m_disk_gb"] = round(out["disk_kb"] * 1e6 / 1e6, 1)
    out["projected_1m_ingest_cpu_h"] = round(big["cpu_s_per_article"] * 1e6 / 3600, 1)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}".removesuffix(".0")
    return f"{value:,}" if isinstance(value, int) else str(value)


def format_tier(name: str, tier: dict[str, Any]) -> str:
    """One tier's Markdown table: one column per system."""
    systems = tier.get("systems", {})
    names = [n for n in (NAIVE, NEWSRAG, SERVER) if n in systems]
    lines = [f"### tier {name} ({tier['articles']:,} articles)", ""]
    lines.append("| | " + " | ".join(names) + " |")
    lines.append("|---|" + "---|" * len(names))
    for key, label in ROWS:
        cells = [
            _cell(systems[n].get(key)) if "error" not in systems[n] else "error" for n in names
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if tier.get("server"):
        usage = tier["server"]
        lines.append(
            f"\n`chroma run` itself: peak RSS {usage['peak_rss_mb']:.0f} MB, "
            f"CPU {usage['cpu_s']:.0f} s."
        )
    for system, reason in tier.get("skipped", {}).items():
        lines.append(f"\n{system} skipped: {reason}")
    for system in names:
        if "error" in systems[system]:
            lines.append(f"\n{system} failed: {systems[system]['error']}")
    return "\n".join(lines)


def format_report(report: dict[str, Any]) -> str:
    """Every tier, the quality figures, the targets and the per-article costs."""
    parts = [format_tier(n, t) for n, t in report.get("tiers", {}).items()]
    for name, reason in report.get("skipped", {}).items():
        parts.append(f"tier {name} skipped: {reason}")
    quality = report.get("quality") or {}
    if quality:
        rows = [f"| {s} | {k} | {_cell(v)} |" for s, fig in quality.items() for k, v in fig.items()]
        parts.append("### quality (newsrag, `rag eval`)\n\n| set | metric | value |\n|---|---|---|")
        parts[-1] += "\n" + "\n".join(rows)
    marks = {True: "met", False: "NOT met", None: "not measured"}
    targets = [
        f"| {t['target']} | {_cell(t['value'])} | {marks[t['met']]} |" for t in report["targets"]
    ]
    parts.append("### targets\n\n| target | measured | |\n|---|---|---|\n" + "\n".join(targets))
    costs = per_article(report)
    if costs:
        report["per_article"] = costs
        parts.append(
            "### newsrag per article\n\n"
            + "\n".join(f"- {k}: {_cell(v)}" for k, v in costs.items())
        )
    return "\n\n".join(parts)
