"""Cross-validation of the sentence classifier on its own training sentences
(``search/knowledge/decision_sentences.jsonl``) only: precision and recall of decisions and
actions at a range of thresholds, to choose ``THRESHOLD`` (decisions) and
``ACTION_THRESHOLD`` without the held-apart lines.

``python benchmarks/decisions/calibrate.py [--folds 5] [--repeats 10]``
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


def _f_half(guess: np.ndarray, actual: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall and F0.5 of a guess against the truth (NaN when undefined)."""
    tp = int((guess & actual).sum())
    precision = tp / guess.sum() if guess.sum() else float("nan")
    recall = tp / actual.sum() if actual.sum() else float("nan")
    f_half = 1.25 * precision * recall / (0.25 * precision + recall) if tp else float("nan")
    return precision, recall, f_half


def report(
    examples: list[Labelled], probabilities: np.ndarray, labels: list[str], repeats: int = 1
) -> dict[str, float]:
    """Print precision and recall per threshold; return, for decisions and for actions, the
    lowest threshold whose F0.5 (precision weighs more than recall) is within one standard
    error of the best. The standard error is that of the F0.5 across the ``repeats``
    reshuffles of the folds (``examples`` holds each repeat's sentences in turn): closer
    than that, two thresholds are not told apart by these sentences, and the lower one keeps
    more items."""
    truth = np.asarray([e.label for e in examples])
    best = probabilities.argmax(axis=1)
    size = len(examples) // max(repeats, 1)
    scores: dict[str, dict[float, tuple[float, float]]] = {"decision": {}, "action": {}}
    for threshold in THRESHOLDS:
        cells = []
        for label in ("decision", "action"):
            column = labels.index(label)
            guess = (best == column) & (probabilities[:, column] >= threshold)
            actual = truth == label
            precision, recall, f_half = _f_half(guess, actual)
            cells.append(f"{label} P {precision:.3f} R {recall:.3f}")
            if not np.isnan(f_half):
                per_repeat = [
                    _f_half(guess[r * size : (r + 1) * size], actual[r * size : (r + 1) * size])[2]
                    for r in range(repeats)
                ]
                error = float(np.std(per_repeat, ddof=1) / np.sqrt(repeats)) if repeats > 1 else 0.0
                scores[label][threshold] = (f_half, error)
                cells.append(f"F0.5 {f_half:.3f} \u00b1 {error:.3f}")
        print(f"threshold {threshold:.2f}  " + "  ".join(cells))
    chosen = {}
    for label, found in scores.items():
        top = max(found, key=lambda t: (found[t][0], -t))
        best_f, error = found[top]
        chosen[label] = min(t for t, (f, _) in found.items() if f >= best_f - error - 1e-9)
        print(
            f"best {label} F0.5 {best_f:.3f} \u00b1 {error:.3f} at threshold {top:.2f}; "
            f"lowest threshold within one standard error: {chosen[label]:.2f}"
        )
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--cue-weight", type=float, default=module.CUE_WEIGHT)
    parser.add_argument("--c", type=float, default=module.C)
    args = parser.parse_args()
    module.CUE_WEIGHT, module.C = args.cue_weight, args.c
    report(*out_of_fold(args.folds, args.repeats), repeats=args.repeats)


if __name__ == "__main__":
    main()
