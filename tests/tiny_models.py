"""Tiny randomly initialised transformer models built on the spot (no model hub here).

Their outputs mean nothing; they make the loading, batching and thresholding code paths
of cross-encoder rerankers and NLI judges run for real.
"""

from __future__ import annotations

from pathlib import Path

WORDS = "the a of in and to was were who what how many russia iran assad rebels civilians died backed supported".split()


def build_tiny_cross_encoder(folder: Path, num_labels: int = 1) -> Path:
    """Save a 1-layer BERT sequence classifier with a word-level vocab into ``folder``."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", "utf-8")
    tokenizer = BertTokenizer(str(folder / "vocab.txt"))
    labels = (
        {0: "LABEL_0"} if num_labels == 1 else {0: "contradiction", 1: "neutral", 2: "entailment"}
    )
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
        num_labels=num_labels,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
