"""The sentence classifier: logistic regression over MiniLM sentence embeddings and the
cue features, trained on the labelled sentences shipped beside this module
(``decision_sentences.jsonl``: sentences written in the style of the sample organization,
each labelled ``decision``, ``action`` or ``other``). No LLM and no download."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from search.knowledge.cues import features
from search.knowledge.sentences import Sentence
from search.store.embeddings import Embedder

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

TRAINING = Path(__file__).with_name("decision_sentences.jsonl")
LABELS = ("decision", "action", "other")
# Cue features weigh this much beside the unit-length embedding, the regression's inverse
# regularization is C, and a decision is kept when the model gives it at least THRESHOLD,
# an action at least ACTION_THRESHOLD. All were chosen by cross-validation on the training
# sentences alone (``benchmarks/decisions/calibrate.py``: the best F0.5 of decisions; for
# each threshold, the lowest within one standard error of the best F0.5 of its label, over
# 10 reshuffles of 5 folds).
CUE_WEIGHT = 4.0
C = 4.0
THRESHOLD = 0.7
ACTION_THRESHOLD = 0.6


@dataclass(frozen=True, slots=True)
class Labelled:
    """A labelled sentence with the context the cue features read."""

    sentence: Sentence
    label: str
    kind: str
    accepted: bool = False


def labelled_from(record: dict[str, Any]) -> Labelled:
    """A :class:`Labelled` from a JSON line: ``text``, ``label``, ``kind`` and optionally
    ``section``, ``speaker``, ``owner``, ``checked``, ``accepted``."""
    if record["label"] not in LABELS:
        raise ValueError(f"unknown label {record['label']!r}: use one of {', '.join(LABELS)}")
    sentence = Sentence(
        text=record["text"],
        speaker=record.get("speaker"),
        section=record.get("section", ""),
        line=0,
        owner_label=record.get("owner"),
        checked=record.get("checked"),
    )
    return Labelled(
        sentence, record["label"], record.get("kind", ""), record.get("accepted", False)
    )


def load_labelled(path: Path = TRAINING) -> list[Labelled]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [labelled_from(json.loads(line)) for line in lines if line.strip()]


class SentenceClassifier:
    """Decision / action / other for sentences, from their embedding and cues."""

    def __init__(self, embedder: Embedder, model: LogisticRegression) -> None:
        self.embedder = embedder
        self.model = model

    @classmethod
    def train(cls, embedder: Embedder, examples: Iterable[Labelled]) -> SentenceClassifier:
        examples = list(examples)
        vectors = np.asarray(embedder.embed_texts([e.sentence.text for e in examples]))
        matrix = _matrix(vectors, [(e.sentence, e.accepted) for e in examples])
        from sklearn.linear_model import LogisticRegression  # 2 s to import: only to train

        model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
        model.fit(matrix, [e.label for e in examples])
        return cls(embedder, model)

    def classify(
        self, items: list[tuple[Sentence, bool]], vectors: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """(label, probability) for each (sentence, accepted-as-proposal) pair; ``vectors``
        are their embeddings when the caller has them."""
        if not items:
            return []
        if vectors is None:
            vectors = np.asarray(self.embedder.embed_texts([s.text for s, _ in items]))
        probabilities = self.model.predict_proba(_matrix(vectors, items))
        classes = list(self.model.classes_)
        found = []
        for row in probabilities:
            best = int(np.argmax(row))
            label = classes[best]
            limit = THRESHOLD if label == "decision" else ACTION_THRESHOLD
            if label != "other" and row[best] < limit:
                label = "other"
            found.append((label, float(row[best])))
        return found


def _matrix(vectors: np.ndarray, items: list[tuple[Sentence, bool]]) -> np.ndarray:
    cues = np.asarray([features(s, accepted) for s, accepted in items], dtype=float)
    return np.hstack([vectors, cues * CUE_WEIGHT])


_TRAINED: dict[int, SentenceClassifier] = {}
_TRAIN_LOCK = threading.Lock()


def classifier_for(embedder: Embedder) -> SentenceClassifier:
    """The classifier trained on the shipped sentences with this embedder (trained once)."""
    with _TRAIN_LOCK:
        found = _TRAINED.get(id(embedder))
        if found is None or found.embedder is not embedder:
            found = _TRAINED[id(embedder)] = SentenceClassifier.train(embedder, load_labelled())
        return found
