"""Cross-validation of the sentence classifier on its own training sentences
(``search/knowledge/decision_sentences.jsonl``) only: precision and recall of decisions and
actions at a range of thresholds, to choose ``THRESHOLD`` without the held-apart lines.

``python benchmarks/decisions/calibrate.py [--folds 5] [--repeats 3]``
"""

from __future__ import annotations

import argparse

import numpy as np

from search.knowledge import classifier as module
from search.knowledge.classifier import LABELS, Labelled, SentenceClassifier, load_labelled
from search.store.embeddings import load_embedder
from search.store.settings import Settings

THRESHOLDS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)


class _Fixed:
    """An embedder that answers from vectors computed once."""

    def __init__(self, vectors: dict[str, np.ndarray]) -> None:
        self.vectors = vectors

    def embed_texts(self, texts: list[str]) -> list[np.ndarray]:
        return [self.vectors[t] for t in texts]


def out_of_fold(folds: int, repeats: int) -> tuple[list[Labelled], np.ndarray, list[str]]:
    """Every training sentence and its class probabilities from models that did not see it
    (``repeats`` shuffles of ``folds`` folds, stratified by label)."""
    examples = load_labelled()
    embedder = load_embedder(Settings().model_path)
    texts = sorted({e.sentence.text for e in examples})
    fixed = _Fixed(dict(zip(texts, embedder.embed_texts(texts), strict=True)))
    seen: list[Labelled] = []
    probabilities = []
    for repeat in range(repeats):
        rng = np.random.default_rng(repeat)
        fold_of = np.zeros(len(examples), dtype=int)
        for label in LABELS:
            where = np.flatnonzero([e.label == label for e in examples])
            rng.shuffle(where)
            fold_of[where] = np.arange(len(where)) % folds
        for fold in range(folds):
            train = [e for e, f in zip(examples, fold_of, strict=True) if f != fold]
            test = [e for e, f in zip(examples, fold_of, strict=True) if f == fold]
            model = SentenceClassifier.train(fixed, train)  # type: ignore[arg-type]
            vectors = np.asarray(fixed.embed_texts([e.sentence.text for e in test]))
            matrix = module._matrix(vectors, [(e.sentence, e.accepted) for e in test])
            found = model.model.predict_proba(matrix)
            order = [list(model.model.classes_).index(label) for label in LABELS]
            probabilities.append(found[:, order])
            seen += test
    return seen, np.vstack(probabilities), list(LABELS)


def report(examples: list[Labelled], probabilities: np.ndarray, labels: list[str]) -> float:
    """Print precision and recall per threshold; return the threshold with the best
    F0.5 of decisions (precision weighs more than recall), the lowest on a tie."""
    truth = [e.label for e in examples]
    best = probabilities.argmax(axis=1)
    chosen, best_f = THRESHOLDS[0], -1.0
    for threshold in THRESHOLDS:
        cells = []
        for label in ("decision", "action"):
            column = labels.index(label)
            guess = (best == column) & (probabilities[:, column] >= threshold)
            actual = np.asarray([t == label for t in truth])
            tp = int((guess & actual).sum())
            precision = tp / guess.sum() if guess.sum() else float("nan")
            recall = tp / actual.sum()
            cells.append(f"{label} P {precision:.3f} R {recall:.3f}")
            if label == "decision" and tp:
                f_half = 1.25 * precision * recall / (0.25 * precision + recall)
                cells.append(f"F0.5 {f_half:.3f}")
                if f_half > best_f + 1e-9:
                    chosen, best_f = threshold, f_half
        print(f"threshold {threshold:.2f}  " + "  ".join(cells))
    print(f"best decision F0.5 {best_f:.3f} at threshold {chosen:.2f}")
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cue-weight", type=float, default=module.CUE_WEIGHT)
    parser.add_argument("--c", type=float, default=module.C)
    args = parser.parse_args()
    module.CUE_WEIGHT, module.C = args.cue_weight, args.c
    report(*out_of_fold(args.folds, args.repeats))


if __name__ == "__main__":
    main()
