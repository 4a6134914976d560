"""Measure the wire-copy threshold (``news.wire_threshold``) on FA-KES dev.

Every pair of articles that MinHash LSH flags at any threshold from 0.2 to 0.7 was labelled
by hand (same story copied across outlets, or not: TRT's and Daily Sabah's boilerplate
paragraphs are shared by unrelated stories). ``COPIES`` holds the pairs labelled as copies;
every other flagged pair was labelled not a copy. Run:

    python -m evals.wire_threshold ../shared/data/fa_kes_syria/articles_dev.jsonl

and it prints, per threshold, the pairs flagged, precision, and recall of the labelled copies.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

from datasketch import MinHashLSH

from rag.settings import NewsSettings
from rag.wire import signature

COPIES = {
    tuple(sorted(f"fakes-{a}" for a in pair.split()))
    for pair in """1918398793 1924058175
1926478915 1926479096
1923102911 1923848289
1923848187 1924058050
1923848150 1962495724
1926479297 1962495711
1923102970 1923848256
1914947533 1923848127
1923102946 1924058058
1923102894 1923848285
1923848208 1965511112
1926479310 1926479334
1919191761 1923102873
1923102891 1924058095
1918398778 1923848201
1923848260 1924058069""".splitlines()
}
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def flagged(path: Path, threshold: float) -> set[tuple[str, ...]]:
    """Pairs of articles of the JSONL file whose estimated Jaccard reaches ``threshold``."""
    settings = NewsSettings(wire_threshold=threshold)
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    sigs = {str(r["id"]): signature(str(r["text"]), settings) for r in rows}
    lsh = MinHashLSH(threshold=threshold, num_perm=settings.wire_num_perm)
    for article_id, sig in sigs.items():
        lsh.insert(article_id, sig)
    pairs: set[tuple[str, ...]] = set()
    for article_id, sig in sigs.items():
        for other in lsh.query(sig):
            if other != article_id:
                pairs.add(tuple(sorted((article_id, other))))
    return pairs


def main(argv: list[str]) -> None:
    """Print the precision and recall of each threshold."""
    path = Path(argv[0] if argv else "../shared/data/fa_kes_syria/articles_dev.jsonl")
    print("threshold  flagged  precision  recall")
    for threshold in THRESHOLDS:
        pairs = flagged(path, threshold)
        hits = len(pairs & COPIES)
        precision = hits / len(pairs) if pairs else 0.0
        print(f"{threshold:9.1f}  {len(pairs):7d}  {precision:9.2f}  {hits / len(COPIES):6.2f}")


if __name__ == "__main__":
    main(list(itertools.islice(sys.argv, 1, None)))
