"""ONNX Runtime int8 inference for the builtin model (``sentiment.runtime: onnx-int8``).

Why: the fp32 pass is near the machine's arithmetic limit (docs/decisions.md). ONNX
Runtime's dynamic int8 gives ~1.4x the posts/s of torch fp32 on the 6-layer student on AVX2
cores and ~3.4x on cores with AVX-512 VNNI (int8 dot products); torch's own dynamic int8
moved more labels. The dev-set cost is measured and written in docs/model-card.md.

The transformer layers and heads are exported once per trained part (legacy TorchScript
exporter: the dynamo one needs onnxscript) and quantized (weights int8 per tensor,
activations quantized per call, one window per call) into ``$KOUBEI_CACHE/sentiment-int8/``. The graph
takes no attention mask: a window always runs alone and unpadded, so its mask would be all
ones, and the mask's nodes in the exported graph (broadcasts, Where, IsNaN around the
attention scores) took ~15% of the int8 run time for nothing. The word-embedding
lookup stays outside the graph, a numpy gather from the frozen base table: that keeps the
250,037 x 384 fp32 table (384 MB) out of the file, so building takes seconds and the file is
~12 MB.
"""

from __future__ import annotations

import logging
import re
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nlp.sentiment.base_build import cache_root
from nlp.sentiment.model import SentimentClassifier

FORMAT = "9"  # bump when the exported graph or its quantization changes (old cache files are then ignored)
OPSET = 17
# BertModel's node names: a layer's MatMuls, and its feed-forward output (layer.N/output/dense,
# not attention/output/dense)
LAYER_MATMUL = re.compile(r"/encoder/layer\.(\d+)/")
FEED_FORWARD_OUTPUT = re.compile(r"/layer\.\d+/output/dense/MatMul$")


class _FromEmbeddings(nn.Module):
    """The classifier from word embeddings on: position/type embeddings, layers, heads, for
    one unpadded window (every token counts, so the pooled state is the plain mean)."""

    def __init__(self, model: SentimentClassifier, with_embedding: bool) -> None:
        super().__init__()
        self.model = model
        self.with_embedding = with_embedding

    def forward(self, words: torch.Tensor) -> torch.Tensor:
        states = self.model.encoder(inputs_embeds=words).last_hidden_state
        return self.model.heads(states.mean(1), self.with_embedding)


def quantized_model(model: SentimentClassifier, weights_digest: str, with_embedding: bool) -> Path:
    """The int8 ONNX file for this trained part (named by its weights' digest), exported and
    quantized on first use."""
    import onnxruntime

    key = f"{weights_digest}-{'emb' if with_embedding else 'cls'}-f{FORMAT}-ort{onnxruntime.__version__}"
    target = cache_root() / "sentiment-int8" / f"{key}.onnx"
    if target.exists():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    hidden = model.encoder.config.hidden_size
    example = (torch.zeros((1, 8, hidden)),)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        # Warnings that say nothing about this export, printed on every first build: the
        # legacy exporter is chosen on purpose (module docstring: the dynamo one needs
        # onnxscript), and the tracer's "is_causal" constant is right for an encoder.
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"torch\.onnx|nlp\.sentiment")
            warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
            torch.onnx.export(
                # eval() on the wrapper: the exporter restores the wrapper's mode afterwards,
                # recursively, and a fresh module is in training mode (dropout on)
                _FromEmbeddings(model, with_embedding).eval(),
                example,
                str(fp32),
                input_names=["words"],
                output_names=["out"],
                dynamic_axes={"words": {0: "batch", 1: "tokens"}, "out": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
        partial = Path(tmp) / "int8.onnx"
        # onnxruntime logs a "consider pre-processing" hint on the root logger; the int8
        # accuracy was measured without it (docs/model-card.md)
        with _root_log_level(logging.ERROR):
            quantize_dynamic(
                str(fp32),
                str(partial),
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"],
                nodes_to_quantize=int8_matmuls(fp32),
            )
        partial.replace(target)  # atomic: a half-written file is never picked up
    return target


@contextmanager
def _root_log_level(level: int) -> Iterator[None]:
    root = logging.getLogger()
    before = root.level
    root.setLevel(max(level, before))
    try:
        yield
    finally:
        root.setLevel(before)


def int8_matmuls(graph_file: Path) -> list[str]:
    """The MatMuls that run int8: every weight product in the transformer layers except the
    feed-forward output projections of the lower half of the layers.

    Those inputs carry the outlier activations that per-tensor int8 handles worst
    (Bondarenko et al. 2021, "Understanding and overcoming the challenges of efficient
    transformer quantization"), and on this model it is the lower layers that mind.
    Measured on the dev sets (docs/decisions.md): quantizing every MatMul moved 4-6% of
    English labels and cost 1.2 points of tweeteval; keeping these fp32 moves 1-3%, no set
    loses more than noise, and most of the speed gain stays. The heads (one row per post,
    no time to gain) stay fp32 too.
    """
    import onnx

    graph = onnx.load(str(graph_file), load_external_data=False).graph
    weights = {w.name for w in graph.initializer}
    layer_of = {
        n.name: int(m.group(1))
        for n in graph.node
        if n.op_type == "MatMul" and any(i in weights for i in n.input) and (m := LAYER_MATMUL.search(n.name))
    }
    half = max(1, (max(layer_of.values(), default=0) + 1) // 2)
    return [name for name, layer in layer_of.items() if not (FEED_FORWARD_OUTPUT.search(name) and layer < half)]


class Int8Runner:
    """Scores token windows through ONNX Runtime int8: window ids -> the model's outputs.

    Each window runs alone, without padding: activations are quantized with one scale per
    call, so in a batch a post's score would depend on its neighbours and on the padding
    (1.2% of labels moved between two batch orders). Windows run in parallel instead, one
    single-threaded call per core (ONNX Runtime releases the GIL): on the bench mix that
    scored ~1.3x the posts/s of one two-threaded call at a time, because the products of a
    single short window are too small to split across cores. All windows of a call go to
    the pool at once, longest first, so no core waits for a batch's slowest window.
    """

    def __init__(self, model: SentimentClassifier, weights_digest: str, with_embedding: bool, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        path = quantized_model(model, weights_digest, with_embedding)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.word_table = model.encoder.embeddings.word_embeddings.weight.detach().numpy()
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="koubei-int8")

    def _one(self, window: list[int]) -> np.ndarray:
        return self.session.run(None, {"words": self.word_table[None, window]})[0][0]

    def __call__(self, windows: list[list[int]]) -> np.ndarray:
        longest_first = sorted(range(len(windows)), key=lambda k: -len(windows[k]))
        rows = list(self.pool.map(self._one, [windows[k] for k in longest_first]))
        outputs = np.empty((len(windows), rows[0].shape[0] if rows else 0), dtype=np.float64)
        outputs[longest_first] = rows
        return outputs
