"""Sentiment throughput on 2 cores: the project's batched path against a naive
``transformers.pipeline`` that scores one post at a time, same model, same run.

Posts: 2,000 mixed zh-Hans / zh-Hant / en texts from the dev sets, with lengths like
real posts (a share of long multi-sentence posts). The project's path is the default
runtime (ONNX Runtime, mostly int8); the exact torch fp32 path and torch's own dynamic int8
are measured beside it, because whether int8 pays must be measured.

    python bench/sentiment_throughput.py [--posts 2000]
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import numpy as np
import torch

from nlp.sentiment.datasets import load_all, to_traditional
from nlp.sentiment.model import PREFIX, mean_pool
from nlp.sentiment.scorer import DEFAULT_RUNTIME, BuiltinScorer


def realistic_posts(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    dev = [e for e in load_all() if e.split == "dev"]
    zh = [e for e in dev if e.script == "zh-Hans"]
    en = [e.text for e in dev if e.script == "en"]
    hant = [e.text for e in to_traditional(rng.sample(zh, n // 4))]
    pool = [e.text for e in rng.sample(zh, n // 2)] + hant + rng.sample(en, n - n // 2 - len(hant))
    posts = []
    for text in pool:
        if rng.random() < 0.1:  # one post in ten is a long, multi-paragraph one
            text = " ".join(rng.sample(pool, 8))
        posts.append(text)
    rng.shuffle(posts)
    return posts


def naive_pipeline(scorer: BuiltinScorer, posts: list[str], encoder: torch.nn.Module | None = None) -> list[int]:
    """transformers.pipeline('feature-extraction') per post, then the same pooling and head
    (``encoder``: another encoder of the same width, to time its cost)."""
    from transformers import pipeline

    model = encoder if encoder is not None else scorer.model.encoder
    extractor = pipeline("feature-extraction", model=model, tokenizer=scorer.tokenizer, framework="pt", device=-1)
    labels = []
    for post in posts:
        states = torch.tensor(extractor(PREFIX + post, truncation=True, max_length=512)[0]).unsqueeze(0)
        logits = scorer.model.head(mean_pool(states, torch.ones(states.shape[:2])))
        labels.append(int(logits.argmax()))
    return labels


def naive_full_depth_rate(scorer: BuiltinScorer, posts: list[str]) -> float | None:
    """Posts/s of the naive pipeline with the 12-layer encoder a distilled student replaces
    (the base's shape and cost; its labels are not meaningful under the student's head)."""
    from transformers import AutoModel

    from nlp.sentiment.base_build import build_base_model

    if scorer.model.encoder.config.num_hidden_layers >= 12:
        return None
    full = AutoModel.from_pretrained(build_base_model(), add_pooling_layer=False).eval()
    _, seconds = timed(naive_pipeline, scorer, posts, full)
    return len(posts) / seconds


def timed(fn, *args):
    started = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--naive-posts", type=int, default=None, help="score only this many naively and extrapolate the rate")
    args = parser.parse_args()
    posts = realistic_posts(args.posts)
    project = BuiltinScorer(batch_size=32, threads=2, runtime=DEFAULT_RUNTIME)  # what the daily flow runs
    fp32 = BuiltinScorer(batch_size=32, threads=2, runtime="torch")
    lengths = [len(fp32.tokenizer(PREFIX + p)["input_ids"]) for p in posts]
    print(
        f"{len(posts)} posts; tokens median {int(np.median(lengths))}, p90 {int(np.percentile(lengths, 90))}, max {max(lengths)}"
    )
    for scorer in (project, fp32):  # warm-up: first calls pay for allocation and kernel selection
        scorer.score(posts[:64])

    results, project_s = timed(project.score, posts)
    fp32_results, fp32_s = timed(fp32.score, posts)
    naive_subset = posts[: args.naive_posts] if args.naive_posts else posts
    naive_labels, naive_s = timed(naive_pipeline, fp32, naive_subset)
    agree = np.mean(
        [["negative", "neutral", "positive"].index(r.label) == n for r, n in zip(fp32_results, naive_labels, strict=False)]
    )

    fp32_model = fp32.model
    fp32.model = torch.ao.quantization.quantize_dynamic(fp32_model, {torch.nn.Linear}, dtype=torch.qint8)
    torch_int8_results, torch_int8_s = timed(fp32.score, posts)
    fp32.model = fp32_model

    # The daily flow also asks for the e5 embedding (complaint-area model): the student's own
    # embedding head, or 3 more layers for the 12-layer model.
    with_embeddings = BuiltinScorer(batch_size=32, threads=2, with_embeddings=True, runtime=DEFAULT_RUNTIME)
    with_embeddings.score(posts[:64])
    _, embed_s = timed(with_embeddings.score, posts)

    def agreement(other: list) -> float:
        return float(np.mean([a.label == b.label for a, b in zip(fp32_results, other, strict=True)]))

    rate, naive_rate = len(posts) / project_s, len(naive_subset) / naive_s
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"project path ({DEFAULT_RUNTIME}): {project_s:.1f}s, {rate:.1f} posts/s, labels agree with fp32 {agreement(results):.3f}"
    )
    print(f"project path + e5 embedding (the daily flow's call): {embed_s:.1f}s, {len(posts) / embed_s:.1f} posts/s")
    print(f"batched torch fp32 (exact reference): {fp32_s:.1f}s, {len(posts) / fp32_s:.1f} posts/s")
    print(
        f"torch dynamic int8 (all Linear layers): {torch_int8_s:.1f}s, {len(posts) / torch_int8_s:.1f} posts/s, "
        f"labels agree with fp32 {agreement(torch_int8_results):.3f}"
    )
    print(f"naive pipeline: {naive_s:.1f}s for {len(naive_subset)} posts; labels agree with batched fp32 {agree:.3f}")
    # How close the fp32 path runs to the machine: 2 FLOPs per weight of the transformer
    # layers per token (attention's own products excluded, so this underestimates).
    layer_weights = sum(p.numel() for p in fp32.model.encoder.encoder.parameters())
    tokens = sum(lengths)
    print(
        f"tokens={tokens} fp32 tokens_per_s={tokens / fp32_s:.0f} "
        f"encoder_gflop_per_s={2 * layer_weights * tokens / fp32_s / 1e9:.0f} (fp32 AVX2 peak of 2 cores ~200)"
    )
    print(f"peak_rss_mb={peak_mb:.0f}")
    full_rate = naive_full_depth_rate(fp32, naive_subset)
    if full_rate:
        print(
            f"naive pipeline with the 12-layer encoder (the base's and teacher's size): {full_rate:.1f} posts/s; "
            f"speedup {rate / full_rate:.2f}"
        )
    print(f"posts_per_s={rate:.1f} naive_posts_per_s={naive_rate:.1f} speedup={rate / naive_rate:.2f}")


if __name__ == "__main__":
    main()
