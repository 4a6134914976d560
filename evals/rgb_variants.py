"""Two questions from each RGB record: one with its evidence, one with near-misses only.

    python -m evals.rgb_variants RECORDS.json --out DIR [--positives 2] [--passages 5]

RGB (Chen et al., 2023) records give a query, its answer, ``positive`` passages that hold
the answer and ``negative`` ones retrieved for the query that do not. Its noise and
negative-rejection settings ask the same query twice: with the evidence among noise, and
with noise alone. This writes both, as RGB-style records ``rag eval`` reads (each record's
passages become an outlet of their own, asked with that outlet as filter):

- ``<id>-a``: the first ``--positives`` positives and negatives up to ``--passages``;
- ``<id>-u``: up to ``--passages`` negatives alone, made only when at least two are
  clean; its gold answer is kept in the file but the record has no positives, so it is
  scored as unanswerable.

A negative that names the answer ("Liu Yifei" for "Yifei Liu", "Raducanu" for "Emma
Raducanu") would make an unanswerable record answerable, so negatives holding the answer
or one of its distinctive words (a capitalised word of four letters or more other than a
month, a number of three characters or more) are left out of both.

Records are split by position into ``dev.jsonl`` (even) and ``holdout.jsonl`` (odd):
tune on the first, and read only the aggregate figures of the second. The records are
third-party data: keep both files out of the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from evals.readers import iter_records

_MONTHS = frozenset(
    "january february march april may june july august september october november december".split()
)
_STOP = frozenset("the and of in on at a an for to".split())
_TOKEN = re.compile(r"[A-Za-z0-9][\w'.-]*")


def answers(record: dict[str, Any]) -> list[str]:
    """The record's gold answers, flattened (RGB nests alternatives in lists)."""
    raw = record.get("answer")
    flat: list[str] = []
    for item in raw if isinstance(raw, list) else [raw]:
        flat.extend(str(x) for x in (item if isinstance(item, list) else [item]) if x)
    return flat


def leaks(passage: str, gold: Iterable[str]) -> bool:
    """True when ``passage`` holds an answer or one of its distinctive words."""
    low = passage.lower()
    for answer in gold:
        if answer.lower() in low:
            return True
        for token in _TOKEN.findall(answer):
            word = token.lower()
            distinctive = (
                token[0].isupper() and len(token) >= 4 and word not in _MONTHS | _STOP
            ) or (re.fullmatch(r"\$?[\d.,]+", token) is not None and len(token) >= 3)
            if distinctive and re.search(rf"\b{re.escape(word)}\b", low):
                return True
    return False


def variants(record: dict[str, Any], positives: int = 2, passages: int = 5) -> list[dict[str, Any]]:
    """The answerable and (when possible) the near-miss-only record of one RGB record."""
    gold = answers(record)
    pos = [str(p) for p in record.get("positive") or []][:positives]
    clean = [str(n) for n in record.get("negative") or [] if not leaks(str(n), gold)]
    base = {"query": record["query"], "answer": record.get("answer")}
    rid = record["id"]
    out = [{"id": f"{rid}-a", **base, "positive": pos, "negative": clean[: passages - len(pos)]}]
    if len(clean) >= 2:
        out.append({"id": f"{rid}-u", **base, "positive": [], "negative": clean[:passages]})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", type=Path, help="RGB records (JSON lines or a JSON array)")
    parser.add_argument("--out", type=Path, required=True, help="folder for dev/holdout files")
    parser.add_argument("--positives", type=int, default=2)
    parser.add_argument("--passages", type=int, default=5)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    counts = {"dev": [0, 0], "holdout": [0, 0]}
    with (
        (args.out / "dev.jsonl").open("w", encoding="utf-8") as dev,
        (args.out / "holdout.jsonl").open("w", encoding="utf-8") as holdout,
    ):
        for n, record in enumerate(iter_records(args.records)):
            record.setdefault("id", n)
            split = "dev" if n % 2 == 0 else "holdout"  # by position: ids may be any string
            for v in variants(record, args.positives, args.passages):
                (dev if split == "dev" else holdout).write(json.dumps(v) + "\n")
                counts[split][0 if v["positive"] else 1] += 1
    for split, (answerable, unanswerable) in counts.items():
        print(f"{split}: {answerable} with evidence, {unanswerable} near-misses only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
