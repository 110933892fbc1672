"""The triage classifier: character n-gram TF-IDF plus symptom cues, a linear SVM, and a softmax
over its scores; combined with what intake knows besides the text.

Pure Python and database-free. ``TriageModel.fit`` trains from (text, leaf, weight) samples in a few
seconds, so a fresh install trains at first use from the committed corpus instead of shipping a
pickle that a newer scikit-learn could not read. Persisting which samples a model was trained on is
``tickets.intake.services.classifier_train``; the fitted model is cached per process by the hash of
its inputs.

Hyper-parameters were chosen by cross-validation on the training corpus only, grouped by seed report
so that the variants of one report never sit on both sides (tests/bench/bench_classifier.py
``--tune``): ``C`` and the cue weight by top-1, the softmax temperature by log loss, and the
confidence threshold as the most precise point of the out-of-fold curve (0.95: 90% precise on
reports whose wording the model had never seen, a third of them confident).
"""

from __future__ import annotations

import hashlib
import json
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .cues import NAMES as CUE_NAMES
from .cues import cue_hits

CORPUS = Path(__file__).resolve().parent / "corpus" / "train.jsonl"
FORMAT = 2
C = 0.3
CUE_WEIGHT = 2.0
TEMPERATURE = 4.0
CONFIDENT_AT = 0.95
# A device's earlier categories and a guided diagnosis's suggestion multiply a leaf's probability.
HISTORY_BOOST = 1.5
HINT_BOOST = 3.0
NGRAMS = (1, 3)


@dataclass
class Sample:
    text: str
    label: str
    weight: float = 1.0


@dataclass
class Prediction:
    code: str | None
    confidence: float
    ranked: list[tuple[str, float]] = field(default_factory=list)
    explanation: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    confident: bool = False
    context: dict[str, Any] = field(default_factory=dict)


def corpus_load(path: Path = CORPUS) -> list[dict[str, Any]]:
    """The committed training reports (JSON lines: text, product_line, label, register, seed)."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def corpus_samples(path: Path = CORPUS) -> list[Sample]:
    return [Sample(row["text"], row["label"]) for row in corpus_load(path)]


def samples_digest(samples: Sequence[Sample], **hyper: Any) -> str:
    h = hashlib.sha256(json.dumps({"format": FORMAT, **hyper}, sort_keys=True).encode())
    for s in samples:
        h.update(f"{s.label}\t{s.weight:g}\t{s.text}\n".encode())
    return h.hexdigest()


def _line(code: str) -> str:
    return code.split(".", 1)[0]


class TriageModel:
    """A fitted model; immutable once built and safe to share between threads."""

    def __init__(self, *, vectorizer, svm, temperature: float, threshold: float, cue_weight: float):
        self.vectorizer = vectorizer
        self.svm = svm
        self.classes: list[str] = [str(c) for c in svm.classes_]
        self.temperature = temperature
        self.threshold = threshold
        self.cue_weight = cue_weight
        self.feature_names = [*vectorizer.get_feature_names_out(), *(f"cue:{n}" for n in CUE_NAMES)]
        self._class_line = np.array([_line(c) for c in self.classes])

    # -- training ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, samples: Sequence[Sample], *, c: float = C, cue_weight: float = CUE_WEIGHT,
            temperature: float = TEMPERATURE, threshold: float = CONFIDENT_AT) -> TriageModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, sublinear_tf=True, lowercase=True)
        texts = [s.text for s in samples]
        matrix = _features(vectorizer.fit_transform(texts), texts, cue_weight)
        svm = LinearSVC(C=c, max_iter=5000)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # liblinear's convergence notice on near-separable data
            svm.fit(matrix, [s.label for s in samples], sample_weight=np.array([s.weight for s in samples]))
        return cls(vectorizer=vectorizer, svm=svm, temperature=temperature, threshold=threshold,
                   cue_weight=cue_weight)

    # -- scoring ----------------------------------------------------------------------------
    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Raw SVM scores, one row per text and one column per class."""
        return self.svm.decision_function(self._matrix(texts))

    def _matrix(self, texts: Sequence[str]):
        return _features(self.vectorizer.transform(list(texts)), texts, self.cue_weight)

    def probabilities(self, scores: np.ndarray, *, product_line: str | None = None,
                      history: Iterable[str] = (), hint: str | None = None) -> np.ndarray:
        """Softmax over the scores of one text, restricted to the product line's leaves and the
        requests that are not faults when the line is known, then weighted by the device's earlier
        categories and a guided diagnosis's suggestion."""
        z = scores * self.temperature
        if product_line:
            allowed = (self._class_line == product_line) | (self._class_line == "request")
            if allowed.any():
                z = np.where(allowed, z, -np.inf)
        z = z - z[np.isfinite(z)].max()
        p = np.exp(z)
        for code in set(history):
            if code in self.classes:
                p[self.classes.index(code)] *= HISTORY_BOOST
        if hint and hint in self.classes:
            p[self.classes.index(hint)] *= HINT_BOOST
        return p / p.sum()

    def predict(self, text: str, *, product_line: str | None = None, history: Iterable[str] = (),
                hint: str | None = None, top: int = 5) -> Prediction:
        text = (text or "").strip()
        history = [h for h in history if h]
        context = {k: v for k, v in {"product_line": product_line, "history": history, "hint": hint}.items() if v}
        if not text:
            return Prediction(code=None, confidence=0.0, context=context)
        row = self._matrix([text])
        if row.nnz == 0:
            return Prediction(code=None, confidence=0.0, context=context)
        scores = self.svm.decision_function(row)[0]
        p = self.probabilities(scores, product_line=product_line, history=history, hint=hint)
        order = np.argsort(-p)[:top]
        ranked = [(self.classes[i], float(p[i])) for i in order]
        best = order[0]
        hits = cue_hits(text)
        return Prediction(
            code=self.classes[best], confidence=float(p[best]), ranked=ranked,
            explanation=self._explain(row, best, hits), tokens=[*hits.values()][:20],
            confident=float(p[best]) >= self.threshold, context=context,
        )

    def _explain(self, row, best: int, hits: dict[str, str], limit: int = 6) -> list[dict[str, Any]]:
        """The features that pushed the text towards the chosen leaf: contribution = value × weight,
        strongest first; overlapping n-grams are shown once (the longest), cues by the words found."""
        coef = self.svm.coef_[best]
        row = row.tocoo()
        contributions = sorted(((float(v * coef[j]), int(j)) for j, v in zip(row.col, row.data, strict=True)),
                               reverse=True)
        shown: list[dict[str, Any]] = []
        taken: list[str] = []
        for weight, j in contributions:
            if weight <= 0 or len(shown) >= limit:
                break
            name = self.feature_names[j]
            if name.startswith("cue:"):
                cue = name[4:]
                label = hits.get(cue, cue)
                shown.append({"feature": label, "kind": "cue", "cue": cue, "weight": round(weight, 3)})
                taken.append(label)
                continue
            gram = name.strip()
            if len(gram) < 2 or any(gram in t or t in gram for t in taken):
                continue
            shown.append({"feature": gram, "kind": "ngram", "weight": round(weight, 3)})
            taken.append(gram)
        return shown


def _features(tfidf, texts: Sequence[str], cue_weight: float):
    from scipy.sparse import csr_matrix, hstack

    index = {n: i for i, n in enumerate(CUE_NAMES)}
    rows, cols = [], []
    for r, text in enumerate(texts):
        for name in cue_hits(text):
            rows.append(r)
            cols.append(index[name])
    cues = csr_matrix((np.full(len(rows), cue_weight), (rows, cols)), shape=(len(texts), len(CUE_NAMES)))
    return hstack([tfidf, cues]).tocsr()


_cache_lock = threading.Lock()
_cache: dict[str, TriageModel] = {}


def model_for(samples: Sequence[Sample]) -> TriageModel:
    """The model fitted on ``samples``, fitted once per process for the same inputs."""
    key = samples_digest(samples, c=C, cue_weight=CUE_WEIGHT, temperature=TEMPERATURE, threshold=CONFIDENT_AT)
    with _cache_lock:
        model = _cache.get(key)
    if model is None:
        model = TriageModel.fit(samples)
        with _cache_lock:
            _cache.clear()  # one model per process: a retrain replaces the previous one
            _cache[key] = model
    return model
