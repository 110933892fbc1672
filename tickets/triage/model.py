"""The triage classifier: TF-IDF of single characters and character pairs, a linear SVM over fault
families, and a softmax over its scores; combined with what intake knows besides the text.

Phones, tablets and laptops fail in the same ways and customers describe a cracked screen or a dying
battery in the same words whatever the device, so the SVM learns one class per family of those three
lines (``mobile.display``) and a second, small SVM learns which line a text is about. A known product
line picks the line's leaves; without it the line SVM's scores are added to the families'. Learning
``phone.display`` apart from ``tablet.display`` from the text alone would spend the model's weights on
product words instead of on the symptom.

A third SVM learns whether a report asks something of the service (a request that is not a fault) or
reports a fault, from all reports at once; its margin is added to the requests' scores
(``INTENT_WEIGHT``), so that a complaint or a billing dispute that names a broken screen in passing is
read by its intent rather than by the object it mentions.

The hand-written symptom cues (``cues.py``) can be added as features (``cue_weight``) but are off: their
word lists were written from the training reports, so cross-validation rewards them while reports
written by someone else do not (see corpus/README.md). They still name the symptom words a report
contains (``Prediction.tokens``).

Pure Python and database-free. ``TriageModel.fit`` trains from (text, leaf, weight) samples in a few
seconds, so a fresh install trains at first use from the committed corpus instead of shipping a
pickle that a newer scikit-learn could not read. Persisting which samples a model was trained on is
``tickets.intake.services.classifier_train``; the fitted model is cached per process by the hash of
its inputs.

Hyper-parameters were chosen by cross-validation on the training corpus only, grouped by seed report
so that the variants of one report never sit on both sides, and scored on the held-out seeds as
written (tests/bench/bench_classifier.py ``--tune``): ``C``, the line and intent weights by top-1, the
softmax temperature as the one that gives the most confident reports while those at ``CONFIDENT_AT``
stay at least 95% precise out of fold, with the product line known and, by one standard error more,
with it unknown (``TEMPERATURE_LINE_UNKNOWN``).
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
FORMAT = 4
C = 0.5
CUE_WEIGHT = 0.0
LINE_WEIGHT = 0.5
# How much a second SVM's request-or-fault margin moves the requests' scores (0: not used).
INTENT_WEIGHT = 1.0
# Weight the families inversely to their number of reports (the request leaves have more seeds).
BALANCED = False
TEMPERATURE = 8.5
# Without the product line the leaves of every line compete and the line SVM's guess decides between
# them: the same scores are worth less certainty, so the softmax is flatter and fewer of those reports
# reach CONFIDENT_AT (one cut for all reports, each probability calibrated for what intake knows).
# Grouped cross-validation: the highest at which the seeds as written, line hidden, that reach the cut
# stay 95% precise out of fold by one standard error (T=5: 95.9% of 1,049; T=5.5: 95.1% ± 0.6).
TEMPERATURE_LINE_UNKNOWN = 5.0
CONFIDENT_AT = 0.95
# The lines whose leaves share one family class (see the module docstring).
SHARED_LINES = ("phone", "tablet", "laptop")
# A device's earlier categories and a guided diagnosis's suggestion multiply a leaf's probability.
HISTORY_BOOST = 1.5
HINT_BOOST = 3.0
# Single characters and pairs (most Chinese words are one or two characters): grouped cross-validation
# ranks them above one to three characters (87.7% against 86.7%).
NGRAMS = (1, 2)


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


def family_of(code: str) -> str:
    """The class the SVM learns for a leaf: ``mobile.<family>`` for the shared lines, else the leaf."""
    line, rest = code.split(".", 1)
    return f"mobile.{rest}" if line in SHARED_LINES else code


class TriageModel:
    """A fitted model; immutable once built and safe to share between threads."""

    def __init__(self, *, vectorizer, svm, line_svm, classes: Sequence[str], temperature: float,
                 threshold: float, cue_weight: float, line_weight: float = LINE_WEIGHT, intent_svm=None,
                 intent_weight: float = INTENT_WEIGHT, temperature_line_unknown: float | None = None):
        self.vectorizer = vectorizer
        self.svm = svm
        self.line_svm = line_svm
        self.classes: list[str] = list(classes)
        self.temperature = temperature
        self.temperature_line_unknown = temperature if temperature_line_unknown is None else temperature_line_unknown
        self.threshold = threshold
        self.cue_weight = cue_weight
        self.line_weight = line_weight
        self.intent_svm = intent_svm
        self.intent_weight = intent_weight
        cues = [f"cue:{n}" for n in CUE_NAMES] if cue_weight else []
        self.feature_names = [*vectorizer.get_feature_names_out(), *cues]
        self._class_line = np.array([_line(c) for c in self.classes])
        families = [str(f) for f in svm.classes_]
        self._column = np.array([families.index(family_of(c)) for c in self.classes])
        lines = [str(x) for x in line_svm.classes_] if line_svm is not None else []
        self._line_column = np.array([lines.index(x) if x in lines else -1 for x in self._class_line])
        self._n_lines = len(lines)
        self._is_request = self._class_line == "request"
        # The vectorizer's own text-to-n-grams function, built once (``transform`` builds it per call).
        self._analyzer = vectorizer.build_analyzer()

    # -- training ---------------------------------------------------------------------------
    @classmethod
    def fit(cls, samples: Sequence[Sample], *, c: float = C, cue_weight: float = CUE_WEIGHT,
            temperature: float = TEMPERATURE, temperature_line_unknown: float | None = TEMPERATURE_LINE_UNKNOWN,
            threshold: float = CONFIDENT_AT, line_weight: float = LINE_WEIGHT, intent_weight: float = INTENT_WEIGHT,
            balanced: bool = BALANCED, ngrams: tuple[int, int] = NGRAMS) -> TriageModel:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(ngrams), sublinear_tf=True, lowercase=True)
        texts = [s.text for s in samples]
        matrix = _features(vectorizer.fit_transform(texts), texts, cue_weight)
        weights = np.array([s.weight for s in samples])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # liblinear's convergence notice on near-separable data
            svm = LinearSVC(C=c, max_iter=5000, class_weight="balanced" if balanced else None)
            svm.fit(matrix, [family_of(s.label) for s in samples], sample_weight=weights)
            # Which line a report is about, learnt from the fault reports (a request names no line).
            faults = np.array([_line(s.label) != "request" for s in samples])
            fault_lines = [_line(s.label) for s in samples if _line(s.label) != "request"]
            line_svm = None
            if len(set(fault_lines)) > 1:
                line_svm = LinearSVC(C=c, max_iter=5000)
                line_svm.fit(matrix[faults], fault_lines, sample_weight=weights[faults])
            # Whether a report asks something of the service (a request) or reports a fault, learnt
            # from all reports at once: a complaint that mentions a broken screen is still a request.
            intent_svm = None
            if intent_weight and 0 < faults.sum() < len(samples):
                intent_svm = LinearSVC(C=c, max_iter=5000, class_weight="balanced")
                intent_svm.fit(matrix, ~faults, sample_weight=weights)
        return cls(vectorizer=vectorizer, svm=svm, line_svm=line_svm, classes=sorted({s.label for s in samples}),
                   temperature=temperature, temperature_line_unknown=temperature_line_unknown, threshold=threshold,
                   cue_weight=cue_weight, line_weight=line_weight, intent_svm=intent_svm, intent_weight=intent_weight)

    # -- scoring ----------------------------------------------------------------------------
    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text and one column per leaf: the leaf's family score (the SVM's), then the
        line scores (one column per line the line SVM knows) that ``probabilities`` adds when the
        product line is not known, then the request-or-fault margin when that SVM is fitted."""
        return self._scores(self._matrix(texts))

    def _scores(self, matrix) -> np.ndarray:
        family = _decision(self.svm, matrix)
        if family.ndim == 1:  # two families: liblinear returns the second one's margin only
            family = np.stack([-family, family], axis=1)
        parts = [family[:, self._column]]
        if self.line_svm is not None:
            lines = _decision(self.line_svm, matrix)
            if lines.ndim == 1:
                lines = np.stack([-lines, lines], axis=1)
            parts.append(lines)
        if self.intent_svm is not None:
            parts.append(_decision(self.intent_svm, matrix)[:, None])
        return np.hstack(parts)

    def _matrix(self, texts: Sequence[str]):
        if len(texts) == 1:
            return _features(self._tfidf_one(texts[0]), texts, self.cue_weight)
        return _features(self.vectorizer.transform(list(texts)), texts, self.cue_weight)

    def _tfidf_one(self, text: str):
        """``vectorizer.transform([text])`` for one report, the same numbers without scikit-learn's
        per-call checks and set-up, which cost an intake more than the arithmetic (a report is a few
        dozen n-grams); ``test_triage_model`` holds the two equal."""
        from scipy.sparse import csr_matrix

        vectorizer, vocabulary = self.vectorizer, self.vectorizer.vocabulary_
        counts: dict[int, int] = {}
        for gram in self._analyzer(text):
            column = vocabulary.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.array(sorted(counts), dtype=np.int32)
        values = np.array([counts[c] for c in columns], dtype=np.float64)
        if vectorizer.binary:
            values[:] = 1.0
        elif vectorizer.sublinear_tf:
            values = np.log(values) + 1.0
        if vectorizer.use_idf:
            values *= vectorizer.idf_[columns]
        if vectorizer.norm == "l2" and values.size:
            values /= np.sqrt(np.dot(values, values))
        elif vectorizer.norm == "l1" and values.size:
            values /= np.abs(values).sum()
        return csr_matrix((values, columns, np.array([0, columns.size], dtype=np.int32)),
                          shape=(1, len(vocabulary)))

    def probabilities(self, scores: np.ndarray, *, product_line: str | None = None,
                      history: Iterable[str] = (), hint: str | None = None) -> np.ndarray:
        """Softmax over the leaf scores of one text (a row of ``scores``), restricted to the product
        line's leaves and the requests that are not faults when the line is known, else with the
        line scores added to the fault leaves and the flatter softmax of ``temperature_line_unknown``;
        then weighted by the device's earlier categories and a guided diagnosis's suggestion."""
        n = len(self.classes)
        z = np.array(scores[:n], dtype=float)
        allowed = None
        if product_line:
            allowed = (self._class_line == product_line) | (self._class_line == "request")
            if not allowed.any():
                allowed = None
        if allowed is not None:
            z = np.where(allowed, z, -np.inf)
        elif self._n_lines:
            lines = np.asarray(scores[n:n + self._n_lines], dtype=float)
            known = self._line_column >= 0
            z[known] += self.line_weight * lines[self._line_column[known]]
        if self.intent_svm is not None and len(scores) > n + self._n_lines:
            z[self._is_request] += self.intent_weight * float(scores[n + self._n_lines])
        z = z * (self.temperature if allowed is not None else self.temperature_line_unknown)
        z = z - z[np.isfinite(z)].max()
        p = np.exp(z)
        for code in set(history):
            if code in self.classes:
                p[self.classes.index(code)] *= HISTORY_BOOST
        if hint and hint in self.classes:
            p[self.classes.index(hint)] *= HINT_BOOST
        return p / p.sum()

    def predict(self, text: str, *, product_line: str | None = None, history: Iterable[str] = (),
                hint: str | None = None, top: int = 5, explain: bool = True) -> Prediction:
        """The leaf for ``text``; ``explain=False`` leaves out the explanation and the cue words (the
        intake's answer needs only the leaf and its confidence; the triage explains it to staff)."""
        text = (text or "").strip()
        history = [h for h in history if h]
        context = {k: v for k, v in {"product_line": product_line, "history": history, "hint": hint}.items() if v}
        if not text:
            return Prediction(code=None, confidence=0.0, context=context)
        row = self._matrix([text])
        if row.nnz == 0:
            return Prediction(code=None, confidence=0.0, context=context)
        scores = self._scores(row)[0]
        p = self.probabilities(scores, product_line=product_line, history=history, hint=hint)
        order = np.argsort(-p)[:top]
        ranked = [(self.classes[i], float(p[i])) for i in order]
        best = order[0]
        hits = cue_hits(text) if explain else {}
        return Prediction(
            code=self.classes[best], confidence=float(p[best]), ranked=ranked,
            explanation=self._explain(row, best, hits) if explain else [], tokens=[*hits.values()][:20],
            confident=float(p[best]) >= self.threshold, context=context,
        )

    def _explain(self, row, best: int, hits: dict[str, str], limit: int = 6) -> list[dict[str, Any]]:
        """The features that pushed the text towards the chosen leaf's family: contribution =
        value × weight, strongest first; overlapping n-grams are shown once (the longest), single
        characters and pairs with punctuation not at all, cues by the words found."""
        column = self._column[best]
        if self.svm.coef_.shape[0] > 1:
            coef = self.svm.coef_[column]
        else:  # two families: one weight vector, for the second
            coef = self.svm.coef_[0] if column == 1 else -self.svm.coef_[0]
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
            # A pair that straddles punctuation (，屏) says nothing to the agent reading it.
            if len(gram) < 2 or not gram.isalnum() or any(gram in t or t in gram for t in taken):
                continue
            shown.append({"feature": gram, "kind": "ngram", "weight": round(weight, 3)})
            taken.append(gram)
        return shown


def _decision(svm, matrix) -> np.ndarray:
    """``svm.decision_function(matrix)`` for our own matrix (sparse, of the fitted width): the same
    product and intercept without scikit-learn's input checks, which cost a classification more than
    the arithmetic (it runs for every report at intake)."""
    scores = np.asarray(matrix @ svm.coef_.T) + svm.intercept_
    return scores.ravel() if scores.shape[1] == 1 else scores


def _features(tfidf, texts: Sequence[str], cue_weight: float):
    from scipy.sparse import csr_matrix, hstack

    if not cue_weight:
        return tfidf.tocsr()
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
    key = samples_digest(samples, c=C, cue_weight=CUE_WEIGHT, temperature=TEMPERATURE,
                         temperature_line_unknown=TEMPERATURE_LINE_UNKNOWN, threshold=CONFIDENT_AT,
                         line_weight=LINE_WEIGHT, intent_weight=INTENT_WEIGHT, balanced=BALANCED)
    with _cache_lock:
        model = _cache.get(key)
    if model is None:
        model = TriageModel.fit(samples)
        with _cache_lock:
            _cache.clear()  # one model per process: a retrain replaces the previous one
            _cache[key] = model
    return model
