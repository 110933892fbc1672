"""Triage classifier accuracy on a labelled set of realistic Chinese customer reports.

Run: ``.venv/bin/python -m tests.bench.bench_classifier``

The labelled set (tests/bench/data/triage_labelled.jsonl) is kept apart from the training data:
the model is trained only on the shipped corpus (tickets/intake/data/train.jsonl) and the
taxonomy's keyword priors, and the script checks that no labelled text occurs in the corpus.
Prints accuracy per category and overall, without and with the product category the customer
selected, the share above TRIAGE_MIN_CONFIDENCE (auto-triaged) and its accuracy, and timings.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "triage_labelled.jsonl"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    from tickets.intake import classifier
    from tickets.intake.taxonomy import TAXONOMY

    labelled = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    corpus = classifier.corpus_load()
    overlap = {r["text"] for r in labelled} & {r["text"] for r in corpus}
    leaves = {row["code"]: row for row in TAXONOMY if row["parent"]}

    started = time.perf_counter()
    params = classifier.train([(r["text"], r["category"]) for r in corpus], categories=leaves)
    train_s = time.perf_counter() - started
    model = classifier.NaiveBayes(params)
    threshold = settings.TRIAGE_MIN_CONFIDENCE

    print(f"labelled reports: {len(labelled)}  training corpus: {len(corpus)}  "
          f"categories: {len(leaves)}  overlap with training: {len(overlap)}")
    print(f"training: {train_s * 1000:.0f} ms (incl. jieba dictionary load), vocabulary {params['vocabulary_size']}")

    for use_product in (False, True):
        per_total: Counter = Counter()
        per_ok: Counter = Counter()
        confusions: dict[str, Counter] = defaultdict(Counter)
        confident = confident_ok = 0
        timings = []
        for row in labelled:
            t0 = time.perf_counter()
            prediction = model.predict(row["text"], product_category=row["product"] if use_product else None)
            timings.append((time.perf_counter() - t0) * 1000)
            per_total[row["category"]] += 1
            if prediction.code == row["category"]:
                per_ok[row["category"]] += 1
            else:
                confusions[row["category"]][prediction.code or "-"] += 1
            if prediction.confidence >= threshold:
                confident += 1
                confident_ok += prediction.code == row["category"]
        total, ok = sum(per_total.values()), sum(per_ok.values())
        title = "with the product category" if use_product else "text only"
        print(f"\n== {title} ==")
        print(f"{'category':<16}{'n':>4}{'ok':>5}{'accuracy':>10}  most confused with")
        for code in leaves:
            n = per_total[code]
            if not n:
                continue
            worst = ", ".join(f"{c}×{k}" for c, k in confusions[code].most_common(2))
            print(f"{code:<16}{n:>4}{per_ok[code]:>5}{per_ok[code] / n:>10.1%}  {worst}")
        print(f"{'OVERALL':<16}{total:>4}{ok:>5}{ok / total:>10.1%}   (target 90%)")
        print(f"auto-triaged (confidence ≥ {threshold}): {confident / total:.1%} of reports, "
              f"accuracy {confident_ok / max(confident, 1):.1%}; the rest go to the triage queue")
        print(f"prediction time: median {statistics.median(timings):.3f} ms, "
              f"p95 {sorted(timings)[int(len(timings) * 0.95)]:.3f} ms")


if __name__ == "__main__":
    main()
