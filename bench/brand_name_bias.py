"""Does a brand's name tilt the builtin sentiment model's reading? The same labelled dev
reviews are scored with each brand name written into them ("在{name}上点的，…", "Bought it on
{name}. …"), next to the same reviews with no name at all (the baseline, same run).

A PR team compares the negative share of its brand with a competitor's; a name that reads
more negative on its own (a word inside it, a question particle) biases that comparison
before any customer has said anything. The figures: accuracy and the share read negative per
name against the baseline, and the share of reviews whose label changes with the name.

    python bench/brand_name_bias.py [--reviews 300]
"""

from __future__ import annotations

import argparse

from nlp.sentiment import datasets
from nlp.sentiment.scorer import load_scorer
from nlp.text.normalize import clean_text

# (set, template, names): the demo's brands, a few real ones, and names with a word inside
PROBES = [
    (datasets.load_waimai, "在{name}上点的，{text}", ["鲁莫", "快蜂", "青山茶饮", "美团", "饿了么"]),
    (datasets.load_online_shopping, "{name}买的，{text}", ["鲁莫", "快蜂", "京东", "拼多多", "饿了么"]),
    (datasets.load_customer_reviews, "Bought it on {name}. {text}", ["Lumo", "FastBee", "Amazon", "DoorDash", "Qingshan Tea"]),
]


def _negative(labels: list[str]) -> float:
    return labels.count("negative") / len(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", type=int, default=300, help="dev reviews per set")
    args = parser.parse_args()
    scorer = load_scorer("builtin", 32)
    root = datasets.shared_data_dir()
    widest = 0.0
    for load, template, names in PROBES:
        reviews = [e for e in load(root) if e.split == "dev"][: args.reviews]
        gold = ["positive" if e.label == datasets.POSITIVE else "negative" for e in reviews]
        baseline = [r.label for r in scorer.score([clean_text(e.text) for e in reviews])]
        by_name = {
            name: [r.label for r in scorer.score([clean_text(template.format(name=name, text=e.text)) for e in reviews])]
            for name in names
        }
        accuracy = {name: sum(map(str.__eq__, labels, gold)) / len(gold) for name, labels in by_name.items()}
        changes = sum(len({labels[i] for labels in by_name.values()}) > 1 for i in range(len(reviews)))
        base_accuracy = sum(map(str.__eq__, baseline, gold)) / len(gold)
        print(f"\n{load.__name__.removeprefix('load_')} ({len(reviews)} dev reviews), {template!r}")
        print(f"  no name (baseline)  accuracy {base_accuracy:.3f}  read negative {_negative(baseline):.3f}")
        for name, value in accuracy.items():
            print(
                f"  {name:<18}  accuracy {value:.3f}  ({value - base_accuracy:+.3f})  "
                f"read negative {_negative(by_name[name]):.3f}  ({_negative(by_name[name]) - _negative(baseline):+.3f})"
            )
        print(f"  label depends on the name: {changes} of {len(reviews)} reviews ({changes / len(reviews):.1%})")
        widest = max(widest, max(accuracy.values()) - min(accuracy.values()))
    print(f"\nwidest_accuracy_gap_between_names={widest:.3f}")


if __name__ == "__main__":
    main()
