"""Train the sentiment classifier's top layers and head on CPU, then calibrate it.

One forward pass over the chosen texts caches the states entering the first
trainable layer (and the frozen final embedding, which the evaluation's baseline
reuses); training then runs only the top layers. Seeded: the same data, seed and
library versions give the same weights.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nlp.sentiment.base_build import cache_root
from nlp.sentiment.calibrate import fit_language_temperatures
from nlp.sentiment.datasets import Example
from nlp.sentiment.model import PREFIX, SentimentClassifier, TrainedPartMeta, load_base_classifier, save_trained_part

# English sets are small next to the Chinese ones; tweets carry most neutral English.
SOURCE_WEIGHT = {"sst2": 3.0, "customer_reviews_cr": 2.5, "tweeteval_val": 5.0}
TRAIN_CAP_PER_SOURCE = 5000
TRAIN_MAX_TOKENS = 128


@dataclass
class CachedFeatures:
    """Per text: states entering the first trainable layer (fp16) and the frozen pooled embedding."""

    texts: list[str]
    lower: list[torch.Tensor]
    pooled: torch.Tensor

    def index(self) -> dict[str, int]:
        return {t: i for i, t in enumerate(self.texts)}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def capped_training_set(examples: Sequence[Example], cap: int, seed: int) -> list[Example]:
    """At most ``cap`` training examples per source, chosen with a seeded shuffle."""
    by_source: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        if e.split == "train":
            by_source[e.source].append(e)
    rng = random.Random(seed)
    chosen: list[Example] = []
    for source in sorted(by_source):
        items = by_source[source]
        rng.shuffle(items)
        chosen.extend(items[:cap])
    return chosen


def padded(rows: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(r.shape[0] for r in rows)
    states = torch.zeros((len(rows), width, rows[0].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        states[i, : r.shape[0]] = r.float()
        mask[i, : r.shape[0]] = 1
    return states, mask


def _cache_key(texts: Sequence[str], base_dir: Path, split_layer: int, max_tokens: int) -> str:
    digest = hashlib.sha1(f"{base_dir.name}|{split_layer}|{max_tokens}".encode())
    for t in texts:
        digest.update(t.encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def compute_features(
    model: SentimentClassifier,
    tokenizer,
    texts: Sequence[str],
    base_dir: Path,
    max_tokens: int = TRAIN_MAX_TOKENS,
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> CachedFeatures:
    """Run the frozen encoder once over ``texts`` (cached on disk under $KOUBEI_CACHE)."""
    texts = list(dict.fromkeys(texts))
    path = cache_root() / "features" / f"{_cache_key(texts, base_dir, model.split_layer, max_tokens)}.pt"
    if path.exists():
        return CachedFeatures(**torch.load(path, weights_only=False))
    encoded = tokenizer([PREFIX + t for t in texts], truncation=True, max_length=max_tokens)["input_ids"]
    order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
    lower: list[torch.Tensor | None] = [None] * len(texts)
    pooled = torch.empty((len(texts), model.encoder.config.hidden_size))
    model.eval()
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        ids, mask = pad_ids([encoded[i] for i in idx], tokenizer.pad_token_id)
        states, final = model.lower_states(ids, mask)
        for row, i in enumerate(idx):
            lower[i] = states[row, : len(encoded[i])].to(torch.float16).clone()
        pooled[idx] = final
        if progress:
            progress(min(start + batch_size, len(order)), len(order))
    features = CachedFeatures(texts, lower, pooled)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"texts": features.texts, "lower": features.lower, "pooled": features.pooled}, path)
    return features


def pad_ids(rows: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


@torch.no_grad()
def upper_logits(
    model: SentimentClassifier, features: CachedFeatures, texts: Sequence[str], batch_size: int = 128
) -> torch.Tensor:
    """Logits of ``texts`` (all present in ``features``) through the current top layers."""
    model.eval()
    where = features.index()
    rows = [where[t] for t in texts]
    order = sorted(range(len(rows)), key=lambda i: features.lower[rows[i]].shape[0])
    out = torch.empty((len(rows), 3))
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        states, mask = padded([features.lower[rows[i]] for i in idx])
        out[idx] = model.forward_upper(states, mask)
    return out


def optimizer_step(loss: torch.Tensor, clipped: Sequence[torch.Tensor], opt, sched) -> None:
    """Backward, clip the layers' gradient norm to 1, step the optimizer and the schedule."""
    loss.backward()
    torch.nn.utils.clip_grad_norm_(clipped, 1.0)
    opt.step()
    sched.step()
    opt.zero_grad(set_to_none=True)


def weighted_batches(
    sources: Sequence[str], lengths: Sequence[int], batch_size: int, rng: random.Random, weights: dict[str, float]
) -> list[list[int]]:
    """Row indices: source-weighted resampling, then batches of similar length in random order."""
    pool: list[int] = []
    for i, source in enumerate(sources):
        w = weights.get(source, 1.0)
        pool.extend([i] * int(w))
        if rng.random() < w - int(w):
            pool.append(i)
    pool.sort(key=lambda i: (lengths[i], rng.random()))
    batches = [pool[i : i + batch_size] for i in range(0, len(pool), batch_size)]
    rng.shuffle(batches)
    return batches


def epoch_batches(
    examples: Sequence[Example], lengths: dict[str, int], batch_size: int, rng: random.Random, weights: dict[str, float]
) -> list[list[Example]]:
    rows = weighted_batches([e.source for e in examples], [lengths[e.text] for e in examples], batch_size, rng, weights)
    return [[examples[i] for i in batch] for batch in rows]


def train(
    base_dir: Path,
    examples: Sequence[Example],
    out_dir: Path,
    *,
    model_id: str = "koubei-sentiment-e5s",
    version: str = "2",
    top_layers: int = 3,
    epochs: int = 3,
    batch_size: int = 32,
    layer_lr: float = 8e-5,
    head_lr: float = 2e-3,
    cap_per_source: int = TRAIN_CAP_PER_SOURCE,
    source_weight: dict[str, float] | None = None,
    seed: int = 13,
    log: Callable[[str], None] = print,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[TrainedPartMeta, CachedFeatures]:
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    seed_everything(seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    started = time.time()
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = load_base_classifier(base_dir, top_layers)
    train_set = capped_training_set(examples, cap_per_source, seed)
    calib_set = [e for e in examples if e.split == "calib"]
    dev_set = [e for e in examples if e.split == "dev"]
    features = compute_features(model, tokenizer, [e.text for e in train_set + calib_set + dev_set], base_dir, progress=progress)
    log(f"features for {len(features.texts)} texts ready after {time.time() - started:.0f}s")

    for name, param in model.named_parameters():
        param.requires_grad = name.startswith("head.") or any(
            name.startswith(f"encoder.encoder.layer.{i}.") for i in range(model.split_layer, 12)
        )
    layer_params = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
    opt = torch.optim.AdamW(
        [{"params": layer_params, "lr": layer_lr}, {"params": model.head.parameters(), "lr": head_lr}], weight_decay=0.01
    )
    where = features.index()
    lengths = {t: features.lower[i].shape[0] for t, i in where.items()}
    rng = random.Random(seed)
    weights = SOURCE_WEIGHT if source_weight is None else source_weight
    plan = [epoch_batches(train_set, lengths, batch_size, rng, weights) for _ in range(epochs)]
    steps = sum(len(p) for p in plan)
    sched = get_linear_schedule_with_warmup(opt, int(0.06 * steps), steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    step = 0
    for epoch, batches in enumerate(plan):
        model.train()
        for batch in batches:
            states, mask = padded([features.lower[where[e.text]] for e in batch])
            loss = loss_fn(model.forward_upper(states, mask), torch.tensor([e.label for e in batch]))
            optimizer_step(loss, layer_params, opt, sched)
            step += 1
            if step % 100 == 0:
                log(f"epoch {epoch + 1}/{epochs} step {step}/{steps} loss {loss.item():.4f} {time.time() - started:.0f}s")
            if progress:
                progress(step, steps)
    calib_texts = [e.text for e in calib_set]
    temperature, language_temperatures = fit_language_temperatures(
        upper_logits(model, features, calib_texts), [e.label for e in calib_set], calib_texts
    )
    wall = time.time() - started
    log(f"trained in {wall:.0f}s; calibration temperature {temperature:.3f}, per language {language_temperatures}")
    import json

    meta = TrainedPartMeta(
        model_id=model_id,
        version=version,
        base_model_id=json.loads((Path(base_dir) / "koubei-build.json").read_text())["base_model_id"],
        top_layers=top_layers,
        temperature=temperature,
        language_temperatures=language_temperatures,
        train_wall_seconds=round(wall, 1),
        train_device=f"cpu x{torch.get_num_threads()}",
        train_examples=len(train_set),
        seed=seed,
    )
    save_trained_part(model, meta, out_dir)
    return meta, features
