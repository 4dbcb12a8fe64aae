"""The project's sentiment classifier: base encoder, retrained layers, mean-pool head.

The project's own trained part (``nlp/sentiment/weights/``) is the top ``top_layers``
transformer layers (fp16), a linear head and calibration temperatures; the base encoder
is rebuilt offline by ``koubei model build``. Loading swaps the retrained layers into the
base, so inference is one plain BERT pass. Two shapes:

* the CPU recipe (``nlp.sentiment.train``, versions 1-2.1): the top 3 of the base's 12
  layers, trainable on CPU because the lower layers' states can be cached;
* a distilled student (``nlp.sentiment.distill``, version 3): ``encoder_layers`` layers, all
  of them trained, on top of the base's frozen embeddings, with an extra head that stands in
  for the base e5 sentence embedding.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import torch
from torch import nn

WEIGHTS_DIR = Path(__file__).parent / "weights"
DISTILL_REPORT = "distill-report.json"  # what the distillation run measured (teacher and students)
REFINE_REPORT = "refine-report.json"  # what an English refinement measured (nlp.sentiment.refine)
PREFIX = "query: "  # e5 models expect a role prefix; "query:" is e5's choice for classification


@dataclass
class TrainedPartMeta:
    model_id: str
    version: str
    base_model_id: str
    top_layers: int = 3
    # A distilled student runs only this many layers (all of them in the trained part);
    # None: the base's full depth, its lower layers frozen from the base.
    encoder_layers: int | None = None
    # The student also carries a head that stands in for the base e5 sentence embedding
    # (what the complaint-area model reads), so that one shallow pass gives both.
    embedding_head: bool = False
    temperature: float = 1.0
    # Per language (nlp.text.language.detect_language): tweets were overconfident under the
    # one temperature that suits reviews; see nlp/sentiment/calibrate.py.
    language_temperatures: dict[str, float] = field(default_factory=dict)
    max_length: int = 512
    labels: list[str] = field(default_factory=lambda: ["negative", "neutral", "positive"])
    train_wall_seconds: float | None = None
    train_device: str | None = None
    train_examples: int | None = None
    seed: int = 13


def mean_pool(states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(states.dtype)
    return (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)


class SentimentClassifier(nn.Module):
    """BertModel -> mean pool -> dropout -> linear over (negative, neutral, positive)."""

    def __init__(
        self, encoder: nn.Module, top_layers: int, classes: int = 3, dropout: float = 0.1, embedding_head: bool = False
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.top_layers = top_layers
        self.dropout = nn.Dropout(dropout)
        hidden = encoder.config.hidden_size
        self.head = nn.Linear(hidden, classes)
        self.embedding_head: nn.Linear | None = None
        if embedding_head:
            self.embedding_head = nn.Linear(hidden, hidden)
            with torch.no_grad():  # start as the identity: the pooled state already resembles e5's
                self.embedding_head.weight.copy_(torch.eye(hidden))
                self.embedding_head.bias.zero_()

    @property
    def split_layer(self) -> int:
        return self.encoder.config.num_hidden_layers - self.top_layers

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.pooled(input_ids, attention_mask)))

    def heads(self, pooled: torch.Tensor, with_embedding: bool) -> torch.Tensor:
        """Sentiment logits, then the embedding head's output when asked for and present."""
        logits = self.head(self.dropout(pooled))
        if with_embedding and self.embedding_head is not None:
            return torch.cat([logits, self.embedding_head(pooled)], dim=1)
        return logits

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return mean_pool(states, attention_mask)

    @torch.no_grad()
    def lower_states(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(input of the first trainable layer, frozen final pooled embedding)."""
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return out.hidden_states[self.split_layer], mean_pool(out.last_hidden_state, attention_mask)

    def forward_upper(self, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Logits from cached lower-layer states through the trainable top layers."""
        states = self._run_layers(self.encoder.encoder.layer[self.split_layer :], states, attention_mask)
        return self.head(self.dropout(mean_pool(states, attention_mask)))

    def forward_with_embedding(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """[logits | e5 sentence embedding] in one pass. A student's embedding head reads the
        same pooled state as its sentiment head; otherwise the base model's own top layers
        (kept by ``load_classifier(keep_base_top=True)``) run on the same lower-layer states
        as the retrained ones, so the embedding costs a quarter of a pass, not a whole one."""
        if self.embedding_head is not None:
            return self.heads(self.pooled(input_ids, attention_mask), with_embedding=True)
        out = self.encoder(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        logits = self.head(self.dropout(mean_pool(out.last_hidden_state, attention_mask)))
        base = self._run_layers(self.base_top, out.hidden_states[self.split_layer], attention_mask)
        return torch.cat([logits, mean_pool(base, attention_mask)], dim=1)

    def _run_layers(self, layers: nn.ModuleList, states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        extended = self.encoder._create_attention_masks(
            attention_mask=attention_mask,
            encoder_attention_mask=None,
            embedding_output=states,
            encoder_hidden_states=None,
            past_key_values=None,
        )
        if isinstance(extended, tuple):  # (self-attention mask, cross-attention mask)
            extended = extended[0]
        for layer in layers:
            states = layer(states, attention_mask=extended)
            if isinstance(states, tuple):
                states = states[0]
        return states

    def trainable_state(self) -> dict[str, torch.Tensor]:
        prefix = tuple(f"encoder.encoder.layer.{i}." for i in range(self.split_layer, self.encoder.config.num_hidden_layers))
        heads = ("head.", "embedding_head.")
        return {k: v for k, v in self.state_dict().items() if k.startswith(prefix) or k.startswith(heads)}


def save_trained_part(model: SentimentClassifier, meta: TrainedPartMeta, directory: Path) -> None:
    """Write the retrained layers and head (fp16) and the metadata; never the base."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().to(torch.float16).contiguous() for k, v in model.trainable_state().items()}
    save_file(state, directory / "trained_part.safetensors")
    write_meta(meta, directory)


def write_meta(meta: TrainedPartMeta, directory: Path) -> None:
    (directory / "meta.json").write_text(json.dumps(asdict(meta), indent=2, ensure_ascii=False) + "\n")


def read_meta(directory: Path = WEIGHTS_DIR) -> TrainedPartMeta:
    return TrainedPartMeta(**json.loads((directory / "meta.json").read_text()))


def load_base_classifier(
    base_dir: Path, top_layers: int, encoder_layers: int | None = None, embedding_head: bool = False
) -> SentimentClassifier:
    from transformers import AutoModel

    base = AutoModel.from_pretrained(base_dir, add_pooling_layer=False)
    if encoder_layers is not None:
        shallower(base, encoder_layers)
    return SentimentClassifier(base, top_layers, embedding_head=embedding_head)


def shallower(encoder: nn.Module, layers: int) -> nn.Module:
    """Keep the first ``layers`` transformer layers of a BertModel (a student's shape)."""
    encoder.encoder.layer = encoder.encoder.layer[:layers]
    encoder.config.num_hidden_layers = layers
    return encoder


def embedding_source(meta: TrainedPartMeta, directory: Path = WEIGHTS_DIR) -> str:
    """Which embedding space the builtin scorer's embeddings live in: the base e5's, or a
    student's embedding head (named by its weights' digest: a retrained student is a new
    space, and the complaint-area weights must be retrained with it)."""
    if not meta.embedding_head:
        return meta.base_model_id
    return f"{meta.model_id} embedding head {trained_part_digest(directory)}"


def trained_part_digest(directory: Path = WEIGHTS_DIR) -> str:
    """SHA-1 (12 hex digits) of a trained part's weights, read once per file version: the
    embedding source and the int8 cache key both name the weights by it."""
    file = directory / "trained_part.safetensors"
    stat = file.stat()
    return _file_digest(file, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _file_digest(file: Path, mtime_ns: int, size: int) -> str:  # mtime and size: a rewritten file is read again
    import hashlib

    return hashlib.sha1(file.read_bytes()).hexdigest()[:12]


def load_classifier(
    base_dir: Path, directory: Path = WEIGHTS_DIR, keep_base_top: bool = False
) -> tuple[SentimentClassifier, TrainedPartMeta]:
    """The base with the retrained top layers and head swapped in, eval mode, fp32.

    ``keep_base_top`` keeps a copy of the base's own top layers as ``model.base_top`` for
    ``forward_with_embedding`` (the complaint-area model reads the base e5 embedding)."""
    import copy

    meta = read_meta(directory)
    model = load_base_classifier(base_dir, meta.top_layers, meta.encoder_layers, meta.embedding_head)
    if keep_base_top and not meta.embedding_head:
        model.base_top = copy.deepcopy(model.encoder.encoder.layer[model.split_layer :])
    load_trained_part(model, directory)
    return model.eval(), meta


def load_trained_part(model: SentimentClassifier, directory: Path) -> None:
    """Swap a trained part's layers and heads into ``model``; refuse one that does not fit."""
    from safetensors.torch import load_file

    trained = {k: v.float() for k, v in load_file(directory / "trained_part.safetensors").items()}
    unknown, absent = set(trained) - set(model.state_dict()), set(model.trainable_state()) - set(trained)
    if unknown or absent:
        raise ValueError(f"trained part does not fit the base model: {sorted(unknown or absent)[:3]}")
    model.load_state_dict(trained, strict=False)
