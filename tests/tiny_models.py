"""Tiny randomly initialised transformer models built on the spot (no model hub here).

Their outputs mean nothing; they make the loading, label mapping, batching and
thresholding code of cross-encoder rerankers and NLI judges run for real.
"""

from __future__ import annotations

from pathlib import Path

VOCAB = (
    "[PAD] [UNK] [CLS] [SEP] [MASK] the a of in and to was were who what how many have has "
    "supported support backed russia iran turkey rebels assad china sent troops conflict war "
    "civilians died militias arab states , . -"
).split()
NLI_LABELS = {0: "contradiction", 1: "entailment", 2: "neutral"}


def build_tiny_classifier(folder: Path, labels: dict[int, str], seed: int = 0) -> Path:
    """Save a 1-layer BERT sequence classifier with a word-level vocab into ``folder``."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n", "utf-8")
    config = BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=128,
        num_labels=len(labels),
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    torch.manual_seed(seed)
    BertForSequenceClassification(config).save_pretrained(folder)
    BertTokenizer(str(folder / "vocab.txt")).save_pretrained(folder)
    return folder


def build_tiny_cross_encoder(folder: Path, num_labels: int = 1) -> Path:
    """A relevance cross-encoder (one logit), or an NLI one with three labels."""
    return build_tiny_classifier(folder, {0: "LABEL_0"} if num_labels == 1 else NLI_LABELS)
