"""`rag eval` end to end: the real pipeline and packaged model on tiny datasets, via CliRunner."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from evals.gate import check_floors, floors_from
from rag.cli import main
from tests.test_eval_judges import tiny_nli_model

DATA = Path(__file__).resolve().parent / "data" / "eval"
TINY = DATA / "tiny.jsonl"
MULTIHOP = DATA / "multihop" / "questions_dev.jsonl"
RGB = DATA / "rgb.jsonl"


class Run:
    """One `rag eval` invocation and the files it wrote."""

    def __init__(self, result: Result, out: Path) -> None:
        self.result = result
        self.out = out
        self.summary: dict[str, Any] = json.loads((out / "summary.json").read_text("utf-8"))
        lines = (out / "results.jsonl").read_text("utf-8").splitlines()
        self.results = {(r["dataset"], r["id"]): r for r in map(json.loads, lines)}
        self.report = (out / "report.html").read_text("utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The three tiny datasets in one run, with an NLI agreement judge and a floor it misses."""
    tmp = tmp_path_factory.mktemp("eval")
    nli = tiny_nli_model(tmp / "nli")
    floors = tmp / "floors.json"
    floors.write_text(
        json.dumps({"floors": {"retrieval.recall@10": 0.5, "citations.recall": 1.01}})
    )
    out = tmp / "run"
    with pytest.MonkeyPatch.context() as mp:  # module scope: the autouse isolation is not active
        for var in [v for v in os.environ if v.startswith("RAG_")]:
            if var != "RAG_EMBEDDING__CACHE_DIR":  # the session's built model, reused
                mp.delenv(var)
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.chdir(tmp)
        args = ["eval", str(TINY), str(MULTIHOP), str(RGB), "--out", str(out)]
        args += ["--floors", str(floors)]
        args += ["--agreement-judge", f"nli:{nli}", "--agreement-sample", "3"]
        result = CliRunner().invoke(main, args)
    yield Run(result, out)


def test_eval_prints_a_table_and_fails_below_a_floor(run: Run) -> None:
    assert run.result.exit_code == 1, run.result.output
    assert "FAIL citations.recall = 1.0000 is below its floor 1.01" in run.result.stderr
    assert "retrieval.recall@10" not in run.result.stderr  # that floor was met
    table = run.result.stdout
    assert "tiny" in table and "multihop" in table and "citation recall [heuristic]" in table
    assert "report.html" in table


def test_results_have_one_scored_line_per_question(run: Run) -> None:
    r = run.results
    assert set(r) == {
        *(("tiny", i) for i in ("assad-backers", "civilian-deaths", "australia", "filtered")),
        *(("multihop", i) for i in ("0", "1", "2")),
        ("rgb", "0"),
        ("rgb", "1"),
    }
    backers = r["tiny", "assad-backers"]
    assert not backers["abstained"]
    assert backers["metrics"]["contains"] == 1.0
    assert backers["metrics"]["recall"] == 1.0 and backers["metrics"]["rr"] == 1.0
    assert backers["sentences"] and all(s["supported"] for s in backers["sentences"])
    for c in backers["citations"]:
        assert c["quote"] in c["passage"]  # the passage judged is the quote's context
    assert r["tiny", "australia"]["abstained"] and r["tiny", "australia"]["tags"] == []
    assert r["tiny", "filtered"]["abstain_code"] == "filtered_out"
    assert r["multihop", "0"]["metrics"]["recall"] == 1.0  # found by URL
    assert r["multihop", "2"]["metrics"]["recall"] is None  # unanswerable: not scored
    regatta = r["rgb", "0"]  # the positive passage, ingested from the generated corpus
    assert regatta["metrics"]["recall"] == 1.0 and regatta["metrics"]["contains"] == 1.0
    for record in r.values():
        assert record["judge"] == "heuristic" and record["latency_ms"] > 0
        assert record["settings_hash"] == run.summary["run"]["settings_hash"]


def test_summary_records_the_run_and_matches_the_results(run: Run) -> None:
    s = run.summary
    assert set(s) == {"run", "metrics", "by_dataset", "agreement"}
    meta = s["run"]
    assert meta["judge"] == "heuristic" and meta["k"] == 10
    assert [d["name"] for d in meta["datasets"]] == ["tiny", "multihop", "rgb"]
    assert [d["format"] for d in meta["datasets"]] == ["newsrag", "multihop", "rgb"]
    assert {"git_commit", "started_at", "finished_at", "settings"} <= set(meta)
    assert len(meta["stores"]) == 3  # one temporary store per corpus
    assert all(store["ingest"]["added"] > 0 for store in meta["stores"])
    tiny = s["by_dataset"]["tiny"]
    assert tiny["counts"] == {
        "questions": 4, "answerable": 2, "unanswerable": 2,
        "answered": sum(not x["abstained"] for (d, _), x in run.results.items() if d == "tiny"),
        "abstained": sum(x["abstained"] for (d, _), x in run.results.items() if d == "tiny"),
    }  # fmt: skip
    unanswerable = [x for x in run.results.values() if not x["answerable"]]
    expected = sum(x["abstained"] for x in unanswerable) / len(unanswerable)
    assert s["metrics"]["abstention"]["recall"] == pytest.approx(expected, abs=1e-4)
    assert s["metrics"]["counts"]["questions"] == 9
    assert s["metrics"]["citations"]["judge"] == "heuristic"
    assert s["metrics"]["latency_ms"]["p95"] >= s["metrics"]["latency_ms"]["p50"] > 0


def test_agreement_is_measured_on_the_sample(run: Run) -> None:
    a = run.summary["agreement"]
    assert a["judge"] == "heuristic" and a["other_judge"].startswith("nli:")
    assert a["n"] == 3
    agree = a["both_supported"] + a["neither_supported"]
    assert agree + a["only_judge_supported"] + a["only_other_supported"] == 3
    assert a["agreement_rate"] == pytest.approx(agree / 3, abs=1e-4)


def test_report_is_one_self_contained_page(run: Run) -> None:
    html = run.report
    assert html.startswith("<!DOCTYPE html>")
    assert "<table" in html and "<svg" in html and "citation recall" in html
    assert "latency per question" in html and "Judge agreement" in html
    for outside in ("<script", "<link", "src=", "href=", "@import", "url("):
        assert outside not in html
    if any(r["tags"] for r in run.results.values()):
        assert "Worst failures" in html


def test_floors_are_set_below_measured_values_and_checked(run: Run) -> None:
    summary = run.summary
    floors = floors_from(summary, run.out, margin=0.05)
    values = floors["measured"]["values"]
    for name, floor in floors["floors"].items():
        assert values[name] - 0.06 <= floor <= values[name] - 0.05
    assert "latency_ms.p50" not in values  # latency is not gated
    assert set(floors["ceilings"]) == {"abstention.false_refusal_rate"}
    assert check_floors(summary["metrics"], floors) == []
    problems = check_floors(
        summary["metrics"],
        {"floors": {"citations.recall": 1.01, "no.such": 0.1}, "ceilings": {"counts.questions": 3}},
    )
    assert len(problems) == 3
    assert "no.such = missing" in problems[1]


def test_compare_prints_deltas_and_flipped_questions(run: Run, tmp_path: Path) -> None:
    b = tmp_path / "b"
    shutil.copytree(run.out, b)
    summary = json.loads((b / "summary.json").read_text())
    summary["metrics"]["correctness"]["token_f1"] -= 0.25
    (b / "summary.json").write_text(json.dumps(summary))
    lines = []
    for line in (b / "results.jsonl").read_text().splitlines():
        r = json.loads(line)
        if r["id"] == "assad-backers":
            r["tags"] = ["wrong_answer"]
        lines.append(json.dumps(r))
    (b / "results.jsonl").write_text("\n".join(lines) + "\n")

    result = CliRunner().invoke(main, ["eval", "compare", str(run.out), str(b)])
    assert result.exit_code == 0, result.output
    assert "correctness.token_f1" in result.output and "-0.2500" in result.output
    assert "flipped questions: 1" in result.output
    assert "tiny/assad-backers: +wrong_answer (new)" in result.output

    as_json = CliRunner().invoke(main, ["eval", "compare", "--json", str(run.out), str(b)])
    cmp = json.loads(as_json.stdout)
    assert cmp["metrics"]["correctness.token_f1"]["delta"] == pytest.approx(-0.25)
    assert cmp["metrics"]["retrieval.mrr"]["delta"] == 0.0
    assert [f["id"] for f in cmp["flipped"]] == ["assad-backers"]


def test_report_can_be_rewritten_from_a_run(run: Run, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(run.out, copy)
    (copy / "report.html").unlink()
    result = CliRunner().invoke(main, ["eval", "report", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").read_text("utf-8") == run.report


def test_compare_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["eval", "compare", str(tmp_path), str(tmp_path)])
    assert result.exit_code == 1
    assert "not an eval run" in result.stderr


def test_dataset_without_corpus_needs_store_or_corpus(tmp_path: Path) -> None:
    lonely = tmp_path / "q" / "questions.jsonl"
    lonely.parent.mkdir()
    lonely.write_text('{"id": "1", "question": "Who backed Assad?", "answers": ["Russia"]}\n')
    result = CliRunner().invoke(main, ["eval", str(lonely), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "names no corpus: pass --corpus PATH, or --store DIR" in result.stderr


def test_multihop_wrapper_still_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from evals.multihop import main as multihop_main

    out = tmp_path / "run"
    code = multihop_main(
        ["--data", str(MULTIHOP.parent), "--out", str(out), "--json", str(tmp_path / "m.json")]
    )
    assert code == 0
    summary = json.loads((tmp_path / "m.json").read_text())
    assert summary["metrics"]["counts"]["questions"] == 3
    assert summary["metrics"]["retrieval"]["recall@10_by_kind"].keys() == {
        "inference_query",
        "temporal_query",
    }
    assert "recall@10 temporal_query" in capsys.readouterr().out
    assert (out / "report.html").is_file()
