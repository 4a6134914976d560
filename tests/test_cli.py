"""The `rag` command through click's CliRunner; `rag ask --json` is a public contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from tests.conftest import CORPUS

CITATION_KEYS = {
    "n",
    "article_id",
    "title",
    "source",
    "url",
    "published_at",
    "quote",
    "start",
    "end",
    "score",
}
RETRIEVED_KEYS = {"article_id", "title", "source", "url", "start", "end", "score"}


@pytest.fixture
def runner(tmp_path: Path) -> CliRunner:
    r = CliRunner()
    result = r.invoke(main, ["ingest", str(CORPUS)])
    assert result.exit_code == 0, result.output
    assert "added 1" in result.output
    return r


def test_ask_json_contract(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "who backed Assad?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {
        "question",
        "answer",
        "abstained",
        "abstain_reason",
        "citations",
        "retrieved",
        "timings_ms",
    } <= set(data)
    assert data["question"] == "who backed Assad?"
    assert data["abstained"] is False and data["abstain_reason"] is None
    assert "[1]" in data["answer"] and "Russia" in data["answer"]
    seed = (CORPUS / "000_d7a15be74b52943f.txt").read_text("utf-8").split("\n\n", 1)[1]
    for c in data["citations"]:
        assert set(c) >= CITATION_KEYS
        assert seed[c["start"] : c["end"]] == c["quote"]  # offsets index the article body
    for r in data["retrieved"]:
        assert set(r) >= RETRIEVED_KEYS
    assert data["timings_ms"]["total"] > 0
    assert data["sentences"][0]["citations"] == [1]


def test_ask_text_lists_only_cited_sources(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "Who heads the Syrian Observatory for Human Rights?"])
    assert result.exit_code == 0
    assert "Rami Abdulrahman" in result.output
    lines = result.output.splitlines()
    source_lines = [line for line in lines if re.match(r"\[\d+\] ", line)]
    answer = "\n".join(line for line in lines[: lines.index(source_lines[0])])
    sources = "\n".join(lines[lines.index(source_lines[0]) :])
    markers = set(re.findall(r"\[(\d+)\]", answer))
    listed = {re.match(r"\[(\d+)\]", line).group(1) for line in source_lines}  # type: ignore[union-attr]
    assert listed == markers and "1" in markers
    assert "[1] Syrian Leader Calls for Unity" in sources


def test_ask_jsonl_answers_every_line(runner: CliRunner, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "who backed Assad?\n"
        + json.dumps(
            {
                "question": "What did Ahmed Sharaa say in his video from the Mazzah mosque?",
                "until": "2020-01-01",
            }
        )
        + "\n\nWhat is the capital of Australia?\n",
        "utf-8",
    )
    result = runner.invoke(main, ["ask", "--jsonl", str(questions)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["abstained"] for r in rows] == [False, True, True]
    assert rows[1]["abstain_code"] == "filtered_out"
    assert rows[2]["abstain_code"] == "no_relevant"


def test_ask_with_date_filter_explains_abstention(runner: CliRunner) -> None:
    q = "What did Ahmed Sharaa say in his video from the Mazzah mosque?"
    result = runner.invoke(main, ["ask", q, "--until", "2020-01-01"])
    assert result.exit_code == 0
    assert result.output.startswith(
        "No answer: Relevant articles exist but fall outside the date filter"
    )


def test_stats_json(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["stats", "--json"])
    data = json.loads(result.output)
    assert data["articles"] == 1 and data["chunks"] > 1
    assert data["date_range"] == ["2025-03-09", "2025-03-09"]
    assert data["embedding_model"] == "onnx:minilm-int8-pertoken"
    assert data["store"] == str((tmp_path / "store").resolve())


def test_reingest_skips_and_failed_only_input_exits_nonzero(
    runner: CliRunner, tmp_path: Path
) -> None:
    again = runner.invoke(main, ["ingest", str(CORPUS)])
    assert "added 0, updated 0, skipped 1" in again.output
    bad = tmp_path / "bad.json"
    bad.write_text("{oops", "utf-8")
    result = runner.invoke(main, ["ingest", str(bad)])
    assert result.exit_code == 1
    assert "bad.json" in result.output and "nothing could be ingested" in result.output


def test_ask_on_empty_store_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "empty"), "ask", "who?"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: the store at") and "rag ingest" in result.output


def test_prepare_builds_the_model_into_the_cache_and_writes_no_store(
    tmp_path: Path, model_cache: Path
) -> None:
    result = CliRunner().invoke(main, ["prepare"])
    assert result.exit_code == 0, result.output
    assert "onnx:minilm-int8-pertoken ready in" in result.output
    assert str(model_cache) in result.output
    assert list(model_cache.glob("minilm-int8-pertoken-r*.onnx"))
    assert not (tmp_path / "store").exists()  # preparing a model opens no store
