"""Triage classifier on the held-out evaluation set (tickets/triage/corpus/eval.jsonl).

Run:  .venv/bin/python -m tests.bench.bench_classifier            (figures on the held-out set)
      .venv/bin/python -m tests.bench.bench_classifier --tune     (cross-validation on TRAINING data only)

The evaluation set was written by a different writer and is never used for training or tuning: the
models are trained on tickets/triage/corpus/train.jsonl alone, and the script checks that no
evaluation text occurs in it. Prints, for the naive Bayes that shipped before, the TF-IDF + linear
model without cues, and the shipped model (with cues, and combined with the product line): overall
top-1, direct vs indirect, product known vs hidden, per category, the confusion pairs, and the
confident share with its precision.

``--tune`` chooses the hyper-parameters on the training corpus by 4-fold cross-validation grouped by
seed report (the variants of one report stay in one fold): the softmax temperature by log loss and
the confidence threshold as the lowest at which out-of-fold predictions are ≥ 97% precise.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "tickets" / "triage" / "corpus" / "eval.jsonl"


def _load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _naive_bayes(train: list[dict]):
    """The classifier a fresh install shipped before: jieba tokens, keyword priors, naive Bayes."""
    from tickets.intake import classifier
    from tickets.intake.taxonomy import TAXONOMY, product_line_for

    leaves = {row["code"]: row for row in TAXONOMY if row["parent"]}
    params = classifier.train([(r["text"], r["label"]) for r in train], categories=leaves)
    nb = classifier.NaiveBayes(params)
    line_to_pc = {}
    for pc in ("phone", "tablet", "laptop", "tv", "fridge", "washer", "air_conditioner", "small_appliance"):
        line_to_pc[product_line_for(pc)] = pc

    def predict(text: str, line: str | None):
        p = nb.predict(text, product_category=line_to_pc.get(line) if line else None)
        return p.code, p.confidence
    return predict


def _report(name: str, rows: list[dict], predict, *, threshold: float | None, detail: bool) -> dict:
    out = {}
    for known in (True, False):
        results = []
        started = time.perf_counter()
        for row in rows:
            code, confidence = predict(row["text"], row["product_line"] if known else None)
            results.append((row, code, confidence))
        elapsed = time.perf_counter() - started
        ok = [r["label"] == c for r, c, _p in results]
        key = "known" if known else "hidden"
        out[key] = sum(ok) / len(ok)
        by_reg = defaultdict(list)
        for (row, _c, _p), good in zip(results, ok, strict=True):
            by_reg[row.get("register", "direct")].append(good)
        line = (f"{name:<34} product {key:<6} top-1 {out[key]:6.1%}  direct {np.mean(by_reg['direct']):6.1%}"
                f"  indirect {np.mean(by_reg['indirect']):6.1%}")
        if threshold is not None:
            conf = [(good) for (_r, _c, p), good in zip(results, ok, strict=True) if p >= threshold]
            line += f"  confident {len(conf) / len(ok):6.1%} (precision {np.mean(conf) if conf else 0:6.1%})"
            out[f"confident_{key}"] = len(conf) / len(ok)
            out[f"precision_{key}"] = float(np.mean(conf)) if conf else 0.0
        out[f"indirect_{key}"] = float(np.mean(by_reg["indirect"]))
        print(line + f"  [{elapsed / len(rows) * 1000:.1f} ms/report]")
        if detail and known:
            per_total, per_ok, pairs = Counter(), Counter(), Counter()
            for (row, code, _p), good in zip(results, ok, strict=True):
                per_total[row["label"]] += 1
                per_ok[row["label"]] += good
                if not good:
                    pairs[(row["label"], code or "-")] += 1
            print(f"\n  per category (product known):\n  {'leaf':<28}{'n':>4}{'top-1':>8}")
            for leaf in sorted(per_total):
                print(f"  {leaf:<28}{per_total[leaf]:>4}{per_ok[leaf] / per_total[leaf]:>8.0%}")
            print("\n  most frequent confusion pairs (true -> predicted):")
            for (true, pred), n in pairs.most_common(15):
                print(f"  {n:>3}  {true} -> {pred}")
            print()
    return out


def evaluate() -> None:
    from tickets.triage import model as triage

    train = triage.corpus_load()
    if not EVAL.exists():
        sys.exit(f"{EVAL} not found")
    rows = _load(EVAL)
    overlap = {r["text"] for r in rows} & {r["text"] for r in train}
    print(f"evaluation reports: {len(rows)} ({Counter(r.get('register') for r in rows)})  "
          f"training reports: {len(train)}  texts in both: {len(overlap)}")
    labels = {r["label"] for r in train}
    unknown = Counter(r["label"] for r in rows if r["label"] not in labels)
    if unknown:
        print(f"evaluation labels missing from the taxonomy: {dict(unknown)}")

    started = time.perf_counter()
    nb = _naive_bayes(train)
    print(f"\nnaive Bayes trained in {time.perf_counter() - started:.1f} s")
    _report("naive Bayes (before)", rows, nb, threshold=0.6, detail=False)

    samples = [triage.Sample(r["text"], r["label"]) for r in train]
    started = time.perf_counter()
    plain = triage.TriageModel.fit(samples, cue_weight=0.0)
    print(f"\nTF-IDF + linear SVM (no cues) trained in {time.perf_counter() - started:.1f} s")
    _report("char n-gram TF-IDF + SVM", rows, _batched(plain, rows), threshold=plain.threshold, detail=False)

    started = time.perf_counter()
    shipped = triage.TriageModel.fit(samples)
    print(f"\nshipped model (TF-IDF + cues + SVM, softmax T={shipped.temperature}, confident ≥ "
          f"{shipped.threshold}) trained in {time.perf_counter() - started:.1f} s")
    _report("shipped (cues, product line)", rows, _batched(shipped, rows), threshold=shipped.threshold, detail=True)


def _batched(model, rows: list[dict]):
    """A predictor over pre-computed scores: the texts are scored in one batch (the same scores
    ``predict`` computes one by one), which keeps the benchmark well under a minute."""
    scores = dict(zip((r["text"] for r in rows), model.scores([r["text"] for r in rows]), strict=True))

    def predict(text: str, line: str | None) -> tuple[str | None, float]:
        p = model.probabilities(scores[text], product_line=line)
        best = int(p.argmax())
        return model.classes[best], float(p[best])
    return predict


def tune() -> None:
    """Cross-validation on the training corpus only, grouped by seed report."""
    from sklearn.model_selection import GroupKFold

    from tickets.triage import model as triage

    train = triage.corpus_load()
    texts = [r["text"] for r in train]
    labels = np.array([r["label"] for r in train])
    groups = [r["seed"] for r in train]
    lines = [r["product_line"] for r in train]
    for c, cue_weight in ((0.3, 2.0), (1.0, 1.0)):
        oof = np.zeros((len(train), len(set(labels))))
        classes = None
        for fit_idx, test_idx in GroupKFold(n_splits=4).split(texts, labels, groups):
            m = triage.TriageModel.fit([triage.Sample(texts[i], labels[i]) for i in fit_idx], c=c, cue_weight=cue_weight)
            classes = m.classes
            oof[test_idx] = m.scores([texts[i] for i in test_idx])
        for temperature in (1.0, 2.0, 4.0, 8.0):
            m.temperature = temperature
            probs = np.array([m.probabilities(oof[i], product_line=lines[i]) for i in range(len(train))])
            best = probs.argmax(1)
            good = np.array([classes[b] == labels[i] for i, b in enumerate(best)])
            conf = probs.max(1)
            nll = -np.mean([math.log(max(probs[i, classes.index(labels[i])], 1e-12)) for i in range(len(train))])
            curve = "  ".join(f"≥{t:.2f}: {good[conf >= t].mean():.0%}/{np.mean(conf >= t):.0%}"
                              for t in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95) if (conf >= t).any())
            print(f"C={c} cues×{cue_weight} T={temperature}: top-1 {good.mean():.1%}  log loss {nll:.3f}  "
                  f"precision/share {curve}")


if __name__ == "__main__":
    import os

    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    tune() if "--tune" in sys.argv else evaluate()
