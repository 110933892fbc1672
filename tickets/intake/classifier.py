"""The earlier triage classifier, kept as the baseline the benchmark compares against: jieba
tokens, keyword priors, multinomial naive Bayes. Triage itself uses ``tickets.triage.model``.

Pure Python and database-free: ``train()`` turns labelled samples plus the taxonomy's keywords into
a JSON-safe parameter dict (what ``ClassifierModel.params`` stores) and ``NaiveBayes`` scores a
text against it. Persisting, loading and retraining are in ``tickets.intake.services`` and
``tickets.intake.selectors``.

Features are jieba words plus character bigrams of Chinese runs, so that wording jieba splits
unexpectedly (“充不进电” / “充不进 电”) still shares evidence. Each category keyword is added to its
category as a pseudo-document with ``KEYWORD_WEIGHT`` counts (the prior), and a keyword found
verbatim in the text adds ``KEYWORD_BONUS`` nats to its category's score.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "triage" / "corpus" / "train.jsonl"
KEYWORD_WEIGHT = 3.0
KEYWORD_BONUS = 0.8
ALPHA = 0.5  # Laplace/Lidstone smoothing
# Softmax temperature applied to the log scores; > 1 keeps a single weak token from producing a
# near-certain probability, so that the confidence threshold is meaningful.
TEMPERATURE = 2.0
PARAMS_VERSION = 1

_STOPWORDS = set(
    "的 了 是 我 你 他 她 它 们 在 有 就 也 都 和 与 及 还 又 很 太 非常 一下 一个 一直 这个 那个 这 那 吗 呢 吧 啊 呀 哦 嗯 "
    "怎么 怎么办 什么 为什么 能 能不能 可以 可能 请 请问 想 要 需要 帮 帮忙 一 个 把 被 给 让 到 从 对 说 会 好 "
    "现在 今天 昨天 已经 还是 但是 但 而且 然后 就是 所以 因为 如果 不知道 之前 以后 之后 时候 的时候 下 上 里 里面 "
    "您好 你好 麻烦 谢谢 感谢 师傅 客服 手机 电脑".split()
)
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

_jieba_lock = threading.Lock()
_jieba_words: set[str] = set()


def _jieba():
    import jieba

    jieba.setLogLevel(60)
    return jieba


def register_words(words: Iterable[str]) -> None:
    """Teach jieba the taxonomy's keywords so that they come out as single tokens."""
    new = [w for w in words if w and w not in _jieba_words]
    if not new:
        return
    jieba = _jieba()
    with _jieba_lock:
        for word in new:
            jieba.add_word(word, freq=2000)
            _jieba_words.add(word)


def tokenize(text: str) -> list[str]:
    """Lower-cased jieba words (stopwords and punctuation dropped) plus Chinese character bigrams."""
    text = (text or "").strip().lower()
    if not text:
        return []
    words = [w.strip() for w in _jieba().lcut(text)]
    tokens = [w for w in words if w and _WORD.search(w) and w not in _STOPWORDS]
    for run in _CJK_RUN.findall(text):
        tokens.extend(f"_{run[i:i + 2]}" for i in range(len(run) - 1))
    return tokens


@dataclass
class Prediction:
    code: str | None
    confidence: float
    ranked: list[tuple[str, float]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


def train(
    samples: Iterable[tuple[str, str]],
    *,
    categories: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Count tokens per category. ``samples`` are (text, category code); ``categories`` maps each leaf
    code to ``{"keywords": [...], "product_categories": [...]}``. Samples of unknown codes are skipped.
    """
    all_keywords = [kw for meta in categories.values() for kw in meta.get("keywords", [])]
    register_words(all_keywords)
    counts: dict[str, Counter] = {code: Counter() for code in categories}
    docs: Counter = Counter()
    used = 0
    for text, code in samples:
        if code not in counts:
            continue
        counts[code].update(tokenize(text))
        docs[code] += 1
        used += 1
    for code, meta in categories.items():
        for keyword in meta.get("keywords", []):
            for token in tokenize(keyword):
                counts[code][token] += KEYWORD_WEIGHT
    vocabulary = set()
    for counter in counts.values():
        vocabulary.update(counter)
    return {
        "version": PARAMS_VERSION,
        "samples": used,
        "vocabulary_size": len(vocabulary),
        "keywords": {code: [kw.lower() for kw in meta.get("keywords", [])] for code, meta in categories.items()},
        "product_categories": {code: list(meta.get("product_categories") or []) for code, meta in categories.items()},
        "categories": {
            code: {"docs": docs[code], "total": float(sum(counts[code].values())), "tokens": dict(counts[code])}
            for code in categories
        },
    }


class NaiveBayes:
    """Scores texts against trained parameters; instances are immutable and thread-safe."""

    def __init__(self, params: dict[str, Any]):
        self.params = params
        cats = params["categories"]
        self.codes = list(cats)
        vocab = max(int(params.get("vocabulary_size") or 0), 1)
        total_docs = sum(c["docs"] for c in cats.values())
        n = len(self.codes) or 1
        self.log_prior = {
            code: math.log((cats[code]["docs"] + 1.0) / (total_docs + n)) for code in self.codes
        }
        self.log_prob: dict[str, dict[str, float]] = {}
        self.log_unknown: dict[str, float] = {}
        for code in self.codes:
            denominator = cats[code]["total"] + ALPHA * vocab
            self.log_unknown[code] = math.log(ALPHA / denominator)
            self.log_prob[code] = {tok: math.log((cnt + ALPHA) / denominator) for tok, cnt in cats[code]["tokens"].items()}
        self.vocabulary = set().union(*(set(t) for t in self.log_prob.values())) if self.log_prob else set()
        self.keywords = params.get("keywords", {})
        self.product_categories = params.get("product_categories", {})
        register_words(kw for kws in self.keywords.values() for kw in kws)

    def _candidates(self, product_category: str | None) -> list[str]:
        if not product_category:
            return self.codes
        fitting = [c for c in self.codes
                   if not self.product_categories.get(c) or product_category in self.product_categories[c]]
        return fitting or self.codes

    def predict(self, text: str, *, product_category: str | None = None) -> Prediction:
        tokens = tokenize(text)
        known = [t for t in tokens if t in self.vocabulary]
        candidates = self._candidates(product_category)
        if not known or not candidates:
            return Prediction(code=None, confidence=0.0, ranked=[], tokens=tokens)
        lowered = (text or "").lower()
        scores: dict[str, float] = {}
        for code in candidates:
            table, unknown = self.log_prob[code], self.log_unknown[code]
            score = self.log_prior[code] + sum(table.get(t, unknown) for t in known)
            score += KEYWORD_BONUS * sum(1 for kw in self.keywords.get(code, ()) if kw and kw in lowered)
            scores[code] = score / TEMPERATURE
        top = max(scores.values())
        exp = {code: math.exp(s - top) for code, s in scores.items()}
        z = sum(exp.values())
        ranked = sorted(((code, v / z) for code, v in exp.items()), key=lambda kv: kv[1], reverse=True)
        return Prediction(code=ranked[0][0], confidence=ranked[0][1], ranked=ranked[:5], tokens=tokens)


def corpus_load(path: Path = DEFAULT_CORPUS) -> list[dict[str, Any]]:
    """The shipped training corpus (JSON lines with text, category and product)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
