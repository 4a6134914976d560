"""report.html: one self-contained page (inline CSS and SVG, no scripts, fonts or links out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from evals.metrics import percentile
from evals.readers import norm_text
from evals.scoring import TAG_WEIGHTS
from evals.summary import JUDGED_GROUPS, format_value, metric_rows
from evals.svg import bar_chart, histogram

WORST_SHOWN = 15

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1180px;color:#222;
padding:0 16px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:6px 0} td,th{border:1px solid #ddd;padding:3px 8px;
text-align:left;vertical-align:top} th{background:#f3f3f3} td.num{text-align:right;
font-variant-numeric:tabular-nums} tr.group td{background:#fafafa;font-weight:bold}
.meta td:first-child{color:#555} .muted{color:#777} .plots{display:flex;flex-wrap:wrap;gap:12px}
.fail{border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:10px 0}
.tag{display:inline-block;background:#fde2e1;color:#8a1c1c;border-radius:4px;padding:0 6px;
margin-right:4px;font-size:12px} .ok{color:#23702a} .bad{color:#a11}
blockquote{margin:4px 0 4px 12px;padding:2px 8px;border-left:3px solid #ccc;color:#333}
mark{background:#fff3a8}
"""


def render_report(summary: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> str:
    """The whole report page as HTML text."""
    run = summary["run"]
    names = ", ".join(d["name"] for d in run["datasets"])
    body = [
        f"<h1>newsrag evaluation: {escape(names)}</h1>",
        _run_table(run),
        "<h2>Summary</h2>",
        _summary_table(summary),
        _agreement(summary.get("agreement")),
        "<h2>Plots</h2>",
        _plots(summary, results),
        "<h2>Failures</h2>",
        _failure_counts(summary),
        _worst(results),
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>newsrag eval: {escape(names)}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _run_table(run: Mapping[str, Any]) -> str:
    commit = run.get("git_commit") or "unknown"
    if run.get("git_dirty"):
        commit += " (with uncommitted changes)"
    datasets = "; ".join(
        f"{d['name']} ({d['format']}, {d['questions']} questions): {d['path']}"
        for d in run["datasets"]
    )
    rows = [
        ("started", run.get("started_at", "")),
        ("duration", f"{run.get('seconds', 0)} s"),
        ("git commit", commit),
        ("settings hash", run["settings_hash"]),
        ("judge", run["judge"]),
        ("k (passages retrieved)", run["k"]),
        ("datasets", datasets),
    ]
    cells = "".join(f"<tr><td>{escape(a)}</td><td>{escape(str(b))}</td></tr>" for a, b in rows)
    return f"<table class='meta'>{cells}</table>"


def _columns(summary: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    by_dataset = summary["by_dataset"]
    cols = list(by_dataset.items())
    return cols if len(cols) == 1 else [*cols, ("all", summary["metrics"])]


def _summary_table(summary: Mapping[str, Any]) -> str:
    cols = _columns(summary)
    judge = summary["run"]["judge"]
    head = "".join(f"<th>{escape(name)}</th>" for name, _ in cols)
    rows = [f"<tr><th>metric</th>{head}<th>judged by</th><th>meaning</th></tr>"]
    counts = " / ".join(
        f"{m['counts']['questions']} ({m['counts']['answerable']} answerable)" for _, m in cols
    )
    rows.append(f"<tr class='group'><td colspan='{len(cols) + 3}'>questions: {counts}</td></tr>")
    for group, key, label, meaning in metric_rows(summary["run"]["k"]):
        values = "".join(f"<td class='num'>{_fmt(m[group].get(key))}</td>" for _, m in cols)
        by = judge if group in JUDGED_GROUPS else ""
        rows.append(
            f"<tr><td>{escape(label)}</td>{values}<td>{escape(by)}</td>"
            f"<td class='muted'>{escape(meaning)}</td></tr>"
        )
    return f"<table>{''.join(rows)}</table>"


def _fmt(value: Any) -> str:
    return escape(format_value(value))


def short_judge(name: str) -> str:
    """A judge name with any file path cut to its last component, for display."""
    head, sep, tail = name.rpartition(":")
    return f"{head}{sep}…/{tail.rsplit('/', 1)[1]}" if "/" in tail and "://" not in name else name


def _agreement(agreement: Mapping[str, Any] | None) -> str:
    if not agreement:
        return ""
    mine, other = short_judge(agreement["judge"]), short_judge(agreement["other_judge"])
    rows = [
        ("sentences judged by both", agreement["n"]),
        ("agreement rate", _fmt(agreement["agreement_rate"])),
        ("Cohen's κ", _fmt(agreement["cohen_kappa"])),
        ("both: supported", agreement["both_supported"]),
        (f"only {mine}: supported", agreement["only_judge_supported"]),
        (f"only {other}: supported", agreement["only_other_supported"]),
        ("both: not supported", agreement["neither_supported"]),
    ]
    cells = "".join(f"<tr><td>{escape(a)}</td><td class='num'>{b}</td></tr>" for a, b in rows)
    examples = "".join(
        f"<blockquote>{escape(d['statement'])}<br><span class='muted'>{escape(mine)}: "
        f"{escape(d['judge'])}<br>{escape(other)}: {escape(d['other_judge'])}</span></blockquote>"
        for d in agreement.get("disagreements", [])
    )
    title = f"<h2>Judge agreement: {escape(mine)} vs {escape(other)}</h2>"
    more = "<p class='muted'>Disagreements (first few):</p>" + examples if examples else ""
    return f"{title}<table class='meta'>{cells}</table>{more}"


def _plots(summary: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> str:
    cols = _columns(summary)
    rows = [r for r in metric_rows(summary["run"]["k"]) if r[0] != "latency_ms"]
    series = [(name, [m[g].get(key) for g, key, _, _ in rows]) for name, m in cols]
    bars = bar_chart([label for _, _, label, _ in rows], series, "Metrics (0–1)")

    def per_question(metric: str) -> list[float]:
        return [r["metrics"][metric] for r in results if r["metrics"][metric] is not None]

    scores = [float(s["score"]) for r in results for s in r["sentences"]]
    latencies = [float(r["latency_ms"]) for r in results]
    k = summary["run"]["k"]
    charts = [
        bars,
        histogram(per_question("recall"), f"recall@{k} per question", hi=1.0),
        histogram(per_question("f1"), "token F1 per question", hi=1.0),
        histogram(per_question("citation_recall"), "citation recall per answer", hi=1.0),
        histogram(scores, f"judge score per sentence ({summary['run']['judge']})", hi=1.0),
        histogram(latencies, "latency per question", hi=_latency_axis(latencies), unit=" ms"),
    ]
    return f"<div class='plots'>{''.join(charts)}</div>"


def _latency_axis(latencies: Sequence[float]) -> float | None:
    """Axis end at 1.5 × p95, so one slow outlier (in the last bar) does not flatten the rest."""
    p95 = percentile(latencies, 95)
    return None if p95 is None or p95 <= 0 else min(max(latencies), 1.5 * p95)


def _failure_counts(summary: Mapping[str, Any]) -> str:
    counts = summary["metrics"]["failures"]
    if not counts:
        return "<p>No failures.</p>"
    cells = "".join(
        f"<tr><td>{escape(t)}</td><td class='num'>{n}</td></tr>" for t, n in counts.items()
    )
    return f"<table><tr><th>tag</th><th>questions</th></tr>{cells}</table>"


def worst_failures(results: Sequence[Mapping[str, Any]], n: int) -> list[Mapping[str, Any]]:
    """The ``n`` questions with the heaviest failure tags (weights in ``TAG_WEIGHTS``)."""
    failed = [r for r in results if r["tags"]]
    weight = {id(r): sum(TAG_WEIGHTS.get(t, 1) for t in r["tags"]) for r in failed}
    return sorted(failed, key=lambda r: -weight[id(r)])[:n]


def _worst(results: Sequence[Mapping[str, Any]]) -> str:
    worst = worst_failures(results, WORST_SHOWN)
    if not worst:
        return ""
    intro = f"<h2>Worst failures ({len(worst)} shown)</h2>"
    return intro + "".join(_failure_card(r) for r in worst)


def _failure_card(r: Mapping[str, Any]) -> str:
    tags = "".join(f"<span class='tag'>{escape(t)}</span>" for t in r["tags"])
    gold = ", ".join(r["gold_answers"]) or ("(unanswerable)" if not r["answerable"] else "—")
    parts = [
        f"<div class='fail'><b>{escape(r['dataset'])}/{escape(r['id'])}</b> {tags}",
        f"<p><b>Q:</b> {escape(r['question'])}<br><b>gold:</b> {escape(gold)}<br>",
        f"<b>answer:</b> {escape(r['answer'])}</p>",
    ]
    for s in r["sentences"]:
        mark = (
            "<span class='ok'>supported</span>"
            if s["supported"]
            else "<span class='bad'>not supported</span>"
        )
        reason = f"<span class='muted'>({escape(s['reason'])})</span>"
        text = s["text"] if len(s["text"]) <= 160 else s["text"][:159] + "…"
        parts.append(f"<p>{mark} {escape(text)} {reason}</p>")
    for c in r["citations"]:
        parts.append(
            f"<p class='muted'>[{c['n']}] {escape(c['title'])}</p>"
            f"<blockquote>{_highlight(c['passage'], c['quote'])}</blockquote>"
        )
    if r["gold_evidence"]:
        parts.append("<p class='muted'>gold evidence:</p>")
    for e in r["gold_evidence"]:
        parts.append(_evidence_item(e))
    titles = list(dict.fromkeys(h["title"] for h in r["retrieved"]))
    retrieved = "; ".join(escape(t[:80]) for t in titles[:5])
    shown = f"{len(r['retrieved'])} passages from: {retrieved}" if titles else "nothing"
    parts.append(f"<p class='muted'>retrieved {shown}</p></div>")
    return "".join(parts)


def _evidence_item(e: Mapping[str, Any]) -> str:
    """One gold evidence item, marked with whether retrieval found it."""
    found = e.get("quote_retrieved", e.get("retrieved"))
    status = {
        True: "<span class='ok'>retrieved</span>",
        False: "<span class='bad'>not retrieved</span>",
        None: "",  # a run written before retrieval status was recorded
    }[found]
    where = e.get("title") or e.get("url") or e.get("article_id") or ""
    text = escape(e["quote"]) if e.get("quote") else ""
    return f"<blockquote>{status} <span class='muted'>{escape(where)}</span><br>{text}</blockquote>"


def _highlight(passage: str, quote: str) -> str:
    """The passage with the quoted span marked (exact match, else shown unmarked)."""
    i = passage.find(quote) if quote else -1
    if i < 0:
        found = norm_text(quote) in norm_text(passage)
        return escape(passage) + ("" if found else f"<br><mark>{escape(quote)}</mark>")
    j = i + len(quote)
    return f"{escape(passage[:i])}<mark>{escape(quote)}</mark>{escape(passage[j:])}"
